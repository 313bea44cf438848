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
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STUDY = os.path.join(ROOT, "analysis", "c5study")
EXPERIMENTS = os.path.join(ROOT, "scenarios", "experiments")
PYTHON = "/usr/bin/python3"
STUDIES = ("free_riding", "burden", "tipping", "weakest_link", "leaks_monitoring")

sys.path.insert(0, os.path.join(ROOT, "analysis"))
from c5analysis.studies import VERDICTS, overall  # noqa: E402


def spec_of(name):
    with open(os.path.join(EXPERIMENTS, name + ".json")) as handle:
        return json.load(handle)


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
    assert result["verdict"] in VERDICTS
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


@pytest.mark.parametrize("name", STUDIES)
def test_every_study_runs_its_placebo_and_decides_by_the_rules(quick, name):
    result = quick(name)
    arms = result["arms"]
    assert [a["arm"] for a in arms] == ["main", "placebo"] * len(result["seeds"])
    assert result["placebo"]["description"]
    main = [a["verdict"] for a in arms if a["arm"] == "main"]
    placebo = [a["verdict"] for a in arms if a["arm"] == "placebo"]
    assert result["verdict"] == overall(main, placebo)
    # Each placebo run carried the placebo's overrides, each main run did not.
    placebo_sets = spec_of(name)["placebo"].get("set", [])
    for command in result["commands"]:
        marked = "_placebo_" in command
        for entry in placebo_sets:
            assert (f"--set {entry}" in command) == marked, command


def test_burden_placebo_changes_only_who_counts_as_large(quick):
    arms = quick("burden")["arms"]
    main, placebo = arms[0]["numbers"], arms[1]["numbers"]
    assert sorted(main["size"].values()) == sorted(placebo["size"].values())
    assert main["size"] != placebo["size"]
    # The model reads no GDP: the placebo's runs give every state the same burden.
    for code, share in main["burden_share"].items():
        assert share["mean"] == placebo["burden_share"][code]["mean"]
    assert abs(sum(s["mean"] for s in main["burden_share"].values()) - 1) < 1e-9
    assert 0 < main["permutation_p"] <= 1


def test_weakest_link_placebo_has_no_displacement_contrast(quick):
    arms = quick("weakest_link")["arms"]
    did = arms[1]["numbers"]["displacement_did"]
    # Both placebo arms use fixed routes on the same random numbers: exactly no contrast.
    assert did["low"] == did["mean"] == did["high"] == 0
    assert arms[1]["parts"]["displacement"] == 0
    main = arms[0]["numbers"]
    assert main["weakest"] == min(main["score"], key=main["score"].get)


def test_tipping_sets_are_closed_upwards_and_the_placebo_has_no_contrast(quick):
    arms = quick("tipping")["arms"]
    shift = arms[1]["numbers"]["contagion_shift"]
    assert shift["mean"] == 0 and arms[1]["parts"]["contagion_matters"] == 0
    assert arms[1]["verdict"] in ("inconclusive", "not reproduced")
    for level in arms[0]["numbers"]["levels"]:
        n = len(arms[0]["numbers"]["states"])
        assert 1 <= level["smallest_tipping_size"] <= n


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
    unknown.write_text(json.dumps({"study": "astrology", "scenario": "x.yaml", "design": {},
                                   "placebo": {"description": "none", "set": ["a=1"]}}))
    no_placebo = tmp_path / "no_placebo.json"
    no_placebo.write_text(json.dumps({"study": "burden", "scenario": "x.yaml", "design": {}}))
    for spec, message in ((bad, "not valid JSON"), (unknown, "unknown study 'astrology'"),
                          (tmp_path / "absent.json", "No such file"),
                          (no_placebo, "every study carries a placebo")):
        done = subprocess.run([PYTHON, STUDY, str(spec), "-o", str(tmp_path / "o"),
                               "--c5sim", c5sim_binary()], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 2
        assert message in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([c5sim_binary(), "study"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2


def test_leaks_placebo_without_punishment_deters_nothing(quick):
    arms = quick("leaks_monitoring")["arms"]
    main, placebo = arms[0]["numbers"], arms[1]["numbers"]
    # Receivers exploit when nobody watches: the game has something to deter.
    assert main["curves"]["hub"]["exploits"][0]["mean"] > 0
    # Without punishment the expected cost is 0 at any monitoring: the same exploitation, bit for
    # bit, at every level (common random numbers).
    for arm in ("hub", "reciprocal"):
        for metric in ("exploit_gain", "exploits", "reports_shared", "harm"):
            change = placebo[arm][metric]
            assert change["low"] == change["mean"] == change["high"] == 0, (arm, metric)


def test_free_riding_placebo_makes_the_optimum_an_equilibrium(quick):
    arms = quick("free_riding")["arms"]
    main, placebo = arms[0]["numbers"], arms[1]["numbers"]
    assert main["equilibria"], "the search finds an equilibrium of the sharing game"
    # With sharing free for its sender, no deviation from the optimum costs the deviator
    # anything it could detect: the optimum is among the equilibria, the gap exactly 0.
    assert placebo["optimum"] in placebo["equilibria"]
    gap = placebo["price_of_stability"]
    assert gap["low"] == gap["mean"] == gap["high"] == 0
    assert arms[1]["parts"]["best_equilibrium_short_of_optimum"] == 0
