"""test_adaptive.py — states that choose through the command line (docs/model.md §5.15-§5.16): the
shipped variants validate and run; sharing_periods and the strategic-leaker figures are written;
the output is the same bits for 1 and 2 threads, after a resume from the journal, and (built with
MPI) over 2 ranks.

Run: /usr/bin/python3 -m pytest tests/python/test_adaptive.py -q
"""
import os
import shutil
import subprocess

import h5py
import numpy as np
import pytest

SOURCE_ROOT = os.environ.get(
    "C5SIM_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
VARIANTS = os.path.join(SOURCE_ROOT, "scenarios", "variants")
ADAPTIVE = os.path.join(VARIANTS, "adaptive-states.yaml")
LEAKERS = os.path.join(VARIANTS, "strategic-leakers.yaml")
# Every rule, and leakers with adaptation, in one small sweep (a few seconds).
SWEEP = ["sweep", ADAPTIVE, "--vary", "sharing.adapt.rule=reinforcement,tit_for_tat,imitation",
         "--set", "defaults.exploit.gain=0.5", "--set", "defaults.exploit.exclusion_ticks=30",
         "--set", "defaults.monitoring=0.3", "-r", "6", "-q", "--series"]


def c5sim(*args, env=None, check=True):
    result = subprocess.run([C5SIM, *args], capture_output=True, text=True, timeout=600,
                            env=env)
    if check:
        assert result.returncode == 0, f"c5sim {' '.join(args)}: {result.stderr}"
    return result


def h5diff_same(a, b, group="/variants"):
    h5diff = shutil.which("h5diff")
    assert h5diff, "h5diff (Debian package hdf5-tools) is needed"
    result = subprocess.run([h5diff, str(a), str(b), group, group], capture_output=True,
                            text=True)
    return result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("adaptive") / "reference.h5"
    c5sim(*SWEEP, "-t", "1", "-o", str(path))
    return path


def test_shipped_variants_validate():
    for path in (ADAPTIVE, LEAKERS):
        result = c5sim("validate", path)
        assert "ok: 5 states" in result.stdout and result.stderr == ""
    described = c5sim("describe", ADAPTIVE).stdout
    assert "States that choose" in described and "reinforcement" in described
    plain = c5sim("describe", os.path.join(SOURCE_ROOT, "scenarios", "c5-baseline.yaml")).stdout
    assert "States that choose" not in plain


def test_sharing_periods_and_exploitation_are_recorded(reference):
    with h5py.File(reference, "r") as f:
        for k in range(3):
            group = f[f"variants/{k}"]
            levels = group["sharing_periods"][()]
            assert levels.shape == (6, 13, 5)  # 365 days in periods of 30
            assert group["sharing_periods"].attrs["dims"] in ("replicate,period,state",
                                                             b"replicate,period,state")
            assert np.all((levels >= 0) & (levels <= 1))
            np.testing.assert_array_equal(levels[:, 0, :], 0.4)  # the baseline's level
            totals = group["totals"]
            exploits, caught = totals["exploits"][()], totals["exploits_detected"][()]
            assert exploits.sum() > 0 and np.all(caught <= exploits)
            np.testing.assert_allclose(totals["exploit_gain"][()], 0.5 * exploits)
            assert totals["reports_excluded"][()].sum() > 0
        moved = f["variants/0/sharing_periods"][()]
        assert np.any(moved[:, 1:, :] != 0.4), "reinforcement never moved a level"


def test_without_the_keys_nothing_is_written(tmp_path):
    out = tmp_path / "plain.h5"
    c5sim("run", os.path.join(SOURCE_ROOT, "scenarios", "c5-baseline.yaml"), "-r", "2", "-q",
          "-o", str(out))
    with h5py.File(out, "r") as f:
        assert "sharing_periods" not in f["variants/0"]
        assert f["variants/0/totals/exploits"][()].sum() == 0


def test_two_threads_give_the_same_bits(reference, tmp_path):
    out = tmp_path / "two.h5"
    c5sim(*SWEEP, "-t", "2", "-o", str(out))
    same, diff = h5diff_same(reference, out)
    assert same, diff


def test_resume_gives_the_same_bits(reference, tmp_path):
    out = tmp_path / "resumed.h5"
    stopped = c5sim(*SWEEP, "-t", "2", "-o", str(out), check=False,
                    env=dict(os.environ, C5SIM_TEST_STOP_AFTER="10"))
    assert stopped.returncode == 130, stopped.stderr
    c5sim(*SWEEP, "-t", "1", "--resume", str(out) + ".partial")
    same, diff = h5diff_same(reference, out)
    assert same, diff


def test_exploit_events_are_logged(tmp_path):
    out = tmp_path / "events.h5"
    c5sim("run", LEAKERS, "-r", "3", "-q", "--events", "-o", str(out))
    with h5py.File(out, "r") as f:
        kinds = [k.decode() if isinstance(k, bytes) else k
                 for k in f["variants/0/events"].attrs["kind_names"]]
        events = f["variants/0/events"][()]
        rows = events[events["kind"] == kinds.index("exploit")]
        assert len(rows) == f["variants/0/totals/exploits"][()].sum()
        assert rows["value"].sum() == f["variants/0/totals/exploits_detected"][()].sum()


def built_with_mpi():
    config = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(C5SIM))),
                          "c5sim_config.h")
    try:
        return "#define C5SIM_HAVE_MPI 1" in open(config).read()
    except OSError:
        return False


MPIRUN = shutil.which("mpirun")
if MPIRUN and built_with_mpi():
    def test_two_ranks_give_the_same_bits(reference, tmp_path):
        out = tmp_path / "ranks.h5"
        result = subprocess.run([MPIRUN, "--allow-run-as-root", "--oversubscribe", "-np", "2",
                                 C5SIM, *SWEEP, "-t", "1", "-o", str(out)],
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
        same, diff = h5diff_same(reference, out)
        assert same, diff
