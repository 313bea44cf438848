"""cli.py — `c5report OUT.h5 [-o DIR] [--svg] [--quiet] [--relevance PCT] [--csv]`: write the report and say where it is.

Exit codes follow c5sim's: 0 success, 1 runtime failure (cannot write), 2 usage error or a file
that cannot be analysed (missing, not HDF5, foreign, incomplete, malformed), always one line.
"""
import argparse
import os
import sys

EXIT_OK, EXIT_RUNTIME, EXIT_USAGE = 0, 1, 2


def _parser():
    parser = argparse.ArgumentParser(
        prog="c5report",
        description="Figures (PNG, SVG with --svg) and report.md / report.html for a c5sim "
                    "output file. See analysis/README.md.")
    parser.add_argument("file", metavar="OUT.h5", help="c5sim output file (run, sweep, measures, "
                        "coalitions, robust, portfolio, sensitivity, equilibrium)")
    parser.add_argument("-o", "--output", metavar="DIR",
                        help="directory for the report (default: OUT_report beside the file)")
    parser.add_argument("--svg", action="store_true", help="also write each figure as SVG")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print only the path of the report")
    parser.add_argument("--relevance", metavar="PCT", type=_percent, default=1.0,
                        help="smallest effect the headlines report, in %% of the reference's "
                             "expected regional harm (default 1)")
    parser.add_argument("--csv", action="store_true",
                        help="also write the tidy tables as CSV files in DIR/csv")
    return parser


def _percent(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number (a percentage, e.g. 1)")
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text} is not a percentage in 0..100")
    return value


def _own_report(args, fail, module, group):
    """The report of a file whose command writes one group and no /variants (sensitivity,
    equilibrium): the module's build()."""
    from .load import C5FileError

    build = module.build

    out_dir = args.output or os.path.splitext(args.file)[0] + "_report"
    log = None if args.quiet else (lambda line: print(line, file=sys.stderr))
    try:
        md_path = build(args.file, out_dir, svg=args.svg, log=log)
    except C5FileError as error:
        return fail(EXIT_USAGE, str(error))
    except OSError as error:
        return fail(EXIT_RUNTIME, f"cannot write the report in {out_dir}: {error}")
    except (KeyError, ValueError, IndexError, TypeError) as error:
        if os.environ.get("C5REPORT_DEBUG"):
            raise
        return fail(EXIT_USAGE, f"{args.file}: malformed /{group} ({type(error).__name__}: "
                                f"{error}); C5REPORT_DEBUG=1 shows where")
    print(f"report: {os.path.abspath(md_path)}")
    if not args.quiet:
        print(f"report: {os.path.abspath(os.path.join(out_dir, 'report.html'))}")
    return EXIT_OK


def main(argv=None):
    args = _parser().parse_args(argv)
    from .load import C5FileError, load

    def fail(code, message):
        print(f"c5report: error: {message}", file=sys.stderr)
        return code

    from . import equilibrium, sensitivity

    if sensitivity.is_sensitivity_file(args.file):  # c5sim sensitivity: sensitivity.py
        return _own_report(args, fail, sensitivity, "sensitivity")
    if equilibrium.is_equilibrium_file(args.file):  # c5sim equilibrium: equilibrium.py
        return _own_report(args, fail, equilibrium, "equilibrium")
    try:
        results = load(args.file)
    except C5FileError as error:
        return fail(EXIT_USAGE, str(error))
    except (KeyError, ValueError, IndexError, TypeError) as error:
        # A file that passes the checks but is still malformed: say what, not a traceback.
        return fail(EXIT_USAGE, f"{args.file}: malformed c5sim output ({type(error).__name__}: "
                                f"{error})")
    from .report import build  # matplotlib loads only for a file that can be analysed

    out_dir = args.output or os.path.splitext(args.file)[0] + "_report"
    log = None if args.quiet else (lambda line: print(line, file=sys.stderr))
    try:
        md_path = build(results, out_dir, svg=args.svg, log=log, relevance=args.relevance / 100)
    except OSError as error:
        return fail(EXIT_RUNTIME, f"cannot write the report in {out_dir}: {error}")
    except (KeyError, ValueError, IndexError, TypeError) as error:
        if os.environ.get("C5REPORT_DEBUG"):
            raise  # a developer wants the traceback
        return fail(EXIT_USAGE, f"{args.file}: inconsistent c5sim output ({type(error).__name__}: "
                                f"{error}); C5REPORT_DEBUG=1 shows where")
    if args.csv:
        from .export import write_csv

        try:
            for path in write_csv(results, os.path.join(out_dir, "csv")):
                if log:
                    log(f"wrote {path}")
        except OSError as error:
            return fail(EXIT_RUNTIME, f"cannot write the CSV tables in {out_dir}: {error}")
    html_path = os.path.join(os.path.dirname(md_path), "report.html")
    print(f"report: {os.path.abspath(md_path)}")
    if not args.quiet:
        print(f"report: {os.path.abspath(html_path)}")
        print(f"explorer: {os.path.abspath(os.path.join(out_dir, 'explorer.html'))}")
    return EXIT_OK
