"""free_riding.py — (being reworked)"""
from .common import (INCONCLUSIVE, NOT_REPRODUCED, PARTLY, REPRODUCED, Output, bootstrap,
                     combine, figure_module, fmt, interval, levels_of, replicates, save, sets,
                     sign_of)
import numpy as np


def run(spec, engine, outdir, draw=True):
    """Each state's own best sharing level (others held at `others_level`, its own loss) against
    the regional optimum (the common level minimising regional loss). Gap = optimum - own best,
    bootstrap interval over replicates; plus the paired private cost of moving from one's own
    best to the regional optimum and the region's gain from it."""
    design = spec["design"]
    levels = levels_of(design["levels"])
    level_text = design["levels"]
    common = Output(engine.run("common", "sweep", spec["scenario"],
                               ["--vary", f"sharing.level={level_text}"] + sets(spec) +
                               replicates(spec)))
    codes = design.get("states") or common.codes
    region_loss = np.stack([common.totals(k, "loss").sum(axis=1)
                            for k in range(len(levels))], axis=1)          # [R, levels]
    own = {}
    for code in codes:
        out = Output(engine.run(f"own_{code}", "sweep", spec["scenario"],
                                ["--vary", f"states.{code}.sharing.level={level_text}",
                                 "--set", f"sharing.level={design['others_level']}"] +
                                sets(spec) + replicates(spec)))
        s = out.state(code)
        own[code] = np.stack([out.totals(k, "loss")[:, s] for k in range(len(levels))], axis=1)
    R = region_loss.shape[0]
    levels_arr = np.array(levels)

    def best(curves, idx):
        return levels_arr[int(np.argmin(curves[idx].mean(axis=0)))]

    optimum = bootstrap(R, lambda idx: best(region_loss, idx))
    k_opt = int(np.argmin(region_loss.mean(axis=0)))
    rows = []
    for code in codes:
        k_own = int(np.argmin(own[code].mean(axis=0)))
        rows.append({
            "state": code,
            "own_best": bootstrap(R, lambda idx, c=code: best(own[c], idx)),
            "gap": bootstrap(R, lambda idx, c=code: best(region_loss, idx) - best(own[c], idx)),
            # What cooperating at the regional optimum costs the state itself (paired).
            "private_cost": interval(own[code][:, k_opt] - own[code][:, k_own]),
            "own_loss_curve": [interval(own[code][:, k] - own[code][:, 0])
                               for k in range(len(levels))],
        })
    region_gain = interval(region_loss[:, 0] - region_loss[:, k_opt])
    region_curve = [interval(region_loss[:, k] - region_loss[:, 0]) for k in range(len(levels))]

    # Under-sharing needs both: the state's best level is below the optimum, and cooperating at
    # the optimum strictly costs it (a tie in own loss is indifference, not free-riding).
    positive = [r["state"] for r in rows if r["gap"]["low"] > 0 and r["private_cost"]["low"] > 0]
    negative = [r["state"] for r in rows if r["gap"]["high"] < 0]
    if len(positive) == len(rows) and sign_of(region_gain) > 0:
        verdict = REPRODUCED
    elif positive:
        verdict = PARTLY
    elif negative or (all(r["gap"]["low"] == r["gap"]["high"] == 0 for r in rows)
                      and sign_of(region_gain) >= 0):
        verdict = NOT_REPRODUCED
    else:
        verdict = INCONCLUSIVE
    findings = [
        f"Regional optimum: common sharing level {optimum['mean']:g} (bootstrap 95% interval "
        f"{optimum['low']:g} to {optimum['high']:g}); it lowers regional loss by "
        f"{fmt(region_gain)} harm units per run against no sharing (paired).",
    ]
    for r in rows:
        findings.append(
            f"{r['state']}: own best level {r['own_best']['mean']:g} "
            f"[{r['own_best']['low']:g}, {r['own_best']['high']:g}] with the others at "
            f"{design['others_level']:g}; gap to the regional optimum {r['gap']['mean']:g} "
            f"[{r['gap']['low']:g}, {r['gap']['high']:g}]; sharing at the optimum instead costs "
            f"it {fmt(r['private_cost'])} harm units per run.")
    findings.append(f"States that under-share (gap interval above 0): "
                    f"{', '.join(positive) or 'none'} of {len(rows)}.")

    plt = figure_module()
    figures = []
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    ax = axes[0]
    ax.errorbar(levels, [c["mean"] for c in region_curve],
                yerr=[[c["mean"] - c["low"] for c in region_curve],
                      [c["high"] - c["mean"] for c in region_curve]],
                color="black", lw=2, capsize=3, label="region (common level)")
    for r in rows:
        curve = r["own_loss_curve"]
        ax.errorbar(levels, [c["mean"] for c in curve],
                    yerr=[[c["mean"] - c["low"] for c in curve],
                          [c["high"] - c["mean"] for c in curve]],
                    capsize=2, label=f"{r['state']} own loss (own level)")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel("sharing level")
    ax.set_ylabel("change in loss vs level 0 (harm units per run)")
    ax.set_title("Loss against the sharing level (paired 95% CI)")
    ax.legend(fontsize=8)
    ax = axes[1]
    x = np.arange(len(rows))
    own_best = [r["own_best"] for r in rows]
    ax.errorbar(x, [b["mean"] for b in own_best],
                yerr=[[b["mean"] - b["low"] for b in own_best],
                      [b["high"] - b["mean"] for b in own_best]],
                fmt="o", capsize=4, label="own best level (own loss, others fixed)")
    ax.axhspan(optimum["low"], optimum["high"], color="black", alpha=0.12)
    ax.axhline(optimum["mean"], color="black", lw=2, label="regional optimum (95% band)")
    ax.set_xticks(x, [r["state"] for r in rows])
    ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel("sharing level")
    ax.set_title("Own best level vs regional optimum (bootstrap 95% CI)")
    ax.legend(fontsize=8)
    fig.suptitle("Free-riding: each state's best sharing level vs the region's")
    fig.tight_layout()
    save(fig, outdir, "free_riding.png", figures)
    return {"verdict": verdict, "findings": findings, "figures": figures,
            "numbers": {"levels": levels, "regional_optimum": optimum,
                        "regional_gain": region_gain,
                        "states": [{k: v for k, v in r.items() if k != "own_loss_curve"}
                                   for r in rows]}}


