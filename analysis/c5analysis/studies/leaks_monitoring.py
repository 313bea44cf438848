"""leaks_monitoring.py — Walsh: do receivers that could exploit shared reports for their own gain
refrain when a monitor can catch them and the punishment (exclusion, lost trust) is worth more than
the gain, so that monitoring sustains sharing? Bilateral monitoring and a monitoring centre."""

from .common import (Output, combine_headline, figure_module, fmt, interval, levels_of, relevant,
                     replicates, save, sets)

ARMS = (("hub", "hub.monitoring", "fusion centre (hub policy)"),
        ("reciprocal", "defaults.monitoring", "bilateral (reciprocal trust)"))


def run(spec, engine, outdir, draw=True):
    """Every state may exploit a report it receives (gain G, exclusion E ticks when caught, as in
    scenarios/variants/strategic-leakers.yaml). One sweep per form of monitoring over the
    monitoring probability q: the centre's (every state under the hub policy) and the senders'
    own (reciprocal trust). Exploitation gain, reports shared and regional harm are compared at
    the highest q against the lowest, paired by replicate."""
    design = spec["design"]
    levels = levels_of(design["monitoring"])
    curves, ends = {}, {}
    scale = None
    for arm, path, _ in ARMS:
        out = Output(engine.run(arm, "sweep", spec["scenario"],
                                ["--vary", f"{path}={design['monitoring']}", "--set",
                                 f"sharing.policy={arm}"] + sets(spec) + replicates(spec)))
        order = sorted(range(len(out.variants)), key=lambda i: float(out.override(i, path)))
        series = {m: [out.totals(i, m).sum(axis=1) for i in order]
                  for m in ("exploit_gain", "exploits", "reports_shared", "harm")}
        curves[arm] = {m: [interval(x) for x in v] for m, v in series.items()}
        ends[arm] = series
        if scale is None:
            scale = float(series["harm"][0].mean())
    threshold = float(spec["relevance"]) * scale

    def change(arm, metric):
        return interval(ends[arm][metric][-1] - ends[arm][metric][0])

    numbers = {"monitoring": levels, "curves": curves, "regional_harm": scale}
    for arm, _, _ in ARMS:
        numbers[arm] = {m: change(arm, m) for m in ("exploit_gain", "exploits", "reports_shared",
                                                     "harm")}
    hub = numbers["hub"]
    shared_scale = float(ends["hub"]["reports_shared"][0].mean())
    parts = {
        # the claim: the centre's monitoring deters exploitation (gains fall, in harm units)
        "deterrence": relevant(hub["exploit_gain"], threshold, predicted=-1),
        "sharing_sustained": relevant(hub["reports_shared"],
                                      float(spec["relevance"]) * shared_scale),
        "harm_lower": relevant(hub["harm"], threshold, predicted=-1),
    }
    verdict = combine_headline(parts["deterrence"],
                               [parts["sharing_sustained"], parts["harm_lower"]])
    lo, hi = levels[0], levels[-1]
    findings = []
    for arm, _, name in ARMS:
        n = numbers[arm]
        findings.append(
            f"{name}: monitoring {hi:g} instead of {lo:g} changes exploitation gains by "
            f"{fmt(n['exploit_gain'])} harm units per run ({fmt(n['exploits'])} reports "
            f"exploited), reports shared by {fmt(n['reports_shared'])} and regional harm by "
            f"{fmt(n['harm'])} (paired)" + (" (not in the verdict)" if arm != "hub" else "") + ".")
    findings.append(f"Regional harm at monitoring {lo:g}: {scale:.4g}; relevance threshold "
                    f"{threshold:.3g} harm units per run.")
    figures = []
    if draw:
        plt = figure_module()
        fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
        for ax, metric, label in ((axes[0], "exploit_gain", "exploitation gain (harm units)"),
                                  (axes[1], "reports_shared", "reports shared"),
                                  (axes[2], "harm", "regional harm (harm units)")):
            for arm, _, name in ARMS:
                st = curves[arm][metric]
                ax.errorbar(levels, [x["mean"] for x in st],
                            yerr=[[x["mean"] - x["low"] for x in st],
                                  [x["high"] - x["mean"] for x in st]], capsize=3, label=name)
            ax.set_xlabel("monitoring probability")
            ax.set_ylabel(f"{label} per run (95% CI)")
            ax.legend(fontsize=8)
        fig.suptitle("Strategic leakers against monitoring (Walsh)")
        fig.tight_layout()
        save(fig, outdir, "leaks_monitoring.png", figures)
    return {"verdict": verdict, "parts": parts, "findings": findings, "figures": figures,
            "numbers": numbers}
