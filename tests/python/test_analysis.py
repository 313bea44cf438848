"""test_analysis.py — the analysis package (analysis/c5analysis, analysis/c5report) on c5sim files:
every figure is made, is not blank and has its axis labels; the report's numbers equal the file's;
broken, foreign and non-HDF5 files give one clear error line and exit 2.

Files come from two sources: the engine (C5SIM, default build/engine/cli/c5sim) run on the shipped
scenarios with few replicates and ticks, and synthetic files written by make_synthetic.py in the
engine's layout (kept for every kind, so that each figure is exercised on data with known shape).
Run: /usr/bin/python3 -m pytest tests/python/test_analysis.py
"""
import os
import re
import subprocess

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402

from conftest import ANALYSIS_DIR, SOURCE_ROOT  # noqa: E402
from make_synthetic import make_synthetic  # noqa: E402

import c5analysis  # noqa: E402
from c5analysis import figures  # noqa: E402

C5REPORT = os.path.join(ANALYSIS_DIR, "c5report")
C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
KINDS = ("run", "sweep", "measures", "coalitions")
BASELINE = "scenarios/c5-baseline.yaml"
MINIMAL = "scenarios/minimal.yaml"
SHORT = ["--set", "run.ticks=60"]
# Files the engine writes in this test run: (kind, scenario) -> command line after `c5sim`.
ENGINE_FILES = {
    ("run", "baseline"): ["run", BASELINE, "-r", "5"] + SHORT,
    ("sweep", "baseline"): ["sweep", BASELINE, "--vary", "sharing.level=0:1:0.5", "-r", "5",
                            "--series"] + SHORT,
    ("measures", "baseline"): ["measures", BASELINE, "-r", "5"] + SHORT,
    ("coalitions", "baseline"): ["coalitions", BASELINE, "-r", "3", "--set", "run.ticks=40"],
    ("coalitions", "minimal"): ["coalitions", MINIMAL, "-r", "5"] + SHORT,
    ("sweep", "minimal"): ["sweep", MINIMAL, "--vary", "sharing.policy=withhold,full", "-r", "5"]
    + SHORT,
}
# Synthetic files (make_synthetic.py, engine layout) for data the shipped scenarios may not produce
# at test size: trust that changes in every replicate.
SYNTHETIC_FILES = (("run", "synthetic"),)
SOURCES = list(ENGINE_FILES) + list(SYNTHETIC_FILES)
SOURCE_IDS = [f"{kind}-{scenario}" for kind, scenario in SOURCES]

# Figures every kind of file must give (more may appear, e.g. trust when trust changes).
EXPECTED_FIGURES = {
    "run": {"harm_by_type", "regional_map", "risk_catalog", "time_series"},
    "sweep": {"cooperation_curve", "harm_by_type", "regional_map", "risk_catalog"},
    "measures": {"harm_by_type", "regional_map", "measures"},
    "coalitions": {"harm_by_type", "regional_map", "coalitions", "risk_catalog"},
}
# Figures that would mislead on a kind of file (a measures file has no swept parameter).
FORBIDDEN_FIGURES = {
    "run": {"cooperation_curve", "coalitions", "measures"},
    "sweep": {"coalitions", "measures"},
    "measures": {"cooperation_curve", "coalitions", "risk_catalog"},
    "coalitions": {"cooperation_curve", "measures"},
}
# Axis labels each figure must carry: (x label pattern, y label pattern) per data axes, in order;
# None skips an axis whose label is not fixed.
HARM = r"\(harm units per run\)"
EXPECTED_LABELS = {
    "cooperation_curve": [(None, r"^expected harm " + HARM), (None, r"^expected regional harm "),
                          (None, r"^expected loss " + HARM), (None, r"^expected regional loss "),
                          (r"\(swept parameter\)$", r"^change in regional harm " + HARM),
                          (r"\(swept parameter\)$", r"^change in regional loss " + HARM)],
    "harm_by_type": [(r"^state$", r"^expected harm " + HARM), (r"^state$", r"^expected loss ")],
    "regional_map": [(r"^longitude \(degrees east\)$", r"^latitude \(degrees north\)$")],
    "trust": [(r"^time \(\w+s\)$", r"^mean trust in partners \(probability"),
              (r"^trusted state$", r"^trusting state$")],
    "coalitions": [(r"^state$", r"^Shapley value \(loss avoided, harm units per run\)$"),
                   (r"^state$", r"^gain from leaving " + HARM)],
    "measures": [(r"^measure cost \(harm units per run\)$", r"^regional harm averted " + HARM),
                 (r"^expected regional harm " + HARM, r"^threat type \(ranked\)$")],
    "risk_catalog": [(r"^expected regional harm " + HARM, r"^threat type \(ranked\)$")],
    "time_series": [(None, r"^regional harm \(harm units per \w+\)$"),
                    (r"^time \(\w+s\)$", r"^regional detections \(count per \w+\)$")],
}


def _run_engine(key, path):
    command = [C5SIM] + ENGINE_FILES[key] + ["-o", path, "-q"]
    done = subprocess.run(command, cwd=SOURCE_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stderr}"
    return path


class _OnDemand(dict):
    """A dict that makes each entry the first time it is asked for, so that one file the engine
    cannot write fails only the tests that use that file."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        self[key] = value = self.make(key)
        return value


@pytest.fixture(scope="module")
def analysis_files(tmp_path_factory):
    """(kind, scenario) -> path of a c5sim output file, made once per test module."""
    directory = tmp_path_factory.mktemp("analysis_files")

    def make(key):
        kind, scenario = key
        path = str(directory / f"{kind}-{scenario}.h5")
        return make_synthetic(path, kind) if scenario == "synthetic" else _run_engine(key, path)
    return _OnDemand(make)


@pytest.fixture(scope="module")
def analysis_reports(analysis_files, tmp_path_factory):
    """(kind, scenario) -> (completed c5report process, output directory)."""
    def make(key):
        out_dir = str(tmp_path_factory.mktemp("analysis_report"))
        done = subprocess.run([C5REPORT, analysis_files[key], "-o", out_dir], capture_output=True,
                              text=True, timeout=120)
        return done, out_dir
    return _OnDemand(make)


def _png_variance(figure, path):
    figure.savefig(path, dpi=60)
    pixels = matplotlib.image.imread(path)[..., :3]
    return float(pixels.var())


def _data_axes(figure):
    """Axes that hold data (colour bars are axes too, but carry no plotted artists of their own)."""
    return [ax for ax in figure.axes if ax.get_label() != "<colorbar>" and ax.axison]


@pytest.mark.parametrize("kind,scenario", SOURCES, ids=SOURCE_IDS)
def test_every_figure_is_made_labelled_and_not_blank(analysis_files, kind, scenario, tmp_path):
    results = c5analysis.load(analysis_files[(kind, scenario)])
    made = figures.make_figures(results)
    names = {name for name, _, _ in made}
    assert EXPECTED_FIGURES[kind] <= names, f"missing figures {EXPECTED_FIGURES[kind] - names}"
    assert not FORBIDDEN_FIGURES[kind] & names, f"out of place: {FORBIDDEN_FIGURES[kind] & names}"
    if any(v.has_trust and v.trust_changed for v in results.variants):
        assert "trust" in names
    if any("harm" in v.series for v in results.variants):
        assert "time_series" in names
    blank = plt.figure()
    blank_variance = _png_variance(blank, str(tmp_path / "blank.png"))
    plt.close(blank)
    for name, figure, caption in made:
        assert caption
        assert figure._suptitle is not None or any(ax.get_title() for ax in figure.axes), name
        axes = _data_axes(figure)
        expected = EXPECTED_LABELS[re.sub(r"_\d+$", "", name)]  # regional_map_<k> too
        assert len(axes) >= len(expected), f"{name}: {len(axes)} axes"
        for ax, (x_pattern, y_pattern) in zip(axes, expected):
            assert ax.get_title(), f"{name}: an axes without a title"
            if x_pattern:
                assert re.search(x_pattern, ax.get_xlabel()), f"{name}: x label {ax.get_xlabel()!r}"
            if y_pattern:
                assert re.search(y_pattern, ax.get_ylabel()), f"{name}: y label {ax.get_ylabel()!r}"
            artists = len(ax.lines) + len(ax.patches) + len(ax.collections) + len(ax.images)
            assert artists > 0, f"{name}: axes {ax.get_title()!r} holds no data"
        variance = _png_variance(figure, str(tmp_path / f"{name}.png"))
        assert blank_variance < 1e-6
        assert variance > 0.01, f"{name}: pixel variance {variance} (blank?)"
        plt.close(figure)


def test_text_valued_sweep_has_named_positions(analysis_files):
    results = c5analysis.load(analysis_files[("sweep", "minimal")])
    path, positions = figures.sweep_axis(results)
    assert path == "sharing.policy" and list(positions) == [0, 1]
    figure = figures.cooperation_curve(results)
    for ax in figure.axes[-2:]:
        assert [t.get_text() for t in ax.get_xticklabels()] == ["withhold", "full"]
    plt.close(figure)


def test_figure_functions_return_none_without_data(analysis_files):
    results = c5analysis.load(analysis_files[("run", "synthetic")])
    assert figures.cooperation_curve(results) is None  # one variant: nothing swept
    assert figures.coalitions(results) is None
    assert figures.measures(results) is None


def _printed_equal(text, value):
    """The printed number equals value to within half a unit of its last printed digit."""
    printed = float(text)
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text.lower() else 0
    if "e" in text.lower() or decimals == 0 and abs(value) < 1:
        return abs(printed - value) <= 1e-3 * max(abs(value), 1e-12) + 1e-12
    return abs(printed - value) <= 0.5 * 10 ** -decimals + 1e-9 * abs(value)


NUMBER = r"(-?[0-9.]+(?:e[-+]?\d+)?|inf|-inf)"
INTERVAL = re.compile(NUMBER + r" \(" + NUMBER + " to " + NUMBER + r"\)")


def _table(markdown, heading):
    """Rows (lists of cells) of the first table after a heading starting with `heading`."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("## " + heading))
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("## "):
            break
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows[0], rows[1:]


@pytest.mark.parametrize("kind,scenario", SOURCES, ids=SOURCE_IDS)
def test_report_numbers_equal_the_file(analysis_files, analysis_reports, kind, scenario):
    path = analysis_files[(kind, scenario)]
    done, out_dir = analysis_reports[(kind, scenario)]
    assert done.returncode == 0, done.stderr
    markdown = open(os.path.join(out_dir, "report.md"), encoding="utf-8").read()
    with h5py.File(path, "r") as h5:
        variants = sorted(h5["variants"].keys(), key=int)
        states = [s.decode() if isinstance(s, bytes) else s for s in h5["world/states"]["code"]]
        # Expected harm table: per state and region, mean (95% CI), against the raw totals.
        for heading, metric in (("Expected harm", "harm"), ("Expected loss", "loss")):
            header, rows = _table(markdown, heading)
            assert header == ["variant"] + states + ["region"]
            # Every variant, or for a file of many a selection of 12 that includes the
            # reference (the note under the heading says so; explorer.html has them all).
            assert len(rows) == min(len(variants), 12)
            keys = [row[0].split(":", 1)[0] for row in rows]
            assert len(set(keys)) == len(keys) and set(keys) <= set(variants)
            if len(variants) > 12:
                assert "12 of %d variants shown" % len(variants) in markdown
            for row, key in zip(rows, keys):
                totals = h5[f"variants/{key}/totals/{metric}"][()].astype(float)
                columns = np.concatenate([totals, totals.sum(axis=1, keepdims=True)], axis=1)
                summary = h5[f"variants/{key}/summary/{metric}"][()]
                labels = [s.decode() if isinstance(s, bytes) else s
                          for s in h5[f"variants/{key}/summary/statistic"][()]]
                for c, cell in enumerate(row[1:]):
                    mean, low, high = INTERVAL.fullmatch(cell).groups()
                    assert _printed_equal(mean, columns[:, c].mean()), (heading, key, c, cell)
                    assert _printed_equal(low, summary[labels.index("ci_low"), c]), (key, cell)
                    assert _printed_equal(high, summary[labels.index("ci_high"), c]), (key, cell)
        reference = int(h5["comparison"].attrs.get("reference", 0)) if "comparison" in h5 else 0
        regional = {key: h5[f"variants/{key}/totals/harm"][()].astype(float).sum(axis=1)
                    for key in variants}
        ref_mean = regional[str(reference)].mean()
        # The headline states the effect ("lowers regional harm by X%") or, when it is not
        # detectable, "No detectable effect on regional harm: ... changes it by X%".
        headline = re.search(r"(?:regional harm by|changes it by) " + NUMBER + r"% \(95% CI",
                             markdown)
        if len(variants) > 1:
            changes = {key: abs((regional[key] - regional[str(reference)]).mean()) / ref_mean * 100
                       for key in variants if key != str(reference)}
            assert headline is not None
            assert any(_printed_equal(headline.group(1).lstrip("-"), c) for c in changes.values())
            header, rows = _table(markdown, "Paired differences")
            for row in rows:
                key = row[0].split(":")[0]
                diff = (regional[key] - regional[str(reference)]).mean()
                assert _printed_equal(INTERVAL.fullmatch(row[1]).group(1), diff)
        else:
            assert headline is None
        if "measures/table" in h5:
            columns = [s.decode() if isinstance(s, bytes) else s
                       for s in h5["measures/statistic"][()]]
            table = h5["measures/table"][()]
            header, rows = _table(markdown, "Preventive measures")
            assert len(rows) == table.shape[0]
            for row, values in zip(rows, table):
                assert _printed_equal(row[2], values[columns.index("cost")])
                mean, low, high = INTERVAL.fullmatch(row[3]).groups()
                variant = str(int(values[columns.index("variant")]))
                averted = (regional["0"] - regional[variant]).mean()
                assert _printed_equal(mean, averted)
                assert _printed_equal(low, values[columns.index("harm_averted_ci_low")])
        if "coalitions/shapley" in h5:
            columns = [s.decode() if isinstance(s, bytes) else s
                       for s in h5["coalitions/statistic"][()]]
            shapley = h5["coalitions/shapley"][()][:, columns.index("mean")]
            leave = h5["coalitions/leave_gain"][()][:, columns.index("mean")]
            header, rows = _table(markdown, "Coalitions")
            assert [r[0] for r in rows] == states
            for s, row in enumerate(rows):
                assert _printed_equal(INTERVAL.fullmatch(row[1]).group(1), shapley[s])
                assert _printed_equal(INTERVAL.fullmatch(row[2]).group(1), leave[s])
        # Risk catalog: ranked by expected regional harm of the reference variant.
        by_type = h5[f"variants/{reference}/by_type/harm"][()].astype(float).sum(axis=1).mean(axis=0)
        header, rows = _table(markdown, "Risk catalog")
        assert len(rows) == len(by_type)
        ranked = np.sort(by_type)[::-1]
        for row, expected in zip(rows, ranked):
            assert _printed_equal(INTERVAL.fullmatch(row[3]).group(1), expected)


@pytest.mark.parametrize("kind,scenario", SOURCES, ids=SOURCE_IDS)
def test_report_files_and_where_it_is(analysis_reports, kind, scenario):
    done, out_dir = analysis_reports[(kind, scenario)]
    assert done.returncode == 0, done.stderr
    md_path = os.path.abspath(os.path.join(out_dir, "report.md"))
    assert f"report: {md_path}" in done.stdout.splitlines()
    markdown = open(md_path, encoding="utf-8").read()
    html = open(os.path.join(out_dir, "report.html"), encoding="utf-8").read()
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    assert pictures, "report.md shows no figure"
    for picture in pictures:
        assert os.path.exists(os.path.join(out_dir, picture)), picture
    assert html.count('src="data:image/png;base64,') == len(pictures)
    assert not re.search(r'src="(?!data:)', html), "report.html refers to an outside file"
    for section in ("## Scenario", "## Headline findings", "## Variants", "## Figures"):
        assert section in markdown
    with h5py.File(done.args[1], "r") as h5:
        source_text = h5["scenario/source"][()]
        source_text = source_text.decode() if isinstance(source_text, bytes) else source_text
    name = str(yaml.safe_load(source_text)["name"]).strip()
    assert f"# c5sim report: {name}" in markdown


def test_svg_on_request_and_quiet(analysis_files, tmp_path):
    out_dir = tmp_path / "svg"
    done = subprocess.run([C5REPORT, analysis_files[("coalitions", "minimal")], "-o", str(out_dir),
                           "--svg", "--quiet"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"report: {out_dir / 'report.md'}"
    assert done.stderr == ""
    pngs = sorted(p.stem for p in out_dir.glob("*.png"))
    svgs = sorted(p.stem for p in out_dir.glob("*.svg"))
    assert pngs and pngs == svgs


def test_load_tidy_matches_the_file(tmp_path):
    path = make_synthetic(str(tmp_path / "tidy.h5"), "sweep", replicates=5, ticks=10)
    frame = c5analysis.load_tidy(path)
    metrics = [m for m in c5analysis.METRICS if m in frame.columns]
    assert list(frame.columns[:2]) == ["variant", "label"]
    assert list(frame.columns[-len(metrics) - 3:]) == ["replicate", "state", "type"] + metrics
    with h5py.File(path, "r") as h5:
        expected_rows = 0
        for key in h5["variants"]:
            replicates, states = h5[f"variants/{key}/totals/harm"].shape
            expected_rows += replicates * states * (1 + h5["world/threat_types"].shape[0])
        assert len(frame) == expected_rows
        totals = h5["variants/2/totals/harm"][()]
        by_type = h5["variants/1/by_type/detections"][()]
        label = h5["variants/2"].attrs["label"]
    cell = frame.query("variant == 2 and replicate == 3 and state == 'TJK' and type == 'all'")
    assert len(cell) == 1 and cell["harm"].iloc[0] == totals[3, 2]
    assert cell["label"].iloc[0] == (label.decode() if isinstance(label, bytes) else label)
    cell = frame.query("variant == 1 and replicate == 0 and state == 'KGZ' and "
                       "type == 'narcotics'")
    assert len(cell) == 1 and cell["detections"].iloc[0] == by_type[0, 1, 1]
    # Totals are the sum over types.
    sums = frame[frame.type != "all"].groupby(["variant", "replicate", "state"],
                                              observed=True)["harm"].sum()
    totals = frame[frame.type == "all"].set_index(["variant", "replicate", "state"])["harm"]
    assert np.allclose(sums.sort_index().to_numpy(), totals.sort_index().to_numpy())
    # Compact types: categories for names, int32 for counts, a numeric column per parameter.
    assert str(frame["state"].dtype) == "category" and str(frame["type"].dtype) == "category"
    assert frame["detections"].dtype == np.int32 and frame["replicate"].dtype == np.int32
    swept = [c for c in frame.columns if "." in c]
    assert swept, "no column for the swept parameter"
    assert all(frame[c].dtype == np.float32 for c in swept)


def _report_error(path, tmp_path):
    done = subprocess.run([C5REPORT, str(path), "-o", str(tmp_path / "out")], capture_output=True,
                          text=True, timeout=60)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("c5report: error: "), done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "report.md").exists()
    return lines[0]


def test_foreign_hdf5_file_is_refused_clearly(tmp_path):
    path = tmp_path / "foreign.h5"
    with h5py.File(path, "w") as h5:
        h5["temperature"] = np.arange(10.0)
        h5.attrs["instrument"] = "thermometer"
    message = _report_error(path, tmp_path)
    assert "not a c5sim output file: missing root attribute 'format'" in message
    with h5py.File(path, "a") as h5:
        h5.attrs["format"] = "netcdf-ish"
    assert "root attribute 'format' is 'netcdf-ish'" in _report_error(path, tmp_path)


def test_non_hdf5_and_missing_files_are_refused_clearly(tmp_path):
    path = tmp_path / "notes.h5"
    path.write_text("name: not an HDF5 file\n")
    assert "not an HDF5 file" in _report_error(path, tmp_path)
    assert "no such file" in _report_error(tmp_path / "absent.h5", tmp_path)
    assert "is a directory" in _report_error(tmp_path, tmp_path)


def _main_error(path, tmp_path, capsys):
    """Like _report_error, in this process (c5report's main) to keep the suite fast."""
    from c5analysis.cli import main

    assert main([str(path), "-o", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("c5report: error: "), captured.err
    assert captured.out == ""
    assert not (tmp_path / "out" / "report.md").exists()
    return lines[0]


@pytest.mark.parametrize("damage,expected", [
    (lambda h5: h5.attrs.__setitem__("complete", 0), "incomplete c5sim output"),
    (lambda h5: h5.__delitem__("variants"), "missing '/variants'"),
    (lambda h5: h5.__delitem__("world/regions"), "missing '/world/regions'"),
    (lambda h5: h5.__delitem__("variants/0/totals/harm"), "missing dataset 'totals/harm'"),
    (lambda h5: h5.__delitem__("variants/0/totals"), "missing group 'totals'"),
    (lambda h5: [h5.__delitem__(f"variants/{k}") for k in list(h5["variants"])],
     "holds no variant"),
], ids=["incomplete", "no-variants", "no-regions", "no-harm", "no-totals", "empty-variants"])
def test_damaged_c5sim_file_names_what_is_missing(tmp_path, capsys, damage, expected):
    path = make_synthetic(str(tmp_path / "damaged.h5"), "run", replicates=3, ticks=5)
    with h5py.File(path, "a") as h5:
        damage(h5)
    assert expected in _main_error(path, tmp_path, capsys)


def test_wrong_shape_is_named(tmp_path, capsys):
    path = make_synthetic(str(tmp_path / "shape.h5"), "run", replicates=3, ticks=5)
    with h5py.File(path, "a") as h5:
        del h5["variants/0/by_type/harm"]
        h5["variants/0/by_type/harm"] = np.zeros((3, 2, 2))
    message = _main_error(path, tmp_path, capsys)
    assert "by_type/harm" in message and "expected [replicates, 5, 3]" in message


def test_usage_errors_exit_2():
    done = subprocess.run([C5REPORT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "usage: c5report" in done.stderr
    done = subprocess.run(["/usr/bin/python3", C5REPORT, "--help"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and "OUT.h5" in done.stdout


def test_c5sim_report_runs_the_analysis(analysis_files, tmp_path):
    """`c5sim report` hands its arguments to analysis/c5report."""
    out_dir = tmp_path / "via-c5sim"
    done = subprocess.run([C5SIM, "report", analysis_files[("run", "synthetic")], "-o",
                           str(out_dir), "--quiet"], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, C5SIM_ANALYSIS=ANALYSIS_DIR))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"report: {out_dir / 'report.md'}"
    done = subprocess.run([C5SIM, "report", str(tmp_path / "absent.h5")], capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, C5SIM_ANALYSIS=ANALYSIS_DIR))
    assert done.returncode == 2 and "no such file" in done.stderr


def test_summary_with_wrong_columns_is_named(tmp_path, capsys):
    path = make_synthetic(str(tmp_path / "summary.h5"), "run", replicates=3, ticks=5)
    with h5py.File(path, "a") as h5:
        del h5["variants/0/summary/loss"]
        h5["variants/0/summary/loss"] = np.zeros((7, 3))
    message = _main_error(path, tmp_path, capsys)
    assert "summary/loss: 3 columns, expected 6 (states, then region)" in message


def test_unwritable_destination_exits_1(tmp_path, capsys):
    from c5analysis.cli import main

    path = make_synthetic(str(tmp_path / "ok.h5"), "run", replicates=3, ticks=5)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert main([path, "-o", str(blocker), "-q"]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("c5report: error: cannot write the report in ")
    assert len(captured.err.strip().splitlines()) == 1
