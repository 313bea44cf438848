"""test_messages.py — the messages a user meets first say what is wrong and what to do (issue 19).

Each test asserts the new text: a range without its step, an error inside a measure's `set`
block, mistyped options, `run --vary`, the resume hint's program path, the README's mpirun line
as root, `--help` against docs/cli.md, and the analysis README's headline figure.
Run: /usr/bin/python3 -m pytest tests/python/test_messages.py
"""
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from conftest import SOURCE_ROOT

C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
BASELINE = os.path.join(SOURCE_ROOT, "scenarios", "c5-baseline.yaml")
MINIMAL = os.path.join(SOURCE_ROOT, "scenarios", "minimal.yaml")


def _c5sim(*args, timeout=60):
    return subprocess.run([C5SIM, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=SOURCE_ROOT)


def test_range_without_step_says_how_to_write_one(tmp_path):
    done = _c5sim("sweep", BASELINE, "--vary", "sharing.level=0:1", "-o", str(tmp_path / "x.h5"))
    assert done.returncode == 2
    first = done.stderr.splitlines()[0]
    assert first == ("c5sim sweep: error: --vary sharing.level=0:1: a range needs a step: "
                     "PATH=A:B:STEP, e.g. sharing.level=0:1:0.25 (or list the values: "
                     "sharing.level=0,1)")
    assert "is not a number" not in done.stderr


def test_bad_value_in_a_sweep_is_named_once(tmp_path):
    done = _c5sim("sweep", BASELINE, "--vary", "sharing.level=2,0.5", "-o",
                  str(tmp_path / "x.h5"))
    assert done.returncode == 2
    line = done.stderr.splitlines()[0]
    assert line.startswith("sweep sharing.level=2: error: sharing.level: 2 is out of range")
    assert line.count("sharing.level=2") == 1  # no "variant X: sweep X:" doubled prefix


def test_error_in_a_measure_set_block_names_the_measure(tmp_path):
    text = open(MINIMAL, encoding="utf-8").read()
    bad = text.replace("states.TJK.border_bonus.trafficking: 0.45",
                       "states.TJK.border_bonus.trafficking: 1.45")
    assert bad != text
    path = tmp_path / "bad_measure.yaml"
    path.write_text(bad, encoding="utf-8")
    done = _c5sim("validate", str(path))
    assert done.returncode == 2
    assert re.search(r"bad_measure\.yaml:\d+:\d+: measure border_patrols: error: "
                     r"states\.TJK\.border_bonus\.trafficking: 1\.45 is out of range",
                     done.stderr), done.stderr


@pytest.mark.parametrize("args,expected", [
    (["run", BASELINE, "--event"], "c5sim run: error: unknown option '--event' "
                                   "(did you mean '--events'?)"),
    (["sweep", BASELINE, "--refrence", "x"], "c5sim sweep: error: unknown option '--refrence' "
                                             "(did you mean '--reference'?)"),
    (["--versoin"], "c5sim: error: unknown option '--versoin' (did you mean '--version'?)"),
    (["run", BASELINE, "--vary", "sharing.level=0:1:0.5"],
     "c5sim run: error: --vary is an option of 'sweep', which runs one variant per value: "
     "c5sim sweep SCENARIO --vary PATH=... (see c5sim sweep --help)"),
])
def test_mistyped_and_misplaced_options(args, expected):
    done = _c5sim(*args)
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == expected


def test_resume_hint_prints_the_program_path_it_was_invoked_with(tmp_path):
    out = tmp_path / "long.h5"
    process = subprocess.Popen([C5SIM, "sweep", BASELINE, "--vary", "sharing.level=0:1:0.1",
                                "-r", "2000", "-t", "1", "-o", str(out)], cwd=SOURCE_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    partial = str(out) + ".partial"
    deadline = time.monotonic() + 20
    while not os.path.exists(partial) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    hint = [line for line in stderr.splitlines() if line.startswith("To continue it: ")]
    assert hint, stderr
    assert hint[0].startswith(f"To continue it: {C5SIM} sweep "), hint[0]
    assert hint[0].endswith(f"--resume {partial}")


def test_readme_mpirun_line_works_as_root(tmp_path):
    readme = open(os.path.join(SOURCE_ROOT, "README.md"), encoding="utf-8").read()
    assert "--allow-run-as-root" in readme
    line = next(l for l in readme.splitlines() if l.startswith("mpirun "))
    words = line.split("#", 1)[0].split()
    assert words[:5] == ["mpirun", "--allow-run-as-root", "-np", "2", "$c5sim"]
    if shutil.which("mpirun") is None or "MPI: yes" not in _c5sim("--version").stdout:
        pytest.fail("this test needs Open MPI's mpirun and a c5sim built with MPI")
    # The README's own command as it stands, made small and written into tmp_path.
    assert words[-2] == "-o"
    command = words[:4] + [C5SIM] + words[5:-2] + ["-o", str(tmp_path / "mpi.h5"), "-r", "4",
                                                   "--set", "run.ticks=20", "-q"]
    done = subprocess.run(command, cwd=SOURCE_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "mpi.h5").exists()


def _long_options(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", text)) - {"--help", "--version"}


def test_help_and_docs_cli_agree():
    doc = open(os.path.join(SOURCE_ROOT, "docs", "cli.md"), encoding="utf-8").read()
    sections = {part.split("\n", 1)[0].strip("` "): part
                for part in re.split(r"^## ", doc, flags=re.M)}
    shared = _long_options(sections["run"])
    for command in ("validate", "describe", "run", "sweep", "measures", "coalitions", "report",
                    "study", "robust", "portfolio", "equilibrium", "sensitivity"):
        assert command in sections, f"docs/cli.md has no section for {command}"
        helped = _long_options(_c5sim(command, "--help").stdout)
        documented = _long_options(sections[command])
        if command in ("sweep", "measures", "coalitions", "robust", "portfolio", "sensitivity"):
            documented |= shared  # the shared options are documented once, under run
        assert helped == documented, (command, sorted(helped - documented),
                                      sorted(documented - helped))


def test_analysis_readme_quotes_the_real_headline_figure():
    text = " ".join(open(os.path.join(SOURCE_ROOT, "analysis", "README.md"),
                         encoding="utf-8").read().split())
    assert "28.1%" not in text
    assert "lowers regional harm by 3.51% (95% CI 2.51% to 4.51%, replicate noise only)" in text


def test_few_replicates_warn_on_the_command_line():
    done = _c5sim("run", MINIMAL, "-r", "2", "--set", "run.ticks=20")
    assert done.returncode == 0, done.stderr
    assert ("c5sim run: warning: only 2 replicates per variant: the 95% intervals are rough (a "
            "bound below 0 means the data do not pin it down); use -r 30 or more") in done.stderr
    assert "warning" not in _c5sim("run", MINIMAL, "-r", "30", "--set", "run.ticks=20").stderr
