"""test_sensitivity.py — `c5sim sensitivity` through the engine: Sobol' and Morris indices on a
scenario whose expected harm is a known function of two factors (tests/scenarios/
sensitivity_toy.yaml: harm = c x rate x severity, no detection), the paired outcome of a measure,
the refusal of a design/effect collision, bad input, and sweep --lhs sampling the scenario's
uncertainty: block (docs/model.md §17 derives the closed forms)."""
import os
import subprocess

import h5py
import numpy as np

SOURCE_ROOT = os.environ.get(
    "C5SIM_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
TOY = os.path.join(SOURCE_ROOT, "tests", "scenarios", "sensitivity_toy.yaml")
BASELINE = os.path.join(SOURCE_ROOT, "scenarios", "c5-baseline.yaml")
DESIGN = os.path.join(SOURCE_ROOT, "scenarios", "designs", "c5-uncertainty.yaml")

# The toy's factors: rate ~ U(1, 3), severity mean ~ U(1, 5), independent.
RATE, SEVERITY = (1.0, 3.0), (1.0, 5.0)


def c5sim(*args):
    return subprocess.run([C5SIM, *args], capture_output=True, text=True, timeout=600)


def product_indices(x1, x2):
    """Sobol' indices of f = c X1 X2 for independent uniforms (docs/model.md §17)."""
    m1, m2 = sum(x1) / 2, sum(x2) / 2
    v1, v2 = (x1[1] - x1[0]) ** 2 / 12, (x2[1] - x2[0]) ** 2 / 12
    part1, part2, both = v1 * m2 ** 2, v2 * m1 ** 2, v1 * v2
    total = part1 + part2 + both
    return ((part1 / total, part2 / total), ((part1 + both) / total, (part2 + both) / total))


def read(path):
    with h5py.File(path, "r") as f:
        g = f["/sensitivity"]
        out = {name: g[name][()] for name in g}
        out["factor"] = list(g["factor"].asstr()[()])
        out["attrs"] = dict(g.attrs)
        out["root"] = dict(f.attrs)
        out["has_variants"] = "variants" in f
    return out


def check_against_closed_form(data):
    first, total = product_indices(RATE, SEVERITY)
    order = [data["factor"].index("threats.cell.origins.outside.rate"),
             data["factor"].index("threats.cell.severity.mean")]
    for truth_first, truth_total, j in zip(first, total, order):
        s1, st = data["first_order"][:, j], data["total"][:, j]  # estimate, low, high, se
        assert abs(s1[0] - truth_first) < 4 * s1[3], (data["factor"][j], s1, truth_first)
        assert abs(st[0] - truth_total) < 4 * st[3], (data["factor"][j], st, truth_total)
        assert s1[1] <= s1[0] <= s1[2] and st[1] <= st[0] <= st[2]
        assert 0 < s1[3] < 0.1 and 0 < st[3] < 0.1  # informative, not degenerate


def test_sobol_indices_match_the_closed_form(tmp_path):
    out = tmp_path / "sobol.h5"
    done = c5sim("sensitivity", TOY, "--base-samples", "256", "-t", "2", "-q", "-o", str(out))
    assert done.returncode == 0, done.stderr
    data = read(out)
    check_against_closed_form(data)
    assert data["attrs"]["method"] == "sobol" and data["attrs"]["base_samples"] == 256
    assert data["design"].shape == (256 * 4, 2) and data["outcome_replicates"].shape == (1024, 10)
    assert not data["has_variants"] and data["attrs"]["variants_kept"] == 0
    # the outcome is what the design says: harm = c rate severity, c about the ticks an arrival
    # still impacts in (200 less the trip and the dwell)
    rate, severity = data["design"][:, 0], data["design"][:, 1]
    c = np.sum(data["outcome"] * rate * severity) / np.sum((rate * severity) ** 2)
    assert 190 < c < 200, c
    residual = data["outcome"] - c * rate * severity
    assert np.std(residual) < 0.05 * np.std(data["outcome"])
    # the sentence names both factors, the larger first
    assert "hinges most on threats.cell.severity.mean, threats.cell.origins.outside.rate" \
        in done.stdout


def test_paired_measure_outcome_has_the_same_indices(tmp_path):
    # halve_rate averts harm = c severity (rate - rate/2): the same product form, so the same
    # indices; each point runs with and without the measure on the same random numbers.
    out = tmp_path / "measure.h5"
    done = c5sim("sensitivity", TOY, "--base-samples", "256", "-t", "2", "-q", "-r", "6",
                 "--outcome", "measure:halve_rate", "-o", str(out))
    assert done.returncode == 0, done.stderr
    data = read(out)
    assert data["attrs"]["paired"] == 1
    assert "averted by measure halve_rate" in done.stdout
    check_against_closed_form(data)
    assert np.all(data["outcome"] > 0)


def test_morris_mu_star_matches_the_closed_form(tmp_path):
    # f = c r s: an elementary effect of s, in units of its whole range (4), is c r 4 at the
    # trajectory's r, and of r it is c s 2: mu* is their mean absolute value.
    out = tmp_path / "morris.h5"
    done = c5sim("sensitivity", TOY, "--method", "morris", "--trajectories", "60",
                 "--grid-levels", "4", "-t", "2", "-q", "-o", str(out))
    assert done.returncode == 0, done.stderr
    data = read(out)
    rate, severity = data["design"][:, 0], data["design"][:, 1]
    c = np.sum(data["outcome"] * rate * severity) / np.sum((rate * severity) ** 2)
    ee = data["elementary_effects"]
    assert ee.shape == (60, 2)
    u = data["unit_design"]
    widths = (RATE[1] - RATE[0], SEVERITY[1] - SEVERITY[0])
    values = np.stack([rate, severity], axis=1)
    expected = np.zeros((60, 2))
    for t in range(60):
        for s in range(2):
            a, b = 3 * t + s, 3 * t + s + 1
            moved = int(np.flatnonzero(u[b] != u[a])[0])
            # along the step the other factor stays where it is: EE = c other width (signed)
            expected[t, moved] = c * values[a, 1 - moved] * widths[moved]
    for j in range(2):
        mu_star = data["mu_star"][:, j]
        truth = np.mean(np.abs(expected[:, j]))
        assert abs(mu_star[0] - truth) < 0.05 * truth, (data["factor"][j], mu_star, truth)
        assert mu_star[1] < mu_star[0] < mu_star[2]
    assert data["attrs"]["method"] == "morris" and abs(data["attrs"]["delta"] - 2 / 3) < 1e-12


def test_elementary_effects_are_exact_differences(tmp_path):
    out = tmp_path / "morris.h5"
    assert c5sim("sensitivity", TOY, "--method", "morris", "--trajectories", "5", "-t", "1",
                 "-q", "-r", "2", "-o", str(out)).returncode == 0
    data = read(out)
    u, f, ee = data["unit_design"], data["outcome"], data["elementary_effects"]
    for t in range(5):
        for s in range(2):
            a, b = 3 * t + s, 3 * t + s + 1
            moved = int(np.flatnonzero(u[b] != u[a])[0])
            assert np.isclose(ee[t, moved], (f[b] - f[a]) / (u[b, moved] - u[a, moved]))


def test_keep_variants_writes_every_point_and_is_resumable_input(tmp_path):
    out = tmp_path / "kept.h5"
    done = c5sim("sensitivity", TOY, "--base-samples", "8", "-t", "2", "-q", "-r", "2",
                 "--keep-variants", "-o", str(out))
    assert done.returncode == 0, done.stderr
    with h5py.File(out, "r") as f:
        assert len(f["/variants"]) == 8 * 4
        assert f["/sensitivity"].attrs["variants_kept"] == 1
        overrides = list(f["/variants/5"].attrs["overrides"])
        design = f["/sensitivity/design"][5]
    texts = [o.decode() if isinstance(o, bytes) else o for o in overrides]
    assert texts == [f"threats.cell.origins.outside.rate={design[0]:.10g}",
                     f"threats.cell.severity.mean={design[1]:.10g}"]


def test_an_absolute_effect_on_a_design_path_is_refused_naming_both():
    done = c5sim("sensitivity", TOY, "--base-samples", "4", "-q", "-t", "1",
                 "--outcome", "effect:threats.cell.severity.mean=1")
    assert done.returncode == 2
    assert "also set by design threats.cell.severity.mean=" in done.stderr
    assert "effect threats.cell.severity.mean=1" in done.stderr
    relative = c5sim("sensitivity", TOY, "--base-samples", "4", "-q", "-t", "1", "-r", "2",
                     "--outcome", "effect:threats.cell.severity.mean*=0.5")
    assert relative.returncode == 0, relative.stderr


def test_bad_input_exits_2_naming_the_option():
    cases = [
        (["--method", "sobolx"], "--method: 'sobolx' is not sobol or morris"),
        (["--method", "morris", "--grid-levels", "3"], "--grid-levels: 3 is odd"),
        (["--base-samples", "0"], "--base-samples: '0' is not a count"),
        (["--trajectories", "10"], "Morris options"),
        (["--outcome", "ZZZ:harm"], "no state 'ZZZ'"),
        (["--outcome", "measure:nope"], "no measure 'nope'"),
        (["--outcome", "harmz"], "expected harm, loss"),
        (["--base-samples", "50000"], "above 100000"),
        (["--range", "defaults.leak=0:x"], "--range 'defaults.leak=0:x'"),
        (["--range", "a.b=0:1", "--uncertainty", DESIGN], "give one"),
        (["--resume", "x.h5.partial"], "--resume needs --keep-variants"),
        (["--uncertainty", "/nonexistent.yaml"], "cannot open the file"),
    ]
    for extra, message in cases:
        done = c5sim("sensitivity", TOY, "-q", *extra)
        assert done.returncode == 2, (extra, done.stderr)
        assert message in done.stderr, (extra, done.stderr)
    too_many = [arg for j in range(21) for arg in ("--range", f"defaults.leak{j}=0:1")]
    done = c5sim("sensitivity", TOY, "-q", *too_many)
    assert done.returncode == 2 and "21 factors" in done.stderr, done.stderr
    assert c5sim("sensitivity", "--help").returncode == 0


def test_a_separate_design_file_is_checked_against_the_scenario(tmp_path):
    design = tmp_path / "design.yaml"
    design.write_text("c5sim: 1\nuncertainty:\n"
                      "  threats.cell.dwell: {distribution: integer, low: 0, high: 3}\n"
                      "  threats.cell.origins.outside.rate: {apply: scale, distribution: "
                      "uniform, low: -1, high: 2}\n")
    done = c5sim("sensitivity", TOY, "-q", "--uncertainty", str(design))
    assert done.returncode == 2
    assert f"{design}:4:3: uncertainty threats.cell.origins.outside.rate*=-1 (its low end)" \
        in done.stderr, done.stderr


def test_sweep_lhs_samples_the_uncertainty_block(tmp_path):
    out = tmp_path / "lhs.h5"
    done = c5sim("sweep", TOY, "--lhs", "12", "-r", "2", "-t", "2", "-q", "-o", str(out))
    assert done.returncode == 0, done.stderr
    with h5py.File(out, "r") as f:
        names = list(f["/design_parameter"].asstr()[()])
        design = f["/design"][()]
        assert f["/design"].attrs["method"] == "latin_hypercube"
    assert names == ["threats.cell.origins.outside.rate", "threats.cell.severity.mean"]
    # one point per stratum of each factor's range
    strata = np.floor((design[:, 0] - 1) / 2 * 12)
    assert sorted(strata) == list(range(12))
    # a choice range: the value's position, the values in levels_<j>
    out2 = tmp_path / "choice.h5"
    done = c5sim("sweep", TOY, "--lhs", "6", "-r", "1", "-q", "-o", str(out2),
                 "--range", "sharing.policy=choice:withhold,full")
    assert done.returncode == 0, done.stderr
    with h5py.File(out2, "r") as f:
        assert f["/design"].attrs["levels_0"] == "withhold,full"
        column = f["/design"][:, 0]
        labels = [f[f"/variants/{p}"].attrs["label"] for p in range(6)]
    assert sorted(column) == [0, 0, 0, 1, 1, 1]
    for value, label in zip(column, labels):
        label = label.decode() if isinstance(label, bytes) else label
        assert label == "sharing.policy=" + ("withhold", "full")[int(value)]


def test_the_baseline_design_file_loads_and_runs():
    done = c5sim("sensitivity", BASELINE, "--uncertainty", DESIGN, "--method", "morris",
                 "--trajectories", "2", "-r", "1", "-t", "2", "-q", "--bootstrap", "50")
    assert done.returncode == 0, done.stderr
    assert "states.*.detect*" in done.stdout and "sharing.latency" in done.stdout


ANALYSIS_DIR = os.path.join(SOURCE_ROOT, "analysis")


def test_report_of_a_sensitivity_file_and_the_interval_statement(tmp_path):
    import shutil

    out = tmp_path / "sobol.h5"
    assert c5sim("sensitivity", TOY, "--base-samples", "64", "-t", "2", "-q", "-r", "4",
                 "-o", str(out)).returncode == 0
    report_dir = tmp_path / "report"
    done = subprocess.run([os.path.join(ANALYSIS_DIR, "c5report"), str(out), "-o",
                           str(report_dir), "-q"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    md = (report_dir / "report.md").read_text(encoding="utf-8")
    assert "includes the parameter uncertainty of the declared factors' ranges" in md
    assert "Regional harm hinges most on threats.cell.severity.mean (total index" in md
    assert (report_dir / "sensitivity_sobol.png").stat().st_size > 10000
    # a file without an uncertainty design says its intervals are replicate noise only
    plain = tmp_path / "run.h5"
    assert c5sim("run", TOY, "-r", "4", "-q", "-t", "1", "-o", str(plain)).returncode == 0
    done = subprocess.run([os.path.join(ANALYSIS_DIR, "c5report"), str(plain), "-o",
                           str(tmp_path / "plain"), "-q"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "replicate noise only" in (tmp_path / "plain" / "report.md").read_text()
    # the HTML opens in headless Chromium without console messages, figure embedded
    browser = shutil.which("chromium")
    assert browser, "Debian's chromium is not installed (tools/deps installs it)"
    shown = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                            "--no-first-run", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync",
                            "--enable-logging=stderr", "--v=0",
                            f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                            (report_dir / "report.html").as_uri()],
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert not [line for line in shown.stderr.splitlines() if ":CONSOLE" in line]
    assert "data:image/png;base64," in shown.stdout and "Factors and indices" in shown.stdout


def test_an_interrupted_keep_variants_run_resumes_to_the_same_indices(tmp_path):
    out, whole = tmp_path / "r.h5", tmp_path / "whole.h5"
    args = ["sensitivity", TOY, "--base-samples", "8", "-r", "2", "-t", "1", "-q",
            "--keep-variants"]
    stopped = subprocess.run([C5SIM, *args, "-o", str(out)], capture_output=True, text=True,
                             timeout=300, env={**os.environ, "C5SIM_TEST_STOP_AFTER": "30"})
    assert stopped.returncode == 130, stopped.stderr
    hint = next(l for l in stopped.stderr.splitlines() if l.startswith("To continue it"))
    assert "--base-samples 8" in hint and "--keep-variants" in hint
    done = c5sim(*args, "--resume", f"{out}.partial")
    assert done.returncode == 0, done.stderr
    assert c5sim(*args, "-o", str(whole)).returncode == 0
    resumed, again = read(out), read(whole)
    for name in ("design", "outcome_replicates", "first_order", "total"):
        assert np.array_equal(resumed[name], again[name]), name


def test_a_design_and_an_absolute_measure_on_one_path_are_refused_naming_both(tmp_path):
    # The pitfall: a measure that sets a path absolutely would silently undo the
    # design's value there; the run is refused before anything runs, naming both.
    text = open(TOY).read().replace("threats.cell.origins.outside.rate*: 0.5",
                                    "threats.cell.origins.outside.rate: 1")
    assert "threats.cell.origins.outside.rate: 1\n" in text
    scenario = tmp_path / "absolute.yaml"
    scenario.write_text(text)
    done = c5sim("sensitivity", str(scenario), "--base-samples", "4", "-q", "-t", "1",
                 "--outcome", "measure:halve_rate")
    assert done.returncode == 2, done.stderr
    assert "measure halve_rate threats.cell.origins.outside.rate=1" in done.stderr
    assert "also set by design threats.cell.origins.outside.rate=" in done.stderr


def test_an_interrupted_sampled_sweep_says_how_to_resume_it_with_its_design(tmp_path):
    out = tmp_path / "s.h5"
    stopped = subprocess.run([C5SIM, "sweep", TOY, "--lhs", "6", "-r", "2", "-t", "1", "-q",
                              "-o", str(out)], capture_output=True, text=True, timeout=300,
                             env={**os.environ, "C5SIM_TEST_STOP_AFTER": "5"})
    assert stopped.returncode == 130, stopped.stderr
    hint = next(l for l in stopped.stderr.splitlines() if l.startswith("To continue it"))
    assert "--lhs 6" in hint
    command = hint.split(": ", 1)[1].split()
    assert subprocess.run(command, capture_output=True, text=True,
                          timeout=300).returncode == 0


def test_describe_lists_the_uncertainty_block():
    done = c5sim("describe", TOY)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split("Uncertainty (2 factors)\n", 1)[1].splitlines()
    assert lines[0].split() == ["threats.cell.origins.outside.rate", "set", "uniform", "1..3"]
    assert lines[1].split() == ["threats.cell.severity.mean", "set", "uniform", "1..5"]
    assert "Uncertainty (" not in c5sim("describe", BASELINE).stdout


def test_variants_compiled_on_threads_give_the_same_results_and_messages(tmp_path):
    # runner_alloc_threads compiles the plan's variants on -t threads: the same worlds (hence the
    # same figures) and, for an invalid plan, the same first message as one thread.
    outs = []
    for threads in ("1", "2"):
        out = tmp_path / f"t{threads}.h5"
        done = c5sim("sensitivity", TOY, "--base-samples", "16", "-r", "2", "-t", threads, "-q",
                     "-o", str(out))
        assert done.returncode == 0, done.stderr
        outs.append(read(out))
    for name in ("outcome_replicates", "first_order", "total"):
        assert np.array_equal(outs[0][name], outs[1][name]), name
    messages = []
    for threads in ("1", "2"):
        done = c5sim("sweep", TOY, "--vary", "threats.cell.dwell=1,2,-3,-4", "-r", "1", "-q",
                     "-t", threads)
        assert done.returncode == 2
        messages.append(done.stderr)
    assert messages[0] == messages[1] and "dwell=-3" in messages[0], messages


def test_validate_checks_a_design_file_against_its_base(tmp_path):
    shipped = os.path.join(SOURCE_ROOT, "scenarios", "designs", "c5-uncertainty.yaml")
    done = c5sim("validate", shipped)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(shipped + ": ok: design, 8 factors over ")
    # The same factors against an overridden base: a scaled extreme leaves the valid range.
    done = c5sim("validate", "--set", "states.TJK.detect.military=0.9", shipped)
    assert done.returncode == 2 and "states.TJK.detect.military" in done.stderr
    body = "uncertainty:\n  run.seed: {distribution: integer, low: 1, high: 9}\n"
    orphan = tmp_path / "orphan.yaml"
    orphan.write_text("c5sim: 1\n" + body)
    done = c5sim("validate", str(orphan))
    assert done.returncode == 2 and f"{orphan}:1:1: error: base:" in done.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("c5sim: 1\nbase: [a, b]\n" + body)
    done = c5sim("validate", str(bad))
    assert done.returncode == 2 and f"{bad}:2:7: error: base:" in done.stderr
    good = tmp_path / "good.yaml"
    good.write_text(f"c5sim: 1\nbase: {TOY}\n" + body)
    done = c5sim("validate", str(good))
    assert done.returncode == 0, done.stderr
    # A command ignores base: and applies the design to the scenario it runs.
    done = c5sim("sweep", TOY, "--lhs", "2", "--uncertainty", str(good), "-r", "1", "-q")
    assert done.returncode == 0, done.stderr
