"""burden.py — Olson & Zeckhauser's exploitation hypothesis against an exogenous size (GDP or
population of a stated year, scenario keys), under full pooling of reports and mutual assistance."""
import itertools

import numpy as np

from .common import (Output, combine, figure_module, fmt, interval, relevant, replicates, save,
                     sets)


def _spearman_rows(burden_per_size, size):
    """Spearman rank correlation, per replicate, of burden per unit of size with size."""
    ranks_size = np.argsort(np.argsort(size)).astype(float)
    ranks = np.argsort(np.argsort(burden_per_size, axis=1), axis=1).astype(float)
    a = ranks - ranks.mean(axis=1, keepdims=True)
    b = ranks_size - ranks_size.mean()
    return (a @ b) / np.sqrt((a * a).sum(axis=1) * (b @ b))


def _permutation_p(burden, size):
    """Exact randomisation test: the share of the n! assignments of the sizes to the states whose
    mean Spearman statistic is at least the observed one (the observed assignment included)."""
    observed = _spearman_rows(burden / size, size).mean()
    stats = [_spearman_rows(burden / size[list(p)], size[list(p)]).mean()
             for p in itertools.permutations(range(len(size)))]
    return float(np.mean(np.array(stats) >= observed - 1e-12)), len(stats)


def run(spec, engine, outdir, draw=True):
    """Burden of a state = its sharing cost + effort_price x the unit-ticks its response units
    spend engaged (lent units count for the lender). Size = GDP (or population). Olson &
    Zeckhauser predict that the larger members carry a share of the burden beyond their share of
    the size: burden per unit of size rises with size (rank correlation across the states, per
    replicate) and the larger half's burden share exceeds its size share."""
    design = spec["design"]
    out = Output(engine.run("pooled", "run", spec["scenario"], sets(spec) + replicates(spec)))
    price = float(design["effort_price"])
    size_key = design.get("size", "gdp")
    size = np.asarray(getattr(out, size_key), dtype=float)
    permutation = design.get("size_permutation")
    if permutation:  # the placebo: each state is given another state's size
        size = size[list(permutation)]
    load = out.totals(0, "sharing_cost") + price * out.totals(0, "busy_unit_ticks")  # [R, S]
    harm = out.totals(0, "harm").sum(axis=1)
    scale = float(harm.mean())
    rho = interval(_spearman_rows(load / size, size))
    order = np.argsort(-size, kind="stable")
    large = order[: max(1, len(order) // 2)]
    size_share = size[large].sum() / size.sum()
    burden_share = load[:, large].sum(axis=1) / load.sum(axis=1)
    excess = interval(burden_share - size_share)
    p_perm, n_perm = _permutation_p(load.mean(axis=0, keepdims=True), size)
    parts = {"rank_correlation": relevant(rho, float(design["min_correlation"])),
             "larger_excess": relevant(excess, float(spec["relevance"]))}
    verdict = combine(parts.values())
    shares = {c: interval(load[:, s] / load.sum(axis=1)) for s, c in enumerate(out.codes)}
    per_size = {c: interval(load[:, s] / size[s]) for s, c in enumerate(out.codes)}
    names = ", ".join(out.codes[s] for s in large)
    findings = [
        f"Size ({size_key}): " + ", ".join(f"{c} {size[s]:g}" for s, c in enumerate(out.codes)) +
        (" (placebo: sizes reassigned)" if permutation else "") + ".",
        f"Burden per unit of {size_key} (harm units per run): " +
        "; ".join(f"{c} {fmt(per_size[c])}" for c in out.codes) + ".",
        f"Rank correlation of burden per unit of size with size: {fmt(rho)} (a part when its "
        f"interval lies above 0 and its mean reaches {design['min_correlation']:g}); exact "
        f"randomisation test over the {n_perm} assignments of the sizes: p = {p_perm:.3f}.",
        f"The larger members ({names}) hold {size_share:.1%} of the {size_key} and carry "
        f"{fmt({k: 100 * v for k, v in interval(burden_share).items() if k in ('mean', 'low', 'high')})}"
        f"% of the burden: an excess of "
        f"{fmt({k: 100 * v for k, v in excess.items() if k in ('mean', 'low', 'high')})} "
        "percentage points.",
    ]
    figures = []
    if draw:
        plt = figure_module()
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
        ax = axes[0]
        size_shares = size / size.sum()
        for s, code in enumerate(out.codes):
            st = shares[code]
            ax.errorbar(size_shares[s], st["mean"], yerr=[[st["mean"] - st["low"]],
                                                          [st["high"] - st["mean"]]],
                        fmt="o", capsize=4)
            ax.annotate(code, (size_shares[s], st["mean"]), textcoords="offset points",
                        xytext=(6, 4))
        lim = max(size_shares.max(), max(s["high"] for s in shares.values())) * 1.1
        ax.plot([0, lim], [0, lim], color="grey", ls="--", label="burden share = size share")
        ax.set_xlabel(f"share of the region's {size_key}")
        ax.set_ylabel("share of the region's burden (95% CI)")
        ax.set_title(f"Burden share against {size_key} share")
        ax.legend(fontsize=8)
        ax = axes[1]
        xs = np.arange(len(out.codes))
        st = [per_size[c] for c in out.codes]
        ax.bar(xs, [x["mean"] for x in st],
               yerr=[[x["mean"] - x["low"] for x in st], [x["high"] - x["mean"] for x in st]],
               capsize=4)
        ax.set_xticks(xs, [f"{c}\n({size[s]:g})" for s, c in enumerate(out.codes)])
        ax.set_ylabel(f"burden per unit of {size_key} (95% CI)")
        ax.set_title("Burden relative to size")
        fig.suptitle("Burden of the common security space against size (Olson & Zeckhauser)")
        fig.tight_layout()
        save(fig, outdir, "burden.png", figures)
    return {"verdict": verdict, "parts": parts, "findings": findings, "figures": figures,
            "numbers": {"size_key": size_key, "size": dict(zip(out.codes, size.tolist())),
                        "rank_correlation": rho, "permutation_p": p_perm,
                        "burden_share": shares, "burden_per_size": per_size,
                        "large_members": [out.codes[s] for s in large],
                        "large_size_share": float(size_share), "large_excess_share": excess,
                        "regional_harm": scale}}
