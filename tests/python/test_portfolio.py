"""test_portfolio.py — `c5sim portfolio` through the engine on a toy whose interactions are known
(tests/scenarios/portfolio_toy.yaml: patrols and sensors each stop every raid, firewalls every
hack), time-phased measures (start/end) against the closed form of a rate change, cost sharing by
hand, and bad input."""
import os
import re
import subprocess

import h5py
import numpy as np

SOURCE_ROOT = os.environ.get(
    "C5SIM_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
TOY = os.path.join(SOURCE_ROOT, "tests", "scenarios", "portfolio_toy.yaml")


def c5sim(*args):
    return subprocess.run([C5SIM, *args], capture_output=True, text=True, timeout=300)


def toy_with(tmp_path, measures_text, name="toy.yaml"):
    """The toy with extra measures appended to its `measures:` block (the file's last)."""
    text = open(TOY).read()
    assert text.rstrip().splitlines()[-1].startswith("      ")  # ends inside `measures:`
    text = text.rstrip("\n") + "\n" + measures_text
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_toy_packages_interactions_frontier_and_budgets(tmp_path):
    out = str(tmp_path / "p.h5")
    done = c5sim("portfolio", TOY, "-r", "40", "-t", "2", "-q", "--budget", "5,10,16", "-o", out)
    assert done.returncode == 0, done.stderr
    with h5py.File(out, "r") as f:
        g = f["/portfolio"]
        assert g.attrs["mode"] == b"exhaustive" or g.attrs["mode"] == "exhaustive"
        measures = [m.decode() for m in g["measure"][()]]
        assert measures == ["patrols", "sensors", "firewalls"]
        cols = [c.decode() for c in g["statistic"][()]]
        t = g["table"][()]
        col = {c: t[:, i] for i, c in enumerate(cols)}
        assert t.shape == (8, len(cols))
        np.testing.assert_array_equal(col["mask"], np.arange(8))
        np.testing.assert_allclose(col["cost"], [0, 10, 6, 16, 4, 14, 10, 20])
        # the effects from the replicates themselves: raid harm and hack harm of the baseline
        raid = f["/variants/0/totals/harm"][()][:, 0]   # AAA suffers the raids
        hack = f["/variants/0/totals/harm"][()][:, 1]   # BBB the hacks
        averted = col["harm_averted"]
        np.testing.assert_allclose(averted[1], raid.mean(), rtol=1e-12)
        np.testing.assert_allclose(averted[2], raid.mean(), rtol=1e-12)
        np.testing.assert_allclose(averted[3], raid.mean(), rtol=1e-12)  # together: no more
        np.testing.assert_allclose(averted[4], hack.mean(), rtol=1e-12)
        np.testing.assert_allclose(averted[7], raid.mean() + hack.mean(), rtol=1e-12)
        # interactions: patrols+sensors overlap by all the raids, firewalls is additive
        inter, low, high = col["interaction"], col["interaction_ci_low"], col["interaction_ci_high"]
        assert np.isnan(inter[:3]).all() and np.isnan(inter[4])
        np.testing.assert_allclose(inter[3], -raid.mean(), rtol=1e-12)
        assert high[3] < 0
        assert inter[5] == 0 and inter[6] == 0  # exactly additive, per replicate
        np.testing.assert_allclose(inter[7], -raid.mean(), rtol=1e-12)
        # frontier: baseline, firewalls (4), sensors (6), sensors+firewalls (10)
        frontier = g["frontier"][()].astype(int).tolist()
        assert frontier == [0, 4, 2, 6]
        np.testing.assert_array_equal(col["on_frontier"], [1, 0, 1, 0, 1, 0, 1, 0])
        bcols = [c.decode() for c in g["budget_statistic"][()]]
        b = {c: g["budgets"][()][:, i] for i, c in enumerate(bcols)}
        np.testing.assert_array_equal(b["package"], [4, 6, 6])
        # at 16, sensors+firewalls (10) and patrols+firewalls (14) avert the same: not
        # distinguishable, and the cheaper is chosen
        assert b["runner_up"][2] == 5 and b["distinguishable"][2] == 0
        assert b["distinguishable"][0] == 1 and b["distinguishable"][1] == 1
    assert "NOT distinguishable from the runner-up {patrols, firewalls}" in done.stdout
    assert "sub-additive" in done.stdout


def test_cost_sharing_rules_by_hand(tmp_path):
    out = str(tmp_path / "p.h5")
    done = c5sim("portfolio", TOY, "-r", "20", "-t", "2", "-q", "--measures",
                 "sensors,firewalls", "-o", out)
    assert done.returncode == 0, done.stderr
    with h5py.File(out, "r") as f:
        g = f["/portfolio"]
        rules = [r.decode() for r in g["rule"][()]]
        assert rules == ["equal", "gdp", "population", "benefit", "declared"]
        net = g["net_gain"][()]                     # [package, rule, state + 1]
        loss = f["/variants/0/totals/loss"][()]
        for p, cost in ((1, 6.0), (2, 4.0), (3, 10.0)):
            own = f[f"/variants/{p}/totals/loss"][()]
            harm0, harm = f["/variants/0/totals/harm"][()], f[f"/variants/{p}/totals/harm"][()]
            averted = (loss - own).mean(axis=0)     # the model charges cost/2 to each state
            benefit = np.maximum((harm0 - harm).mean(axis=0), 0)
            shares = {"equal": [0.5, 0.5], "gdp": [0.75, 0.25], "population": [0.25, 0.75],
                      "benefit": benefit / benefit.sum()}
            for r, rule in enumerate(rules[:4]):
                expected = averted + cost / 2 - cost * np.asarray(shares[rule])
                np.testing.assert_allclose(net[p, r, :2], expected, rtol=1e-9, atol=1e-9)
                np.testing.assert_allclose(net[p, r, 2], averted.sum(), rtol=1e-9)
        # declared: sensors by gdp, firewalls by benefit (the package's own benefit)
        own = f["/variants/3/totals/loss"][()]
        averted = (loss - own).mean(axis=0)
        benefit = np.maximum((f["/variants/0/totals/harm"][()]
                              - f["/variants/3/totals/harm"][()]).mean(axis=0), 0)
        expected = averted + 5 - 6 * np.array([0.75, 0.25]) - 4 * benefit / benefit.sum()
        np.testing.assert_allclose(net[3, 4, :2], expected, rtol=1e-9, atol=1e-9)


def test_time_phased_measure_before_and_after_its_start(tmp_path):
    path = toy_with(tmp_path, "  surge:\n    cost: 0\n    start: 40\n    set:\n"
                    "      threats.raid.origins.x.rate: 0.6\n"
                    "  surge_always:\n    cost: 0\n    set:\n"
                    "      threats.raid.origins.x.rate: 0.6\n")
    out = str(tmp_path / "m.h5")
    replicates = 400
    done = c5sim("measures", path, "-r", str(replicates), "-t", "2", "-q", "--series", "-o", out)
    assert done.returncode == 0, done.stderr
    with h5py.File(out, "r") as f:
        labels = {f[f"/variants/{k}"].attrs["label"]: k for k in f["/variants"]}
        labels = {(k.decode() if isinstance(k, bytes) else k): v for k, v in labels.items()}
        base, surge, always = (f"/variants/{labels[n]}/series" for n in
                               ("baseline", "surge", "surge_always"))
        # before tick 40 every per-tick series is the baseline's (common random numbers)
        for metric in f[base]:
            np.testing.assert_array_equal(f[f"{surge}/{metric}"][()][:, :40],
                                          f[f"{base}/{metric}"][()][:, :40], err_msg=metric)
        # from 40 on the arrivals are those of the measure always on (their stream is keyed
        # by origin and tick, so they do not depend on history)
        np.testing.assert_array_equal(f[f"{surge}/arrivals"][()][:, 40:],
                                      f[f"{always}/arrivals"][()][:, 40:])
        # and their expectation is the closed form rate0 * T + rate1 * (ticks - T), 4 sigma
        raids = f[f"{surge}/arrivals"][()][:, :, 0].sum(axis=1)
        expected = 0.3 * 40 + 0.6 * 60
        assert abs(raids.mean() - expected) < 4 * np.sqrt(expected / replicates)
        # and the harm differs after the start: the measure did something
        assert not np.array_equal(f[f"{surge}/harm"][()], f[f"{base}/harm"][()])


def test_time_phased_measure_with_end_and_unphased_results_unchanged(tmp_path):
    path = toy_with(tmp_path, "  lull:\n    cost: 0\n    start: 20\n    end: 50\n    set:\n"
                    "      threats.raid.origins.x.rate: 0\n")
    out = str(tmp_path / "m.h5")
    done = c5sim("measures", path, "-r", "100", "-t", "2", "-q", "--series", "-o", out)
    assert done.returncode == 0, done.stderr
    with h5py.File(out, "r") as f:
        k = next(k for k in f["/variants"] if f[f"/variants/{k}"].attrs["label"] in
                 (b"lull", "lull"))
        raids = f[f"/variants/{k}/series/arrivals"][()][:, :, 0]
        base = f["/variants/0/series/arrivals"][()][:, :, 0]
        assert raids[:, 20:50].sum() == 0
        np.testing.assert_array_equal(raids[:, :20], base[:, :20])
        np.testing.assert_array_equal(raids[:, 50:], base[:, 50:])
    # a scenario whose measures have no start or end gives the same bits as before the keys:
    # the measures alone, run again without the new measure, are unchanged
    plain = str(tmp_path / "plain.h5")
    done = c5sim("measures", TOY, "-r", "100", "-t", "2", "-q", "--series", "-o", plain)
    assert done.returncode == 0, done.stderr
    with h5py.File(out, "r") as f, h5py.File(plain, "r") as g:
        for label in ("patrols", "sensors", "firewalls"):
            a = next(k for k in f["/variants"] if f[f"/variants/{k}"].attrs["label"] in
                     (label, label.encode()))
            b = next(k for k in g["/variants"] if g[f"/variants/{k}"].attrs["label"] in
                     (label, label.encode()))
            np.testing.assert_array_equal(f[f"/variants/{a}/series/harm"][()],
                                          g[f"/variants/{b}/series/harm"][()])


def test_bad_input(tmp_path):
    done = c5sim("portfolio", TOY, "-r", "2", "-q", "--measures", "patrols,walls")
    assert done.returncode == 2 and "no measure 'walls'" in done.stderr
    done = c5sim("portfolio", TOY, "-r", "2", "-q", "--measures", "patrols,patrols")
    assert done.returncode == 2 and "'patrols' is named twice" in done.stderr
    done = c5sim("portfolio", TOY, "-r", "2", "-q", "--budget", "10,x")
    assert done.returncode == 2 and "--budget '10,x'" in done.stderr
    done = c5sim("portfolio", TOY, "-r", "2", "-q", "--budget")
    assert done.returncode == 2 and "--budget needs a list" in done.stderr
    done = c5sim("portfolio", os.path.join(SOURCE_ROOT, "tests", "scenarios",
                                           "coalition_toy.yaml"), "-r", "2", "-q")
    assert done.returncode == 2 and "the scenario declares no measures" in done.stderr
    # two measures of a package setting one path absolutely: refused, naming both
    path = toy_with(tmp_path, "  drones:\n    cost: 3\n    set:\n"
                    "      states.AAA.detect.military: 0.5\n", "collide.yaml")
    done = c5sim("portfolio", path, "-r", "2", "-q")
    assert done.returncode == 2
    assert "variant {patrols, drones}: measure drones states.AAA.detect.military=0.5" in done.stderr
    assert "also set by measure patrols states.AAA.detect.military=1" in done.stderr
    # written relative, two measures of one path compose (in scenario order): rate x 0.5 x 0.5
    path = toy_with(tmp_path, "  drones:\n    cost: 3\n    set:\n"
                    "      threats.raid.origins.x.rate*: 0.5\n"
                    "  curfew:\n    cost: 2\n    set:\n"
                    "      threats.raid.origins.x.rate*: 0.5\n", "relative.yaml")
    out = str(tmp_path / "relative.h5")
    done = c5sim("portfolio", path, "-r", "200", "-t", "2", "-q", "--measures", "drones,curfew",
                 "-o", out)
    assert done.returncode == 0, done.stderr
    with h5py.File(out, "r") as f:
        raids = f["/variants/3/totals/arrivals"][()][:, 0]
        expected = 0.3 * 0.25 * 100
        assert abs(raids.mean() - expected) < 4 * np.sqrt(expected / 200)
    # keys of the new measure forms
    path = toy_with(tmp_path, "  late:\n    cost: 1\n    start: 100\n    set:\n"
                    "      states.AAA.detect.military: 0.5\n", "late.yaml")
    done = c5sim("validate", path)
    assert done.returncode == 2 and "measures.late.start" in done.stderr
    line = len(open(TOY).read().rstrip("\n").splitlines()) + 3  # the `start:` line
    assert "a whole number in 0..99" in done.stderr and f"late.yaml:{line}:" in done.stderr
    path = toy_with(tmp_path, "  back:\n    cost: 1\n    start: 50\n    end: 50\n    set:\n"
                    "      states.AAA.detect.military: 0.5\n", "back.yaml")
    done = c5sim("validate", path)
    assert done.returncode == 2 and "measures.back.end" in done.stderr
    path = toy_with(tmp_path, "  shared:\n    cost: 1\n    cost_sharing: gpd\n    set:\n"
                    "      states.AAA.detect.military: 0.5\n", "rule.yaml")
    done = c5sim("validate", path)
    assert done.returncode == 2 and "measures.shared.cost_sharing: no cost-sharing rule named 'gpd'" in done.stderr
    text = open(TOY).read().replace("BBB: {gdp: 10, population: 30}", "BBB: {}")
    (tmp_path / "nogdp.yaml").write_text(text)
    done = c5sim("validate", str(tmp_path / "nogdp.yaml"))
    assert done.returncode == 2
    assert "measures.sensors.cost_sharing: 'gdp' needs states.BBB.gdp > 0" in done.stderr
    # a time-phased measure may not change the world's structure: named with its path
    path = toy_with(tmp_path, "  reinforce:\n    cost: 1\n    start: 10\n    set:\n"
                    "      states.AAA.response.units: 80\n", "units.yaml")
    done = c5sim("measures", path, "-r", "2", "-q")
    assert done.returncode == 2
    assert ("measure reinforce: states.AAA.response.units: a time-phased measure (start/end) "
            "cannot change a state's response units") in done.stderr
    path = toy_with(tmp_path, "  learn:\n    cost: 1\n    start: 10\n    set:\n"
                    "      states.BBB.sharing.adapt: {rule: reinforcement, period: 10}\n",
                    "adapt.yaml")
    done = c5sim("measures", path, "-r", "2", "-q")
    assert done.returncode == 2
    assert ("measure learn: states.BBB.sharing.adapt: a time-phased measure (start/end) cannot "
            "change a state's sharing adaptation") in done.stderr


def test_report_draws_the_frontier_and_says_what_cannot_be_told_apart(tmp_path):
    out = str(tmp_path / "p.h5")
    done = c5sim("portfolio", TOY, "-r", "20", "-t", "2", "-q", "--budget", "5,16", "-o", out)
    assert done.returncode == 0, done.stderr
    report_dir = tmp_path / "report"
    done = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE_ROOT, "analysis", "c5report"),
                           out, "-o", str(report_dir), "--quiet"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert (report_dir / "portfolio_frontier.png").stat().st_size > 10000
    text = (report_dir / "report.md").read_text()
    section = text[text.index("## Packages of measures"):]
    frontier = section.split("### Best package")[0]
    assert re.search(r"\| 4\.00 \| [0-9.]+ \([0-9.]+ to [0-9.]+\) \| \{firewalls\} \|", frontier)
    assert "| {patrols} |" not in frontier  # dominated by sensors: as effective, cheaper
    assert "{sensors, firewalls} and {patrols, firewalls} avert exactly the same harm" in section
    assert "| {patrols, sensors} |" in section and "| overlap |" in section
    assert "additive within noise" in section


def test_heuristic_mode_beyond_twelve_measures(tmp_path):
    # 13 measures: the first three of the toy and ten more that each halve one rate a little
    extra = "".join(f"  trim{i}:\n    cost: {1 + i}\n    set:\n"
                    f"      threats.hack.origins.x.rate*: {0.9 + 0.005 * i}\n" for i in range(10))
    path = toy_with(tmp_path, extra, "many.yaml")
    out = str(tmp_path / "h.h5")
    done = c5sim("portfolio", path, "-r", "4", "-t", "2", "-q", "--budget", "10,30", "-o", out)
    assert done.returncode == 0, done.stderr
    assert "13 measures, 92 packages (heuristic" in done.stdout
    with h5py.File(out, "r") as f:
        g = f["/portfolio"]
        assert g.attrs["mode"] in (b"heuristic", "heuristic")
        assert len(f["/variants"]) == 1 + 13 + 78
        masks = g["table"][()][:, 0].astype(int)
        assert sorted(bin(m).count("1") for m in masks) == [0] + [1] * 13 + [2] * 78
        cols = [c.decode() for c in g["budget_statistic"][()]]
        b = {c: g["budgets"][()][:, i] for i, c in enumerate(cols)}
        assert (b["cost"] <= b["budget"]).all()
        # within 10, sensors + firewalls (cost 10) stops every raid and every hack: no package
        # can avert more, and the search finds it
        assert int(b["mask"][0]) == 0b110
