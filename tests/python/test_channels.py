"""test_channels.py — the channels of intelligence through the command line (docs/model.md
§5.9-§5.14): results bit-identical to the frozen digests while a scenario declares none of them; a scenario using every channel validates, runs, and writes the
per-channel datasets; the structural warning names the baseline's unreachable types.

Run: /usr/bin/python3 -m pytest tests/python/test_channels.py -q
"""
import json
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

SOURCE_ROOT = os.environ.get(
    "C5SIM_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
SCENARIOS = os.path.join(SOURCE_ROOT, "scenarios")
FROZEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "identity", "scenarios")
IDENTITY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "identity")
sys.path.insert(0, IDENTITY)
from digest import digests  # noqa: E402

CHANNEL_METRICS = ["detections_own", "detections_border", "detections_cue", "detections_network",
                   "detections_upstream", "impacts_mitigated", "harm_mitigated", "network_sent",
                   "network_received", "network_leaked"]


def c5sim(*args, check=True):
    result = subprocess.run([C5SIM, *args], capture_output=True, text=True, timeout=600)
    if check:
        assert result.returncode == 0, f"c5sim {' '.join(args)}: {result.stderr}"
    return result


def reference():
    with open(os.path.join(IDENTITY, "reference.json")) as stream:
        return json.load(stream)


@pytest.mark.parametrize("line", list(reference()))
def test_results_identical_to_the_frozen_digests(line, tmp_path):
    """Digests first recorded with commit 203107b (before the channels), to show that the channels
    change nothing where none is declared; recorded again once, when issue 21 changed the
    detection stream to an Exp(1) budget per threat (docs/model.md §2, §5.3), which changes every
    result that depends on a detection. Every dataset of /variants and /comparison that existed
    before the channels has the same bytes as recorded then."""
    path = tmp_path / "out.h5"
    args = line.replace("{S}", FROZEN).split()
    c5sim(*args, "-q", "-t", "2", "-o", str(path))
    want, got = reference()[line], digests(str(path))
    changed = sorted(name for name in want if got.get(name) != want[name])
    assert not changed, f"{len(changed)} datasets changed, e.g. {changed[:5]}"


def test_every_channel_runs_and_is_recorded(tmp_path):
    scenario = os.path.join(SCENARIOS, "channels.yaml")
    result = c5sim("validate", scenario)
    assert "ok: 3 states" in result.stdout
    assert result.stderr == "", "a scenario whose every type is reachable warns about nothing"
    path = tmp_path / "channels.h5"
    c5sim("run", scenario, "-r", "20", "-q", "-t", "2", "--events", "-o", str(path))
    with h5py.File(path, "r") as f:
        totals = f["variants/0/totals"]
        for name in CHANNEL_METRICS:
            assert name in totals and name in f["variants/0/by_type"], name
            assert totals[name].attrs["unit"]
        channels = sum(totals[m][()] for m in CHANNEL_METRICS[:5])
        np.testing.assert_array_equal(channels, totals["detections"][()])
        for name in ["detections_network", "detections_upstream", "impacts_mitigated",
                     "network_sent", "network_received"]:
            assert totals[name][()].sum() > 0, f"{name} never happened"
        kinds = list(f["variants/0/events"].attrs["kind_names"])
        kinds = [k.decode() if isinstance(k, bytes) else k for k in kinds]
        assert {"network_report", "network_intel", "rotation"} <= set(kinds)


def test_channel_switches_turn_each_channel_off(tmp_path):
    scenario = os.path.join(SCENARIOS, "channels.yaml")
    path = tmp_path / "off.h5"
    c5sim("run", scenario, "-r", "10", "-q", "--set", "channels.network=false",
          "--set", "channels.upstream=false", "--set", "channels.mitigation=false",
          "--set", "channels.cue=false", "-o", str(path))
    with h5py.File(path, "r") as f:
        totals = f["variants/0/totals"]
        for name in ["detections_network", "detections_upstream", "detections_cue",
                     "impacts_mitigated", "network_sent"]:
            assert totals[name][()].sum() == 0, name


def test_describe_warns_about_the_types_sharing_cannot_reach():
    """The first baseline (kept for the studies) has three types no channel reaches; the
    revised baseline has none."""
    first = os.path.join(SCENARIOS, "experiments", "baseline-v1.yaml")
    result = c5sim("describe", first)
    section = result.stdout.split("Where cooperation cannot act")[1]
    warned = sorted(line.split("threats.")[1].split(":")[0]
                    for line in section.splitlines() if ": warning: threats." in line)
    assert warned == ["cyber_infrastructure", "hybrid_campaign", "incursion_west"]
    validate = c5sim("validate", first)
    assert validate.returncode == 0
    assert validate.stderr.count(": warning: threats.") == 3
    assert "baseline-v1.yaml:" in validate.stderr.splitlines()[0]
    revised = c5sim("validate", os.path.join(SCENARIOS, "c5-baseline.yaml"))
    assert revised.returncode == 0 and revised.stderr == ""
    described = c5sim("describe", os.path.join(SCENARIOS, "c5-baseline.yaml")).stdout
    assert "every threat type can be reached by some channel of sharing" in described


def test_c5channels_decomposition_adds_up(tmp_path):
    out = tmp_path / "design.h5"
    tool = os.path.join(SOURCE_ROOT, "analysis", "c5channels")
    done = subprocess.run([tool, os.path.join(SCENARIOS, "channels.yaml"), "-r", "12", "-o",
                           str(out), "--c5sim", C5SIM], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    sys.path.insert(0, os.path.join(SOURCE_ROOT, "analysis"))
    from c5analysis import channels
    result = channels.decompose(str(out))
    total = sum(result["shapley"][c] for c in result["channels"])
    np.testing.assert_allclose(total, result["all"] - result["none"], rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(result["none"], 0.0)  # nothing carries intelligence
    assert "Shapley shares sum to" in done.stdout
    bad = subprocess.run([tool, "--from", str(tmp_path / "missing.h5")], capture_output=True,
                         text=True)
    assert bad.returncode == 2 and "c5channels: error:" in bad.stderr


def test_c5bytype_rows_add_up_to_the_regional_difference(tmp_path):
    out = tmp_path / "policy.h5"
    c5sim("sweep", os.path.join(SCENARIOS, "channels.yaml"), "-r", "10", "-q", "--vary",
          "sharing.policy=withhold,full", "-o", str(out))
    sys.path.insert(0, os.path.join(SOURCE_ROOT, "analysis"))
    from c5analysis import bytype
    labels, rows = bytype.differences(str(out))
    assert labels == ("sharing.policy=withhold", "sharing.policy=full")
    *types, total = rows
    assert [r[0] for r in types] == ["cells", "intrusions"] and total[0] == "(all types)"
    assert abs(sum(r[2] for r in types) - total[2]) < 1e-9
    with h5py.File(out, "r") as f:
        regional = (f["variants/1/totals/harm"][()].sum(axis=1)
                    - f["variants/0/totals/harm"][()].sum(axis=1)).mean()
    assert abs(regional - total[2]) < 1e-9
    done = subprocess.run([os.path.join(SOURCE_ROOT, "analysis", "c5bytype"), str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0 and "(all types)" in done.stdout
    bad = subprocess.run([os.path.join(SOURCE_ROOT, "analysis", "c5bytype"),
                          str(tmp_path / "none.h5")], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("c5bytype: error:")
