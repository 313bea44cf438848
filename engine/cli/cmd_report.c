/* cmd_report.c — `c5sim report`: hands an output file to the Python analysis tools. */
#include <stdio.h>

#include "cli.h"

void cmd_report_help(FILE *stream) {
    fprintf(stream,
            "usage: c5sim report OUT.h5 [-o DIR] [--svg] [-q] [--relevance PCT] [--csv]\n\n"
            "Write figures (PNG, SVG with --svg), report.md / report.html and explorer.html\n"
            "(one self-contained page: pick a variant, see the map and tables redrawn) for a\n"
            "c5sim output file. This runs the Python analysis tools (analysis/c5report) with\n"
            "Debian's Python; all options are passed through. See analysis/README.md.\n\n"
            "Options:\n"
            "  -o, --output DIR   where to write (default: OUT_report beside the file)\n"
            "      --svg          also write every figure as SVG\n"
            "  -q, --quiet        print only the path of report.md\n"
            "      --relevance PCT  smallest effect a headline states, in %% of the\n"
            "                     reference's expected regional harm (default 1)\n"
            "      --csv          also write the tidy tables as CSV files in DIR/csv\n");
}

int cmd_report(int argc, char **argv) {
    return cli_exec_python_tool("report", "c5report", "OUT.h5", argc, argv);
}
