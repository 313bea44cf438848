"""uncertainty.py — the uncertainty section for files from a sampled design (Latin hypercube).

A hypercube's variants are points scattered over several parameter ranges at once, so a curve
against one parameter would mix the effects of all the others: such files never get the
one-dimensional cooperation curve. Instead: the spread of regional harm across the design (the
parameter uncertainty), a scatter of regional harm against each parameter, and per parameter the
Spearman rank correlation with regional harm and loss with a bootstrap 95% interval over design
points, plus the change in harm across the parameter's range from a linear fit (the effect size
the relevance threshold is applied to). Variance-based indices (Sobol') and PRIM come later.
"""
import numpy as np

BOOTSTRAP = 1000
BOOTSTRAP_SEED = 19  # fixed: the same file gives the same report


def _ranks(values):
    """Average ranks (ties share their mean rank), as Spearman's coefficient needs."""
    try:
        from scipy.stats import rankdata
    except ImportError:  # pragma: no cover - Debian ships scipy
        import pandas as pd

        return pd.Series(values).rank(method="average").to_numpy()
    return rankdata(values)


def spearman(x, y):
    rx, ry = _ranks(x), _ranks(y)
    if np.ptp(rx) == 0 or np.ptp(ry) == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])


def bootstrap_spearman(x, y, draws=BOOTSTRAP, seed=BOOTSTRAP_SEED):
    """Spearman's rho and its percentile bootstrap 95% interval, resampling design points."""
    rng = np.random.default_rng(seed)
    n = len(x)
    rho = spearman(x, y)
    if n < 4:
        return rho, float("nan"), float("nan")
    samples = np.empty(draws)
    for d in range(draws):
        pick = rng.integers(0, n, n)
        samples[d] = spearman(x[pick], y[pick])
    return rho, float(np.percentile(samples, 2.5)), float(np.percentile(samples, 97.5))


def point_means(results, metric):
    """Mean regional figure per design point: {variant index: mean}."""
    return np.array([results.variants[i].regional(metric).mean() for i in results.design.index])


def parameter_rows(results):
    """Per design parameter: rank correlations with regional harm and loss (bootstrap CI), and
    the change in regional harm across its range from a least-squares line."""
    design = results.design
    harm = point_means(results, "harm")
    loss = point_means(results, "loss")
    rows = []
    for name in design.columns:
        x = design[name].to_numpy(dtype=float)
        rho_h = bootstrap_spearman(x, harm)
        rho_l = bootstrap_spearman(x, loss)
        span = float(np.ptp(x))
        slope = float(np.polyfit(x, harm, 1)[0]) if span > 0 and len(x) > 1 else 0.0
        if abs(slope * span) < 1e-9 * max(1.0, float(np.abs(harm).max())):
            slope = 0.0  # least-squares residue on a flat response
        rows.append({"parameter": name, "low": float(x.min()), "high": float(x.max()),
                     "rho_harm": rho_h, "rho_loss": rho_l, "harm_change": slope * span})
    return rows


def design_findings(results, found):
    """Headline sentences for a sampled design, gated like every other finding."""
    from .findings import PERCENT, fmt

    lines = []
    harm = point_means(results, "harm")
    low, mid, high = np.percentile(harm, [5, 50, 95])
    lines.append(
        f"Across the {len(harm)} points of the {results.design_method.replace('_', ' ')} design "
        f"(parameter uncertainty over {', '.join(results.design.columns)}), expected regional "
        f"harm per run has median {fmt(mid)} harm units, 5-95% of points {fmt(low)} to "
        f"{fmt(high)}. No one-dimensional curve is drawn: every point moves every parameter.")
    for row in parameter_rows(results):
        rho, rho_low, rho_high = row["rho_harm"]
        change = row["harm_change"]
        pct = found.pct(change)
        excludes = np.isfinite(rho_low) and (rho_low > 0 or rho_high < 0)
        if excludes and abs(change) >= found.threshold:
            word = "raises" if change > 0 else "lowers"
            lines.append(
                f"{row['parameter']} {word} regional harm: Spearman rank correlation "
                f"{fmt(rho)} (bootstrap 95% CI over design points {fmt(rho_low)} to "
                f"{fmt(rho_high)}); from {fmt(row['low'])} to {fmt(row['high'])} the fitted "
                f"change is {fmt(change)} harm units ({fmt(pct)}{PERCENT}).")
        else:
            reason = ("the bootstrap interval of the rank correlation contains 0" if not excludes
                      else f"the fitted change is below the relevance threshold of "
                           f"{found.threshold_text}")
            lines.append(
                f"No detectable effect of {row['parameter']} on regional harm: rank correlation "
                f"{fmt(rho)} (bootstrap 95% CI {fmt(rho_low)} to {fmt(rho_high)}), fitted change "
                f"over its range {fmt(change)} harm units; {reason}.")
    return lines


def uncertainty_figure(results):
    """Regional harm at each design point against each parameter (error bars: 95% CI of the
    point's mean over replicates), one panel per parameter."""
    from .findings import is_uncertainty_design
    from .figures import HARM_UNIT, _layout, plt

    if not is_uncertainty_design(results):
        return None
    design = results.design
    columns = list(design.columns)
    harm = [results.variants[i].stat("harm") for i in design.index]
    mean = np.array([s.mean[-1] for s in harm])
    low = np.array([s.ci_low[-1] for s in harm])
    high = np.array([s.ci_high[-1] for s in harm])
    width = min(len(columns), 3)
    rows = int(np.ceil(len(columns) / width))
    fig, axes = plt.subplots(rows, width, figsize=(5 * width, 4.2 * rows), squeeze=False)
    for k, name in enumerate(columns):
        ax = axes[k // width][k % width]
        x = design[name].to_numpy(dtype=float)
        ax.errorbar(x, mean, yerr=[mean - low, high - mean], fmt="o", color="tab:blue",
                    ecolor="grey", capsize=3, markersize=4)
        ax.set_xlabel(f"{name} (sampled parameter)")
        ax.set_ylabel(f"expected regional harm ({HARM_UNIT})")
        ax.set_title(f"Regional harm against {name}", fontsize=10)
        ax.grid(alpha=0.3)
    for k in range(len(columns), rows * width):
        axes[k // width][k % width].set_axis_off()
    fig.suptitle("Uncertainty design: regional harm at each point (error bars: 95% CI over "
                 "replicates)")
    _layout(fig)
    return fig
