"""test_special_files.py — only regular files are read as scenarios or replaced as outputs
(docs/reliability.md, "Only regular files"): a FIFO, a device, a socket or a directory is refused
at once by stat, with or without --force, and left as it was; a scenario over the size limit is
refused before it is read (no memory taken for it).

Run: /usr/bin/python3 -m pytest tests/python/test_special_files.py -q
"""
import os
import socket
import stat
import subprocess
import time

import pytest

SOURCE_ROOT = os.environ.get(
    "C5SIM_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
SCENARIO = os.path.join(SOURCE_ROOT, "scenarios", "minimal.yaml")


def c5sim(*args, timeout=60):
    """Run c5sim; a hang (a FIFO read for ever) fails the test through the timeout."""
    assert os.access(C5SIM, os.X_OK), f"c5sim not built at {C5SIM} (set C5SIM)"
    return subprocess.run([C5SIM, *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


# Each command runs under a small helper process that starts it and reports wait4()'s figure:
# Linux keeps a process's peak resident size across fork and exec, so a command started
# straight from this (large) pytest process would report pytest's own peak.
MEASURE = r"""
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
err = child.stderr.read()
_, status, usage = os.wait4(child.pid, 0)
child.returncode = os.waitstatus_to_exitcode(status)
sys.stderr.buffer.write(err)
print(child.returncode, usage.ru_maxrss)
"""


def measured(args, timeout):
    """Exit status, stderr, peak resident KiB and seconds of one command."""
    start = time.monotonic()
    result = subprocess.run(["/usr/bin/python3", "-c", MEASURE, *args], capture_output=True,
                            text=True, timeout=timeout)
    seconds = time.monotonic() - start
    code, peak = (int(field) for field in result.stdout.split())
    return code, result.stderr, peak, seconds


def peak_rss_kib(*args, timeout=60):
    """The command's result and its peak resident memory in KiB."""
    assert os.access(C5SIM, os.X_OK), f"c5sim not built at {C5SIM} (set C5SIM)"
    code, err, peak, _ = measured([C5SIM, *args], timeout)
    return subprocess.CompletedProcess(args, code, "", err), peak


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


@pytest.fixture
def unix_socket(tmp_path):
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    yield path
    server.close()


def assert_untouched(path, kind):
    info = os.lstat(path)
    assert kind(info.st_mode), f"{path} was replaced: mode {oct(info.st_mode)}"
    assert not os.path.exists(str(path) + ".partial")


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_output_on_a_fifo_is_refused(fifo, force):
    result = c5sim("run", SCENARIO, "-r", "2", "-q", "-o", str(fifo), *force)
    assert result.returncode == 1, result.stderr
    assert f"{fifo} is a FIFO, not a regular file; refusing to replace it" in result.stderr
    assert_untouched(fifo, stat.S_ISFIFO)


def test_output_on_a_socket_is_refused_with_force(unix_socket):
    result = c5sim("sweep", SCENARIO, "--vary", "sharing.level=0,1", "-r", "2", "-q", "-o",
                   str(unix_socket), "--force")
    assert result.returncode == 1, result.stderr
    assert "is a socket, not a regular file" in result.stderr
    assert_untouched(unix_socket, stat.S_ISSOCK)


def test_output_on_dev_null_is_refused_with_force():
    result = c5sim("run", SCENARIO, "-r", "2", "-q", "-o", "/dev/null", "--force")
    assert result.returncode == 1, result.stderr
    assert "/dev/null is a character device, not a regular file" in result.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_on_a_copy_of_dev_full_is_refused_with_force(tmp_path):
    """The case of the issue: a copy of /dev/full became a regular file under --force. As root
    the copy is a real device node; otherwise a symbolic link to /dev/full (stat follows it)."""
    path = tmp_path / "full"
    if os.geteuid() == 0:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.stat("/dev/full").st_rdev)
    else:
        os.symlink("/dev/full", path)
    result = c5sim("run", SCENARIO, "-r", "2", "-q", "-o", str(path), "--force")
    assert result.returncode == 1, result.stderr
    assert "is a character device, not a regular file" in result.stderr
    assert stat.S_ISCHR(os.stat(path).st_mode)
    assert not os.path.exists(str(path) + ".partial")


def test_a_fifo_left_as_partial_is_not_removed_with_force(tmp_path):
    out = tmp_path / "out.h5"
    os.mkfifo(str(out) + ".partial")
    result = c5sim("run", SCENARIO, "-r", "2", "-q", "-o", str(out), "--force")
    assert result.returncode == 1, result.stderr
    assert "out.h5.partial is a FIFO, not a regular file; refusing to remove it" in result.stderr
    assert stat.S_ISFIFO(os.lstat(str(out) + ".partial").st_mode)
    assert not out.exists()


@pytest.mark.parametrize("command", ["validate", "describe", "run"])
def test_scenario_that_is_a_fifo_is_refused_at_once(fifo, command):
    """Nobody writes to the FIFO: reading it would block for ever (the issue's hang)."""
    result = c5sim(command, str(fifo), timeout=30)
    assert result.returncode == 2, result.stderr
    assert f"{fifo}: error: a FIFO, not a scenario file (expected a regular file)" in result.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_scenario_that_is_a_device_is_refused_before_reading(device):
    result, rss = peak_rss_kib("validate", device, timeout=30)
    assert result.returncode == 2, result.stderr
    assert f"{device}: error: a character device, not a scenario file" in result.stderr
    assert rss < 64 * 1024, f"{rss} KiB resident: the device was read"


def test_scenario_that_is_a_directory_is_refused(tmp_path):
    result = c5sim("validate", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert "a directory, not a scenario file" in result.stderr


def test_scenario_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    """A sparse 300 MB file: the issue measured 318-535 MB resident before the refusal."""
    path = tmp_path / "big.yaml"
    with open(path, "wb") as handle:
        handle.truncate(300 * 1000 * 1000)
    result, rss = peak_rss_kib("validate", str(path))
    assert result.returncode == 2, result.stderr
    assert "file too large (300000000 bytes; expected at most 256 MiB)" in result.stderr
    assert rss < 64 * 1024, f"{rss} KiB resident: the file was read before the refusal"
