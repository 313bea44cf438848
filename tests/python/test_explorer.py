"""test_explorer.py — explorer.html opens in headless Chromium (Debian's `chromium`, tools/deps).

The page must render without console errors, moving its variant slider must change the map, the
URL's #variant=K must open that variant, and nothing may be fetched from outside the file. The
screenshots (explorer and the report's map) are kept in build/test-output/ (C5SIM_TEST_OUTPUT
overrides) for a person to look at.
Run: /usr/bin/python3 -m pytest tests/python/test_explorer.py
"""
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import ANALYSIS_DIR, SOURCE_ROOT

C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
BASELINE = os.path.join(SOURCE_ROOT, "scenarios", "c5-baseline.yaml")
OUTPUT = os.environ.get("C5SIM_TEST_OUTPUT", os.path.join(SOURCE_ROOT, "build", "test-output"))
# Chromium as root in a container: no sandbox, no GPU, no network services, a fresh profile.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]


def _chromium(profile, url, *extra):
    browser = shutil.which("chromium")
    if browser is None:
        pytest.fail("Debian's chromium is not installed (tools/deps installs it)")
    done = subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}",
                           "--virtual-time-budget=5000", *extra, url],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert not console, "console messages:\n" + "\n".join(console)
    return done.stdout


@pytest.fixture(scope="module")
def explorer(tmp_path_factory):
    directory = tmp_path_factory.mktemp("explorer")
    path = directory / "sweep.h5"
    done = subprocess.run([C5SIM, "sweep", BASELINE, "--vary", "sharing.level=0:1:0.5", "-r", "6",
                           "--set", "run.ticks=200", "--events", "-o", str(path), "-q"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = directory / "report"
    done = subprocess.run([os.path.join(ANALYSIS_DIR, "c5report"), str(path), "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"explorer: {out / 'explorer.html'}" in done.stdout.splitlines()
    return out


def test_explorer_without_event_log_renders_too(tmp_path):
    path = tmp_path / "no_events.h5"
    scenario = os.path.join(SOURCE_ROOT, "tests", "scenarios", "sharing_cannot_help.yaml")
    done = subprocess.run([C5SIM, "sweep", scenario, "--vary", "sharing.level=0,1", "-r", "4",
                           "-o", str(path), "-q"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "report"
    done = subprocess.run([os.path.join(ANALYSIS_DIR, "c5report"), str(path), "-o", str(out),
                           "-q"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    dom = _chromium(tmp_path / "profile", (out / "explorer.html").as_uri() + "#selftest",
                    "--dump-dom")
    result = json.loads(re.search(r'<pre id="selftest"[^>]*>([^<]*)</pre>', dom).group(1))
    assert result["variants"] == 2 and result["map_changed"] is True
    assert "No event log in this file" in dom


def test_explorer_is_self_contained(explorer):
    page = (explorer / "explorer.html").read_text(encoding="utf-8")
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=", page)
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page)) - {"http://www.w3.org/2000/svg"}
    assert not urls, f"outside addresses: {sorted(urls)[:5]}"
    assert "fetch(" not in page and "XMLHttpRequest" not in page


def test_explorer_renders_and_its_control_changes_the_map(explorer, tmp_path):
    url = (explorer / "explorer.html").as_uri()
    dom = _chromium(tmp_path / "profile-selftest", url + "#variant=0&selftest", "--dump-dom")
    report = re.search(r'<pre id="selftest"[^>]*>([^<]*)</pre>', dom)
    assert report, "the page's script did not run"
    result = json.loads(report.group(1))
    assert result == {**result, "variants": 3, "moved_to": 1, "map_changed": True}
    # Opening at another variant draws another map (colours of regions and states).
    first = _chromium(tmp_path / "profile-0", url + "#variant=0", "--dump-dom")
    last = _chromium(tmp_path / "profile-2", url + "#variant=2", "--dump-dom")

    def layer(text):
        return re.search(r'<g id="layer">(.*?)</g>', text, re.S).group(1)
    assert layer(first) != layer(last)
    assert 'value="2"' in last or "2: sharing.level=1" in last
    # The replay: the time slider's text counts threats in each state of their story.
    assert re.search(r"\d+ moving, \d+ detected, \d+ shared, \d+ stopped, \d+ impacts", last)
    os.makedirs(OUTPUT, exist_ok=True)
    shot = os.path.join(OUTPUT, "explorer.png")
    if os.path.exists(shot):
        os.remove(shot)
    _chromium(tmp_path / "profile-shot", url + "#variant=2", "--window-size=1400,1500",
              f"--screenshot={shot}")
    assert os.path.getsize(shot) > 50_000, "the screenshot is (nearly) empty"
    shutil.copy(explorer / "regional_map.png", os.path.join(OUTPUT, "regional_map.png"))
