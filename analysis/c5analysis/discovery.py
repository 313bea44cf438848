"""discovery.py — the robust ranking and scenario discovery of a `c5sim robust` file (/robust).

Reads what the engine computed (probability of being best, regret, Kendall tau, the PRIM
peeling trajectory and box; definitions in docs/model.md) and adds a second view of each
discovery question: a CART tree (scikit-learn's DecisionTreeClassifier, Debian's
python3-sklearn) fitted to the same design points and failure flags, its failing leaves written
as rules in words. Draws the PRIM trade-off (coverage against density along the peeling
trajectory), the box against the design's ranges, and the measures' probability of being best.
"""

import numpy as np

from .findings import fmt, fmt_ci

CART_MAX_DEPTH = 3        # a tree a reader can follow; deeper ones fit replicate noise
CART_MIN_LEAF = 0.05      # smallest leaf, as a share of the design points (at least 2 points)
CART_SEED = 0             # the tree's tie-breaking among equally good splits: fixed


def _text(value):
    if isinstance(value, bytes):
        return value.split(b"\0", 1)[0].decode("utf-8", "replace")
    return str(value)


def read(path):
    """The /robust group as plain Python: None when the file has none."""
    import h5py

    with h5py.File(path, "r") as h5:
        if "robust" not in h5:
            return None
        g = h5["robust"]
        data = {
            "measures": [_text(v) for v in g["measure"][()]],
            "cost": g["cost"][()],
            "baseline_harm": g["baseline_harm"][()],
            "design": g["design"][()],
            "parameters": [_text(v) for v in g["design_parameter"][()]],
            "figure_names": [_text(v) for v in g["figure"][()]],
            "stability_names": [_text(v) for v in g["stability_statistic"][()]],
            "replicates": int(g.attrs.get("replicates", 0)),
            "bootstrap": int(g.attrs.get("bootstrap", 0)),
            "criteria": {},
            "prim": [],
        }
        for criterion in [_text(v) for v in g["criterion"][()]]:
            c = g[criterion]
            data["criteria"][criterion] = {
                "value": c["value"][()], "figures": c["figures"][()], "tau": c["tau"][()],
                "stability": c["stability"][()]}
        if "prim" in g:
            keys = sorted((k for k in g["prim"] if k.isdigit()), key=int)
            for key in keys:
                p = g["prim"][key]
                data["prim"].append({
                    "rule": _text(p.attrs["rule"]),
                    "chosen": int(p.attrs["chosen_step"]),
                    "value": p["value"][()], "fails": p["fails"][()].astype(int),
                    "trajectory": p["trajectory"][()], "box": p["box"][()],
                    "box_figures": p["box_figures"][()],
                    "restricted": p["restricted"][()].astype(bool)})
    return data


def figure_rows(data, criterion):
    """Per measure, its figures (estimate, low, high) by name, most robust first."""
    c = data["criteria"][criterion]
    names = data["figure_names"]
    rows = []
    for m, measure in enumerate(data["measures"]):
        row = {"measure": measure, "cost": float(data["cost"][m])}
        for f, name in enumerate(names):
            row[name] = tuple(float(v) for v in c["figures"][m, f])
        rows.append(row)
    rows.sort(key=lambda r: (-r["p_best"][0], r["regret_mean"][0]))
    return rows


def cart(design, fails, parameters, max_depth=CART_MAX_DEPTH):
    """A CART tree of the failure flags over the design: its failing leaves as rules in words.

    Returns a list of dicts {rule, points, failing, density, coverage}, densest first, or [] when
    every point fails or none does (nothing to separate)."""
    from sklearn.tree import DecisionTreeClassifier

    y = np.asarray(fails, dtype=int)
    if y.min() == y.max():
        return []
    n = len(y)
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=max(2, int(CART_MIN_LEAF * n)),
                                  random_state=CART_SEED).fit(design, y)
    t = tree.tree_
    total_fails = int(y.sum())
    leaves = tree.apply(design)
    rules = []

    def words(bounds):
        # a path's splits merged into one interval: "a < x <= b", in the parameters' order
        parts = []
        for j, name in enumerate(parameters):
            if j not in bounds:
                continue
            low, high = bounds[j]
            if low is not None and high is not None:
                parts.append(f"{low:.4g} < {name} <= {high:.4g}")
            elif low is not None:
                parts.append(f"{name} > {low:.4g}")
            else:
                parts.append(f"{name} <= {high:.4g}")
        return " and ".join(parts) or "everywhere"

    def walk(node, bounds):
        if t.children_left[node] == -1:
            inside = leaves == node
            failing = int(y[inside].sum())
            points = int(inside.sum())
            if points and failing / points > 0.5:
                rules.append({"rule": words(bounds), "points": points,
                              "failing": failing, "density": failing / points,
                              "coverage": failing / total_fails})
            return
        j, threshold = int(t.feature[node]), float(t.threshold[node])
        low, high = bounds.get(j, (None, None))
        walk(t.children_left[node],
             {**bounds, j: (low, threshold if high is None else min(high, threshold))})
        walk(t.children_right[node],
             {**bounds, j: (threshold if low is None else max(low, threshold), high)})

    walk(0, {})
    rules.sort(key=lambda r: (-r["density"], -r["coverage"]))
    return rules


FEW_FAILS = 5  # below this many failing points a box is an anecdote (engine: ROBUST_FEW_FAILS)


def box_words(data, prim):
    """The PRIM box in words: the restricted parameters, their ranges and the share of the
    design's range each keeps (an edge that trims a sliver is a weak restriction)."""
    parts = []
    design = data["design"]
    for j, name in enumerate(data["parameters"]):
        if prim["restricted"][j]:
            low, high = prim["box"][j]
            width = design[:, j].max() - design[:, j].min()
            kept = 100 * (high - low) / width if width > 0 else 100.0
            parts.append(f"{name} from {low:.4g} to {high:.4g} ({kept:.0f}% of its range)")
    return "; ".join(parts) if parts else "no parameter restricted (failures spread over the design)"


def make_figures(data):
    """(name, figure, caption) for the robust section."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    for criterion, title in (("per_cost", "harm averted per unit cost"), ("averted", "harm averted")):
        rows = figure_rows(data, criterion)
        fig, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.6))
        y = np.arange(len(rows))[::-1]
        est = np.array([r["p_best"][0] for r in rows])
        low = np.array([r["p_best"][1] for r in rows])
        high = np.array([r["p_best"][2] for r in rows])
        ax.barh(y, est, color="#4c72b0")
        if np.isfinite(low).all():
            ax.errorbar(est, y, xerr=[est - low, high - est], fmt="none", ecolor="black", capsize=3)
        ax.set_yticks(y, [r["measure"] for r in rows])
        ax.set_xlim(0, 1)
        ax.set_xlabel(f"probability of being best by {title} over the design points")
        fig.tight_layout()
        made.append((f"robust_p_best_{criterion}", fig,
                     f"Probability of being best by {title} across the uncertainty design, with "
                     "95% bootstrap intervals over replicates."))
    for k, prim in enumerate(data["prim"]):
        if prim["fails"].sum() == 0:
            continue
        traj = prim["trajectory"]
        fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
        left.plot(traj[:, 0], traj[:, 1], "o-", color="#4c72b0", markersize=3,
                  label="peeling trajectory")
        chosen = prim["chosen"]
        left.plot(traj[chosen, 0], traj[chosen, 1], "s", color="#dd8452", markersize=9,
                  label=f"chosen (step {chosen})")
        left.plot(prim["box_figures"][0], prim["box_figures"][1], "*", color="#c44e52",
                  markersize=13, label="after pasting")
        left.set_xlabel("coverage (share of failing points inside)")
        left.set_ylabel("density (share of points inside that fail)")
        left.set_xlim(-0.02, 1.02)
        left.set_ylim(-0.02, 1.02)
        left.legend(loc="lower left")
        left.set_title("PRIM trade-off")
        design, params = data["design"], data["parameters"]
        lo, hi = design.min(axis=0), design.max(axis=0)
        span = np.where(hi > lo, hi - lo, 1.0)
        y = np.arange(len(params))[::-1]
        fails = prim["fails"].astype(bool)
        for j in range(len(params)):
            x = (design[:, j] - lo[j]) / span[j]
            right.plot(x[~fails], np.full((~fails).sum(), y[j]), "|", color="#999999")
            right.plot(x[fails], np.full(fails.sum(), y[j]), "|", color="#c44e52")
            b0, b1 = (prim["box"][j] - lo[j]) / span[j]
            right.barh(y[j], b1 - b0, left=b0, height=0.6, alpha=0.25,
                       color="#c44e52" if prim["restricted"][j] else "#cccccc")
        right.set_yticks(y, params, fontsize=8)
        right.set_xlabel("position in the design's range (0 = low end, 1 = high end)")
        right.set_title("the box (shaded) and the failing points (red)")
        fig.tight_layout()
        made.append((f"robust_prim_{k}", fig,
                     f"Scenario discovery for '{prim['rule']}': PRIM's peeling trajectory "
                     "(coverage against density) and the chosen box over the design's ranges."))
    return made


def findings(results_path):
    """Headline sentences for a robust file: the most robust measure by each criterion, how far
    the ranking moves, and each discovery rule's box."""
    data = read(results_path)
    if data is None:
        return []
    lines = []
    for criterion, title in (("per_cost", "harm averted per unit cost"),
                             ("averted", "harm averted")):
        rows = figure_rows(data, criterion)
        stab = dict(zip(data["stability_names"], data["criteria"][criterion]["stability"]))
        best = rows[0]
        lines.append(
            f"By {title}, {best['measure']} is the most robust measure: best at "
            f"{fmt(100 * best['p_best'][0])}% of the {data['design'].shape[0]} design points "
            f"(95% CI {fmt(100 * best['p_best'][1])}% to {fmt(100 * best['p_best'][2])}%, "
            f"replicate noise given the design), mean regret {fmt(best['regret_mean'][0])}; the "
            f"ranking's Kendall tau against the nominal one averages {fmt(stab['tau_mean'][0])} "
            f"(minimum {fmt(stab['tau_min'][0])}).")
    for prim in data["prim"]:
        n_fails = int(prim["fails"].sum())
        if n_fails:
            lines.append(f"'{prim['rule']}' holds at {n_fails} of {data['design'].shape[0]} "
                         f"design points, mostly where {box_words(data, prim)} (PRIM: coverage "
                         f"{fmt(100 * prim['box_figures'][0])}%, density "
                         f"{fmt(100 * prim['box_figures'][1])}%).")
        else:
            lines.append(f"'{prim['rule']}' holds at no design point.")
    return lines


def section(report, results_path, out_dir, svg=False, log=None, dpi=100):
    """Add the robust-ranking section to a report (a no-op for a file without /robust)."""
    data = read(results_path)
    if data is None:
        return
    from .figures import save

    n_points = data["design"].shape[0]
    report.heading(2, "Robust ranking across the uncertainty design")
    report.paragraph(
        f"Every measure and the baseline were run at the scenario's own values (the nominal "
        f"point) and at {n_points} points of a Latin hypercube over {len(data['parameters'])} "
        f"parameters ({', '.join(data['parameters'])}), {data['replicates']} replicates each, "
        "all on common random numbers, so each measure's harm averted is paired at each point. "
        "P(best) is the share of design points at which a measure is best (ties split); regret "
        "at a point is the best measure's value there minus this measure's (mean, 90th "
        "percentile, maximum over the points); Kendall tau compares each point's ranking with "
        "the nominal ranking (1: the same order). The spread across points is the parameter "
        "uncertainty; the intervals (95% bootstrap over replicates, "
        f"{data['bootstrap']} draws) cover only replicate noise given the design.")
    for criterion, title, unit in (("per_cost", "harm averted per unit cost", "per unit cost"),
                                   ("averted", "harm averted", "harm units")):
        rows = figure_rows(data, criterion)
        stab = dict(zip(data["stability_names"], data["criteria"][criterion]["stability"]))
        report.heading(3, f"By {title}")
        best = rows[0]
        report.paragraph(
            f"Most robust: {best['measure']}, best at {fmt(100 * best['p_best'][0])}% of the "
            f"design points ({fmt(100 * best['p_best'][1])} to {fmt(100 * best['p_best'][2])}%), "
            f"mean regret {fmt(best['regret_mean'][0])} {unit}. The ranking's Kendall tau "
            f"against the nominal one: mean {fmt_ci(*stab['tau_mean'])}, minimum "
            f"{fmt(stab['tau_min'][0])}; the full ranking is the nominal one at "
            f"{fmt(100 * stab['p_identical'][0])}% of points, and the nominal best stays best at "
            f"{fmt(100 * stab['p_same_best'][0])}%.")
        report.table(["measure", "nominal rank", "P(best)", "mean regret", "regret q90",
                      "max regret", "mean rank"],
                     [[r["measure"], f"{r['nominal_rank'][0]:g}", fmt_ci(*r["p_best"]),
                       fmt_ci(*r["regret_mean"]), fmt_ci(*r["regret_q90"]),
                       fmt_ci(*r["regret_max"]), fmt_ci(*r["rank_mean"])] for r in rows])
    for prim in data["prim"]:
        n_fails = int(prim["fails"].sum())
        report.heading(3, f"Scenario discovery: where '{prim['rule']}' holds")
        if n_fails == 0:
            report.paragraph(f"No design point meets '{prim['rule']}': nothing to discover.")
            continue
        cov, dens, sup = prim["box_figures"][:3]
        report.paragraph(
            f"'{prim['rule']}' holds at {n_fails} of {n_points} design points. PRIM (peeling "
            f"{len(prim['trajectory']) - 1} steps, then pasting) finds the box: {box_words(data, prim)}. "
            f"It holds {fmt(100 * cov)}% of those points (coverage), {fmt(100 * dens)}% of the "
            f"points inside meet the rule (density), and it spans {fmt(100 * sup)}% of the design "
            "(support)."
            + (f" Only {n_fails} point{'s meet' if n_fails != 1 else ' meets'} the rule: read the box "
               "as an anecdote, not a region." if n_fails < FEW_FAILS else ""))
        rules = cart(data["design"], prim["fails"], data["parameters"])
        if rules:
            report.paragraph("A CART tree (depth at most 3) as a second view; its leaves where "
                             "the rule mostly holds:")
            report.items([f"{r['rule']}: {r['failing']} of {r['points']} points "
                          f"(coverage {fmt(100 * r['coverage'])}%)" for r in rules])
        else:
            report.paragraph("The CART tree finds no leaf where the rule mostly holds.")
    for name, figure, caption in make_figures(data):
        report.figure(name, caption, save(figure, out_dir, name, svg, log, dpi))
