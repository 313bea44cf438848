"""test_findings.py — headlines follow from the numbers (analysis/c5analysis/findings.py).

On tests/scenarios/sharing_cannot_help.yaml sharing cannot change harm (threats come from
outside straight into their victim's region; no route, partner, hub or assistance links the two
states), so a sharing sweep must say "no detectable effect" for harm and name report costs as
the reason the loss still changes. Also: the relevance threshold gates headlines, the cost split
adds up to loss, the replicate warnings appear, and a Latin hypercube file gets the uncertainty
section instead of a curve.
Run: /usr/bin/python3 -m pytest tests/python/test_findings.py
"""
import os
import re
import subprocess

import h5py
import numpy as np
import pytest

from conftest import ANALYSIS_DIR, SOURCE_ROOT

import c5analysis
from c5analysis import findings, figures

C5REPORT = os.path.join(ANALYSIS_DIR, "c5report")
C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
NO_CHANNEL = os.path.join(SOURCE_ROOT, "tests", "scenarios", "sharing_cannot_help.yaml")
BASELINE = os.path.join(SOURCE_ROOT, "scenarios", "c5-baseline.yaml")


def _engine(*args):
    done = subprocess.run([C5SIM, *args, "-q"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def _report(path, out_dir, *extra):
    done = subprocess.run([C5REPORT, str(path), "-o", str(out_dir), "-q", *extra],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return open(os.path.join(out_dir, "report.md"), encoding="utf-8").read()


def _headlines(markdown):
    section = markdown.split("## Headline findings", 1)[1].split("\n## ", 1)[0]
    return [line[2:] for line in section.splitlines() if line.startswith("- ")]


@pytest.fixture(scope="module")
def no_channel_sweep(tmp_path_factory):
    path = tmp_path_factory.mktemp("findings") / "no_channel.h5"
    _engine("sweep", NO_CHANNEL, "--vary", "sharing.level=0:1:0.5", "-o", str(path))
    return path


def test_sharing_that_cannot_help_is_no_detectable_effect(no_channel_sweep, tmp_path):
    # The premise: harm is the same in every replicate at every level, loss is not.
    with h5py.File(no_channel_sweep, "r") as h5:
        harm = [h5[f"variants/{k}/totals/harm"][()].sum(axis=1) for k in "012"]
        loss = [h5[f"variants/{k}/totals/loss"][()].sum(axis=1) for k in "012"]
    assert all(np.array_equal(harm[0], h) for h in harm[1:])
    assert loss[2].mean() > loss[0].mean()
    lines = _headlines(_report(no_channel_sweep, tmp_path / "report"))
    effect = [line for line in lines if re.search(r"(regional harm by|changes it by) -?[0-9.]+%",
                                                  line)]
    assert len(effect) == 1 and effect[0].startswith("No detectable effect on regional harm")
    assert "replicate noise only" in effect[0]
    assert not any(re.search(r"\b(lowers|raises) regional harm\b", line) for line in lines)
    loss_lines = [line for line in lines if line.startswith("Regional loss rises")]
    assert loss_lines and "not through harm" in loss_lines[0]
    assert "report costs (sharing cost)" in loss_lines[0]
    # No optimum named from noise; the optimum that is named is the cost of reports.
    assert not any("free-ride, detectable" in line for line in lines)
    optimum = [line for line in lines if line.startswith("Regional loss is lowest at")]
    assert optimum and "a difference in costs only" in optimum[0]
    # Every headline with an interval says what the interval covers.
    for line in lines:
        if re.search(r"\(-?[0-9.]+%? to -?[0-9.]+", line):
            assert "replicate noise" in line, line


def test_cost_parts_add_up_to_loss_and_the_rule_is_stated(tmp_path):
    path = tmp_path / "measures.h5"
    _engine("measures", BASELINE, "-r", "6", "--set", "run.ticks=60", "-o", str(path))
    results = c5analysis.load(str(path))
    costs = dict(zip(results.measures_table["id"], results.measures_table["cost"]))
    n_states = len(results.state_codes)
    for variant in results.variants:
        parts = findings.cost_parts(variant)
        total = parts["harm"] + parts["sharing_cost"] + parts["measure_cost"]
        assert np.allclose(total, variant.totals["loss"])
        expected = costs.get(variant.label, 0.0) / n_states
        assert np.allclose(parts["measure_cost"], expected), variant.label
    markdown = _report(path, tmp_path / "report")
    assert "1/N of it to each of the N states" in markdown
    header = [line for line in markdown.splitlines()
              if line.startswith("| variant | harm | sharing cost | measure cost | loss |")]
    assert header, "no table with harm, sharing cost and measure cost as columns"
    assert "## Per-state paired differences against variant 0" in markdown
    # The stacked harm figure never leaves out the measure with the largest effect.
    assert figures.largest_effects(results, 1)[0] in figures.selected_variants(results)


def test_relevance_threshold_gates_the_headline(tmp_path):
    path = tmp_path / "sweep.h5"
    _engine("sweep", BASELINE, "--vary", "sharing.level=0,1", "-r", "30", "--set",
            "run.ticks=120", "-o", str(path))
    results = c5analysis.load(str(path))
    _, lines, found = findings.headline_findings(results, relevance=0.0)
    mean, low, high, _ = findings.paired(results, 1, lambda v: v.totals["harm"])
    assert high[-1] < 0, "the premise: sharing lowers harm detectably in this file"
    pct = -mean[-1] / results.variants[0].regional("harm").mean() * 100
    assert any("lowers regional harm" in line for line in lines)
    # A threshold above the effect turns the same numbers into "no detectable effect".
    _, lines, _ = findings.headline_findings(results, relevance=(pct + 1) / 100)
    assert any(line.startswith("No detectable effect on regional harm") and
               "below the relevance threshold" in line for line in lines)
    markdown = _report(path, tmp_path / "r", "--relevance", f"{pct + 1:g}")
    assert "No detectable effect on regional harm" in markdown


def test_few_replicates_and_negative_bounds_warn(tmp_path):
    path = tmp_path / "two.h5"
    _engine("sweep", BASELINE, "--vary", "sharing.level=0,1", "-r", "2", "--set",
            "run.ticks=40", "-o", str(path))
    results = c5analysis.load(str(path))
    negative = any(np.any(v.stat("harm").ci_low < 0) for v in results.variants)
    assert negative, "the premise: 2 replicates give a harm interval below 0"
    lines = _headlines(_report(path, tmp_path / "r"))
    assert lines[0].startswith("Warning: only 2 replicates per variant")
    assert any(line.startswith("Warning: some intervals of harm reach below 0") for line in lines)


def test_hypercube_gets_uncertainty_not_a_curve(tmp_path):
    path = tmp_path / "lhs.h5"
    _engine("sweep", BASELINE, "--lhs", "10", "--range", "sharing.level=0:1", "--range",
            "defaults.leak=0:0.2", "-r", "4", "--set", "run.ticks=60", "-o", str(path))
    results = c5analysis.load(str(path))
    assert findings.is_uncertainty_design(results)
    assert list(results.design.columns) == ["sharing.level", "defaults.leak"]
    assert figures.sweep_axis(results) == (None, None)
    markdown = _report(path, tmp_path / "r")
    assert "cooperation_curve.png" not in markdown and "uncertainty.png" in markdown
    assert "## Uncertainty over the design's parameters" in markdown
    assert "parameter uncertainty" in markdown
    assert not re.search(r"Regional loss is lowest at", markdown)


def test_map_draws_borders_coastlines_and_keeps_cyberspace_off_the_map(tmp_path):
    from matplotlib.collections import PolyCollection

    from c5analysis import geomap

    path = tmp_path / "sweep.h5"
    _engine("sweep", BASELINE, "--vary", "sharing.level=0,1", "-r", "3", "--set",
            "run.ticks=30", "-o", str(path))
    results = c5analysis.load(str(path))
    countries = geomap.countries_in(40.0, 95.0, 30.0, 58.0)
    assert countries is not None, "gmt-dcw missing (tools/deps installs them)"
    assert {"KZ", "KG", "TJ", "TM", "UZ", "AF", "IR", "CN", "RU"} <= set(countries)
    # Kazakhstan's outline spans the Caspian shore (west of 50.5E) to the Altai (east of 85E).
    kazakhstan = np.concatenate(countries["KZ"])
    assert kazakhstan[:, 0].min() < 50.5 and kazakhstan[:, 0].max() > 85
    figure = figures.regional_map(results)
    ax = figure.axes[0]
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) >= 2
    texts = {t.get_text() for t in ax.texts}
    assert {"Caspian Sea", "Aral Sea"} <= texts
    assert "no country outlines" not in ax.get_title()
    # Cyberspace is not drawn at made-up coordinates on the map but in the inset.
    assert any(a.get_title().startswith("Not on the map: Cyberspace") for a in figure.axes)
    renderer = figure.canvas.get_renderer()
    # Region labels read "Name (STATE)"; no two of them may overlap.
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text().endswith(")")]
    assert len(boxes) >= 10
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    made = {name for name, _, _ in figures.make_figures(results)}
    assert "regional_map_1" in made  # the variant of interest gets its own map
