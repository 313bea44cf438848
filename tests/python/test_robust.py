"""test_robust.py — `c5sim robust` end to end on a toy whose ranking flips at a known value.

tests/scenarios/robust_toy.yaml has two identical, undetectable convoy types at rate 0.1 each and
two measures of equal cost that remove one type each (relative: rate*=0). The design varies
convoy_b's rate over [0.02, 0.18], so stop_b averts more than stop_a exactly where that rate
exceeds 0.1 (in expectation): PRIM's box for 'stop_a:rank>1' must start near 0.1, and the CART
tree must split near it too. Also: the point-major variant layout, the pairing (figures equal
the per-variant summaries), refused inputs, and the report's section rendered in Chromium."""
import os
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest

SOURCE_ROOT = os.environ.get(
    "C5SIM_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
ANALYSIS_DIR = os.path.join(SOURCE_ROOT, "analysis")
TOY = os.path.join(SOURCE_ROOT, "tests", "scenarios", "robust_toy.yaml")
MINIMAL = os.path.join(SOURCE_ROOT, "scenarios", "minimal.yaml")
RATE = "threats.convoy_b.origins.afg_kunduz.rate"
FLIP = 0.1      # convoy_a's rate: where the ranking flips
TOLERANCE = 0.03  # of an edge found from 30 points with replicate noise
POINTS = 30


def c5sim(*args):
    return subprocess.run([C5SIM, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    path = tmp_path_factory.mktemp("robust") / "toy.h5"
    done = c5sim("robust", TOY, "--lhs", str(POINTS), "--range", f"{RATE}=0.02:0.18",
                 "--range", "sharing.level=0:1", "--fails", "stop_a:rank>1",
                 "--fails", "stop_b:averted<0", "-t", "2", "-o", str(path), "-q")
    assert done.returncode == 0, done.stderr
    return path, done.stdout


def test_layout_is_point_major_and_pairs_every_measure(toy):
    path, _ = toy
    with h5py.File(path, "r") as h5:
        measures = [m.decode() for m in h5["robust/measure"][()]]
        assert measures == ["stop_a", "stop_b"]
        assert len(h5["variants"]) == (POINTS + 1) * 3
        for point in (0, 7, POINTS):
            labels = [h5[f"variants/{point * 3 + slot}"].attrs["label"] for slot in range(3)]
            labels = [l.decode() if isinstance(l, bytes) else l for l in labels]
            assert labels == [f"p{point}:baseline", f"p{point}:stop_a", f"p{point}:stop_b"]
        averted = h5["robust/averted/value"][()]
        assert averted.shape == (POINTS + 1, 2)
        for point in range(POINTS + 1):
            harm = [h5[f"variants/{point * 3 + slot}/summary/harm"][0, -1] for slot in range(3)]
            assert h5["robust/baseline_harm"][point] == pytest.approx(harm[0], rel=1e-12)
            assert averted[point, 0] == pytest.approx(harm[0] - harm[1], rel=1e-9, abs=1e-9)
            assert averted[point, 1] == pytest.approx(harm[0] - harm[2], rel=1e-9, abs=1e-9)
        design = h5["robust/design"][()]
        assert design.shape == (POINTS, 2)
        # point p's variants run design row p - 1, then the measure's own (relative) override
        for point in (1, POINTS):
            overrides = [o.decode() if isinstance(o, bytes) else o
                         for o in h5[f"variants/{point * 3 + 2}"].attrs["overrides"]]
            assert overrides[0] == f"{RATE}={design[point - 1, 0]:.10g}"
            assert overrides[-1] == f"{RATE}*=0"
        assert len(h5["variants/0"].attrs.get("overrides", [])) == 0
        per_cost = h5["robust/per_cost/value"][()]
        assert np.allclose(per_cost, averted / h5["robust/cost"][()][None, :])
        for criterion in ("per_cost", "averted"):
            figures = h5[f"robust/{criterion}/figures"][()]
            names = [n.decode() for n in h5["robust/figure"][()]]
            p_best = figures[:, names.index("p_best"), 0]
            assert p_best.sum() == pytest.approx(1.0)
            low, high = figures[:, :, 1], figures[:, :, 2]
            ok = np.isnan(low) | (low <= figures[:, :, 0] + 1e-12)
            assert ok.all() and (np.isnan(high) | (high >= figures[:, :, 0] - 1e-12)).all()
            tau = h5[f"robust/{criterion}/tau"][()]
            assert tau[0] == 1.0 and np.all(np.abs(tau) <= 1.0 + 1e-12)


def test_both_measures_win_where_their_convoy_is_the_commoner(toy):
    path, _ = toy
    with h5py.File(path, "r") as h5:
        rate = h5["robust/design"][:, 0]
        averted = h5["robust/averted/value"][1:]
    clear = np.abs(rate - FLIP) > TOLERANCE
    assert clear.sum() >= POINTS // 2
    b_better = averted[:, 1] > averted[:, 0]
    assert np.array_equal(b_better[clear], rate[clear] > FLIP)


def test_prim_box_edge_brackets_the_flip(toy):
    path, stdout = toy
    with h5py.File(path, "r") as h5:
        params = [p.decode() for p in h5["robust/design_parameter"][()]]
        prim = h5["robust/prim/0"]
        rule = prim.attrs["rule"]
        assert (rule.decode() if isinstance(rule, bytes) else rule) == "stop_a:rank>1"
        box, figures = prim["box"][()], prim["box_figures"][()]
        restricted = prim["restricted"][()]
        trajectory = prim["trajectory"][()]
        design, fails = h5["robust/design"][()], prim["fails"][()]
    j = params.index(RATE)
    assert restricted[j] == 1
    assert abs(box[j, 0] - FLIP) < TOLERANCE, box[j]
    assert box[j, 1] == pytest.approx(design[:, j].max())
    assert figures[0] > 0.85 and figures[1] > 0.85, figures  # coverage, density
    assert trajectory[0, 0] == 1.0 and np.all(np.diff(trajectory[:, 3]) < 0)
    assert fails.sum() == int(re.search(r"'stop_a:rank>1' fails at (\d+) of", stdout).group(1))
    assert f"{RATE}" in stdout and "PRIM box" in stdout


def test_cart_splits_near_the_flip(toy):
    sys.path.insert(0, ANALYSIS_DIR)
    from c5analysis.discovery import cart, read

    data = read(str(toy[0]))
    prim = data["prim"][0]
    rules = cart(data["design"], prim["fails"], data["parameters"])
    assert rules, "no failing leaf"
    top = rules[0]
    match = re.search(re.escape(RATE) + r" > ([0-9.e-]+)", top["rule"])
    assert match, top["rule"]
    assert abs(float(match.group(1)) - FLIP) < TOLERANCE
    assert top["density"] > 0.85


def test_refused_inputs_exit_2():
    done = c5sim("robust", TOY, "--range", f"{RATE}=0:1")
    assert done.returncode == 2 and "--lhs N is needed" in done.stderr
    done = c5sim("robust", TOY, "--lhs", "4", "--range", f"{RATE}=0:1", "--fails", "stop_c:rank>1")
    assert done.returncode == 2 and "'stop_c' is not a measure" in done.stderr
    done = c5sim("robust", TOY, "--lhs", "4", "--range", f"{RATE}=0:1", "--fails", "stop_a:rnk>1")
    assert done.returncode == 2 and "'rnk' is not a metric" in done.stderr
    done = c5sim("robust", TOY, "--lhs", "4", "--range", f"{RATE}=0:1", "--fails", "baseline:averted<1")
    assert done.returncode == 2 and "only the metric harm" in done.stderr
    done = c5sim("robust", TOY, "--lhs", "4", "--range", f"{RATE}=0:1", "--bootstrap", "x")
    assert done.returncode == 2 and "--bootstrap" in done.stderr
    # a measure that sets a designed path absolutely would silently undo the design: refused
    done = c5sim("robust", MINIMAL, "--lhs", "3", "--range",
                 "states.TJK.border_bonus.trafficking=0.2:0.4", "-r", "2")
    assert done.returncode == 2 and "also set by" in done.stderr
    assert c5sim("robust", "--help").returncode == 0


def test_report_has_the_robust_section_and_renders(toy, tmp_path):
    out = tmp_path / "report"
    done = subprocess.run([os.path.join(ANALYSIS_DIR, "c5report"), str(toy[0]), "-o", str(out),
                           "-q"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "## Robust ranking across the uncertainty design" in markdown
    headlines = markdown.split("## Headline findings", 1)[1].split("\n## ", 1)[0]
    assert "is the most robust measure: best at" in headlines
    assert "lowers regional harm" not in headlines  # no "best variant" across design points
    assert "at one point of the uncertainty design" in markdown
    assert "cooperation_curve.png" not in markdown
    assert "### Scenario discovery: where 'stop_a:rank>1' holds" in markdown
    assert f"finds the box: {RATE} from 0." in markdown
    assert "A CART tree" in markdown and f"{RATE} > 0." in markdown
    for name in ("robust_p_best_per_cost", "robust_p_best_averted", "robust_prim_0"):
        assert (out / f"{name}.png").exists() and f"]({name}.png)" in markdown
    browser = shutil.which("chromium")
    if browser is None:
        pytest.fail("Debian's chromium is not installed (tools/deps installs it)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000", "--dump-dom"]
    shown = subprocess.run([browser, *flags, (out / "report.html").as_uri()], capture_output=True,
                           text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert "Robust ranking across the uncertainty design" in shown.stdout
    assert shown.stdout.count('src="data:image/png;base64,') >= 3


def test_interrupted_run_resumes_from_the_hint_to_the_same_figures(tmp_path):
    args = ["robust", TOY, "--lhs", "5", "--range", f"{RATE}=0.02:0.18", "-r", "6", "-t", "1",
            "--bootstrap", "20"]
    full, part = tmp_path / "full.h5", tmp_path / "part.h5"
    assert c5sim(*args, "-o", str(full), "-q").returncode == 0
    stopped = subprocess.run([C5SIM, *args, "-o", str(part)], capture_output=True, text=True,
                             timeout=300, env=dict(os.environ, C5SIM_TEST_STOP_AFTER="20"))
    assert stopped.returncode == 130, stopped.stderr
    hint = next(l for l in stopped.stderr.splitlines() if l.startswith("To continue it: "))
    assert "--lhs 5" in hint and f"--range {RATE}=0.02:0.18" in hint and "--bootstrap 20" in hint
    assert c5sim(*args, "--resume", str(part) + ".partial", "-q").returncode == 0
    with h5py.File(full, "r") as a, h5py.File(part, "r") as b:
        for name in ("averted/value", "per_cost/figures", "averted/tau", "prim/0/box", "design"):
            assert np.array_equal(a[f"robust/{name}"][()], b[f"robust/{name}"][()],
                                  equal_nan=True), name
        line = b.attrs["command_line"]
        assert "--lhs 5" in (line.decode() if isinstance(line, bytes) else line)


def test_figures_equal_an_independent_computation(toy):
    from scipy.stats import kendalltau

    with h5py.File(toy[0], "r") as h5:
        names = [n.decode() for n in h5["robust/figure"][()]]
        for criterion in ("per_cost", "averted"):
            v = h5[f"robust/{criterion}/value"][()]
            figures = h5[f"robust/{criterion}/figures"][:, :, 0]
            tau = h5[f"robust/{criterion}/tau"][()]
            points = v[1:]
            best = points == points.max(axis=1, keepdims=True)
            p_best = (best / best.sum(axis=1, keepdims=True)).mean(axis=0)
            regret = points.max(axis=1, keepdims=True) - points
            assert np.allclose(figures[:, names.index("p_best")], p_best)
            assert np.allclose(figures[:, names.index("regret_mean")], regret.mean(axis=0))
            assert np.allclose(figures[:, names.index("regret_q90")],
                               np.quantile(regret, 0.9, axis=0))  # numpy's default = GSL's
            assert np.allclose(figures[:, names.index("regret_max")], regret.max(axis=0))
            expected = [kendalltau(v[p], v[0]).statistic for p in range(len(v))]
            assert np.allclose(tau, expected, equal_nan=True)


def test_uncertainty_file_gives_the_design_of_the_same_ranges(toy, tmp_path):
    design = tmp_path / "design.yaml"
    design.write_text("c5sim: 1\nuncertainty:\n"
                      f"  {RATE}: {{distribution: uniform, low: 0.02, high: 0.18}}\n"
                      "  sharing.level: {distribution: uniform, low: 0, high: 1}\n")
    out = tmp_path / "file.h5"
    done = c5sim("robust", TOY, "--lhs", str(POINTS), "--uncertainty", str(design),
                 "--fails", "stop_a:rank>1", "--fails", "stop_b:averted<0", "-t", "2",
                 "-o", str(out), "-q")
    assert done.returncode == 0, done.stderr
    path, _ = toy
    with h5py.File(path) as a, h5py.File(out) as b:
        # The same factors in the same order on the same seed: the same hypercube, the same
        # figures.
        assert np.array_equal(a["robust/design"][()], b["robust/design"][()])
        assert list(a["robust/design_parameter"].asstr()[()]) == \
            list(b["robust/design_parameter"].asstr()[()])
    done = c5sim("robust", TOY, "--lhs", "4", "--range", f"{RATE}=0:1", "--uncertainty",
                 str(design))
    assert done.returncode == 2 and "--uncertainty" in done.stderr
    done = c5sim("robust", TOY, "--lhs", "4")
    assert done.returncode == 2 and "uncertainty: block" in done.stderr
