"""portfolio.py — the `/portfolio` group of a `c5sim portfolio` file (docs/output-format.md):
reading it, the Pareto frontier figure (cost against regional harm averted, with paired
intervals), and the report's section: frontier, best package per budget, interactions and
per-state net gains under each cost-sharing rule (docs/model.md §14)."""
import math
import textwrap

import h5py
import numpy as np

from .findings import fmt, fmt_ci


def _text(values):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def read(path):
    """The /portfolio tables as a dict of arrays and lists, or None when the file has none."""
    with h5py.File(path, "r") as h5:
        if "portfolio" not in h5:
            return None
        g = h5["portfolio"]
        mode = g.attrs.get("mode", "exhaustive")
        data = {
            "mode": mode.decode() if isinstance(mode, bytes) else str(mode),
            "measures": _text(g["measure"][()]),
            "packages": _text(g["package"][()]),
            "frontier": g["frontier"][()].astype(int).tolist(),
            "rules": _text(g["rule"][()]),
            "states": _text(g["state"][()]),
            "net_gain": g["net_gain"][()],
        }
        columns = _text(g["statistic"][()])
        table = g["table"][()]
        data["table"] = {c: table[:, i] for i, c in enumerate(columns)}
        columns = _text(g["budget_statistic"][()])
        budgets = g["budgets"][()]
        data["budgets"] = {c: budgets[:, i] for i, c in enumerate(columns)}
    return data


def frontier_figure(data):
    """Every package at (cost, mean harm averted) with its 95% interval, the Pareto frontier
    joined by a line and labelled, and each budget's best package marked."""
    import matplotlib.pyplot as plt

    t = data["table"]
    cost, mean = t["cost"], t["harm_averted"]
    low, high = t["harm_averted_ci_low"], t["harm_averted_ci_high"]
    figure, (axis, key) = plt.subplots(1, 2, figsize=(14, 7),
                                       gridspec_kw={"width_ratios": [3, 2]})
    off = t["on_frontier"] == 0
    yerr = np.vstack([mean - low, high - mean])
    yerr = np.where(np.isfinite(yerr), yerr, 0)
    axis.errorbar(cost[off], mean[off], yerr=yerr[:, off], fmt="o", color="0.65", ms=4,
                  elinewidth=0.8, capsize=2, label="package (95% CI)")
    f = data["frontier"]
    axis.errorbar(cost[f], mean[f], yerr=yerr[:, f], fmt="o-", color="tab:blue", ms=6,
                  elinewidth=1.2, capsize=3, label="Pareto frontier")
    # the frontier's packages are numbered on the plot and named in the key beside it: their
    # labels are too long to sit next to the points
    lines = []
    for n, i in enumerate(f, start=1):
        axis.annotate(str(n), (cost[i], mean[i]), textcoords="offset points", xytext=(5, -11),
                      fontsize=8, color="tab:blue")
        name = textwrap.fill(data["packages"][i], 52, subsequent_indent="      ")
        lines.append(f"{n:>2}. {name}  (cost {fmt(cost[i])})")
    key.axis("off")
    key.set_title("Pareto frontier, by cost", fontsize=10, loc="left")
    key.text(0, 1, "\n".join(lines), va="top", ha="left", fontsize=7.5, family="monospace",
             transform=key.transAxes)
    b = data["budgets"]
    for k, budget in enumerate(b["budget"]):
        axis.axvline(budget, color="tab:red", lw=0.8, ls=":")
        best = int(b["package"][k])
        if best >= 0:
            axis.plot(cost[best], mean[best], marker="*", ms=14, color="tab:red",
                      label="best within a budget (dotted)" if k == 0 else None)
    axis.axhline(0, color="black", lw=0.6)
    axis.set_xlabel("package cost (harm units per run)")
    axis.set_ylabel("regional harm averted per run (paired against the baseline)")
    axis.set_title("Packages of measures: cost against harm averted")
    axis.legend(loc="best", fontsize=9)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def _interval(row, name):
    return fmt_ci(row[name], row[name + "_ci_low"], row[name + "_ci_high"])


def add_to_report(report, path, out_dir, dpi=100, svg=False, log=None):
    """Append the portfolio section (and its figure) to a report.Report; nothing when the file
    has no /portfolio."""
    data = read(path)
    if data is None:
        return
    from .figures import save

    t, b = data["table"], data["budgets"]
    labels = data["packages"]
    n = len(labels)
    row = lambda i: {k: v[i] for k, v in t.items()}  # noqa: E731
    report.heading(2, "Packages of measures")
    report.paragraph(
        f"{len(data['measures'])} measures ({', '.join(data['measures'])}), {n} packages run "
        + ("(every combination)" if data["mode"] == "exhaustive" else
           "(the baseline, each measure and every pair; a best package of three or more is a "
           "pairwise estimate, docs/model.md §14.2)")
        + ", all on the same random numbers. Harm averted is the baseline's regional harm minus "
        "the package's, per run, paired by replicate, mean (95% CI). Costs are in harm units per "
        "run.")
    figure = frontier_figure(data)
    png = save(figure, out_dir, "portfolio_frontier", svg, log, dpi)
    report.heading(3, "Pareto frontier")
    report.paragraph("The packages that no other package beats on both cost and harm averted: "
                     "the only ones worth funding at some budget.")
    report.table(["cost", "harm averted (95% CI)", "package"],
                 [[fmt(t["cost"][i]), _interval(row(i), "harm_averted"), labels[i]]
                  for i in data["frontier"]])
    paying = [i for i in range(1, n) if t["harm_averted_ci_low"][i] > t["cost"][i]]
    losing = [i for i in range(1, n) if t["harm_averted_ci_high"][i] < t["cost"][i]]
    report.paragraph(
        f"{len(paying)} of {n - 1} packages avert more harm than they cost (the interval's lower "
        f"end above the cost), {len(losing)} avert less (its upper end below): harm averted and "
        "cost are in the same units, so a package that averts less than it costs raises the "
        "region's loss (harm + cost) and is worth funding only if a unit of harm is valued above "
        "a unit of cost.")
    report.figure("portfolio_frontier", "Every package's cost against the regional harm it "
                  "averts (95% paired intervals); the Pareto frontier in blue, the best package "
                  "within each budget (dotted lines) starred.", png)
    report.heading(3, "Best package per budget")
    rows, sentences = [], []
    for k, budget in enumerate(b["budget"]):
        best, second = int(b["package"][k]), int(b["runner_up"][k])
        mask = int(b["mask"][k])
        name = labels[best] if best >= 0 else "{" + ", ".join(
            m for j, m in enumerate(data["measures"]) if mask >> j & 1) + "}"
        averted = fmt_ci(b["harm_averted"][k], b["harm_averted_ci_low"][k],
                         b["harm_averted_ci_high"][k])
        gap = fmt_ci(b["gap"][k], b["gap_ci_low"][k], b["gap_ci_high"][k]) \
            if math.isfinite(b["gap"][k]) else "n/a"
        verdict = ("distinguishable" if b["distinguishable"][k] else "not distinguishable") \
            if second >= 0 and math.isfinite(b["gap_ci_low"][k]) else "n/a"
        rows.append([fmt(budget), name, fmt(b["cost"][k]), averted,
                     labels[second] if second >= 0 else "none", gap, verdict])
        if second >= 0 and b["gap"][k] == 0 and b["gap_ci_low"][k] == b["gap_ci_high"][k]:
            sentences.append(f"Within {fmt(budget)}, {name} and {labels[second]} avert exactly "
                             "the same harm in every replicate; the cheaper is shown.")
        elif second >= 0 and verdict == "not distinguishable":
            sentences.append(f"Within {fmt(budget)}, {name} is the best package on the mean, but "
                             f"it cannot be told apart from {labels[second]} at these "
                             f"replicates (paired gap {gap}).")
    report.table(["budget", "best package", "cost", "harm averted (95% CI)", "runner-up",
                  "gap to runner-up (95% CI)", "best vs runner-up"], rows)
    if sentences:
        report.items(sentences)
    report.heading(3, "Interactions")
    report.paragraph("A package's harm averted minus the sum of what its measures avert alone, "
                     "paired by replicate, mean (95% CI): below 0 the measures overlap (they stop "
                     "the same threats), above 0 they reinforce each other.")
    pairs = [i for i in range(n) if t["size"][i] == 2]
    higher = sorted({int(p) for p in b["package"] if p >= 0 and t["size"][int(p)] >= 3})
    inter_rows = []
    for i in pairs + higher:
        r = row(i)
        kind = "overlap" if r["interaction_ci_high"] < 0 else \
            "reinforce" if r["interaction_ci_low"] > 0 else "additive within noise"
        inter_rows.append([labels[i], _interval(r, "harm_averted"),
                           fmt(r["harm_averted"] - r["interaction"]),
                           _interval(r, "interaction"), kind])
    report.table(["package", "harm averted (95% CI)", "sum of the measures alone",
                  "interaction (95% CI)", "reading"], inter_rows)
    report.heading(3, "Net gain per state under each cost-sharing rule")
    report.paragraph("Mean loss a package averts for each state when its cost is shared by each "
                     "rule (docs/model.md §14.3): equal shares, by GDP, by population, by "
                     "benefit (each state's harm averted; a state the package harms pays "
                     "nothing), and as the measures declare (cost_sharing). The region's net gain "
                     "is the same under every rule.")
    net = data["net_gain"]
    for best in sorted({int(p) for p in b["package"] if p > 0}):
        report.paragraph(f"{labels[best]} (cost {fmt(t['cost'][best])}):")
        report.table(["state"] + data["rules"],
                     [[state] + [fmt(v) if math.isfinite(v) else "n/a" for v in net[best, :, s]]
                      for s, state in enumerate(data["states"])])
