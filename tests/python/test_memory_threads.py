"""test_memory_threads.py — the memory limit covers every thread's workspace (docs/reliability.md,
"Resource limits"): N threads that run items hold N replicate workspaces at once, so a limit that
holds one or two but not four refuses `-t 4`, before anything runs or any file is created.

Run: /usr/bin/python3 -m pytest tests/python/test_memory_threads.py -q
"""
import os
import re
import subprocess

SOURCE_ROOT = os.environ.get(
    "C5SIM_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
BASELINE = os.path.join(SOURCE_ROOT, "scenarios", "c5-baseline.yaml")
UNITS = {"bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}


def c5sim(*args):
    return subprocess.run([C5SIM, *args], capture_output=True, text=True, timeout=120)


def workspace_bytes():
    """One replicate's estimate, as `validate` states it when refusing a limit of 1 byte."""
    result = c5sim("validate", BASELINE, "--max-memory", "1")
    found = re.search(r"would need about ([\d.]+) (bytes|KiB|MiB|GiB)", result.stderr)
    assert found, result.stderr
    return float(found.group(1)) * UNITS[found.group(2)]


def test_limit_counts_a_workspace_per_thread(tmp_path):
    each = workspace_bytes()
    limit = str(int(each * 2.5))  # two workspaces fit, four do not
    out = tmp_path / "four.h5"
    refused = c5sim("run", BASELINE, "-r", "4", "-t", "4", "-q", "--max-memory", limit,
                    "-o", str(out))
    assert refused.returncode == 2, refused.stderr
    assert "4 threads run 4 replicates at once, each with a workspace of about" in refused.stderr
    assert "use fewer threads with -t, or a larger --max-memory" in refused.stderr
    assert not out.exists() and not os.path.exists(str(out) + ".partial")
    for threads in ("1", "2"):
        ok = c5sim("run", BASELINE, "-r", "4", "-t", threads, "-q", "--max-memory", limit)
        assert ok.returncode == 0, ok.stderr


def test_threads_beyond_the_items_share_their_workspaces():
    """One replicate on four threads is one workspace (the threads split its threats)."""
    limit = str(int(workspace_bytes() * 1.5))
    ok = c5sim("run", BASELINE, "-r", "1", "-t", "4", "-q", "--max-memory", limit)
    assert ok.returncode == 0, ok.stderr
