"""equilibrium.py — the report of a `c5sim equilibrium` file (/equilibrium): the equilibria found,
the regional optimum, the price of anarchy, whether exclusion (grim trigger) sustains the optimum
and the transfers it would need, and the figure of every evaluated profile (docs/output-format.md,
"/equilibrium"; docs/model.md §16)."""
import os

import numpy as np

from .load import _text, command_file_head, has_group

SUSTAINED = {1: "sustained by exclusion (grim trigger): every state's margin lies above 0",
             0: "not sustained by exclusion: some state's margin lies below 0",
             2: "undecided: some state's margin interval holds 0",
             -1: "not computed (strategies by domain or by policy)"}


def is_equilibrium_file(path):
    """True for an HDF5 file holding /equilibrium."""
    return has_group(path, "equilibrium")


def load(path):
    """The /equilibrium group as a dict of arrays, lists and attributes."""
    import h5py

    with h5py.File(path, "r") as f:
        root, scenario_name = command_file_head(f, path)
        g = f["equilibrium"]
        data = {"path": path, "root": root, "scenario_name": scenario_name,
                "strategies": [_text(s) for s in g["strategies"][()]],
                "states": [_text(s) for s in g["states"][()]],
                "levels": np.asarray(g["profiles/levels"][()], dtype=int),
                "excluded": np.asarray(g["profiles/excluded"][()], dtype=float),
                "loss": np.asarray(g["profiles/loss"][()], dtype=float),
                "equilibria": np.asarray(g["equilibria"][()], dtype=float).reshape(-1, 12),
                "optimum": np.asarray(g["optimum"][()], dtype=float),
                "poa": np.asarray(g["price_of_anarchy"][()], dtype=float),
                "grim": np.asarray(g["grim_trigger"][()], dtype=float),
                "transfers": np.asarray(g["transfers"][()], dtype=float),
                "alpha": float(g["equilibria"].attrs.get("alpha", 0.05)),
                "discount": float(g["grim_trigger"].attrs.get("discount", float("nan"))),
                "sustained": int(g["grim_trigger"].attrs.get("sustained", -1)),
                "sustained_share": float(g["grim_trigger"].attrs.get("sustained_share",
                                                                      float("nan")))}
    return data


def _ci(mean, low, high, digits=4):
    return f"{mean:.{digits}g} ({low:.{digits}g} to {high:.{digits}g})"


def profile_text(data, row):
    return ", ".join(f"{c} {data['strategies'][b]}" for c, b in zip(data["states"],
                                                                    data["levels"][row]))


def _numeric(data):
    try:
        return [float(s) for s in data["strategies"]]
    except ValueError:  # policies: their grid index stands in for a level
        return list(range(len(data["strategies"])))


def headline(data):
    """Sentences on the equilibria, the optimum and the price of anarchy."""
    eq, opt, poa = data["equilibria"], data["optimum"], data["poa"]
    lines = []
    if len(eq) == 0:
        lines.append("No pure-strategy equilibrium was found among the evaluated profiles.")
    else:
        lines.append(f"{len(eq)} equilibri{'um' if len(eq) == 1 else 'a'} found (no unilateral "
                     "deviation lowers the deviator's loss with a Holm-adjusted paired interval "
                     f"below 0, family-wise level {data['alpha']:g}): " +
                     "; ".join(profile_text(data, int(r)) for r in eq[:4, 0]) +
                     ("; ..." if len(eq) > 4 else "") + ".")
    lines.append(("Regional optimum (every profile evaluated): " if opt[1] == 1 else
                  "Regional optimum (the best profile the search evaluated, a local optimum): ") +
                 profile_text(data, int(opt[0])) + f"; regional loss {_ci(*opt[2:5])} harm "
                 "units per run.")
    if np.isfinite(poa[0]):
        lines.append(f"Price of anarchy (regional loss at the worst equilibrium over the "
                     f"optimum): {poa[0]:.4g}, bootstrap 95% interval {poa[1]:.4g} to "
                     f"{poa[2]:.4g}; above 1 in {poa[3]:.0%} of the draws.")
    lines.append("The optimum is " + SUSTAINED.get(data["sustained"], "not computed") +
                 (f" (discount {data['discount']:g}; the bootstrap repeats this verdict in "
                  f"{data['sustained_share']:.0%} of its draws)"
                  if data["sustained"] >= 0 and np.isfinite(data["sustained_share"]) else "") +
                 ".")
    return lines


def figure(data):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = np.array(_numeric(data))
    mean_level = values[data["levels"]].mean(axis=1)
    regional = data["loss"].sum(axis=2).mean(axis=1)
    # exclusion profiles (the grim trigger's: the others cut one state off) are not strategy
    # profiles of the game
    game = data["excluded"] < 0
    fig, ax = plt.subplots(figsize=(8, 4.8))
    ax.scatter(mean_level[game], regional[game], s=8, color="grey", label="evaluated profiles")
    rows = data["equilibria"][:, 0].astype(int)
    if len(rows):
        ax.scatter(mean_level[rows], regional[rows], s=45, color="tab:red", label="equilibria")
    opt = int(data["optimum"][0])
    ax.scatter([mean_level[opt]], [regional[opt]], marker="*", s=180, color="black",
               label="regional optimum")
    ax.set_xlabel("mean strategy over the states (sharing level, or policy index)")
    ax.set_ylabel("regional loss per run (harm units, mean)")
    ax.set_title("The sharing game: every evaluated profile")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig, ("Every strategy profile the search evaluated: its states' mean strategy against "
                 "the region's mean loss; equilibria in red, the regional optimum starred "
                 "(the grim trigger's exclusion profiles are not drawn).")


def build(path, out_dir, svg=False, log=None):
    """Write report.md, report.html and the figure for an equilibrium file; return the report.md
    path."""
    from .report import FIGURE_DPI, Report

    data = load(path)
    os.makedirs(out_dir, exist_ok=True)
    from .figures import save

    fig, caption = figure(data)
    png = save(fig, out_dir, "equilibrium_profiles", svg, log, FIGURE_DPI)
    root = data["root"]
    report = Report()
    title = f"c5sim equilibrium report: {data['scenario_name'] or os.path.basename(path)}"
    report.heading(1, title)
    report.paragraph("Parameters in shipped scenarios are notional and illustrative. Each state's "
                     "payoff is its own loss (harm + sharing cost + measure share), harm units "
                     "per run, over the run's replicates; every profile runs on the same random "
                     "numbers, so deviations are paired. Intervals: 95%, of replicate noise only "
                     "(paired t-intervals; the price of anarchy's from a bootstrap over "
                     "replicates); the scenario's parameters were held fixed.")
    report.heading(2, "Headline findings")
    report.items(headline(data))
    report.heading(2, "Design")
    report.table(["item", "value"], [
        ["strategies", ", ".join(data["strategies"])],
        ["states", ", ".join(data["states"])],
        ["profiles evaluated", f"{int((data['excluded'] < 0).sum())} of the game, "
                               f"{int((data['excluded'] >= 0).sum())} exclusion profiles of the "
                               "grim trigger"],
        ["replicates per profile", data["loss"].shape[1]],
        ["command line", root.get("command_line", "")],
        ["file", os.path.abspath(path)]])
    report.heading(2, "Equilibria")
    report.table(["profile", "regional loss (95% CI)", "largest deviation gain (95% CI)",
                  "by", "Holm p"],
                 [[profile_text(data, int(e[0])), _ci(*e[8:11]), _ci(*e[2:5], digits=3),
                   (f"{data['states'][int(e[5])]} to {data['strategies'][int(e[6])]}"
                    if np.isfinite(e[5]) and e[5] >= 0 else "none"),
                   f"{e[7]:.3g}"] for e in data["equilibria"]])
    report.paragraph("A deviation gain is the loss at the profile minus the loss after deviating "
                     "(above 0 helps the deviator); at an equilibrium none is significantly "
                     "above 0 after Holm's correction.")
    if np.isfinite(data["grim"]).any():
        report.heading(2, "Sustaining the optimum by exclusion (grim trigger)")
        report.paragraph(f"Margin = (1 - d) L_dev + d L_cut - L_opt with d = {data['discount']:g}: "
                         "L_dev the state's loss after its best deviation from the optimum, "
                         "L_cut its loss when the others cut it off for good and it best-responds, "
                         "L_opt its loss at the optimum. A margin above 0 means deviating does "
                         "not pay.")
        report.table(["state", "loss at the optimum", "after its best deviation",
                      "when cut off", "margin"],
                     [[c, _ci(*g[0:3]), _ci(*g[3:6]), _ci(*g[7:10]), _ci(*g[11:14], digits=3)]
                      for c, g in zip(data["states"], data["grim"])])
    report.heading(2, "Transfers from the best equilibrium to the optimum")
    report.paragraph("Gain = the state's loss at the best equilibrium minus at the optimum; a "
                     "transfer above 0 is received, below 0 paid, so that no state is worse off "
                     "at the optimum than at the equilibrium (docs/model.md §16).")
    report.table(["state", "gain (95% CI)", "transfer (95% CI)"],
                 [[c, _ci(*t[0:3], digits=3), _ci(*t[3:6], digits=3)]
                  for c, t in zip(data["states"], data["transfers"])])
    report.heading(2, "Figures")
    report.figure("equilibrium_profiles", caption, png)
    md_path = os.path.join(out_dir, "report.md")
    with open(md_path, "w", encoding="utf-8") as handle:
        handle.write(report.markdown())
    with open(os.path.join(out_dir, "report.html"), "w", encoding="utf-8") as handle:
        handle.write(report.html(title))
    return md_path
