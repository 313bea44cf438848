"""figures.py — one function per question of the model; each returns a matplotlib Figure (or None
when the file holds no data for it), with labelled axes, units and a title saying what it shows."""
import os
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .stats import band, mean_ci  # noqa: E402

HARM_UNIT = "harm units per run"
REGION_COLOUR = "black"
MAX_VARIANT_PANELS = 4
MAP_LABELS = 15


def save(figure, out_dir, name, svg=False, log=None, dpi=100):
    """Write figure as out_dir/name.png (and .svg when asked), close it; return the PNG's path."""
    png = os.path.join(out_dir, f"{name}.png")
    figure.savefig(png, dpi=dpi)
    if svg:
        figure.savefig(os.path.join(out_dir, f"{name}.svg"))
    plt.close(figure)
    if log:
        log(f"wrote {png}")
    return png


def _grid_layout(fig, bottom=0.0, left=0.07):
    """Fixed margins for grids of panels whose labels are short and known: tight_layout measures
    every artist and costs a quarter of a second per figure, the largest part of a report's
    time. `bottom` keeps room for a legend below the panels."""
    height = fig.get_figheight()
    top = 1.0 - (0.75 if fig._suptitle is not None else 0.35) / height
    fig.subplots_adjust(left=left, right=0.98, bottom=bottom + 0.55 / height, top=top,
                        hspace=0.55 * 3.6 / max(height / max(len(fig.axes) // 2, 1), 1.0),
                        wspace=0.22)


def _layout(fig, bottom=0.0):
    """Tight layout that keeps clear of the suptitle (and of a legend below, `bottom`)."""
    top = 1.0 - 0.35 / fig.get_figheight() if fig._suptitle is not None else 1.0
    fig.tight_layout(rect=(0, bottom, 1, top))


def _wrap(text, width=34):
    """Long tick labels (threat names) on two or more lines."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _state_colours(count):
    cmap = plt.get_cmap("tab10")
    return [cmap(i % 10) for i in range(count)]


def _numeric(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def is_design(results):
    """A file from a sampled (uncertainty) design such as a Latin hypercube."""
    return results.design is not None and results.design_method not in ("", "grid")


def sweep_axis(results):
    """The swept parameter and each variant's position on it (NaN for a variant that does not set
    it, e.g. a separate baseline), or (None, None) when nothing is swept. Numeric values are their
    own positions; text values (sharing.policy=withhold,full) are placed 0, 1, ... in order of
    appearance, and sweep_value_names() gives their names."""
    path, x, _ = _sweep_axis(results)
    return path, x


def sweep_value_names(results):
    """For a text-valued swept parameter: the value at each position; None when numeric."""
    return _sweep_axis(results)[2]


def _sweep_axis(results):
    if "members" in results.coalitions or results.measures or \
            results.command in ("measures", "coalitions", "robust"):
        return None, None, None  # their variants are measures or coalitions, not axis points
    if is_design(results):
        return None, None, None  # a sampled design moves every parameter at once: no 1-D axis
    parameters = results.swept_parameters()
    for path in parameters:
        values = np.array([_numeric(v.override_values().get(path)) for v in results.variants],
                          dtype=float)
        if len(set(values[np.isfinite(values)])) > 1:
            return path, values, None
    for path in parameters:
        texts = [v.override_values().get(path) for v in results.variants]
        names = list(dict.fromkeys(t for t in texts if t is not None))
        if len(names) > 1:
            return path, np.array([names.index(t) if t is not None else np.nan for t in texts],
                                  dtype=float), names
    return None, None, None


def largest_effects(results, count=1):
    """Variant indices (not the reference) with the largest |mean paired change| in regional
    harm: the variants of interest that a figure must never leave out."""
    reference = results.variants[results.reference].regional("harm")
    effects = []
    for variant in results.variants:
        if variant.index == results.reference:
            continue
        common = min(len(reference), variant.replicates)
        effects.append((-abs(float((variant.regional("harm")[:common] -
                                    reference[:common]).mean())), variant.index))
    return [index for _, index in sorted(effects)[:count]]


def selected_variants(results, limit=MAX_VARIANT_PANELS):
    """Reference, the variant with the largest effect on harm, then evenly spread others: panels
    stay readable for files with many variants and still show the one that matters most."""
    count = len(results.variants)
    if count <= limit:
        return list(range(count))
    picks = np.unique(np.linspace(0, count - 1, limit).round().astype(int))
    order = [results.reference] + largest_effects(results, 1)
    order += [int(i) for i in picks if i not in order]
    return order[:limit]


def sweep_groups(results, path, x):
    """Variants on the curve grouped by their other overrides (a grid sweep gives one curve per
    combination of the other axes): list of (description, indices sorted by x)."""
    groups = {}
    for index in np.argsort(x, kind="stable"):
        if not np.isfinite(x[index]):
            continue
        others = tuple(sorted((k, v) for k, v in results.variants[index].override_values().items()
                              if k != path))
        groups.setdefault(others, []).append(int(index))
    return [(", ".join(f"{k}={v}" for k, v in others), indices)
            for others, indices in groups.items()]


def cooperation_curve(results):
    """Expected harm and loss per state and for the region against the swept parameter. With a
    grid sweep, the per-state panels show the first combination of the other axes and the regional
    panels one curve per combination."""
    path, x = sweep_axis(results)
    if path is None:
        return None
    names = sweep_value_names(results)
    groups = sweep_groups(results, path, x)
    codes = results.state_codes
    colours = _state_colours(len(codes))
    group_colours = plt.get_cmap("tab10")
    reference = results.variants[results.reference]
    fig, axes = plt.subplots(3, 2, figsize=(12, 12), sharex=True)
    for row, metric in enumerate(("harm", "loss")):
        ax_states, ax_region = axes[row]
        for g, (others, indices) in enumerate(groups):
            stats = [results.variants[i].stat(metric) for i in indices]
            mean = np.array([st.mean for st in stats])
            low = np.array([st.ci_low for st in stats])
            high = np.array([st.ci_high for st in stats])
            xs = x[indices]
            if g == 0:
                for s, code in enumerate(codes):
                    ax_states.plot(xs, mean[:, s], marker="o", color=colours[s], label=code)
                    ax_states.fill_between(xs, low[:, s], high[:, s], color=colours[s], alpha=0.2)
            colour = REGION_COLOUR if len(groups) == 1 else group_colours(g % 10)
            ax_region.plot(xs, mean[:, -1], marker="o", color=colour,
                           label=others or "region")
            ax_region.fill_between(xs, low[:, -1], high[:, -1], color=colour, alpha=0.2,
                                   label="95% CI" if g == 0 else None)
        if not np.isfinite(x[results.reference]):
            ax_region.axhline(reference.stat(metric).mean[-1], color="tab:red", linestyle="--",
                              label=f"reference: {reference.label}")
        ax_states.set_ylabel(f"expected {metric} ({HARM_UNIT})")
        ax_region.set_ylabel(f"expected regional {metric} ({HARM_UNIT})")
        fixed = f", {groups[0][0]}" if groups[0][0] else ""
        ax_states.set_title(f"{metric.capitalize()} per state (bands: 95% CI{fixed})", fontsize=10)
        ax_region.set_title(f"Regional {metric} (sum over states, bands: 95% CI)", fontsize=10)
        ax_states.legend(fontsize=8, ncol=2)
        ax_region.legend(fontsize=7)
        for ax in axes[row]:
            ax.grid(alpha=0.3)
    # Paired changes against the reference: common random numbers make these intervals far
    # narrower than the bands of the levels above, so small effects of sharing show here.
    for ax, metric in zip(axes[2], ("harm", "loss")):
        for g, (others, indices) in enumerate(groups):
            diffs = [results.comparison_stat(i, metric) for i in indices]
            mean = np.array([d.mean[-1] for d in diffs])
            low = np.array([d.ci_low[-1] for d in diffs])
            high = np.array([d.ci_high[-1] for d in diffs])
            colour = REGION_COLOUR if len(groups) == 1 else group_colours(g % 10)
            ax.plot(x[indices], mean, marker="o", color=colour, label=others or "region")
            ax.fill_between(x[indices], low, high, color=colour, alpha=0.2,
                            label="paired 95% CI" if g == 0 else None)
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set_ylabel(f"change in regional {metric} ({HARM_UNIT})")
        ax.set_title(f"Change in regional {metric} against {reference.label} (paired)",
                     fontsize=10)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
        ax.set_xlabel(f"{path} (swept parameter)")
        if names is not None:
            ax.set_xticks(range(len(names)))
            ax.set_xticklabels(names)
    fig.suptitle(f"Cooperation curve: expected harm and loss against {path}")
    _grid_layout(fig)
    return fig


def harm_by_type(results):
    """Per-state harm and loss split by threat type (stacked bars), one row per variant."""
    if results.variants[0].by_type.get("harm") is None:
        return None
    picks = selected_variants(results)
    codes = results.state_codes
    types = list(results.threat_types["name"])
    cmap = plt.get_cmap("tab20")
    legend_height = 0.25 + 0.18 * np.ceil((len(types) + 1) / 3)
    fig, axes = plt.subplots(len(picks), 2, figsize=(12, 3.6 * len(picks) + 0.8 + legend_height),
                             squeeze=False)
    positions = np.arange(len(codes))
    for row, index in enumerate(picks):
        variant = results.variants[index]
        for col, metric in enumerate(("harm", "loss")):
            ax = axes[row][col]
            data = variant.by_type.get(metric)
            if data is None and metric == "loss" and "sharing_cost" in variant.by_type:
                data = variant.by_type["harm"] + variant.by_type["sharing_cost"]
            if data is None:
                ax.set_axis_off()
                continue
            means = data.mean(axis=0)  # [states, types]
            bottom = np.zeros(len(codes))
            for k, name in enumerate(types):
                ax.bar(positions, means[:, k], bottom=bottom, color=cmap(k % 20), label=name)
                bottom += means[:, k]
            stat = variant.stat(metric)
            ax.errorbar(positions, stat.mean[:len(codes)],
                        yerr=[stat.mean[:len(codes)] - stat.ci_low[:len(codes)],
                              stat.ci_high[:len(codes)] - stat.mean[:len(codes)]],
                        fmt="none", ecolor="black", capsize=4, label="95% CI of total")
            ax.set_xticks(positions)
            ax.set_xticklabels(codes)
            ax.set_xlabel("state")
            ax.set_ylabel(f"expected {metric} ({HARM_UNIT})")
            ax.set_title(f"{metric.capitalize()} by threat type — variant {index}: {variant.label}",
                         fontsize=10)
            ax.grid(axis="y", alpha=0.3)
    # One legend for every panel, below them: inside a panel it hides the bars.
    handles, labels = axes[0][0].get_legend_handles_labels()
    legend_rows = int(np.ceil(len(labels) / 3))
    height = fig.get_figheight()
    margin = (0.25 + 0.18 * legend_rows) / height
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.suptitle("Expected harm and loss per state, stacked by threat type")
    _grid_layout(fig, bottom=margin)
    return fig


def regional_map(results, variant_index=None):
    """The regional map (geomap.py: country outlines, coastlines, regions, flows)."""
    from .geomap import regional_map as draw

    return draw(results, variant_index)


def _trust_variant(results):
    for variant in results.variants:
        if variant.has_trust and variant.trust_changed:
            return variant
    return None


def trust_over_time(results):
    """Mean trust each state places in its partners over time, and the final trust matrix."""
    variant = _trust_variant(results)
    if variant is None:
        return None
    trust = variant.trust_data()  # [replicates, ticks, truster, trusted]
    codes = results.state_codes
    n_states = len(codes)
    off_diagonal = ~np.eye(n_states, dtype=bool)
    held = np.where(off_diagonal[None, None], trust, np.nan)
    per_truster = np.nanmean(held, axis=3)  # [replicates, ticks, truster]
    ticks = np.arange(trust.shape[1])  # the file's tick axis: 0 ... T-1
    colours = _state_colours(n_states)
    fig, (ax_lines, ax_heat) = plt.subplots(1, 2, figsize=(13, 5),
                                            gridspec_kw={"width_ratios": [1.6, 1]})
    for s, code in enumerate(codes):
        mean, low, high = mean_ci(per_truster[:, :, s], axis=0)
        ax_lines.plot(ticks, mean, color=colours[s], label=code)
        ax_lines.fill_between(ticks, low, high, color=colours[s], alpha=0.2)
    ax_lines.set_xlabel(f"time ({results.tick_unit}s)")
    ax_lines.set_ylabel("mean trust in partners (probability, 0-1)")
    ax_lines.set_title("Trust each state places in its partners (bands: 95% CI)")
    ax_lines.legend(fontsize=8)
    ax_lines.grid(alpha=0.3)
    final = trust[:, -1].mean(axis=0)
    final[~off_diagonal] = np.nan  # a state's trust in itself is not modelled
    image = ax_heat.imshow(final, vmin=0, vmax=1, cmap="viridis")
    if n_states <= 10:
        for i in range(n_states):
            for j in range(n_states):
                if i != j:
                    ax_heat.text(j, i, f"{final[i, j]:.2f}", ha="center", va="center",
                                 fontsize=8, color="white" if final[i, j] < 0.6 else "black")
    ax_heat.set_xticks(range(n_states))
    ax_heat.set_xticklabels(codes)
    ax_heat.set_yticks(range(n_states))
    ax_heat.set_yticklabels(codes)
    ax_heat.set_xlabel("trusted state")
    ax_heat.set_ylabel("trusting state")
    ax_heat.set_title("Trust at the last tick (mean over replicates)")
    fig.colorbar(image, ax=ax_heat, label="trust (probability, 0-1)")
    fig.suptitle(f"Trust between states over time — variant {variant.index}: {variant.label}")
    _layout(fig)
    return fig


def _find_table(tables, *patterns):
    for name, table in tables.items():
        leaf = name.rsplit("/", 1)[-1]
        if any(re.fullmatch(p, leaf) for p in patterns) and hasattr(table, "mean"):
            return name, table
    return None, None


def coalition_tables(results):
    """(shapley, leave_gain) StatTables per state, or (None, None)."""
    _, shapley = _find_table(results.coalitions, r"shapley(_value)?s?")
    _, leave = _find_table(results.coalitions, r"(leave|leaving)(_gains?)?", r"gains?_from_leaving",
                           r"leave_gains?")
    return shapley, leave


def coalitions(results):
    """Shapley values and gains from leaving the grand coalition, per state, with 95% CIs."""
    shapley, leave = coalition_tables(results)
    if shapley is None and leave is None:
        return None
    codes = results.state_codes
    positions = np.arange(len(codes))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    for ax, table, title, ylabel in (
            (axes[0], shapley, "Shapley value: each state's contribution to the coalition",
             f"Shapley value (loss avoided, {HARM_UNIT})"),
            (axes[1], leave, "Gain from leaving the grand coalition (> 0: not self-enforcing)",
             f"gain from leaving ({HARM_UNIT})")):
        if table is None:
            ax.set_axis_off()
            continue
        mean = np.asarray(table.mean)[:len(codes)]
        low = np.asarray(table.ci_low)[:len(codes)]
        high = np.asarray(table.ci_high)[:len(codes)]
        colours = ["tab:red" if m > 0 and ax is axes[1] else "tab:blue" for m in mean]
        ax.bar(positions, mean, color=colours, alpha=0.8)
        ax.errorbar(positions, mean, yerr=[mean - low, high - mean], fmt="none", ecolor="black",
                    capsize=5)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(positions)
        ax.set_xticklabels(codes)
        ax.set_xlabel("state")
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("Coalitions: who gains from sharing (error bars: 95% CI)")
    _layout(fig)
    return fig


def measure_rows(results):
    """Per measure, ranked by harm averted per unit cost: id, name, cost, harm averted (mean,
    ci_low, ci_high), per_cost. From /measures/table when the file has it, else from the measure
    variants paired against the reference."""
    table = results.measures_table
    names = {}
    costs = {}
    if table is not None and len(table):
        names = dict(zip(table["id"], table["name"] if "name" in table.columns else table["id"]))
        costs = dict(zip(table["id"], table["cost"] if "cost" in table.columns else
                         [np.nan] * len(table)))
    stored = results.measures.get("table")
    ids = results.measures.get("measure")
    rows = []
    if hasattr(stored, "fields") and stored.fields and isinstance(ids, list) and \
            "harm_averted" in stored.fields:
        fields = stored.fields
        for m, measure in enumerate(ids):
            def field(name, default=np.nan):
                return float(fields[name][m]) if name in fields else default
            cost = field("cost", float(costs.get(measure, np.nan)))
            averted = field("harm_averted")
            rows.append({"id": measure, "name": names.get(measure, measure), "cost": cost,
                         "averted": averted, "averted_low": field("harm_averted_ci_low"),
                         "averted_high": field("harm_averted_ci_high"),
                         "per_cost": field("per_cost", averted / cost if cost > 0 else np.inf)})
        return rows  # already ranked by the engine
    for measure in names:
        match = [v.index for v in results.variants if v.index != results.reference and (
            v.label == measure or any(o.endswith("=" + measure) for o in v.overrides))]
        if not match:
            continue
        diff = results.comparison_stat(match[0], "harm")
        averted = -float(diff.mean[-1])
        cost = float(costs[measure])
        rows.append({"id": measure, "name": names[measure], "cost": cost, "averted": averted,
                     "averted_low": -float(diff.ci_high[-1]),
                     "averted_high": -float(diff.ci_low[-1]),
                     "per_cost": averted / cost if cost > 0 else float("inf")})
    rows.sort(key=lambda r: -r["per_cost"])
    return rows


def risk_rows(results, variant_index=None):
    """Threat types ranked by expected regional harm (95% CI, share in %): from /risk_catalog
    when the file has it (the reference variant), else computed for the given variant."""
    index = results.reference if variant_index is None else variant_index
    types = results.threat_types.reset_index(drop=True)
    by_id = {row["id"]: row for _, row in types.iterrows()}
    stored = results.risk_catalog if isinstance(results.risk_catalog, dict) else {}
    harm_table = stored.get("harm")
    ids = stored.get("threat_type")
    rows = []
    if index == results.reference and hasattr(harm_table, "fields") and isinstance(ids, list) \
            and len(ids) == len(np.asarray(harm_table.mean)):
        fields = harm_table.fields
        for k, type_id in enumerate(ids):
            row = by_id.get(type_id)
            share = fields.get("share")
            rows.append({"id": type_id, "name": row["name"] if row is not None else type_id,
                         "domain": row["domain"] if row is not None else "",
                         "harm": float(harm_table.mean[k]), "low": float(harm_table.ci_low[k]),
                         "high": float(harm_table.ci_high[k]),
                         "share": float(share[k]) * 100.0 if share is not None else np.nan})
    else:
        harm = results.variants[index].by_type.get("harm")
        if harm is None:
            return []
        mean, low, high = mean_ci(harm.sum(axis=1), axis=0)  # regional, [types]
        total = mean.sum()
        for k, row in types.iterrows():
            rows.append({"id": row["id"], "name": row["name"], "domain": row["domain"],
                         "harm": float(mean[k]), "low": float(low[k]), "high": float(high[k]),
                         "share": float(mean[k] / total * 100.0) if total > 0 else 0.0})
        rows.sort(key=lambda r: -r["harm"])
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def measures(results):
    """Harm averted against cost per measure with 95% CIs, beside the ranked risk catalog."""
    rows = measure_rows(results)
    if not rows:
        return None
    risks = risk_rows(results)
    fig, (ax, ax_risk) = plt.subplots(1, 2, figsize=(14, max(5.2, 1.5 + 0.55 * len(risks))))
    cost = np.array([r["cost"] for r in rows])
    averted = np.array([r["averted"] for r in rows])
    low = np.array([r["averted_low"] for r in rows])
    high = np.array([r["averted_high"] for r in rows])
    ax.errorbar(cost, averted, yerr=[averted - low, high - averted], fmt="o", capsize=5,
                color="tab:green", ecolor="black")
    for row in rows:
        ax.annotate(row["id"], (row["cost"], row["averted"]), textcoords="offset points",
                    xytext=(6, 4), fontsize=8)
    limit = max(cost.max(), high.max(), 1e-9) * 1.1
    ax.plot([0, limit], [0, limit], color="grey", linestyle="--", label="break-even (averted = cost)")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel("measure cost (harm units per run)")
    ax.set_ylabel(f"regional harm averted ({HARM_UNIT})")
    ax.set_title("Measures: harm averted against cost (95% CI)", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    positions = np.arange(len(risks))[::-1]
    means = np.array([r["harm"] for r in risks])
    ax_risk.barh(positions, means, color="tab:orange", alpha=0.8)
    ax_risk.errorbar(means, positions, xerr=[means - np.array([r["low"] for r in risks]),
                                             np.array([r["high"] for r in risks]) - means],
                     fmt="none", ecolor="black", capsize=4)
    ax_risk.set_yticks(positions)
    ax_risk.set_yticklabels([_wrap(f"{r['rank']}. {r['name']}") for r in risks], fontsize=8)
    ax_risk.set_xlabel(f"expected regional harm ({HARM_UNIT})")
    ax_risk.set_ylabel("threat type (ranked)")
    ax_risk.set_title(f"Risk catalog: threat types ranked by expected harm "
                      f"({results.variants[results.reference].label})", fontsize=10)
    ax_risk.grid(axis="x", alpha=0.3)
    fig.suptitle("Preventive measures and the risk catalog")
    _layout(fig)
    return fig


def risk_catalog(results):
    """Ranked risk catalog per variant (first and last shown), for files without measures."""
    risks = risk_rows(results)
    if not risks:
        return None
    fig, ax = plt.subplots(figsize=(10, 1.6 + 0.6 * len(risks)))
    positions = np.arange(len(risks))[::-1]
    means = np.array([r["harm"] for r in risks])
    ax.barh(positions, means, color="tab:orange", alpha=0.8)
    ax.errorbar(means, positions, xerr=[means - np.array([r["low"] for r in risks]),
                                        np.array([r["high"] for r in risks]) - means],
                fmt="none", ecolor="black", capsize=4)
    ax.set_yticks(positions)
    ax.set_yticklabels([_wrap(f"{r['rank']}. {r['name']} ({r['domain']})") for r in risks],
                       fontsize=8)
    ax.set_xlabel(f"expected regional harm ({HARM_UNIT})")
    ax.set_ylabel("threat type (ranked)")
    ax.set_title(f"Risk catalog: threat types ranked by expected regional harm, 95% CI — "
                 f"{results.variants[results.reference].label}", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    _layout(fig)
    return fig


def time_series(results):
    """Regional harm and detections per tick: mean over replicates with 95% CI and 5-95% bands."""
    picks = [i for i in selected_variants(results, 3) if "harm" in results.variants[i].series]
    if not picks:
        return None
    metrics = [m for m in ("harm", "detections") if m in results.variants[picks[0]].series]
    fig, axes = plt.subplots(len(metrics), 1, figsize=(11, 3.8 * len(metrics)), squeeze=False,
                             sharex=True)
    colours = plt.get_cmap("tab10")
    for row, metric in enumerate(metrics):
        ax = axes[row][0]
        for n, index in enumerate(picks):
            variant = results.variants[index]
            regional = variant.series[metric].sum(axis=2)  # [replicates, ticks]
            ticks = np.arange(regional.shape[1])
            mean, low, high = mean_ci(regional, axis=0)
            q_low, q_high = band(regional, axis=0)
            colour = colours(n % 10)
            ax.plot(ticks, mean, color=colour, label=f"{variant.label}: mean")
            ax.fill_between(ticks, low, high, color=colour, alpha=0.35)
            ax.fill_between(ticks, q_low, q_high, color=colour, alpha=0.12)
        unit = HARM_UNIT.replace("per run", f"per {results.tick_unit}") if metric == "harm" \
            else f"count per {results.tick_unit}"
        ax.set_ylabel(f"regional {metric} ({unit})")
        ax.set_title(f"Regional {metric} per {results.tick_unit} (dark band: 95% CI of the mean; "
                     f"light band: 5-95% of replicates)", fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    axes[-1][0].set_xlabel(f"time ({results.tick_unit}s)")
    fig.suptitle("Time series of harm and detections over replicates")
    _layout(fig)
    return fig


# name, function, caption: the order the report shows them in.
FIGURES = (
    ("cooperation_curve", cooperation_curve,
     "Expected harm and loss per state and for the region against the swept parameter."),
    ("harm_by_type", harm_by_type,
     "Expected harm and loss per state, stacked by threat type, for each variant shown."),
    ("regional_map", regional_map,
     "Regions at their coordinates, routes and external areas, coloured by harm, with threat flows."),
    ("trust", trust_over_time, "Trust between states over time."),
    ("coalitions", coalitions, "Shapley values and gains from leaving the grand coalition."),
    ("measures", measures, "Harm averted against cost for each measure; the ranked risk catalog."),
    ("risk_catalog", risk_catalog, "Threat types ranked by expected regional harm."),
    ("time_series", time_series, "Regional harm and detections per tick with bands over replicates."),
    ("uncertainty", None,
     "Regional harm at each point of the sampled design against each parameter."),
)


def _module_figure(name):
    if name == "uncertainty":
        from .uncertainty import uncertainty_figure

        return uncertainty_figure
    raise KeyError(name)


def make_figures(results):
    """Every figure the file has data for: list of (name, Figure, caption)."""
    made = []
    for name, function, caption in FIGURES:
        if name == "risk_catalog" and measure_rows(results):
            continue  # the measures figure already shows the catalog
        if function is None:  # figures that live in their own module (one per family)
            function = _module_figure(name)
        figure = function(results)
        if figure is not None:
            made.append((name, figure, caption))
        if name == "regional_map":
            # One map per variant of interest (the largest effects), not only the reference.
            from .geomap import map_variants

            for index in map_variants(results):
                variant = results.variants[index]
                made.append((f"regional_map_{index}", regional_map(results, index),
                             f"Change in harm per region and state under variant {index} "
                             f"({variant.label}) against the reference, with its threat flows."))
    return made
