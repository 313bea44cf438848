"""report.py — findings in plain words, tables and figures from one file: report.md + report.html.

The report is built once as a list of blocks (headings, paragraphs, lists, tables, figures) and
rendered twice, so that the Markdown and the self-contained HTML always say the same thing.
"""
import base64
import html
import os

import numpy as np

from . import figures as fig_module
from .findings import (DEFAULT_RELEVANCE, PERCENT, Verdict, cost_parts, fmt, fmt_ci,
                       headline_findings, interval_scope, paired)


def percent_change(diff, reference_mean):
    """Paired difference as % of the reference mean: (mean, low, high); NaN when the reference is 0."""
    if reference_mean == 0:
        return float("nan"), float("nan"), float("nan")
    scale = 100.0 / reference_mean
    return float(diff.mean[-1] * scale), float(diff.ci_low[-1] * scale), float(diff.ci_high[-1] * scale)


class Report:
    def __init__(self):
        self.blocks = []

    def heading(self, level, text):
        self.blocks.append(("heading", level, text))

    def paragraph(self, text):
        self.blocks.append(("paragraph", text))

    def items(self, items):
        if items:
            self.blocks.append(("list", list(items)))

    def table(self, header, rows):
        if rows:
            self.blocks.append(("table", list(header), [list(map(str, r)) for r in rows]))

    def figure(self, name, caption, png_path):
        self.blocks.append(("figure", name, caption, png_path))

    def markdown(self):
        lines = []
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                lines += ["#" * block[1] + " " + block[2], ""]
            elif kind == "paragraph":
                lines += [block[1], ""]
            elif kind == "list":
                lines += [f"- {item}" for item in block[1]] + [""]
            elif kind == "table":
                def row(cells):
                    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
                lines += [row(block[1]), "|" + "---|" * len(block[1])]
                lines += [row(r) for r in block[2]] + [""]
            elif kind == "figure":
                lines += [f"![{block[2]}]({os.path.basename(block[3])})", "", f"*{block[2]}*", ""]
        return "\n".join(lines)

    def html(self, title):
        parts = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
                 f"<title>{html.escape(title)}</title>",
                 "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;"
                 "line-height:1.45;color:#222}table{border-collapse:collapse;margin:1em 0}"
                 "td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
                 "th{background:#eee}td:first-child,th:first-child{text-align:left}"
                 "img{max-width:100%}figcaption{font-style:italic;margin-bottom:2em}</style>",
                 "</head><body>"]
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                parts.append(f"<h{block[1]}>{html.escape(block[2])}</h{block[1]}>")
            elif kind == "paragraph":
                parts.append(f"<p>{html.escape(block[1])}</p>")
            elif kind == "list":
                parts.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in block[1]) +
                             "</ul>")
            elif kind == "table":
                head = "".join(f"<th>{html.escape(c)}</th>" for c in block[1])
                body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) +
                               "</tr>" for r in block[2])
                parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            elif kind == "figure":
                with open(block[3], "rb") as handle:
                    data = base64.b64encode(handle.read()).decode("ascii")
                parts.append(f"<figure><img alt=\"{html.escape(block[2])}\" "
                             f"src=\"data:image/png;base64,{data}\">"
                             f"<figcaption>{html.escape(block[2])}</figcaption></figure>")
        parts.append("</body></html>")
        return "\n".join(parts)


def display_label(results, variant):
    """A variant's label for sentences: coalitions and measures read as what they mean."""
    if variant.label == "{}":
        return "nobody sharing ({})"
    if "members" in results.coalitions and variant.label.startswith("{") and \
            len(variant.label.strip("{}").split(",")) == len(results.state_codes):
        return f"the grand coalition {variant.label}"
    table = results.measures_table
    if table is not None and len(table) and variant.label in list(table["id"]):
        name = dict(zip(table["id"], table["name"]))[variant.label]
        return f"the measure {name}" if name == variant.label else \
            f"the measure {name} ({variant.label})"
    return variant.label


def best_variant(results):
    """The variant the headline compares with the reference: the grand coalition in a coalitions
    file, else the non-reference variant with the lowest expected regional harm."""
    if "members" in results.coalitions and len(results.variants) > 1:
        # variant 2^N - 1; free-riders and coalition structures come after it
        return results.variants[min(2 ** len(results.state_codes), len(results.variants)) - 1]
    candidates = [v for v in results.variants if v.index != results.reference]
    return min(candidates, key=lambda v: v.regional("harm").mean()) if candidates else None


def findings(results, relevance=DEFAULT_RELEVANCE):
    """(warnings, headline findings) in plain words, each generated from the file's numbers:
    effects gated by findings.py, then coalitions, measures and the largest risk."""
    warnings, lines, found = headline_findings(results, relevance)
    codes = results.state_codes
    reference = results.variants[results.reference]
    shapley, leave = fig_module.coalition_tables(results)
    if shapley is not None:
        top = int(np.argmax(np.asarray(shapley.mean)[:len(codes)]))
        lines.append(f"{codes[top]} contributes most to the coalition: Shapley value "
                     f"{fmt_ci(shapley.mean[top], shapley.ci_low[top], shapley.ci_high[top])} "
                     f"harm units (95% CI, {found.covers}).")
    if leave is not None:
        mean = np.asarray(leave.mean)[:len(codes)]
        low = np.asarray(leave.ci_low)[:len(codes)]
        high = np.asarray(leave.ci_high)[:len(codes)]

        def cell(s):
            return f"{codes[s]} ({fmt_ci(mean[s], low[s], high[s])})"
        leavers = [cell(s) for s in range(len(codes)) if low[s] > 0]
        if not np.any(mean) and not np.any(low) and not np.any(high):
            leavers = None  # leaving changes nobody's loss
        undecided = [cell(s) for s in range(len(codes)) if low[s] <= 0 <= high[s]]
        if leavers is None:
            lines.append("Leaving the grand coalition changes no state's loss in any replicate.")
        elif leavers:
            lines.append("The grand coalition is not self-enforcing: leaving lowers the loss of "
                         + ", ".join(leavers) + f" (harm units, 95% CI above 0, {found.covers}).")
        elif undecided:
            lines.append("Whether the grand coalition is self-enforcing is undecided at this "
                         "number of replicates: the gain from leaving of "
                         + ", ".join(undecided) + f" has a 95% CI ({found.covers}) that contains "
                         "0.")
        else:
            top = int(np.argmax(mean))
            lines.append(f"The grand coalition is self-enforcing: every state's gain from leaving "
                         f"is negative (largest: {cell(top)}).")
    rows = fig_module.measure_rows(results)
    if rows:
        gated = [r for r in rows if Verdict(r["averted"], r["averted_low"], r["averted_high"],
                                            found.threshold).detectable]
        paying = sum(1 for r in rows if r["averted_low"] > r["cost"])
        if gated:
            top = gated[0]
            lines.append(f"{top['name']} averts the most harm per unit cost among the measures "
                         f"with a detectable effect: "
                         f"{fmt_ci(top['averted'], top['averted_low'], top['averted_high'])} harm "
                         f"units (95% CI, {found.covers}) for a cost of {fmt(top['cost'])} "
                         f"({fmt(top['per_cost'])} per unit cost); {paying} of {len(rows)} "
                         f"measures avert more harm than they cost (lower end of the interval "
                         f"above the cost).")
        else:
            lines.append(f"No measure has a detectable effect on regional harm (every interval "
                         f"contains 0 or the effect is below {found.threshold_text}).")
    risks = fig_module.risk_rows(results)
    if risks:
        lines.append(f"The largest risk under {display_label(results, reference)} is {risks[0]['name']}: "
                     f"{fmt_ci(risks[0]['harm'], risks[0]['low'], risks[0]['high'])} harm units "
                     f"(95% CI, {found.covers}), {fmt(risks[0]['share'])}{PERCENT} of expected "
                     f"regional harm.")
    # Sentences that open with a label such as "the measure ..." start with a capital.
    return warnings, [line[0].upper() + line[1:] if line.startswith("the ") else line
                      for line in lines]


def _overrides_text(overrides, shown=4):
    """Overrides for the variants table; a coalition's long list is cut after a few."""
    if not overrides:
        return "(none)"
    if len(overrides) <= shown:
        return "; ".join(overrides)
    return "; ".join(overrides[:shown - 1]) + f"; ... ({len(overrides)} overrides in all)"


def _state_table(results, metric, variants):
    header = ["variant"] + results.state_codes + ["region"]
    rows = []
    for index in variants:
        stat = results.variants[index].stat(metric)
        rows.append([f"{index}: {results.variants[index].label}"] +
                    [fmt_ci(m, lo, hi) for m, lo, hi in zip(stat.mean, stat.ci_low, stat.ci_high)])
    return header, rows


def _cost_table(results, variants):
    """Regional harm, sharing cost, measure cost and loss per variant, mean (95% CI)."""
    rows = []
    for index in variants:
        variant = results.variants[index]
        parts = cost_parts(variant)
        cells = [f"{index}: {variant.label}"]
        for name in ("harm", "sharing_cost", "measure_cost"):
            regional = parts[name].sum(axis=1)
            mean, low, high = _mean_ci(regional)
            cells.append(fmt_ci(mean, low, high))
        stat = variant.stat("loss")
        cells.append(fmt_ci(stat.mean[-1], stat.ci_low[-1], stat.ci_high[-1]))
        rows.append(cells)
    return ["variant", "harm", "sharing cost", "measure cost", "loss"], rows


def _mean_ci(values):
    from .stats import mean_ci

    mean, low, high = mean_ci(np.asarray(values, dtype=float)[:, None], axis=0)
    return float(mean[0]), float(low[0]), float(high[0])


def _paired_state_table(results, metric, variants, threshold):
    """Per state and region: paired difference against the reference, mean (95% CI), with a
    star where the difference is detectable (interval excludes 0 and passes the threshold)."""
    header = ["variant"] + results.state_codes + ["region"]
    rows = []
    for index in variants:
        if index == results.reference:
            continue
        mean, low, high, _ = paired(results, index, lambda v: v.totals[metric])
        cells = [f"{index}: {results.variants[index].label}"]
        for m, lo, hi in zip(mean, low, high):
            star = " *" if Verdict(m, lo, hi, threshold).detectable else ""
            cells.append(fmt_ci(m, lo, hi) + star)
        rows.append(cells)
    return header, rows


FIGURE_DPI = 100  # sharp on screen and in print at the figures' 11-14 inch widths
TABLE_VARIANTS = 12  # per-state tables list at most this many variants (the explorer has all)


def build(results, out_dir, svg=False, log=None, relevance=DEFAULT_RELEVANCE):
    """Write figures, report.md and report.html into out_dir; return the report.md path."""
    os.makedirs(out_dir, exist_ok=True)
    made = fig_module.make_figures(results)
    # A figure left from an earlier report in the same directory would pass for this file's.
    made_names = {name for name, _, _ in made}
    import re

    ours = {name for name, _, _ in fig_module.FIGURES}
    for entry in os.listdir(out_dir):
        stem, extension = os.path.splitext(entry)
        if extension in (".png", ".svg") and stem not in made_names and (
                stem in ours or re.fullmatch(r"regional_map_\d+", stem)):
            os.remove(os.path.join(out_dir, entry))
    files = {}
    for name, figure, _ in made:
        files[name] = fig_module.save(figure, out_dir, name, svg, log, FIGURE_DPI)

    attrs = results.attrs
    report = Report()
    title = f"c5sim report: {results.scenario_name}"
    report.heading(1, title)
    warnings, lines = findings(results, relevance)
    reference = results.variants[results.reference]
    threshold = relevance * abs(float(reference.regional("harm").mean()))
    report.paragraph("Parameters in shipped scenarios are notional and illustrative. Harm and costs "
                     "are in harm units per run. Intervals: " + interval_scope(results) + ". "
                     "Comparisons between variants are paired by replicate (common random "
                     "numbers). A difference is reported as an effect only when its interval "
                     f"excludes 0 and it is at least {fmt(relevance * 100)}{PERCENT} of the "
                     f"reference's expected regional harm ({fmt(threshold)} harm units; "
                     "c5report --relevance PCT sets it); otherwise the report says 'no "
                     "detectable effect'.")
    report.paragraph("Loss = harm + sharing cost + measure cost. Sharing cost is what each state "
                     "pays for the reports it shares (cost_per_report); a measure's cost is "
                     "charged in equal shares, 1/N of it to each of the N states, whichever "
                     "state the measure acts in.")
    report.heading(2, "Scenario")
    if results.scenario_description:
        report.paragraph(results.scenario_description)
    report.table(["item", "value"], [
        ["scenario", results.scenario_name],
        ["command", attrs.get("command", "")],
        ["command line", attrs.get("command_line", "")],
        ["c5sim version", attrs.get("c5sim_version", "")],
        ["created", attrs.get("created", "")],
        ["seed", attrs.get("seed", "")],
        ["replicates", attrs.get("replicates", results.variants[0].replicates)],
        ["ticks", f"{attrs.get('ticks', '')} ({results.tick_unit}s)"],
        ["states", ", ".join(f"{c} ({n})" for c, n in zip(results.states["code"],
                                                         results.states["name"]))],
        ["file", os.path.abspath(results.path)],
    ])
    report.paragraph("explorer.html, beside this report, shows every variant on the map with its "
                     "per-state table (one file, opens in any browser without a network).")
    report.heading(2, "Headline findings")
    report.items(warnings + lines)
    # The command's own answer (packages, robust rankings) comes before the per-variant tables.
    from .portfolio import add_to_report as add_portfolio
    from .discovery import section as robust_section

    add_portfolio(report, results.path, out_dir, FIGURE_DPI, svg, log)
    robust_section(report, results.path, out_dir, svg=svg, log=log, dpi=FIGURE_DPI)
    all_variants = range(len(results.variants))
    shown = list(all_variants)
    if len(shown) > TABLE_VARIANTS:
        shown = fig_module.selected_variants(results, TABLE_VARIANTS)
    # A file of many variants (a design, packages, robust points) lists a selection in its
    # tables: every variant is in explorer.html and in analysis/c5export's tables.
    listed = sorted(shown)
    note = ("" if len(listed) == len(results.variants) else
            f" {len(listed)} of {len(results.variants)} variants shown (the reference, the one "
            "with the largest effect on harm, and others spread over the file); explorer.html "
            "and analysis/c5export list every variant.")
    report.heading(2, "Variants")
    if note:
        report.paragraph(note.strip())
    report.table(["variant", "label", "overrides", "replicates"],
                 [[results.variants[k].index, results.variants[k].label,
                   _overrides_text(results.variants[k].overrides), results.variants[k].replicates]
                  for k in listed])
    report.heading(2, "Expected harm per state and for the region")
    report.paragraph("Harm units per run: mean (95% CI)." + note)
    report.table(*_state_table(results, "harm", listed))
    report.heading(2, "Expected loss (harm + sharing cost + measure cost) per state and for the "
                      "region")
    report.paragraph("Harm units per run: mean (95% CI)." + note)
    report.table(*_state_table(results, "loss", listed))
    report.heading(2, "Regional harm, sharing cost and measure cost")
    report.paragraph("The parts of regional loss, harm units per run, mean (95% CI). The measure "
                     "cost is the measure's whole cost, charged 1/N to each of the N states." + note)
    report.table(*_cost_table(results, listed))
    if len(results.variants) > 1 and not fig_module.is_design(results):
        report.heading(2, f"Per-state paired differences against variant {reference.index} "
                          f"({reference.label})")
        for metric in ("harm", "loss"):
            report.paragraph(f"Change in {metric} (variant minus reference), harm units per run, "
                             f"mean (95% CI); * marks a detectable difference (interval excludes "
                             f"0 and at least {fmt(threshold)} harm units)."
                             + ("" if len(shown) == len(results.variants) else
                                f" {len(shown)} of {len(results.variants)} variants shown."))
            report.table(*_paired_state_table(results, metric, shown, threshold))
    if fig_module.is_design(results):
        from .uncertainty import parameter_rows

        report.heading(2, "Uncertainty over the design's parameters")
        report.paragraph("Spearman rank correlation of each sampled parameter with the expected "
                         "regional harm and loss of the design points (bootstrap 95% CI over "
                         "points), and the change in regional harm across the parameter's range "
                         "from a least-squares line. Variance-based (Sobol') indices are not "
                         "computed from a hypercube.")
        report.table(["parameter", "range", "rank corr. with harm", "rank corr. with loss",
                      "harm change over range"],
                     [[r["parameter"], f"{fmt(r['low'])} to {fmt(r['high'])}",
                       fmt_ci(*r["rho_harm"]), fmt_ci(*r["rho_loss"]), fmt(r["harm_change"])]
                      for r in parameter_rows(results)])
    if len(results.variants) > 1:
        report.heading(2, f"Paired differences against variant {reference.index} ({reference.label})")
        report.paragraph("Change in regional harm and loss (variant minus reference), harm units "
                         "per run, mean (95% CI), and the harm change as a percentage of the "
                         "reference's regional harm." + note)
        rows = []
        ref_harm = reference.stat("harm").mean[-1]
        for variant in (results.variants[k] for k in listed):
            if variant.index == results.reference:
                continue
            harm = results.comparison_stat(variant.index, "harm")
            loss = results.comparison_stat(variant.index, "loss")
            pct = percent_change(harm, ref_harm)
            rows.append([f"{variant.index}: {variant.label}",
                         fmt_ci(harm.mean[-1], harm.ci_low[-1], harm.ci_high[-1]),
                         f"{fmt(pct[0])}{PERCENT} ({fmt(pct[1])} to {fmt(pct[2])})",
                         fmt_ci(loss.mean[-1], loss.ci_low[-1], loss.ci_high[-1])])
        report.table(["variant", "regional harm change", "harm change (%)", "regional loss change"],
                     rows)
    risks = fig_module.risk_rows(results)
    if risks:
        report.heading(2, "Risk catalog")
        report.paragraph(f"Threat types ranked by expected regional harm under "
                         f"{results.variants[results.reference].label} (harm units per run).")
        report.table(["rank", "threat type", "domain", "expected harm (95% CI)", "share (%)"],
                     [[r["rank"], r["name"], r["domain"], fmt_ci(r["harm"], r["low"], r["high"]),
                       fmt(r["share"])] for r in risks])
    shapley, leave = fig_module.coalition_tables(results)
    if shapley is not None or leave is not None:
        report.heading(2, "Coalitions")
        report.paragraph("Shapley value (contribution to the loss the grand coalition avoids) and "
                         "gain from leaving the grand coalition (positive: leaving pays), harm "
                         "units per run, mean (95% CI).")
        rows = []
        for s, code in enumerate(results.state_codes):
            rows.append([code,
                         fmt_ci(shapley.mean[s], shapley.ci_low[s], shapley.ci_high[s])
                         if shapley is not None else "n/a",
                         fmt_ci(leave.mean[s], leave.ci_low[s], leave.ci_high[s])
                         if leave is not None else "n/a"])
        report.table(["state", "Shapley value", "gain from leaving"], rows)
    measure_rows = fig_module.measure_rows(results)
    if measure_rows:
        report.heading(2, "Preventive measures")
        report.paragraph("Ranked by regional harm averted per unit cost (harm units per run).")
        report.table(["rank", "measure", "cost", "harm averted (95% CI)", "averted per cost"],
                     [[n, r["name"], fmt(r["cost"]),
                       fmt_ci(r["averted"], r["averted_low"], r["averted_high"]), fmt(r["per_cost"])]
                      for n, r in enumerate(measure_rows, start=1)])
    report.heading(2, "Figures")
    for name, _, caption in made:
        report.figure(name, caption, files[name])

    md_path = os.path.join(out_dir, "report.md")
    with open(md_path, "w", encoding="utf-8") as handle:
        handle.write(report.markdown())
    with open(os.path.join(out_dir, "report.html"), "w", encoding="utf-8") as handle:
        handle.write(report.html(title))
    from .explorer import write as write_explorer

    explorer = write_explorer(results, os.path.join(out_dir, "explorer.html"))
    if log:
        log(f"wrote {explorer}")
    return md_path
