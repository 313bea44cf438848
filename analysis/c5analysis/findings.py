"""findings.py — headline findings that follow from the numbers, and the cost split of loss.

A policy team reads the headlines first, so every headline here is gated: an effect is stated only
when its paired 95% interval excludes 0 AND its size passes a relevance threshold (a fraction of
the reference's expected regional harm, 1% by default, `c5report --relevance PCT`). Otherwise the
report says "no detectable effect" and gives the interval, so that noise is never briefed as a
finding. Every interval says what it covers: replicate noise only (the parameters are fixed), or
parameter uncertainty as well for files from an uncertainty design (a Latin hypercube /design).

Loss is split into its parts, because the engine's `loss` also holds the cost of a measure:
harm + sharing cost + measure cost, the measure's cost charged in equal 1/N shares to each of the
N states (engine/model/tick.c spreads world.measure_cost over states, ticks and threat types).
The measure cost is therefore loss - harm - sharing_cost, read from the file's own totals.
"""
import numpy as np

from .stats import mean_ci

DEFAULT_RELEVANCE = 0.01   # fraction of the reference's expected regional harm
FEW_REPLICATES = 30        # below this, the t-intervals rest on too few samples to brief from
PERCENT = "%"


def fmt(value):
    """A number as printed in the report: 1 decimal from 100, 2 from 1, else 3 significant."""
    import math

    value = float(value)
    if not math.isfinite(value):
        return "n/a" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    if magnitude == 0:
        return "0"
    return f"{value:.3g}"


def fmt_ci(mean, low, high):
    return f"{fmt(mean)} ({fmt(low)} to {fmt(high)})"


def is_uncertainty_design(results):
    """A file whose variants are points sampled over parameter ranges (not a grid or a list)."""
    return results.design is not None and results.design_method not in ("", "grid")


def is_robust(results):
    """A `c5sim robust` file: every variant is the baseline or a measure at one design point."""
    return results.command == "robust"


def interval_scope(results):
    """What a 95% interval of this file covers, in words for every headline."""
    if is_robust(results):
        return ("95% CI over replicates within each variant, i.e. at one point of the uncertainty "
                "design; the spread across the design's points is the parameter uncertainty, "
                "summarised in the robust-ranking section")
    if is_uncertainty_design(results):
        return ("95% CI over replicates at each design point; the spread across points is the "
                "parameter uncertainty of the design's ranges")
    return "95% CI of replicate noise only; the scenario's parameters are held fixed"


def interval_covers(results):
    """The short form for sentences: '95% CI ..., <covers>'."""
    if is_uncertainty_design(results) or is_robust(results):
        return "replicate noise at one design point"
    return "replicate noise only"


def cost_parts(variant):
    """Per-replicate [replicates, states] harm, sharing cost and measure cost of a variant.
    The measure cost is what loss holds beyond harm and sharing cost (the equal 1/N share)."""
    harm = variant.totals["harm"]
    sharing = variant.totals.get("sharing_cost", np.zeros_like(harm))
    measure = variant.totals["loss"] - harm - sharing
    # Summation order leaves rounding residue of ~1e-12 where no measure applies.
    measure = np.where(np.abs(measure) < 1e-9 * np.maximum(1.0, np.abs(harm)), 0.0, measure)
    return {"harm": harm, "sharing_cost": sharing, "measure_cost": measure}


def paired(results, index, values_of):
    """Paired differences (variant index minus reference), [common replicates, states + 1], of
    the per-replicate figure values_of(variant) -> [replicates, states]; with mean and CI."""
    reference = results.variants[results.reference]
    variant = results.variants[index]
    common = min(variant.replicates, reference.replicates)
    diff = values_of(variant)[:common] - values_of(reference)[:common]
    diff = np.concatenate([diff, diff.sum(axis=1, keepdims=True)], axis=1)
    mean, low, high = mean_ci(diff, axis=0)
    return mean, low, high, diff


class Verdict:
    """One difference judged against zero and the relevance threshold (absolute, harm units)."""

    def __init__(self, mean, low, high, threshold):
        self.mean, self.low, self.high = float(mean), float(low), float(high)
        self.excludes_zero = self.low > 0 or self.high < 0
        self.relevant = abs(self.mean) >= threshold
        self.detectable = self.excludes_zero and self.relevant

    def why_not(self, threshold_text):
        if not self.excludes_zero:
            return "the interval contains 0"
        return f"it is below the relevance threshold of {threshold_text}"


class Findings:
    """Headline sentences for one file, built from its numbers with the gates above."""

    def __init__(self, results, relevance=DEFAULT_RELEVANCE):
        self.results = results
        self.relevance = relevance
        reference = results.variants[results.reference]
        self.reference_harm = float(reference.regional("harm").mean())
        self.threshold = relevance * abs(self.reference_harm)
        self.threshold_text = (f"{fmt(relevance * 100)}{PERCENT} of the reference's regional harm "
                               f"({fmt(self.threshold)} harm units)")
        self.scope = interval_scope(results)
        self.covers = interval_covers(results)
        self.lines = []
        self.warnings = []

    # --- helpers -----------------------------------------------------------------------------
    def label(self, variant):
        from .report import display_label

        return display_label(self.results, variant)

    def verdict(self, mean, low, high):
        return Verdict(mean, low, high, self.threshold)

    def pct(self, value):
        return value / self.reference_harm * 100 if self.reference_harm else float("nan")

    # --- the sections ---------------------------------------------------------------------------
    def replicate_warnings(self):
        results = self.results
        counts = sorted({v.replicates for v in results.variants})
        fewest = counts[0]
        if fewest < FEW_REPLICATES:
            self.warnings.append(
                f"Warning: only {fewest} replicate{'s' if fewest != 1 else ''} per variant. "
                f"With fewer than {FEW_REPLICATES} the 95% intervals rest on too few samples to "
                f"brief from (their width is itself uncertain); rerun with -r {FEW_REPLICATES} or "
                f"more.")
        negative = any(np.any(np.asarray(v.stat("harm").ci_low) < 0) for v in results.variants)
        if negative:
            self.warnings.append(
                f"Warning: some intervals of harm reach below 0, which harm cannot: the Student-t "
                f"interval is symmetric and, with {fewest} replicates, wide; read such bounds as "
                f"'the data do not pin this down', not as negative harm.")

    def baseline(self):
        results = self.results
        codes = results.state_codes
        reference = results.variants[results.reference]
        stat = reference.stat("harm")
        worst = int(np.argmax(stat.mean[:len(codes)]))
        share = stat.mean[worst] / stat.mean[-1] * 100 if stat.mean[-1] else float("nan")
        self.lines.append(
            f"Under {self.label(reference)}, the region suffers "
            f"{fmt_ci(stat.mean[-1], stat.ci_low[-1], stat.ci_high[-1])} harm units per run "
            f"(mean and 95% CI, {self.covers}); {codes[worst]} suffers most: {fmt(stat.mean[worst])} harm "
            f"units, {fmt(share)}{PERCENT} of the regional total.")

    def best_effect(self, best):
        """The compared variant's effect on regional harm, its loss, and who gains."""
        results = self.results
        reference = results.variants[results.reference]
        ref_text, best_text = self.label(reference), self.label(best)
        mean, low, high, _ = paired(results, best.index, lambda v: v.totals["harm"])
        harm = self.verdict(mean[-1], low[-1], high[-1])
        pct = (self.pct(harm.mean), self.pct(harm.low), self.pct(harm.high))
        if harm.detectable:
            word = "lowers" if harm.mean < 0 else "raises"
            a, b = sorted((abs(pct[1]), abs(pct[2])))
            self.lines.append(
                f"{best_text} {word} regional harm by {fmt(abs(pct[0]))}{PERCENT} (95% CI "
                f"{fmt(a)}{PERCENT} to {fmt(b)}{PERCENT}, {self.covers}) relative to {ref_text}, "
                f"paired over {best.replicates} replicates.")
        else:
            self.lines.append(
                f"No detectable effect on regional harm: {best_text} changes it by "
                f"{fmt(pct[0])}{PERCENT} (95% CI {fmt(pct[1])}{PERCENT} to {fmt(pct[2])}{PERCENT}, "
                f"{self.covers}; {fmt_ci(harm.mean, harm.low, harm.high)} harm units) relative to "
                f"{ref_text}, paired over {best.replicates} replicates: "
                f"{harm.why_not(self.threshold_text)}.")
        self.loss_explained(best, harm)
        self.state_gains(best)

    def loss_explained(self, best, harm):
        """Regional loss change split into harm, sharing cost and measure cost."""
        results = self.results
        parts = {name: paired(results, best.index, lambda v, n=name: cost_parts(v)[n])
                 for name in ("harm", "sharing_cost", "measure_cost")}
        loss = paired(results, best.index, lambda v: v.totals["loss"])
        verdict = self.verdict(loss[0][-1], loss[1][-1], loss[2][-1])
        if not verdict.excludes_zero:
            return
        costs = []
        for name, words in (("sharing_cost", "report costs (sharing cost)"),
                            ("measure_cost", "the measure's cost")):
            m, lo, hi, _ = parts[name]
            if m[-1] != 0 or lo[-1] != 0 or hi[-1] != 0:
                costs.append(f"{words} {fmt_ci(m[-1], lo[-1], hi[-1])}")
        direction = "rises" if verdict.mean > 0 else "falls"
        low, high = sorted((abs(verdict.low), abs(verdict.high)))
        text = (f"Regional loss {direction} by {fmt_ci(abs(verdict.mean), low, high)} harm units "
                f"under {self.label(best)}")
        if not harm.detectable and costs:
            text += (" even so: not through harm, which does not change detectably, but through "
                     + " and ".join(costs) + f" (harm units, paired 95% CI, {self.covers})")
        elif costs:
            text += (f": harm {fmt_ci(harm.mean, harm.low, harm.high)} plus "
                     + " plus ".join(costs) + f" (harm units, paired 95% CI, {self.covers})")
        else:
            text += f" (paired 95% CI, {self.covers})"
        self.lines.append(text + ".")

    def state_gains(self, best):
        """Which state gains most / loses most, named only when detectable, harm and costs apart."""
        results = self.results
        codes = results.state_codes
        loss = paired(results, best.index, lambda v: v.totals["loss"])
        harm = paired(results, best.index, lambda v: v.totals["harm"])
        costs = {name: paired(results, best.index, lambda v, n=name: cost_parts(v)[n])
                 for name in ("sharing_cost", "measure_cost")}
        verdicts = [self.verdict(loss[0][s], loss[1][s], loss[2][s]) for s in range(len(codes))]
        detectable = [s for s in range(len(codes)) if verdicts[s].detectable]
        if not detectable:
            widest = max(range(len(codes)), key=lambda s: abs(verdicts[s].mean))
            v = verdicts[widest]
            self.lines.append(
                f"No state's own loss changes detectably under {self.label(best)} (largest: "
                f"{codes[widest]}, {fmt_ci(v.mean, v.low, v.high)} harm units, paired 95% CI, "
                f"{self.covers}; "
                f"{v.why_not(self.threshold_text)}).")
            return

        def parts_text(s):
            pieces = [f"harm {fmt_ci(harm[0][s], harm[1][s], harm[2][s])}"]
            for name, words in (("sharing_cost", "sharing cost"),
                                ("measure_cost", "its share of the measure's cost")):
                m = costs[name][0][s]
                if m != 0:
                    pieces.append(f"{words} {fmt(m)}")
                    # (the measure cost share is fixed: no interval)
            return "; ".join(pieces)
        ordered = sorted(detectable, key=lambda s: verdicts[s].mean)
        sentences = []
        for s in dict.fromkeys([ordered[0], ordered[-1]]):
            v = verdicts[s]
            word = "falls" if v.mean < 0 else "rises"
            sentences.append(f"{codes[s]}'s loss {word} by {fmt(abs(v.mean))} harm units "
                             f"({fmt_ci(v.mean, v.low, v.high)}: {parts_text(s)})")
        self.lines.append(f"Under {self.label(best)}: " + "; ".join(sentences) +
                          f" (paired 95% CI, {self.covers}).")

    def sweep_optimum(self, path, x, value_text):
        """Where regional loss is lowest, and free-riding, claimed only when detectable."""
        results = self.results
        codes = results.state_codes
        swept = [i for i in range(len(results.variants)) if np.isfinite(x[i])]
        if len(swept) < 2:
            return
        regional = [results.variants[i].regional("loss").mean() for i in swept]
        optimum = swept[int(np.argmin(regional))]

        def paired_loss(a, b, column, metric="loss"):
            va, vb = results.variants[a], results.variants[b]
            common = min(va.replicates, vb.replicates)
            la, lb = va.totals[metric][:common], vb.totals[metric][:common]
            if column is None:
                diff = la.sum(axis=1) - lb.sum(axis=1)
            else:
                diff = la[:, column] - lb[:, column]
            m, lo, hi = mean_ci(diff[:, None], axis=0)
            return self.verdict(m[0], lo[0], hi[0])
        worst = swept[int(np.argmax(regional))]
        spread = paired_loss(worst, optimum, None)
        if not spread.detectable:
            self.lines.append(
                f"Regional loss does not differ detectably along {path}: the largest paired gap, "
                f"{value_text(x[worst])} against {value_text(x[optimum])}, is "
                f"{fmt_ci(spread.mean, spread.low, spread.high)} harm units (paired 95% CI, "
                f"{self.covers}; {spread.why_not(self.threshold_text)}); no optimum is named.")
            return
        riders = []
        for s, code in enumerate(codes):
            own = [results.variants[i].totals["loss"][:, s].mean() for i in swept]
            own_best = swept[int(np.argmin(own))]
            if own_best == optimum:
                continue
            gap = paired_loss(optimum, own_best, s)
            if gap.detectable:
                riders.append(f"{code} (own loss lowest at {value_text(x[own_best])}, "
                              f"{fmt_ci(gap.mean, gap.low, gap.high)} harm units lower than at "
                              f"the regional optimum, paired 95% CI, {self.covers})")
        sentence = (f"Regional loss is lowest at {path} = {value_text(x[optimum])}, "
                    f"{fmt_ci(spread.mean, spread.low, spread.high)} harm units below "
                    f"{value_text(x[worst])} (paired 95% CI, {self.covers})")
        if not paired_loss(worst, optimum, None, "harm").detectable:
            sentence += (": a difference in costs only, as regional harm does not differ "
                         "detectably between the two")
        if riders:
            sentence += ". An incentive to free-ride, detectable for " + "; ".join(riders)
        else:
            sentence += ". No state has a detectable incentive to free-ride (own optimum away " \
                        "from the regional one, with a gap that passes the tests)"
        self.lines.append(sentence + ".")


def headline_findings(results, relevance=DEFAULT_RELEVANCE):
    """(warnings, findings) as lists of sentences; the report shows warnings first."""
    from . import figures as fig_module
    from .report import best_variant

    found = Findings(results, relevance)
    found.replicate_warnings()
    found.baseline()
    if is_uncertainty_design(results):
        from .uncertainty import design_findings

        found.lines += design_findings(results, found)
    elif is_robust(results):
        # variants differ in parameters and measure at once: no single "best variant"
        from .discovery import findings as robust_findings

        found.lines += robust_findings(results.path)
    else:
        best = best_variant(results)
        if best is not None:
            found.best_effect(best)
        path, x = fig_module.sweep_axis(results)
        names = fig_module.sweep_value_names(results)
        if path is not None:
            found.sweep_optimum(path, x, lambda p: names[int(p)] if names is not None
                                else f"{p:g}")
    return found.warnings, found.lines, found
