"""test_experiments.py — the shipped studies (scenarios/experiments/), each in its reduced version
(--quick: fewer replicates, points or states), asserting the direction of its result with its 95%
interval, as docs/experiments.md states it; plus `c5sim study` and the driver's errors.

Uses the engine in $C5SIM (tools/test and meson set it), or build/ at the repository root.
Seeds are the scenario's, so every run is reproducible; the intervals are the ones the study
reports (paired t-intervals over replicates, or bootstrap percentile intervals for argmins).
"""
import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STUDY = os.path.join(ROOT, "analysis", "c5study")
EXPERIMENTS = os.path.join(ROOT, "scenarios", "experiments")
PYTHON = "/usr/bin/python3"
STUDIES = ("free_riding", "burden", "tipping", "weakest_link", "leaks_monitoring")


def c5sim_binary():
    return os.environ.get("C5SIM") or os.path.join(ROOT, "build", "engine", "cli", "c5sim")


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """Run each study's reduced version once; returns name -> verdict.json contents."""
    if not os.access(c5sim_binary(), os.X_OK):
        pytest.fail(f"no c5sim binary at {c5sim_binary()} (set C5SIM)")
    results = {}

    def get(name):
        if name not in results:
            out = tmp_path_factory.mktemp(name)
            done = subprocess.run([PYTHON, STUDY, os.path.join(EXPERIMENTS, name + ".json"),
                                   "--quick", "-o", str(out), "-q", "-t", "2",
                                   "--c5sim", c5sim_binary()],
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            with open(out / "verdict.json") as handle:
                results[name] = json.load(handle)
            results[name]["_dir"] = out
            results[name]["_stdout"] = done.stdout
        return results[name]

    return get


def above(stat):
    return stat["low"] > 0


def below(stat):
    return stat["high"] < 0


@pytest.mark.parametrize("name", STUDIES)
def test_every_study_writes_figures_and_verdict(quick, name):
    result = quick(name)
    assert result["quick"] is True
    assert result["verdict"] in ("reproduced", "partly reproduced", "not reproduced",
                                 "inconclusive")
    assert result["figures"], "a study draws at least one figure"
    for figure in result["figures"]:
        path = result["_dir"] / figure
        assert path.stat().st_size > 10000, f"{figure} is too small to hold a plot"
        with open(path, "rb") as handle:
            assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    markdown = (result["_dir"] / "verdict.md").read_text()
    assert f"**Verdict: {result['verdict']}**" in markdown
    assert result["verdict"] in result["_stdout"]
    assert result["commands"] and all(c.startswith("c5sim ") for c in result["commands"])
    # Every run used the scenario's seed: rerunning a command reproduces the study.
    assert all(" -r " in c for c in result["commands"])


def test_free_riding_each_state_under_shares(quick):
    numbers = quick("free_riding")["numbers"]
    # Sharing lowers the region's loss: the optimum is above the lowest level ...
    assert above(numbers["regional_gain"])
    assert numbers["regional_optimum"]["low"] > numbers["levels"][0]
    for row in numbers["states"]:
        # ... while each state's own best level is below it (gap interval above 0), and
        # cooperating at the optimum strictly costs the state itself.
        assert above(row["gap"]), row
        assert above(row["private_cost"]), row
    assert quick("free_riding")["verdict"] == "reproduced"


def test_burden_falls_disproportionately_on_larger_members(quick):
    numbers = quick("burden")["numbers"]
    assert above(numbers["slope"]), numbers["slope"]
    assert above(numbers["large_excess_share"]), numbers["large_excess_share"]
    capability = numbers["capability"]
    per_unit = numbers["burden_per_unit"]
    largest = max(capability, key=capability.get)
    smallest = min(capability, key=capability.get)
    # The largest member's burden per unit is above the smallest's, intervals apart.
    assert per_unit[largest]["low"] > per_unit[smallest]["high"]


def test_tipping_coalition_exists_but_contagion_does_not_shrink_it(quick):
    result = quick("tipping")
    levels = result["numbers"]["levels"]
    n_states = len(result["numbers"]["states"])
    # A coalition smaller than everyone tips the rest at every contagion level ...
    for level in levels:
        assert level["smallest_tipping_size"] < n_states, level["contagion"]
    # ... and joining grows more attractive as the coalition grows (complementarity).
    for level in levels:
        shares = [level["positive_share_by_size"][k]
                  for k in sorted(level["positive_share_by_size"], key=int)]
        assert shares[-1] > shares[1], shares
    # Documented non-reproduction: contagion does not move the join gains (interval holds 0),
    # so the tipping coalition is not smaller with contagion.
    shift = result["numbers"]["contagion_shift"]
    assert shift["low"] <= 0 <= shift["high"], shift
    assert levels[-1]["smallest_tipping_size"] == levels[0]["smallest_tipping_size"]
    assert result["verdict"] == "partly reproduced"


def test_weakest_link_and_displacement_with_adaptive_adversaries(quick):
    numbers = quick("weakest_link")["numbers"]
    assert numbers["weakest"] != numbers["strongest"]
    assert numbers["score"][numbers["weakest"]] < numbers["score"][numbers["strongest"]]
    adaptive = numbers["adaptive"]
    assert above(adaptive["weakest"]["harm_averted"])
    # Hardening the weakest border averts more than hardening the strongest ...
    assert above(adaptive["weakest_minus_strongest"])
    # ... and displaces adaptive threats into the neighbours' regions, beyond fixed routes.
    assert above(adaptive["weakest"]["displaced_entries"])
    assert above(numbers["displacement_adaptive_minus_fixed"])
    # Control: with fixed routes, hardening the weakest border sends fewer threats onward.
    assert below(numbers["fixed"]["weakest"]["displaced_entries"])


def test_leaks_collapse_reciprocal_sharing_and_the_hub_sustains_it(quick):
    result = quick("leaks_monitoring")
    numbers = result["numbers"]
    assert above(numbers["reciprocal_drop"])
    assert numbers["reciprocal_retained"]["high"] < 0.5
    assert numbers["hub_retained"]["low"] > numbers["reciprocal_retained"]["high"]
    assert above(numbers["hub_minus_reciprocal_at_max_leak"])
    # Documented non-reproduction: monitoring changes no flow in the engine (the hub forwards
    # whatever the trust; monitoring only decides who is blamed). Paired: exactly zero.
    effect = numbers["monitoring_effect_reports"]
    assert effect["low"] == effect["mean"] == effect["high"] == 0
    assert result["verdict"] == "partly reproduced"


def test_c5sim_study_command_runs_the_driver(tmp_path):
    out = tmp_path / "burden"
    done = subprocess.run([c5sim_binary(), "study", os.path.join(EXPERIMENTS, "burden.json"),
                           "--quick", "-o", str(out), "-q"], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, C5SIM_ANALYSIS=os.path.join(
                              ROOT, "analysis")))
    assert done.returncode == 0, done.stderr
    assert "Burden" in done.stdout
    result = json.loads((out / "verdict.json").read_text())
    # `c5sim study` hands the driver its own binary for the runs.
    assert result["commands"][0].startswith("c5sim run ")


def test_driver_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"study": "astrology", "scenario": "x.yaml", "design": {}}))
    for spec, message in ((bad, "not valid JSON"), (unknown, "unknown study 'astrology'"),
                          (tmp_path / "absent.json", "No such file")):
        done = subprocess.run([PYTHON, STUDY, str(spec), "-o", str(tmp_path / "o"),
                               "--c5sim", c5sim_binary()], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 2
        assert message in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([c5sim_binary(), "study"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
