"""test_equilibrium.py — `c5sim equilibrium` on a two-state toy whose equilibrium is known
(tests/scenarios/equilibrium_toy.yaml): under `level` sharing a report costs its sender and helps
only the receiver, and only A's reports help anybody (B). So withholding is dominant: the unique
equilibrium is (0, 0), while the regional optimum has A share everything and B nothing.

Also: every profile is the run it claims (its losses equal `c5sim run` with the same levels,
replicate by replicate), a resumed run equals an uninterrupted one, one thread equals two,
and bad options exit 2."""
import os
import shutil
import subprocess

import h5py
import numpy as np

SOURCE_ROOT = os.environ.get(
    "C5SIM_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
TOY = os.path.join(SOURCE_ROOT, "tests", "scenarios", "equilibrium_toy.yaml")
DATASETS = ["profiles/levels", "profiles/excluded", "profiles/loss", "equilibria", "optimum",
            "price_of_anarchy", "grim_trigger", "transfers", "walkers"]


def equilibrium(tmp_path, name, *args, env=None, code=0):
    out = tmp_path / name
    done = subprocess.run([C5SIM, "equilibrium", TOY, "-q", "-o", str(out), *args],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, **(env or {})))
    assert done.returncode == code, done.stderr
    return out, done


def read(path):
    with h5py.File(path, "r") as f:
        return {name: f["equilibrium/" + name][()] for name in DATASETS}


def profile_index(levels, profile):
    hits = np.where((levels == profile).all(axis=1))[0]
    assert len(hits) >= 1
    return hits[0]


def check_toy(data):
    levels, excluded = data["profiles/levels"], data["profiles/excluded"]
    eq = data["equilibria"]
    assert eq.shape[0] == 1, eq
    assert list(levels[int(eq[0, 0])]) == [0, 0]
    assert eq[0, 1] == 1  # no deviation lowers the mean
    assert eq[0, 4] < 0  # even the best deviation's interval is below 0: sharing costs
    optimum = data["optimum"]
    assert list(levels[int(optimum[0])]) == [10, 0]  # A shares every report, B none
    assert excluded[int(optimum[0])] == -1
    # the optimum's regional loss is the mean over replicates of the states' summed loss
    loss = data["profiles/loss"]
    assert abs(loss[int(optimum[0])].sum(axis=1).mean() - optimum[2]) < 1e-9
    poa = data["price_of_anarchy"]
    assert poa[0] > 1 and poa[1] > 1  # interval above 1
    # grim trigger cannot help: cutting A off costs A nothing (B's reports never help A)
    grim = data["grim_trigger"]
    assert grim[0, 13] < 0
    # the transfer to A is what sharing costs it
    transfers = data["transfers"]
    assert transfers[0, 3] > 0 and abs(transfers[0, 3] + transfers[0, 0]) < 1e-12
    assert abs(transfers[:, 3].sum()) < 1e-9


def test_toy_equilibrium_exhaustive(tmp_path):
    out, done = equilibrium(tmp_path, "toy.h5")
    data = read(out)
    assert data["profiles/levels"].shape[0] == 121 + 22  # the grid, then the exclusions
    check_toy(data)
    assert "Equilibria found: 1" in done.stdout
    assert "AAA=1 BBB=0" in done.stdout


def test_toy_equilibrium_by_search(tmp_path):
    out, done = equilibrium(tmp_path, "walk.h5", "--exhaustive-limit", "0", "--starts", "2")
    data = read(out)
    check_toy(data)
    assert data["profiles/levels"].shape[0] < 121 + 22  # not every profile
    assert (data["walkers"][:, 1] == 1).all()  # every search converged


def test_profiles_are_the_runs_they_claim(tmp_path):
    out, _ = equilibrium(tmp_path, "toy.h5", "--levels", "0,0.5,1", "--bootstrap", "0")
    data = read(out)
    row = profile_index(data["profiles/levels"], [2, 1])  # AAA=1, BBB=0.5
    assert data["profiles/excluded"][row] == -1
    run = tmp_path / "run.h5"
    done = subprocess.run([C5SIM, "run", TOY, "-q", "-o", str(run), "--set",
                           "states.AAA.sharing.level=1", "--set", "states.BBB.sharing.level=0.5"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with h5py.File(run, "r") as f:
        loss = f["variants/0/totals/loss"][()]
    np.testing.assert_array_equal(data["profiles/loss"][row], loss)
    # and the levels matter: A's loss (its sharing cost) grows with its level
    a0 = data["profiles/loss"][profile_index(data["profiles/levels"], [0, 1])][:, 0].mean()
    a1 = data["profiles/loss"][row][:, 0].mean()
    assert a0 == 0 and a1 > 0


def test_resume_equals_uninterrupted_and_threads(tmp_path):
    whole, _ = equilibrium(tmp_path, "whole.h5", "-t", "1")
    two, _ = equilibrium(tmp_path, "two.h5", "-t", "2")
    cut, done = equilibrium(tmp_path, "cut.h5", "-t", "2", env={"C5SIM_TEST_STOP_AFTER": "400"},
                            code=130)
    assert "--resume" in done.stderr
    partial = str(cut) + ".partial"
    assert os.path.exists(partial) and os.path.exists(str(cut) + ".journal")
    resumed = subprocess.run([C5SIM, "equilibrium", TOY, "-t", "2", "--resume", partial],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "10 profiles read back" in resumed.stderr
    assert "133 profiles run in this process" in resumed.stdout
    assert not os.path.exists(str(cut) + ".journal")
    a, b, c = read(whole), read(two), read(cut)
    for name in DATASETS:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
        np.testing.assert_array_equal(a[name], c[name], err_msg=name)


def test_bad_options_exit_2(tmp_path):
    for args, message in [(["--levels", "0:2:0.5"], "not a sharing level"),
                          (["--discount", "1"], "--discount"),
                          (["--domain", "cyber"], "not a domain"),
                          (["-r", "1"], "--replicates"),
                          (["--policies", "withhold,share"], "not one of"),
                          (["--levels", "0,1", "--policies", "full,withhold"], "exclude"),
                          (["--bogus"], "unknown option")]:
        done = subprocess.run([C5SIM, "equilibrium", TOY, *args], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr, (args, done.stderr)
    help_text = subprocess.run([C5SIM, "equilibrium", "--help"], capture_output=True, text=True)
    assert help_text.returncode == 0 and "Holm" in help_text.stdout


def mpi_available():
    version = subprocess.run([C5SIM, "--version"], capture_output=True, text=True).stdout
    return "MPI: yes" in version and shutil.which(os.environ.get("MPIRUN", "mpirun"))


# Defined only where MPI is built and mpirun exists (as tests/dist/meson.build does for its MPI
# suite): every rank runs the same search, rank 0 broadcasts each batch's losses.
if mpi_available():
    def test_mpi_ranks_equal_one_process(tmp_path):
        one, _ = equilibrium(tmp_path, "one.h5", "-t", "1", "--exhaustive-limit", "0")
        out = tmp_path / "mpi.h5"
        done = subprocess.run(
            [shutil.which(os.environ.get("MPIRUN", "mpirun")), "--allow-run-as-root",
             "--oversubscribe", "-np", "2", C5SIM, "equilibrium", TOY, "-q", "-t", "1",
             "--exhaustive-limit", "0", "-o", str(out)],
            capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        a, b = read(one), read(out)
        for name in DATASETS:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_policies_and_domain_strategies(tmp_path):
    out, _ = equilibrium(tmp_path, "pol.h5", "--policies", "withhold,full", "--bootstrap", "0")
    data = read(out)
    with h5py.File(out, "r") as f:
        assert list(f["equilibrium/strategies"].asstr()[()]) == ["withhold", "full"]
    levels = data["profiles/levels"]
    assert data["equilibria"].shape[0] == 1
    assert list(levels[int(data["equilibria"][0, 0])]) == [0, 0]
    assert list(levels[int(data["optimum"][0])]) == [1, 0]
    assert np.isnan(data["grim_trigger"]).all()  # no exclusion between policies
    # `full` is level 1: the same runs, replicate by replicate
    lv, _ = equilibrium(tmp_path, "lv.h5", "--levels", "0,1", "--bootstrap", "0")
    np.testing.assert_array_equal(read(lv)["profiles/loss"][:4], data["profiles/loss"][:4])
    # the toy has one domain: a level in that domain is the level everywhere
    dom, _ = equilibrium(tmp_path, "dom.h5", "--levels", "0,0.5,1", "--domain", "military",
                         "--bootstrap", "0")
    every, _ = equilibrium(tmp_path, "every.h5", "--levels", "0,0.5,1", "--bootstrap", "0")
    np.testing.assert_array_equal(read(dom)["profiles/loss"][:9], read(every)["profiles/loss"][:9])


def test_torn_journal_and_other_run_refused(tmp_path):
    cut, _ = equilibrium(tmp_path, "cut.h5", env={"C5SIM_TEST_STOP_AFTER": "400"}, code=130)
    partial, journal = str(cut) + ".partial", str(cut) + ".journal"
    other = subprocess.run([C5SIM, "equilibrium", TOY, "-s", "9", "--resume", partial],
                           capture_output=True, text=True, timeout=60)
    assert other.returncode == 2 and "belongs to another run" in other.stderr, other.stderr
    assert "seed" in other.stderr
    size = os.path.getsize(journal)
    os.truncate(journal, size - 10)  # a kill in the middle of the last record
    resumed = subprocess.run([C5SIM, "equilibrium", TOY, "--resume", partial],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "9 profiles read back" in resumed.stderr
    whole, _ = equilibrium(tmp_path, "whole.h5")
    a, b = read(whole), read(cut)
    for name in DATASETS:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_report_of_an_equilibrium_file(tmp_path):
    out, _ = equilibrium(tmp_path, "report.h5", "-r", "20", "-t", "2")
    done = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE_ROOT, "analysis", "c5report"),
                           str(out), "-o", str(tmp_path / "report"), "-q"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    markdown = (tmp_path / "report" / "report.md").read_text()
    data = read(out)
    with h5py.File(out, "r") as f:
        strategies = [s.decode() if isinstance(s, bytes) else s
                      for s in f["equilibrium/strategies"][()]]
    # The headline names the equilibria and the optimum found, as the file holds them (at 20
    # replicates a deviation next to the true equilibrium may not be significant, so the count is
    # the file's, not the game's).
    rows = np.asarray(data["equilibria"], dtype=float).reshape(-1, 12)
    found = len(rows)
    assert f"{found} {'equilibrium' if found == 1 else 'equilibria'} found" in markdown
    for row in rows[:4]:
        levels = data["profiles/levels"][int(row[0])].astype(int)
        assert f"AAA {strategies[levels[0]]}, BBB {strategies[levels[1]]}" in markdown
    assert "AAA 0, BBB 0" in markdown
    optimum = data["profiles/levels"][int(data["optimum"][0])].astype(int)
    assert f"AAA {strategies[optimum[0]]}, BBB {strategies[optimum[1]]}" in markdown
    assert f"{data['price_of_anarchy'][0]:.4g}" in markdown
    for heading in ("## Equilibria", "## Transfers from the best equilibrium to the optimum",
                    "## Figures"):
        assert heading in markdown
    assert (tmp_path / "report" / "equilibrium_profiles.png").stat().st_size > 10000
    assert "replicate noise only" in markdown
