"""test_output_layout.py — the HDF5 output of `c5sim run` and `c5sim sweep`, read with h5py only,
checked item by item against docs/output-format.md; reproducibility with h5diff; and what a
SIGKILLed run leaves behind.

Run: /usr/bin/python3 -m pytest tests/python -q   (C5SIM = path of the binary; default
build/engine/cli/c5sim under the source root).
"""
import datetime
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest
import yaml

SOURCE_ROOT = os.environ.get(
    "C5SIM_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
SCENARIO = os.path.join(SOURCE_ROOT, "scenarios", "minimal.yaml")
SEED = 11
REPLICATES = 6

# The metrics the issue requires in totals/ and by_type/, with their unit; any further metric of
# the metric table must be there too, with a unit (checked generically below).
REQUIRED_METRICS = {
    "harm": "harm", "arrivals": "count", "detections": "count", "cued_detections": "count",
    "interdictions": "count", "impacts": "count", "reports_shared": "count",
    "reports_withheld": "count", "leaks": "count", "sharing_cost": "harm", "loss": "harm",
}
SUMMARY_STATISTICS = ["mean", "sd", "ci_low", "ci_high", "q05", "q50", "q95"]
WORLD_TABLES = ["states", "regions", "routes", "threat_types", "partners", "measures"]
EVENT_COLUMNS = ["replicate", "kind", "tick", "threat", "type", "state", "other", "region",
                 "value"]


def c5sim(*args, check=True):
    assert os.access(C5SIM, os.X_OK), f"c5sim not built at {C5SIM} (set C5SIM)"
    result = subprocess.run([C5SIM, *args], capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, f"c5sim {' '.join(args)}: {result.stderr}"
    return result


@pytest.fixture(scope="module")
def output_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("output_layout")


@pytest.fixture(scope="module")
def run_file(output_dir):
    path = output_dir / "run.h5"
    c5sim("run", SCENARIO, "-r", str(REPLICATES), "-s", str(SEED), "-t", "1", "--events", "-q",
          "-o", str(path))
    return path


@pytest.fixture(scope="module")
def sweep_file(output_dir):
    path = output_dir / "sweep.h5"
    c5sim("sweep", SCENARIO, "--vary", "states.TJK.detect.trafficking=0.05,0.3", "-r",
          str(REPLICATES), "-s", str(SEED), "-q", "-o", str(path))
    return path


def scenario_yaml():
    with open(SCENARIO, encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def all_datasets(group):
    found = []
    group.visititems(lambda name, item: found.append((name, item))
                     if isinstance(item, h5py.Dataset) else None)
    return found


def check_root(f, command):
    attrs = f.attrs
    assert text(attrs["format"]) == "c5sim"
    assert int(attrs["format_version"]) == 1
    assert text(attrs["c5sim_version"])
    created = datetime.datetime.strptime(text(attrs["created"]), "%Y-%m-%dT%H:%M:%SZ")
    assert abs((datetime.datetime.utcnow() - created).total_seconds()) < 3600
    assert text(attrs["command"]) == command
    assert command in text(attrs["command_line"])
    assert int(attrs["seed"]) == SEED
    assert int(attrs["replicates"]) == REPLICATES
    assert int(attrs["ticks"]) == scenario_yaml()["run"]["ticks"]
    assert int(attrs["complete"]) == 1


def check_scenario(f):
    with open(SCENARIO, "rb") as stream:
        source = stream.read()
    stored = f["/scenario/source"][()]
    assert bytes(stored) == source, "/scenario/source must equal the input file byte for byte"
    assert text(f["/scenario"].attrs["sha256"]) == hashlib.sha256(source).hexdigest()
    assert text(f["/scenario"].attrs["filename"]).endswith("minimal.yaml")


def check_world(f):
    document = scenario_yaml()
    for table in WORLD_TABLES:
        dataset = f["/world/" + table]
        assert dataset.ndim == 1
        assert dataset.dtype.names, f"/world/{table} must be a compound table"
    states = f["/world/states"][()]
    assert [text(code) for code in states["code"]] == list(document["states"])
    regions = f["/world/regions"][()]
    assert [text(region) for region in regions["id"]] == list(document["regions"]), \
        "regions in scenario order"
    domains = [text(d) for d in f["/world/domains"][()]]
    assert domains == document["domains"]
    assert f["/world/detect"].shape == (len(states), len(domains))
    types = f["/world/threat_types"][()]
    assert [text(t) for t in types["id"]] == list(document["threats"])
    assert [text(p) for p in f["/world/partners"][()]["id"]] == list(document["partners"])
    assert [text(m) for m in f["/world/measures"][()]["id"]] == list(document["measures"])
    assert f["/world/routes"].shape[0] == len(document["routes"])


def check_described(f):
    """Every dataset carries unit, description and one dims name per axis."""
    for name, dataset in all_datasets(f):
        for attribute in ("unit", "description", "dims"):
            assert attribute in dataset.attrs, f"{name} lacks {attribute}"
        dims = text(dataset.attrs["dims"])
        expected = 0 if dataset.ndim == 0 else dataset.ndim
        assert (len(dims.split(",")) if dims else 0) == expected, f"{name}: dims '{dims}'"


def check_variant(f, index, keep_series):
    variant = f[f"/variants/{index}"]
    states = f["/world/states"].shape[0]
    types = f["/world/threat_types"].shape[0]
    regions = f["/world/regions"].shape[0]
    ticks = int(f.attrs["ticks"])
    assert isinstance(variant.attrs["label"], str)
    assert variant.attrs["overrides"].ndim == 1
    assert int(variant.attrs["replicates"]) == REPLICATES
    metrics = set(variant["totals"].keys())
    assert set(REQUIRED_METRICS) <= metrics
    assert metrics == set(variant["by_type"].keys())
    for metric in metrics:
        totals = variant["totals/" + metric]
        by_type = variant["by_type/" + metric]
        assert totals.shape == (REPLICATES, states)
        assert by_type.shape == (REPLICATES, states, types)
        assert text(totals.attrs["dims"]) == "replicate,state"
        assert text(by_type.attrs["dims"]) == "replicate,state,threat_type"
        if metric in REQUIRED_METRICS:
            assert text(totals.attrs["unit"]) == REQUIRED_METRICS[metric]
        counts = text(totals.attrs["unit"]) != "harm"  # count, unit*tick: integral
        assert totals.dtype == (np.int64 if counts else np.float64)
        # Counts compress (shuffle + deflate); see docs/output-format.md for the figures.
        if counts:
            assert totals.compression == "gzip" and totals.shuffle
        np.testing.assert_allclose(by_type[()].sum(axis=2), totals[()], rtol=1e-12)
        assert np.all(np.isfinite(totals[()])) and np.all(totals[()] >= 0)
        if keep_series:
            series = variant["series/" + metric]
            assert series.shape == (REPLICATES, ticks, states)
            assert text(series.attrs["dims"]) == "replicate,tick,state"
            np.testing.assert_allclose(series[()].sum(axis=1), totals[()], rtol=1e-9,
                                       atol=1e-9)
    if not keep_series:
        assert "series" not in variant
    if "trust" in variant:
        trust = variant["trust"]
        assert trust.shape == (REPLICATES, ticks, states, states)
        assert trust.dtype == np.float32
        assert text(trust.attrs["unit"]) == "probability"
    for figure, unit in (("arrivals", "count"), ("detections", "count"), ("impacts", "count"),
                         ("harm", "harm")):
        dataset = variant["regions/" + figure]
        assert dataset.shape == (REPLICATES, regions)
        assert text(dataset.attrs["unit"]) == unit
    assert np.all(variant["written"][()] == 1)
    summary = variant["summary"]
    statistics = [text(s) for s in summary["statistic"][()]]
    assert set(SUMMARY_STATISTICS) <= set(statistics)
    for metric in REQUIRED_METRICS:
        assert summary[metric].shape[0] == len(statistics)
        assert summary[metric].shape[1] >= states


def test_run_layout(run_file):
    assert not os.path.exists(str(run_file) + ".partial")
    with h5py.File(run_file, "r") as f:
        check_root(f, "run")
        check_scenario(f)
        check_world(f)
        check_described(f)
        assert list(f["/variants"].keys()) == ["0"]
        check_variant(f, 0, keep_series=True)


def test_run_event_log(run_file):
    with h5py.File(run_file, "r") as f:
        events = f["/variants/0/events"]
        assert list(events.dtype.names) == EVENT_COLUMNS
        kinds = [text(k) for k in events.attrs["kind_names"]]
        assert kinds[:7] == ["arrival", "detection", "report", "leak", "engagement",
                             "interdiction", "impact"]
        rows = events[()]
        assert len(rows) > 0
        assert set(np.unique(rows["replicate"])) == set(range(REPLICATES))
        assert np.all(np.diff(rows["replicate"]) >= 0), "replicates appended in order"
        impacts = rows[rows["kind"] == kinds.index("impact")]
        totals = f["/variants/0/totals/impacts"][()].sum()
        assert len(impacts) == totals, "one impact row per impact counted"


def test_sweep_layout(sweep_file):
    with h5py.File(sweep_file, "r") as f:
        check_root(f, "sweep")
        check_scenario(f)
        check_world(f)
        check_described(f)
        assert sorted(f["/variants"].keys()) == ["0", "1"]
        labels = []
        for index in (0, 1):
            check_variant(f, index, keep_series=False)
            overrides = [text(o) for o in f[f"/variants/{index}"].attrs["overrides"]]
            assert overrides and overrides[0].startswith("states.TJK.detect.trafficking=")
            labels.append(f[f"/variants/{index}"].attrs["label"])
        assert labels[0] != labels[1]
        comparison = f["/comparison"]
        datasets = all_datasets(comparison)
        assert datasets, "/comparison holds the paired differences"
        statistics = [text(s) for s in comparison["statistic"][()]]
        assert {"mean", "ci_low", "ci_high"} <= set(statistics)


def test_same_seed_same_variants(run_file, output_dir):
    """h5diff over /variants of two runs with the same seed (and other thread counts)."""
    again = output_dir / "run_again.h5"
    c5sim("run", SCENARIO, "-r", str(REPLICATES), "-s", str(SEED), "-t", "2", "--events", "-q",
          "-o", str(again))
    h5diff = shutil.which("h5diff")
    assert h5diff, "h5diff (Debian package hdf5-tools) is needed"
    result = subprocess.run([h5diff, str(run_file), str(again), "/variants", "/variants"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
    other_seed = output_dir / "run_other_seed.h5"
    c5sim("run", SCENARIO, "-r", str(REPLICATES), "-s", str(SEED + 1), "-q", "-o",
          str(other_seed))
    result = subprocess.run([h5diff, "-q", str(run_file), str(other_seed), "/variants/0/totals",
                             "/variants/0/totals"], capture_output=True, text=True)
    assert result.returncode == 1, "a different seed must give different totals"


def test_h5dump_lists_layout(run_file):
    result = subprocess.run(["h5dump", "-H", str(run_file)], capture_output=True, text=True)
    assert result.returncode == 0
    for name in ('GROUP "scenario"', 'GROUP "world"', 'GROUP "variants"', 'GROUP "totals"',
                 'DATASET "harm"', 'ATTRIBUTE "unit"'):
        assert name in result.stdout


def test_existing_output_needs_force(run_file):
    before = os.path.getmtime(run_file)
    result = c5sim("run", SCENARIO, "-r", "2", "-s", str(SEED), "-q", "-o", str(run_file),
                   check=False)
    assert result.returncode != 0
    assert "--force" in result.stderr
    assert os.path.getmtime(run_file) == before


def test_sigkill_leaves_only_partial(output_dir):
    path = output_dir / "killed.h5"
    partial = str(path) + ".partial"
    process = subprocess.Popen([C5SIM, "run", SCENARIO, "-r", "100000", "-s", "1", "-t", "1",
                                "-q", "-o", str(path)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(partial) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert os.path.exists(partial), "the run never created its .partial"
        time.sleep(0.5)  # let it write some replicates
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not os.path.exists(path), "a killed run must leave no final file"
    assert os.path.exists(partial)
    # Never mistaken for a result: either HDF5 cannot open it, or it says complete = 0.
    try:
        with h5py.File(partial, "r") as f:
            assert int(f.attrs["complete"]) == 0
    except OSError:
        pass
    # A new run refuses the stale .partial unless told what to do with it.
    result = c5sim("run", SCENARIO, "-r", "2", "-s", "1", "-q", "-o", str(path), check=False)
    assert result.returncode != 0
    assert "--resume" in result.stderr and "--force" in result.stderr
    c5sim("run", SCENARIO, "-r", "2", "-s", "1", "-q", "--force", "-o", str(path))
    assert os.path.exists(path) and not os.path.exists(partial)


@pytest.mark.parametrize("target, message", [
    ("/dev/null/out.h5", "not a directory"),        # fails for root too
    ("{dir}", "is a directory"),
    ("{dir}/no/such/dir/out.h5", "No such file"),
])
def test_output_faults_refused_before_running(output_dir, target, message):
    target = target.format(dir=output_dir)
    result = c5sim("run", SCENARIO, "-r", "2", "-q", "-o", target, check=False)
    assert result.returncode == 1
    assert message in result.stderr
    assert not os.path.isfile(target)


def test_full_disk_leaves_no_output(output_dir):
    """RLIMIT_FSIZE stands in for a full disk: write(2) fails with EFBIG (SIGXFSZ ignored)."""
    path = output_dir / "full.h5"

    def limit_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100 * 1024, 100 * 1024))

    result = subprocess.run([C5SIM, "run", SCENARIO, "-r", "200", "-q", "-o", str(path)],
                            capture_output=True, text=True, timeout=300,
                            preexec_fn=limit_file_size)
    assert result.returncode == 1
    assert "File too large" in result.stderr
    assert not os.path.exists(path)
