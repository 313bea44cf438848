"""weakest_link.py — Hirshleifer / Varian: with adaptive adversaries, does hardening the weakest
border avert more regional harm than hardening any other, dose for dose, and does it displace
threats to the neighbours? Every state is hardened at every dose."""

from .common import (Output, combine_headline, figure_module, fmt, holm, interval, relevant,
                     replicates, save, sets)


def run(spec, engine, outdir, draw=True):
    """Each state s in turn is hardened by dose x (detect_increase, border_increase) in the
    hardened domains, for each dose; regional harm averted is paired against the unhardened run.
    The arm runs once with the adaptive types choosing least-detection routes and once with
    fixed (shortest) routes as the control. The weakest state has the lowest detect + border
    bonus summed over the domains."""
    design = spec["design"]
    domains = design["domains"]
    doses = [float(d) for d in design["doses"]]
    adaptive_on = bool(design.get("adaptive", True))
    flags = {"adaptive": adaptive_on, "fixed": False}
    type_sets = {name: [f"threats.{t}.adaptive={'true' if flag else 'false'}"
                        for t in design["adaptive_types"]] for name, flag in flags.items()}
    base = {name: Output(engine.run(f"{name}_base", "run", spec["scenario"],
                                    sets(spec, type_sets[name]) + replicates(spec)))
            for name in flags}
    world = base["adaptive"]
    d_index = [world.domains.index(d) for d in domains]
    score = (world.detect[:, d_index] + world.border_bonus[:, d_index]).sum(axis=1)
    codes = design.get("states") or world.codes
    candidates = [world.state(c) for c in codes]
    weakest = min(candidates, key=lambda s: score[s])

    def hardening(s, dose):
        code = world.codes[s]
        out = []
        for d, name in zip(d_index, domains):
            out.append(f"states.{code}.detect.{name}="
                       f"{min(1.0, world.detect[s, d] + dose * design['detect_increase']):.6g}")
            out.append(f"states.{code}.border_bonus.{name}="
                       f"{min(1.0, world.border_bonus[s, d] + dose * design['border_increase']):.6g}")
        return out

    def region_harm(out):
        return out.totals(0, "harm").sum(axis=1)

    def entries_elsewhere(out, s):
        mask = (world.region_owner >= 0) & (world.region_owner != s)
        return out.variants[0]["regions"]["arrivals"][:, mask].sum(axis=1)

    hardened = {}
    for name in flags:
        for s in candidates:
            for k, dose in enumerate(doses):
                hardened[(name, s, k)] = Output(engine.run(
                    f"{name}_harden_{world.codes[s]}_dose{k}", "run", spec["scenario"],
                    sets(spec, type_sets[name] + hardening(s, dose)) + replicates(spec)))
    scale = float(region_harm(base["adaptive"]).mean())
    threshold = float(spec["relevance"]) * scale
    top = len(doses) - 1
    averted = {(name, s, k): region_harm(base[name]) - region_harm(hardened[(name, s, k)])
               for (name, s, k) in hardened}
    curves = {name: {world.codes[s]: [interval(averted[(name, s, k)]) for k in range(len(doses))]
                     for s in candidates} for name in flags}
    # 1. Weakest first (the claim): at the top dose, hardening the weakest averts more than
    # hardening each other state; one-sided paired tests, Holm over the others.
    others = [s for s in candidates if s != weakest]
    diffs = {world.codes[s]: interval(averted[("adaptive", weakest, top)] -
                                      averted[("adaptive", s, top)]) for s in others}
    rejected = holm([diffs[world.codes[s]]["p_above"] for s in others])
    if others and all(rejected) and min(d["mean"] for d in diffs.values()) >= threshold:
        weakest_first = 1
    elif any(relevant(d, threshold) == -1 for d in diffs.values()):
        weakest_first = -1
    else:
        weakest_first = 0
    # 2. Dose-response at the weakest border: more hardening averts more.
    if len(doses) > 1:
        dose_stat = interval(averted[("adaptive", weakest, top)] - averted[("adaptive", weakest, 0)])
    else:
        dose_stat = interval(averted[("adaptive", weakest, top)])
    dose_part = relevant(dose_stat, threshold)
    # 3. Displacement beyond what fixed routes show (difference in differences, paired).
    moved = {name: entries_elsewhere(hardened[(name, weakest, top)], weakest) -
             entries_elsewhere(base[name], weakest) for name in flags}
    did = interval(moved["adaptive"] - moved["fixed"])
    entries_scale = float(entries_elsewhere(base["adaptive"], weakest).mean())
    displacement = relevant(did, float(spec["relevance"]) * entries_scale)
    parts = {"weakest_first": weakest_first, "dose_response": dose_part,
             "displacement": displacement}
    verdict = combine_headline(weakest_first, [dose_part, displacement])
    W = world.codes[weakest]
    arm = "adaptive adversaries" if adaptive_on else "fixed routes (placebo: no type adapts)"
    findings = [
        "Weakness score (detect + border bonus over " + ", ".join(domains) + "): " +
        ", ".join(f"{world.codes[s]} {score[s]:.3g}" for s in candidates) + f"; weakest {W}.",
        f"{arm}, top dose {doses[-1]:g}: regional harm averted by hardening each state: " +
        "; ".join(f"{c} {fmt(curves['adaptive'][c][top])}" for c in curves["adaptive"]) +
        f" harm units per run (regional harm {scale:.4g}; relevance threshold {threshold:.3g}).",
        f"Hardening {W} rather than each other state (top dose, paired, Holm over "
        f"{len(others)}): " + "; ".join(f"vs {c} {fmt(d)}" + (" *" if r else "")
                                        for (c, d), r in zip(diffs.items(), rejected)) +
        " (* rejected at family-wise 0.05).",
        f"Dose-response at {W}: " + ", ".join(f"dose {d:g}: {fmt(x)}" for d, x in
                                               zip(doses, curves["adaptive"][W])) +
        f"; top minus lowest {fmt(dose_stat)}.",
        f"Displacement: hardening {W} changes threat entries into the other states' regions by "
        f"{fmt(interval(moved['adaptive']))} with {arm} and by "
        f"{fmt(interval(moved['fixed']))} with fixed routes; difference {fmt(did)}.",
        "Fixed routes (control), top dose: " +
        "; ".join(f"{c} {fmt(curves['fixed'][c][top])}" for c in curves["fixed"]) + ".",
    ]
    figures = []
    if draw:
        plt = figure_module()
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), sharey=True)
        for ax, name, title in ((axes[0], "adaptive", "adaptive adversaries"),
                                (axes[1], "fixed", "fixed routes (control)")):
            for c, curve in curves[name].items():
                ax.errorbar(doses, [x["mean"] for x in curve],
                            yerr=[[x["mean"] - x["low"] for x in curve],
                                  [x["high"] - x["mean"] for x in curve]],
                            capsize=3, marker="o", lw=2.5 if c == W else 1,
                            label=f"{c}{' (weakest)' if c == W else ''}")
            ax.axhline(0, color="grey", lw=0.8)
            ax.set_xlabel("dose (multiples of the hardening increments)")
            ax.set_title(f"Harm averted by hardening one state: {title}")
            ax.legend(fontsize=8)
        axes[0].set_ylabel("regional harm averted per run (paired 95% CI)")
        fig.suptitle("Weakest link: dose-response of hardening each border")
        fig.tight_layout()
        save(fig, outdir, "weakest_link.png", figures)
    return {"verdict": verdict, "parts": parts, "findings": findings, "figures": figures,
            "numbers": {"weakest": W, "score": {world.codes[s]: float(score[s])
                                                for s in candidates},
                        "doses": doses, "curves": curves, "weakest_minus": diffs,
                        "holm_rejected": dict(zip(diffs, rejected)),
                        "dose_response": dose_stat, "displacement_did": did,
                        "regional_harm": scale}}
