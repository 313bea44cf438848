"""test_one_writer.py — one writer per output (docs/reliability.md, "One writer per output"): while
a c5sim writes OUT.h5, a second one on the same output is refused, with or without --force or
--resume, naming the first one's PID, and the first one's .partial survives; a lock left by a
process that has ended is taken over.

Run: /usr/bin/python3 -m pytest tests/python/test_one_writer.py -q
"""
import os
import signal
import subprocess
import time

import h5py
import pytest

SOURCE_ROOT = os.environ.get(
    "C5SIM_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
BASELINE = os.path.join(SOURCE_ROOT, "scenarios", "c5-baseline.yaml")
MINIMAL = os.path.join(SOURCE_ROOT, "scenarios", "minimal.yaml")
# Long enough to outlast the test by far (it is stopped by SIGTERM at the end).
LONG_SWEEP = [BASELINE, "--vary", "sharing.level=0,0.5,1", "-r", "200000", "-t", "1", "-q"]


def c5sim(*args, timeout=120):
    assert os.access(C5SIM, os.X_OK), f"c5sim not built at {C5SIM} (set C5SIM)"
    return subprocess.run([C5SIM, *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def wait_for(condition, what, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def lock_pid(path):
    try:
        with open(path) as handle:
            text = handle.read().strip()
        return int(text) if text else 0
    except (FileNotFoundError, ValueError):
        return 0


@pytest.fixture
def first_writer(tmp_path):
    """A long sweep writing tmp_path/out.h5, once its lock holds its PID and its .partial
    exists; stopped with SIGTERM afterwards (it must exit 130 and keep its .partial)."""
    out = tmp_path / "out.h5"
    process = subprocess.Popen([C5SIM, "sweep", *LONG_SWEEP, "-o", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lock = str(out) + ".lock"
    wait_for(lambda: lock_pid(lock) == process.pid and os.path.exists(str(out) + ".partial")
             or process.poll() is not None, "the first writer's lock")
    assert process.poll() is None, f"the first writer ended early: {process.stderr.read()}"
    yield process, out
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    stderr = process.communicate(timeout=120)[1]
    assert process.returncode == 130, stderr
    partial = str(out) + ".partial"
    with h5py.File(partial, "r") as handle:  # the first writer's results survive, readable
        assert handle.attrs["complete"] == 0
        assert handle.attrs["command"] == "sweep"
    assert not os.path.exists(lock), "the lock file outlived its process"


@pytest.mark.parametrize("extra", [[], ["--force"]])
def test_second_writer_is_refused_naming_the_first(first_writer, extra):
    process, out = first_writer
    partial = str(out) + ".partial"
    inode = os.stat(partial).st_ino
    result = c5sim("sweep", *LONG_SWEEP, "-o", str(out), *extra)
    assert result.returncode == 1, result.stderr
    assert f"{out} is being written by another process (PID {process.pid}" in result.stderr
    assert "--force does not override a live writer" in result.stderr
    assert process.poll() is None, "the first writer was disturbed"
    assert os.stat(partial).st_ino == inode, "--force replaced the live writer's .partial"
    assert not out.exists()


def test_resume_of_a_live_partial_is_refused(first_writer):
    process, out = first_writer
    result = c5sim("sweep", *LONG_SWEEP, "--resume", str(out) + ".partial")
    assert result.returncode == 1, result.stderr
    assert f"(PID {process.pid}" in result.stderr
    assert process.poll() is None


def test_other_outputs_are_not_locked(first_writer, tmp_path):
    other = tmp_path / "other.h5"
    result = c5sim("run", MINIMAL, "-r", "2", "-q", "-o", str(other))
    assert result.returncode == 0, result.stderr
    assert other.exists() and not os.path.exists(str(other) + ".lock")


def test_stale_lock_of_an_ended_process_is_taken_over(tmp_path):
    ended = subprocess.Popen(["true"])
    ended.wait()
    out = tmp_path / "out.h5"
    lock = str(out) + ".lock"
    with open(lock, "w") as handle:
        handle.write(f"{ended.pid}\n")
    result = c5sim("run", MINIMAL, "-r", "2", "-q", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert f"took over the stale lock {lock} of process {ended.pid}, which has ended" in \
        result.stderr
    assert out.exists() and not os.path.exists(lock)


def test_lock_of_a_killed_writer_is_taken_over_by_resume(tmp_path):
    """SIGKILL leaves the lock file behind; the kernel has dropped its flock."""
    out = tmp_path / "out.h5"
    process = subprocess.Popen([C5SIM, "sweep", *LONG_SWEEP, "-o", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lock = str(out) + ".lock"
    wait_for(lambda: lock_pid(lock) == process.pid or process.poll() is not None, "the lock")
    process.kill()
    process.wait(timeout=60)
    assert lock_pid(lock) == process.pid
    result = c5sim("run", MINIMAL, "-r", "2", "-q", "-o", str(out), "--force")
    assert result.returncode == 0, result.stderr
    assert f"of process {process.pid}, which has ended" in result.stderr
    with h5py.File(out, "r") as handle:
        assert handle.attrs["complete"] == 1 and handle.attrs["command"] == "run"
