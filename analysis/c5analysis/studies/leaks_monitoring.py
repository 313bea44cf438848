"""leaks_monitoring.py — (being reworked)"""
from .common import (INCONCLUSIVE, NOT_REPRODUCED, PARTLY, REPRODUCED, Output, bootstrap,
                     combine, figure_module, fmt, interval, levels_of, replicates, save, sets,
                     sign_of)
import numpy as np


def run(spec, engine, outdir, draw=True):
    """Walsh: under reciprocal trust, sharing collapses as leak rates rise; a fusion centre
    with monitoring sustains it. One sweep over leak rate x policy (reciprocal, hub) x hub
    monitoring. Reports shared = reports sent, one per receiver (the hub's forwarded copies
    included), region total per run."""
    design = spec["design"]
    leaks = levels_of(design["leaks"])
    monitoring = design["monitoring"]
    out = Output(engine.run("leaks", "sweep", spec["scenario"],
                            ["--vary", "sharing.policy=reciprocal,hub",
                             "--vary", "hub.monitoring=" + ",".join(f"{m:g}" for m in monitoring),
                             "--vary", f"defaults.leak={design['leaks']}"] +
                            sets(spec) + replicates(spec)))

    def series(policy, mon, metric):
        k = [i for i in range(len(out.variants))
             if out.override(i, "sharing.policy") == policy and
             float(out.override(i, "hub.monitoring")) == mon]
        k.sort(key=lambda i: float(out.override(i, "defaults.leak")))
        return [out.totals(i, metric).sum(axis=1) for i in k]

    m_low, m_high = monitoring[0], monitoring[-1]
    reciprocal = series("reciprocal", m_low, "reports_shared")
    hub_low = series("hub", m_low, "reports_shared")
    hub_high = series("hub", m_high, "reports_shared")
    harm = {name: series(pol, mon, "harm") for name, pol, mon in
            (("reciprocal", "reciprocal", m_low), ("hub_low", "hub", m_low),
             ("hub_high", "hub", m_high))}

    def retained(curve):
        """Reports at the highest leak rate as a fraction of reports at the lowest."""
        ratio = curve[-1] / np.maximum(curve[0], 1e-12)
        return interval(ratio)

    numbers = {
        "leaks": leaks, "monitoring": monitoring,
        "reciprocal_retained": retained(reciprocal),
        "hub_retained": retained(hub_high),
        "reciprocal_drop": interval(reciprocal[0] - reciprocal[-1]),
        "hub_minus_reciprocal_at_max_leak": interval(hub_high[-1] - reciprocal[-1]),
        "harm_hub_minus_reciprocal_at_max_leak": interval(harm["hub_high"][-1] -
                                                          harm["reciprocal"][-1]),
        "monitoring_effect_reports": interval(hub_high[-1] - hub_low[-1]),
        "monitoring_effect_harm": interval(harm["hub_high"][-1] - harm["hub_low"][-1]),
        "curves": {name: [interval(x) for x in curve] for name, curve in
                   (("reciprocal", reciprocal), ("hub_monitoring_low", hub_low),
                    ("hub_monitoring_high", hub_high))},
    }
    # Collapse: sharing falls (interval above 0) to below `collapse_below` of its level
    # (interval entirely below); contradicted when sharing rises with the leak rate.
    drop = sign_of(numbers["reciprocal_drop"])
    retained_below = numbers["reciprocal_retained"]["high"] < design["collapse_below"]
    collapse = 1 if drop > 0 and retained_below else (-1 if drop < 0 else 0)
    sustained = sign_of(interval(hub_high[-1] / np.maximum(hub_high[0], 1e-12) -
                                 reciprocal[-1] / np.maximum(reciprocal[0], 1e-12)))
    monitoring_matters = sign_of(numbers["monitoring_effect_reports"])
    verdict = combine((collapse, sustained, monitoring_matters))
    numbers["parts"] = {"collapse": collapse, "hub_sustains": sustained,
                        "monitoring_raises_sharing": monitoring_matters}
    hi = leaks[-1]
    findings = [
        f"Reciprocal trust: raising the leak rate from {leaks[0]:g} to {hi:g} lowers the reports "
        f"shared by {fmt(numbers['reciprocal_drop'])} per run; "
        f"{fmt(numbers['reciprocal_retained'])} of them remain (collapse threshold: below "
        f"{design['collapse_below']:g}).",
        f"Fusion centre (monitoring {m_high:g}): {fmt(numbers['hub_retained'])} of its reports "
        f"remain at leak {hi:g}; it shares {fmt(numbers['hub_minus_reciprocal_at_max_leak'])} "
        "more reports per run than reciprocal trust there, and regional harm differs by "
        f"{fmt(numbers['harm_hub_minus_reciprocal_at_max_leak'])} harm units per run (paired).",
        f"Monitoring {m_high:g} instead of {m_low:g} at leak {hi:g}: reports shared change by "
        f"{fmt(numbers['monitoring_effect_reports'])}, regional harm by "
        f"{fmt(numbers['monitoring_effect_harm'])} (paired).",
    ]
    plt = figure_module()
    figures = []
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for name, label in (("reciprocal", "reciprocal trust"),
                        ("hub_monitoring_low", f"fusion centre, monitoring {m_low:g}"),
                        ("hub_monitoring_high", f"fusion centre, monitoring {m_high:g}")):
        st = numbers["curves"][name]
        axes[0].errorbar(leaks, [x["mean"] for x in st],
                         yerr=[[x["mean"] - x["low"] for x in st],
                               [x["high"] - x["mean"] for x in st]], capsize=3, label=label)
    axes[0].set_xlabel("leak probability per received report")
    axes[0].set_ylabel("reports shared per run, region (95% CI)")
    axes[0].set_title("Sharing against the leak rate")
    axes[0].legend(fontsize=8)
    for name, label in (("reciprocal", "reciprocal trust"),
                        ("hub_low", f"fusion centre, monitoring {m_low:g}"),
                        ("hub_high", f"fusion centre, monitoring {m_high:g}")):
        st = [interval(x) for x in harm[name]]
        axes[1].errorbar(leaks, [x["mean"] for x in st],
                         yerr=[[x["mean"] - x["low"] for x in st],
                               [x["high"] - x["mean"] for x in st]], capsize=3, label=label)
    axes[1].set_xlabel("leak probability per received report")
    axes[1].set_ylabel("regional harm per run (harm units, 95% CI)")
    axes[1].set_title("Harm against the leak rate")
    axes[1].legend(fontsize=8)
    fig.suptitle("Leaks and monitoring (Walsh)")
    fig.tight_layout()
    save(fig, outdir, "leaks_monitoring.png", figures)
    return {"verdict": verdict, "findings": findings, "figures": figures, "numbers": numbers}


