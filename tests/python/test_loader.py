"""test_loader.py — tidy data that fits in memory (analysis/c5analysis/load.py, export.py).

A 12.5 MB sweep file (11 variants x 540 replicates of the baseline) must load into the tidy
frame in under 2 s and into less than 10 times its size; grid sweeps store a numeric /design
table; per-tick series are read only on request; c5export and c5report --csv write CSV tables.
Run: /usr/bin/python3 -m pytest tests/python/test_loader.py
"""
import csv
import os
import subprocess
import time
import tracemalloc

import h5py
import numpy as np
import pytest

from conftest import ANALYSIS_DIR, SOURCE_ROOT

import c5analysis

C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
BASELINE = os.path.join(SOURCE_ROOT, "scenarios", "c5-baseline.yaml")
MINIMAL = os.path.join(SOURCE_ROOT, "scenarios", "minimal.yaml")
REPLICATES = 540


def _engine(*args):
    done = subprocess.run([C5SIM, *args, "-q"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def big_sweep(tmp_path_factory):
    path = tmp_path_factory.mktemp("loader") / "big.h5"
    # 540 replicates of the revised baseline (14 types, 23 metrics) make about 12.5 MB
    _engine("sweep", BASELINE, "--vary", "sharing.level=0:1:0.1", "-r", str(REPLICATES), "-o",
            str(path))
    return path


def test_a_12_5_mb_file_loads_fast_into_little_memory(big_sweep):
    size = os.path.getsize(big_sweep)
    assert 12.0e6 < size < 13.5e6, f"the file is {size / 1e6:.2f} MB, not about 12.5 MB"
    times = []
    for _ in range(2):  # best of two: the machine is shared
        start = time.perf_counter()
        frame = c5analysis.load_tidy(str(big_sweep))
        times.append(time.perf_counter() - start)
        del frame
    assert min(times) < 2.0, f"load_tidy took {min(times):.2f} s"
    tracemalloc.start()
    try:
        frame = c5analysis.load_tidy(str(big_sweep))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    in_memory = frame.memory_usage(deep=True).sum()
    assert in_memory < 10 * size, f"frame {in_memory / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"
    assert peak < 20 * size, f"peak {peak / 1e6:.1f} MB while loading"
    with h5py.File(big_sweep, "r") as h5:
        types = len(h5["world/threat_types"])
    assert len(frame) == 11 * REPLICATES * 5 * (types + 1)  # variants x replicates x states x
    # (types + 'all')
    # One numeric column per swept parameter, in compact types.
    assert frame["sharing.level"].dtype == np.float32
    assert sorted(frame["sharing.level"].unique().round(3)) == pytest.approx(
        np.round(np.arange(0, 1.05, 0.1), 3))
    assert str(frame["label"].dtype) == "category" and frame["arrivals"].dtype == np.int32


def test_grid_sweep_stores_a_numeric_design(tmp_path):
    path = tmp_path / "grid.h5"
    _engine("sweep", MINIMAL, "--vary", "sharing.policy=withhold,full", "--vary",
            "sharing.level=0:1:0.5", "-r", "2", "--set", "run.ticks=20", "-o", str(path))
    with h5py.File(path, "r") as h5:
        design = h5["design"][()]
        assert h5["design"].attrs["method"] == "grid"
        assert list(h5["design_parameter"].asstr()[()]) == ["sharing.policy", "sharing.level"]
        assert h5["design"].attrs["levels_0"] == "withhold,full"
        assert "levels_1" not in h5["design"].attrs
    assert design.tolist() == [[0, 0], [0, 0.5], [0, 1], [1, 0], [1, 0.5], [1, 1]]
    results = c5analysis.load(str(path))
    parameters = c5analysis.parameter_table(results)
    assert list(parameters["sharing.policy"]) == ["withhold"] * 3 + ["full"] * 3
    assert parameters["sharing.level"].tolist() == [0, 0.5, 1, 0, 0.5, 1]
    # A grid is not an uncertainty design: it keeps its cooperation curve.
    from c5analysis import figures, findings

    assert not findings.is_uncertainty_design(results)
    assert figures.sweep_axis(results)[0] == "sharing.level"


def test_series_are_read_only_on_request(tmp_path):
    path = tmp_path / "run.h5"
    _engine("run", MINIMAL, "-r", "3", "--set", "run.ticks=25", "-o", str(path))
    results = c5analysis.load(str(path))
    variant = results.variants[0]
    assert "harm" in variant.series and not variant.series.cache  # known, not read
    series = c5analysis.load_series(results, "impacts")
    with h5py.File(path, "r") as h5:
        stored = h5["variants/0/series/impacts"][()]
    assert len(series) == stored.size and series["impacts"].dtype == np.int32
    row = series.query("replicate == 2 and tick == 24 and state == 'TJK'")
    assert row["impacts"].iloc[0] == stored[2, 24, 0]


def test_csv_tables_for_r_and_spreadsheets(tmp_path):
    path = tmp_path / "sweep.h5"
    _engine("sweep", MINIMAL, "--vary", "sharing.level=0,1", "-r", "3", "--set", "run.ticks=20",
            "-o", str(path))
    out = tmp_path / "csv"
    done = subprocess.run([os.path.join(ANALYSIS_DIR, "c5export"), str(path), "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    frame = c5analysis.load_tidy(str(path))
    with open(out / "tidy.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(frame)
    assert list(rows[0]) == list(frame.columns)
    assert float(rows[-1]["harm"]) == pytest.approx(frame["harm"].iloc[-1], rel=1e-9)
    with open(out / "variants.csv", newline="") as handle:
        variants = list(csv.DictReader(handle))
    assert [v["sharing.level"] for v in variants] == ["0", "1"]
    with open(out / "summary.csv", newline="") as handle:
        header = next(csv.reader(handle))
    for column in ("harm_mean", "sharing_cost_mean", "measure_cost_mean", "loss_ci_high"):
        assert column in header
    report_dir = tmp_path / "report"
    done = subprocess.run([os.path.join(ANALYSIS_DIR, "c5report"), str(path), "-o",
                           str(report_dir), "--csv", "-q"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert (report_dir / "csv" / "tidy.csv").read_text() == (out / "tidy.csv").read_text()
