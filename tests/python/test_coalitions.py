"""test_coalitions.py — `c5sim coalitions` on a two-state toy whose coalition values are known
(tests/scenarios/coalition_toy.yaml): a threat crosses A's region for one tick (A detects with
p = 0.1 and cannot respond) into B's, where it dwells two ticks; B engages at once what it
detects (ample units, interdiction 1), with 0.1 a tick, or 1 - 0.9 x 0.2 = 0.82 when cued by A's
report. So sharing averts, per arriving threat, 10 p (P_cued - P_uncued) with
P_cued = 1 - 0.18^2 and P_uncued = 1 - 0.9^2.

The file sets full sharing in `defaults.sharing.by_domain` and a prohibitive threshold on A:
coalition variants must override both (B1, B2 of the issue "States that choose")."""
import os
import subprocess

import h5py
import numpy as np

SOURCE_ROOT = os.environ.get(
    "C5SIM_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
C5SIM = os.environ.get("C5SIM", os.path.join(SOURCE_ROOT, "build", "engine", "cli", "c5sim"))
TOY = os.path.join(SOURCE_ROOT, "tests", "scenarios", "coalition_toy.yaml")


def run(tmp_path):
    out = tmp_path / "toy.h5"
    done = subprocess.run([C5SIM, "coalitions", TOY, "-q", "-o", str(out)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out, done.stdout


def per_replicate(f, variant, metric):
    return f[f"variants/{variant}/totals/{metric}"][()]  # replicate x state


def test_coalition_values_of_the_toy(tmp_path):
    out, stdout = run(tmp_path)
    with h5py.File(out, "r") as f:
        labels = [f[f"variants/{v}"].attrs["label"] for v in range(6)]
        assert labels[4].endswith("AAA free-rides") and labels[5].endswith("BBB free-rides")
        loss = {v: per_replicate(f, v, "loss") for v in range(6)}
        harm = {v: per_replicate(f, v, "harm") for v in range(6)}
        shared = per_replicate(f, 3, "reports_shared")
        arrivals = per_replicate(f, 0, "arrivals")[:, 1]
        value = f["coalitions/value"][()]
        side = f["coalitions/side_payment"][()]
    # B1: nobody shares outside a coalition of two, whatever defaults.sharing.by_domain says
    for v in (0, 1, 2):
        np.testing.assert_array_equal(loss[v], loss[0])
    assert value[1][0] == value[2][0] == 0.0
    # B2: A's threshold does not stop it sharing inside the grand coalition
    assert shared[:, 0].sum() > 0
    # the harm the grand coalition averts, per arriving threat, against its closed form
    p = 0.1
    expected = 10 * p * ((1 - 0.18 ** 2) - (1 - 0.9 ** 2))
    averted = (harm[0][:, 1] - harm[3][:, 1]) / arrivals
    se = averted.std(ddof=1) / np.sqrt(len(averted))
    assert abs(averted.mean() - expected) < 4 * se + 1e-12, (averted.mean(), expected, se)
    # the side payments move value between members: they add up to 0
    assert abs(side[0][0] + side[1][0]) < 1e-9
    # free-riding: A withholds and still gets B's reports, which it cannot use; it saves its
    # report costs, so it gains exactly what it no longer pays
    ride_gain = loss[3][:, 0] - loss[4][:, 0]
    np.testing.assert_allclose(ride_gain, 0.05 * shared[:, 0] - 0.0, rtol=0, atol=1e-9)
    assert "gain from free-riding" in stdout and "Side payments" in stdout
    assert "exclusion credible" in stdout
