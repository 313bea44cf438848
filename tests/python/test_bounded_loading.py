"""test_bounded_loading.py — bounded loading (docs/reliability.md, "Bounded loading"): the peak
memory of `c5sim validate` stays under 26 times the file size plus 64 MiB for a file refused
while it is read, and under 64 times plus 64 MiB for one that loads (a second copy of tree and
world exists while measures are checked); an input refused at a limit is refused as soon as it
crosses it, not after it is all built.

Run: /usr/bin/python3 -m pytest tests/python/test_bounded_loading.py -q
"""
import os
import subprocess
import time

import pytest

SOURCE_ROOT = os.environ.get(
    "C5SIM_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
MINIMAL = os.path.join(SOURCE_ROOT, "scenarios", "minimal.yaml")
GEN_WORLD = os.path.join(SOURCE_ROOT, "benchmarks", "gen_world.py")
# The documented bounds: PER_BYTE x size + BASE, for refused and for loaded files.
REFUSED_PER_BYTE, LOADED_PER_BYTE, BASE = 26, 64, 64 << 20


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


def validate(path, *extra, timeout=120):
    """Exit status, stderr, peak resident bytes and seconds of `c5sim validate`."""
    code, err, peak, seconds = measured([C5SIM, "validate", str(path), *extra], timeout)
    return code, err, peak * 1024, seconds


def assert_bounded(path, peak, per_byte=REFUSED_PER_BYTE):
    size = os.path.getsize(path)
    bound = per_byte * size + BASE
    assert peak <= bound, f"peak {peak >> 20} MiB for a {size >> 20} MiB file (bound " \
                          f"{bound >> 20} MiB)"


def with_minimal(path, extra):
    with open(MINIMAL) as handle:
        text = handle.read()
    with open(path, "w") as handle:
        handle.write(text)
        handle.write(extra)


@pytest.fixture(scope="module")
def tiny_values(tmp_path_factory):
    """18 MB of one-character values in lists under the entry limit: the worst case for the
    tree's memory per byte (the issue's file: 966 MB and seconds before the refusal)."""
    path = tmp_path_factory.mktemp("bounded") / "tiny.yaml"
    with_minimal(path, "\nextra:\n")
    with open(path, "a") as handle:
        for i in range(18):
            handle.write(f"  l{i}: [" + "0," * 500000 + "0]\n")
    return path


def test_many_tiny_values_are_refused_within_the_bound(tiny_values):
    code, err, peak, seconds = validate(tiny_values)
    assert code == 2, err
    assert "too many values for a file of" in err, err
    assert "bytes of memory per byte of YAML" in err
    assert_bounded(tiny_values, peak)
    assert seconds < 30, f"{seconds:.1f} s"


def test_a_list_over_the_entry_limit_is_refused_at_its_first_extra_entry(tmp_path):
    """1.1 million routes against the limit of 1,000,000: refused while reading entry
    1,000,000 (the old loader built all 1.1 million first, then counted them)."""
    path = tmp_path / "routes.yaml"
    text = open(MINIMAL).read()
    start = text.index("routes:")
    end = text.index("threats:")
    with open(path, "w") as handle:
        handle.write(text[:start] + "routes:\n")
        for _ in range(11):
            handle.write("  - [afg_kunduz, tjk_khatlon, 2]\n" * 100000)
        handle.write("\n" + text[end:])
    code, err, peak, seconds = validate(path)
    assert code == 2, err
    assert "routes[1000000]: more than 1000000 entries in one list or mapping" in err, err[:2000]
    assert_bounded(path, peak)
    # Refused at the line it crosses, so it never holds the 1.1 million routes' tree at once.
    assert err.count("error:") == 1, err[:2000]


def test_many_duplicate_routes_are_refused_quickly(tmp_path):
    """200,000 copies of one route: one message per copy used to search the whole list
    (quadratic: minutes); now seconds."""
    path = tmp_path / "duplicates.yaml"
    text = open(MINIMAL).read()
    start = text.index("routes:")
    end = text.index("threats:")
    with open(path, "w") as handle:
        handle.write(text[:start] + "routes:\n" + "  - [afg_kunduz, tjk_khatlon, 2]\n" * 200000
                     + "\n" + text[end:])
    code, err, peak, seconds = validate(path)
    assert code == 2, err
    assert "is joined twice" in err
    assert seconds < 20, f"{seconds:.1f} s"
    assert_bounded(path, peak)


def test_a_large_valid_world_loads_within_the_bound(tmp_path):
    """A 40,000-region benchmark grid world (about 4 MB, dense short lines) is accepted, and
    within the bound: the bound does not refuse real scenarios."""
    path = tmp_path / "grid.yaml"
    subprocess.run(["/usr/bin/python3", GEN_WORLD, "--active", "1000", "--width", "200",
                    "--height", "200", "-o", str(path)], check=True, capture_output=True,
                   timeout=300)
    code, err, peak, seconds = validate(path, "--max-memory", "0")
    assert code == 0, err
    assert_bounded(path, peak, LOADED_PER_BYTE)


def test_a_dense_world_with_measures_loads_within_the_bound(tmp_path):
    """60,000 regions and routes with two-character ids in flow style (the densest way to write
    a world) plus minimal.yaml's measures, each of which is checked on a copy: the worst case
    for a file that loads."""
    path = tmp_path / "dense.yaml"
    text = open(MINIMAL).read()
    regions_at, threats_at = text.index("regions:"), text.index("threats:")
    with open(path, "w") as handle:
        handle.write(text[:regions_at] + "regions:\n")
        handle.write("  afg_kunduz: {owner: none, lon: 68.86, lat: 36.73}\n"
                     "  tjk_khatlon: {owner: TJK, lon: 68.78, lat: 37.83}\n"
                     "  tjk_dushanbe: {owner: TJK, lon: 68.78, lat: 38.56}\n")
        handle.writelines(f"  r{k}: {{owner: TJK, lon: 1, lat: 2}}\n" for k in range(60000))
        handle.write("\nroutes:\n  - [afg_kunduz, tjk_khatlon, 2]\n"
                     "  - [tjk_khatlon, tjk_dushanbe, 1]\n  - [tjk_dushanbe, r0, 1]\n")
        handle.writelines(f"  - [r{k}, r{k + 1}, 1]\n" for k in range(59999))
        handle.write("\n" + text[threats_at:])
    code, err, peak, seconds = validate(path, "--max-memory", "0")
    assert code == 0, err
    assert_bounded(path, peak, LOADED_PER_BYTE)
