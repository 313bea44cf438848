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


PAIRS = os.path.join(SOURCE_ROOT, "tests", "scenarios", "coalition_pairs.yaml")


def _text(values):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def _mean_loss(f, variant):
    return per_replicate(f, variant, "loss").mean(axis=0)


def _reference_nucleolus(v, n):
    """The nucleolus over the imputations by scipy's LPs (an independent implementation of the
    sequential LPs: each round fixes the coalitions whose excess cannot go below the round's
    optimum, tested one by one)."""
    from scipy.optimize import linprog
    grand = 2 ** n - 1
    fixed = {}
    row = lambda m: [float(m >> i & 1) for i in range(n)]
    while True:
        free = [m for m in range(1, grand) if m not in fixed]
        A_eq = [row(grand) + [0]] + [row(m) + [0] for m in fixed]
        b_eq = [v[grand]] + [v[m] - e for m, e in fixed.items()]
        lp = linprog([0] * n + [1], A_ub=[[-a for a in row(m)] + [-1] for m in free],
                     b_ub=[-v[m] for m in free], A_eq=A_eq, b_eq=b_eq,
                     bounds=[(0, None)] * n + [(None, None)], method="highs")
        assert lp.status == 0
        t, x = lp.x[n], lp.x[:n]
        for m in free:
            test = linprog([-a for a in row(m)],
                           A_ub=[[-a for a in row(k)] for k in free], b_ub=[t - v[k] for k in free],
                           A_eq=[r[:n] for r in A_eq], b_eq=b_eq, bounds=[(0, None)] * n,
                           method="highs")
            if test.status == 0 and -test.fun <= v[m] - t + 1e-7 * max(1, abs(v).max()):
                fixed[m] = t
        if np.linalg.matrix_rank(np.array([row(grand)] + [row(m) for m in fixed])) == n or \
                len(fixed) == grand - 1:
            return x


def test_toy_least_core_nucleolus_and_bootstrap(tmp_path):
    """Two players with v({i}) = 0: the least core's epsilon is -v(N)/2 and the nucleolus the
    equal split of v(N); the percentile bootstrap of a mean is about as wide as its t-interval."""
    out, stdout = run(tmp_path)
    with h5py.File(out, "r") as f:
        grand = _mean_loss(f, 0).sum() - _mean_loss(f, 3).sum()  # v(N) of the mean game
        eps = f["coalitions/least_core_epsilon"][()]
        nucleolus = f["coalitions/nucleolus"][()]
        kind = f["coalitions/nucleolus"].attrs["kind"]
        shapley_t = f["coalitions/shapley"][()]
        shapley_b = f["coalitions/shapley_bootstrap"][()]
        side_b = f["coalitions/side_payment_bootstrap"][()]
        columns = _text(f["coalitions/bootstrap_statistic"][()])
        structures = _text(f["coalitions/structure"][()])
        labels = _text(f["coalitions/label"][()])
        share = f["coalitions/label_share"][()]
        assert f["coalitions"].attrs["bootstrap_seed"] == 17
    assert columns == ["estimate", "ci_low", "ci_high"]
    assert abs(eps[0] + grand / 2) < 1e-9 * (1 + abs(grand)), (eps, grand)
    assert (kind if isinstance(kind, str) else kind.decode()) == \
        ("nucleolus" if grand >= 0 else "pre-nucleolus")
    np.testing.assert_allclose(nucleolus[:, 0], [grand / 2, grand / 2], rtol=0, atol=1e-9)
    # the estimate of the bootstrap table is the mean game's figure: the t-table's mean
    np.testing.assert_allclose(shapley_b[:, 0], shapley_t[:, 0], rtol=0, atol=1e-9)
    for i in range(2):
        width_t = shapley_t[i, 3] - shapley_t[i, 2]
        width_b = shapley_b[i, 2] - shapley_b[i, 1]
        assert 0.8 < width_b / width_t < 1.15, (width_b, width_t)
        assert shapley_b[i, 1] <= shapley_b[i, 0] <= shapley_b[i, 2]
    assert abs(side_b[0, 0] + side_b[1, 0]) < 1e-9
    assert structures == ["{AAA,BBB}", "{AAA}{BBB}"]
    assert np.all((share >= 0) & (share <= 1)) and len(share) == len(labels)
    # AAA saves its report costs by free-riding in every replicate: the label holds in every draw
    assert share[labels.index("AAA: free-riding pays")] == 1.0
    assert "Least core epsilon" in stdout and "nucleolus" in stdout
    assert "Coalition structures" in stdout


def test_structures_of_two_separate_corridors(tmp_path):
    """Structures with two pairs run as their own variants; on two corridors that never meet, a
    pair's losses in {AAA,BBB}{CCC,DDD} are exactly those of the coalition {AAA,BBB} (same
    random numbers), the structure is worth v(AB) + v(CD), and it beats the grand coalition
    (sharing across corridors only costs). Stability figures against the variants' losses."""
    out = tmp_path / "pairs.h5"
    done = subprocess.run([C5SIM, "coalitions", PAIRS, "-q", "-t", "2", "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with h5py.File(out, "r") as f:
        labels = [f[f"variants/{v}"].attrs["label"] for v in range(len(f["variants"]))]
        labels = _text(labels)
        assert len(labels) == 16 + 4 + 3
        assert labels[20:] == ["{AAA,BBB}{CCC,DDD}", "{AAA,CCC}{BBB,DDD}", "{AAA,DDD}{BBB,CCC}"]
        split = per_replicate(f, 20, "loss")
        np.testing.assert_array_equal(split[:, :2], per_replicate(f, 3, "loss")[:, :2])
        np.testing.assert_array_equal(split[:, 2:], per_replicate(f, 12, "loss")[:, 2:])
        mean = {v: _mean_loss(f, v) for v in range(len(labels))}
        structures = _text(f["coalitions/structure"][()])
        variant_of = f["coalitions/structure_variant"][()]
        value = f["coalitions/structure_value"][()]
        best = int(f["coalitions/best_structure"][()][0])
        internal = f["coalitions/best_structure_internal_gain"][()]
        external = f["coalitions/best_structure_external_gain"][()]
        v = f["coalitions/value"][()][:, 0]
        eps = f["coalitions/least_core_epsilon"][()][0]
        nucleolus = f["coalitions/nucleolus"][()][:, 0]
        violations = f["coalitions/superadditivity_violations"][()][0]
        worst = f["coalitions/superadditivity_worst"][()][0]
    assert len(structures) == 15
    p = structures.index("{AAA,BBB}{CCC,DDD}")
    assert variant_of[p] == 20 and variant_of[structures.index("{AAA,BBB,CCC,DDD}")] == 15
    assert abs(value[p, 0] - (v[3] + v[12])) < 1e-9
    assert structures[best] == "{AAA,BBB}{CCC,DDD}"
    for q in range(15):
        own = mean[0].sum() - mean[int(variant_of[q])].sum()
        assert abs(value[q, 0] - own) < 1e-9 and value[q, 0] <= value[best, 0]
    # d'Aspremont: AAA (or BBB) leaving {AAA,BBB} -> the coalition {CCC,DDD} alone (variant 12);
    # CCC joining it -> {AAA,BBB,CCC}{DDD} (variant 7), DDD -> {AAA,BBB,DDD}{CCC} (variant 11)
    leave = max(mean[20][0] - mean[12][0], mean[20][1] - mean[12][1])
    join = max(mean[20][2] - mean[7][2], mean[20][3] - mean[11][3])
    assert abs(internal[0, 0] - leave) < 1e-9 and abs(external[0, 0] - join) < 1e-9
    assert internal[0, 0] > 0  # AAA only pays for its reports: the pair is not internally stable
    # the least core by an independent LP, and the nucleolus's largest excess equals it
    from scipy.optimize import linprog
    n, proper = 4, range(1, 15)
    A = [[-(m >> i & 1) for i in range(n)] + [-1] for m in proper]
    b = [-v[m] for m in proper]
    lp = linprog([0] * n + [1], A_ub=A, b_ub=b, A_eq=[[1] * n + [0]], b_eq=[v[15]],
                 bounds=[(None, None)] * (n + 1), method="highs")
    assert lp.status == 0 and abs(lp.fun - eps) < 1e-6 * (1 + abs(eps)), (lp.fun, eps)
    assert abs(nucleolus.sum() - v[15]) < 1e-9
    excess = max(v[m] - sum(nucleolus[i] for i in range(n) if m >> i & 1) for m in proper)
    # (its x_i >= 0 do not bind here: the least-core point is an imputation)
    assert abs(excess - eps) < 1e-6 * (1 + abs(eps)) and (nucleolus >= -1e-9).all()
    np.testing.assert_allclose(nucleolus, _reference_nucleolus(v, n), rtol=0, atol=1e-6)
    # superadditivity from v
    count, most = 0, 0.0
    for s in range(1, 16):
        for t in range(s + 1, 16):
            if s & t == 0 and v[s] + v[t] - v[s | t] > 1e-9 * max(1, abs(v).max()):
                count, most = count + 1, max(most, v[s] + v[t] - v[s | t])
    assert violations == count and abs(worst - most) < 1e-9
    assert "Best structure {AAA,BBB}{CCC,DDD}" in done.stdout
