"""sensitivity.py — the report of a `c5sim sensitivity` file (/sensitivity): Sobol' bars with
their bootstrap intervals, or the Morris mu*-sigma plot, the index table, and a sentence naming the
factors the outcome hinges on. Such a file's intervals include the parameter uncertainty of the
declared factors; the report says so (docs/output-format.md, "/sensitivity")."""
import os

import numpy as np

from .load import _text, command_file_head, has_group

# A factor is named in the headline when its total index is at least this and its interval is
# above zero (the same rule c5sim sensitivity prints).
HINGE_TOTAL = 0.05
HINGE_SHOWN = 3


def is_sensitivity_file(path):
    """True for an HDF5 file holding /sensitivity."""
    return has_group(path, "sensitivity")


def load(path):
    """The /sensitivity group as a dict of arrays, lists and attributes."""
    import h5py

    from .load import C5FileError

    with h5py.File(path, "r") as f:
        root, scenario_name = command_file_head(f, path)
        g = f["sensitivity"]
        data = {"path": path, "root": root, "scenario_name": scenario_name,
                "attrs": {k: (_text(v) if isinstance(v, (bytes, str)) else v.item()
                              if hasattr(v, "item") else v) for k, v in g.attrs.items()},
                "factor": [_text(x) for x in g["factor"][()]],
                "distribution": [_text(x) for x in g["distribution"][()]],
                "outcome": g["outcome"][()]}
        for name in ("first_order", "total", "mu_star", "mu", "sigma", "elementary_effects"):
            if name in g:
                data[name] = g[name][()]
        if "world" in f and "states" in f["world"]:
            data["states"] = [_text(s) for s in f["world"]["states"]["code"][()]]
    method = data["attrs"].get("method")
    needed = ("first_order", "total") if method == "sobol" else ("mu_star", "sigma")
    for name in needed:
        if name not in data:
            raise C5FileError(f"{path}: /sensitivity/{name} is missing for method {method!r}")
    return data


def ranking(data):
    """Factor indices, most influential first (total index, or mu*)."""
    key = data["total"][0] if data["attrs"]["method"] == "sobol" else data["mu_star"][0]
    return list(np.argsort(-key, kind="stable"))


def hinges(data):
    """The sentence naming the factors the outcome hinges on."""
    sobol = data["attrs"]["method"] == "sobol"
    named = []
    for j in ranking(data):
        row = data["total"][:, j] if sobol else data["mu_star"][:, j]
        if row[1] > 0 and (not sobol or row[0] >= HINGE_TOTAL):
            named.append((data["factor"][j], row))
    outcome = data["attrs"].get("outcome_words", data["attrs"].get("outcome", "the outcome"))
    if not named:
        return (f"No factor's index is clearly above zero for {outcome}: the design does not "
                "resolve what it hinges on (more base samples or replicates may).")
    shown = named[:HINGE_SHOWN]
    if sobol:
        parts = [f"{name} (total index {row[0]:.2f}, 95% CI {row[1]:.2f} to {row[2]:.2f})"
                 for name, row in shown]
        share = float(np.clip(sum(data["first_order"][0, data["factor"].index(n)]
                                  for n, _ in shown), 0, None))
        tail = (f"; alone, their first-order indices add up to {share:.2f} of the variance"
                if len(shown) > 1 else "")
        rest = len(data["factor"]) - len(shown)
        others = ("" if rest == 0 else
                  f" The other {rest} factor{'s' if rest > 1 else ''}' total indices are below "
                  f"{HINGE_TOTAL:.2f} or not distinguishable from zero." if len(named) == len(shown)
                  else f" {len(named) - len(shown)} more factors have total indices above "
                       f"{HINGE_TOTAL:.2f}; the table lists them all.")
        return (f"{outcome[0].upper() + outcome[1:]} hinges most on " + ", ".join(parts) + tail +
                "." + others)
    parts = [f"{name} (mu* {row[0]:.3g}, 95% CI {row[1]:.3g} to {row[2]:.3g})"
             for name, row in shown]
    return (f"{outcome[0].upper() + outcome[1:]} hinges most on " + ", ".join(parts) +
            " (Morris screening: the largest mean absolute elementary effects).")


INTERVAL_SCOPE = ("Every interval here is a 95% percentile bootstrap interval over the design's "
                  "base rows (Sobol') or trajectories (Morris), so it includes the parameter "
                  "uncertainty of the declared factors' ranges, not only replicate noise.")


def figure(data):
    """Sobol' bars (S1 and ST with intervals), or Morris mu* against sigma with intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = ranking(data)
    names = [data["factor"][j] for j in order]
    if data["attrs"]["method"] == "sobol":
        fig, ax = plt.subplots(figsize=(11, 0.55 * len(names) + 2))
        y = np.arange(len(names))
        for offset, key, label, colour in ((-0.18, "first_order", "first order S1", "#4477aa"),
                                           (0.18, "total", "total ST", "#cc6677")):
            rows = data[key][:, order]
            ax.barh(y + offset, rows[0], height=0.34, color=colour, label=label)
            ax.errorbar(rows[0], y + offset,
                        xerr=[np.clip(rows[0] - rows[1], 0, None),
                              np.clip(rows[2] - rows[0], 0, None)],
                        fmt="none", ecolor="#222", capsize=3, lw=1)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.axvline(0, color="#888", lw=0.8)
        ax.set_xlabel("share of the outcome's variance (95% bootstrap CI)")
        ax.legend(loc="lower right")
        caption = ("Sobol' indices of " + data["attrs"].get("outcome_words", "the outcome") +
                   ": first order (the factor alone) and total (with its interactions), with 95% "
                   "bootstrap intervals over the base rows.")
    else:
        fig, ax = plt.subplots(figsize=(10, 7))
        mu, sigma = data["mu_star"][:, order], data["sigma"][:, order]
        ax.errorbar(mu[0], sigma[0],
                    xerr=[np.clip(mu[0] - mu[1], 0, None), np.clip(mu[2] - mu[0], 0, None)],
                    yerr=[np.clip(sigma[0] - sigma[1], 0, None),
                          np.clip(sigma[2] - sigma[0], 0, None)],
                    fmt="o", color="#4477aa", ecolor="#999", capsize=3)
        for j, name in enumerate(names):
            ax.annotate(name, (mu[0][j], sigma[0][j]), textcoords="offset points",
                        xytext=(5, 4), fontsize=8)
        top = max(float(np.max(mu[2])), float(np.max(sigma[2])), 1e-12) * 1.05
        ax.plot([0, top], [0, top], ls="--", color="#bbb", lw=0.8)
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_xlabel("mu* (mean |elementary effect|, outcome units per whole range)")
        ax.set_ylabel("sigma (spread of the effects: interactions or non-linearity)")
        caption = ("Morris screening of " + data["attrs"].get("outcome_words", "the outcome") +
                   ": factors to the right matter more, factors high above the dashed line act "
                   "through interactions or non-linearly; 95% bootstrap intervals over "
                   "trajectories.")
    ax.set_title("Sensitivity: " + data["attrs"].get("outcome_words", ""))
    fig.tight_layout()
    return fig, caption


def build(path, out_dir, svg=False, log=None):
    """Write report.md and report.html (and the figure) for a sensitivity file; return the
    report.md path."""
    from .report import FIGURE_DPI, Report

    data = load(path)
    os.makedirs(out_dir, exist_ok=True)
    from .figures import save

    fig, caption = figure(data)
    name = "sensitivity_" + data["attrs"]["method"]
    png = save(fig, out_dir, name, svg, log, FIGURE_DPI)

    attrs, root = data["attrs"], data["root"]
    sobol = attrs["method"] == "sobol"
    report = Report()
    title = f"c5sim sensitivity report: {data['scenario_name'] or os.path.basename(path)}"
    report.heading(1, title)
    report.paragraph("Parameters in shipped scenarios are notional and illustrative, and so are "
                     "the ranges declared for them: the indices say which of the declared "
                     "uncertainties the outcome hinges on within this model, not which are "
                     "known. " + INTERVAL_SCOPE)
    report.heading(2, "Headline")
    report.paragraph(hinges(data))
    report.heading(2, "Design")
    design = [["method", "Sobol' (Saltelli design, S1 by Saltelli 2010, ST by Jansen)" if sobol
               else "Morris elementary effects (mu* by Campolongo et al. 2007)"],
              ["outcome", attrs.get("outcome_words", attrs.get("outcome", ""))],
              ["design points", attrs.get("points", "")],
              ["base samples" if sobol else "trajectories",
               attrs.get("base_samples" if sobol else "trajectories", "")],
              ["replicates per point", root.get("replicates", "")],
              ["bootstrap", f"{attrs.get('bootstrap', '')} resamples, seed "
                            f"{attrs.get('bootstrap_seed', '')}"],
              ["command line", root.get("command_line", "")],
              ["file", os.path.abspath(path)]]
    if sobol:
        design.insert(3, ["outcome mean and variance over the design",
                          f"{attrs.get('mean', float('nan')):.4g}, "
                          f"{attrs.get('variance', float('nan')):.4g}"])
    else:
        design.insert(3, ["grid levels, step", f"{attrs.get('grid_levels', '')}, "
                                               f"{attrs.get('delta', float('nan')):.3g}"])
    report.table(["item", "value"], design)
    report.heading(2, "Factors and indices")
    rows = []
    for j in ranking(data):
        if sobol:
            s1, st = data["first_order"][:, j], data["total"][:, j]
            rows.append([data["factor"][j], data["distribution"][j],
                         f"{s1[0]:.3f} ({s1[1]:.3f} to {s1[2]:.3f})",
                         f"{st[0]:.3f} ({st[1]:.3f} to {st[2]:.3f})"])
        else:
            m, s = data["mu_star"][:, j], data["sigma"][:, j]
            rows.append([data["factor"][j], data["distribution"][j],
                         f"{m[0]:.4g} ({m[1]:.4g} to {m[2]:.4g})",
                         f"{s[0]:.4g} ({s[1]:.4g} to {s[2]:.4g})"])
    report.paragraph("A path ending in * scales the scenario's value by the factor, + shifts it; "
                     "a wildcard group is one factor applied to every path it matches. "
                     + ("S1 is the share of the outcome's variance a factor explains alone, ST "
                        "its share with every interaction it takes part in (ST - S1 is what it "
                        "does through others). A negative estimate is sampling error around "
                        "zero." if sobol else
                        "mu* is the mean absolute change of the outcome when the factor moves "
                        "across its whole range; sigma the spread of that change over the "
                        "design (interactions or non-linearity)."))
    report.table(["factor", "distribution", "S1 (95% CI)" if sobol else "mu* (95% CI)",
                  "ST (95% CI)" if sobol else "sigma (95% CI)"], rows)
    report.heading(2, "Figures")
    report.figure(name, caption, png)
    md_path = os.path.join(out_dir, "report.md")
    with open(md_path, "w", encoding="utf-8") as handle:
        handle.write(report.markdown())
    with open(os.path.join(out_dir, "report.html"), "w", encoding="utf-8") as handle:
        handle.write(report.html(title))
    return md_path
