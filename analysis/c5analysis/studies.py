"""studies.py — the shipped experiments (scenarios/experiments/*.json): each runs the engine,
reads its output files, computes the numbers of one literature result with their 95% intervals,
draws its figures and derives a verdict from the numbers. docs/experiments.md describes each.

A study spec is a small JSON file:

    {"study": "free_riding",            # which function below runs it (STUDIES)
     "title": "...", "question": "...", "literature": "...",
     "scenario": "../c5-baseline.yaml", # relative to the spec
     "set": ["PATH=VALUE", ...],        # applied to every run (--set)
     "design": {...},                   # the study's own parameters (replicates, levels, ...)
     "quick": {...}}                    # overrides of "design" for the reduced version (--quick)

Every run of a study uses the scenario's seed and the same replicate indices, so replicate r of
any two runs shares its arrivals, targets and severities (common random numbers): differences
are paired by replicate across runs and files, and their intervals are paired intervals.

Verdicts are one of REPRODUCED, PARTLY, NOT_REPRODUCED, INCONCLUSIVE, decided only by whether the
95% intervals of the study's numbers exclude zero in the direction the literature predicts.
"""
import itertools
import json
import math
import os
import subprocess
import time

import numpy as np

from .stats import mean_ci

REPRODUCED = "reproduced"
PARTLY = "partly reproduced"
NOT_REPRODUCED = "not reproduced"
INCONCLUSIVE = "inconclusive"

BOOTSTRAP_DRAWS = 2000
BOOTSTRAP_SEED = 20260101


class StudyError(Exception):
    """A study cannot run: bad spec, missing engine, failed run. One line, no traceback."""


# ---------------------------------------------------------------- specs, the engine, the files

def load_spec(path, quick=False):
    """The spec as a dict with `design` merged with `quick` when asked, paths made absolute."""
    try:
        with open(path, encoding="utf-8") as handle:
            spec = json.load(handle)
    except OSError as error:
        raise StudyError(f"{path}: {error.strerror}")
    except json.JSONDecodeError as error:
        raise StudyError(f"{path}: not valid JSON ({error})")
    for key in ("study", "scenario", "design"):
        if key not in spec:
            raise StudyError(f"{path}: the spec has no '{key}'")
    if spec["study"] not in STUDIES:
        raise StudyError(f"{path}: unknown study '{spec['study']}' (known: "
                         f"{', '.join(sorted(STUDIES))})")
    spec["spec_path"] = os.path.abspath(path)
    spec["scenario"] = os.path.normpath(os.path.join(os.path.dirname(spec["spec_path"]),
                                                     spec["scenario"]))
    design = dict(spec["design"])
    if quick:
        design.update(spec.get("quick", {}))
    spec["design"] = design
    spec["quick_mode"] = bool(quick)
    spec.setdefault("set", [])
    spec.setdefault("name", os.path.splitext(os.path.basename(path))[0])
    return spec


class Engine:
    """Runs c5sim for a study and keeps the list of commands (for the verdict's provenance)."""

    def __init__(self, binary, workdir, threads=None, log=None):
        if not binary or not os.access(binary, os.X_OK):
            raise StudyError(f"c5sim binary not found or not executable: {binary!r} (set C5SIM "
                             "or pass --c5sim)")
        self.binary = binary
        self.workdir = workdir
        self.threads = threads
        self.log = log
        self.commands = []
        self.seconds = 0.0
        os.makedirs(workdir, exist_ok=True)

    def run(self, name, command, scenario, args):
        """`c5sim COMMAND SCENARIO ARGS -o WORKDIR/NAME.h5 --force -q`; returns the file path."""
        out = os.path.join(self.workdir, name + ".h5")
        argv = [self.binary, command, scenario] + list(args) + ["-o", out, "--force", "-q"]
        if self.threads:
            argv += ["-t", str(self.threads)]
        if command == "run":
            argv.append("--no-series")
        start = time.time()
        done = subprocess.run(argv, capture_output=True, text=True)
        self.seconds += time.time() - start
        self.commands.append(" ".join(_quote(a) for a in ["c5sim"] + argv[1:]))
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            raise StudyError(f"c5sim {command} failed (exit {done.returncode}): "
                             f"{lines[-1] if lines else 'no message'}")
        if self.log:
            self.log(f"  ran {name} ({time.time() - start:.1f} s)")
        return out


def _quote(arg):
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
    return arg if arg and set(arg) <= safe else "'" + arg.replace("'", "'\\''") + "'"


def _text(value):
    if isinstance(value, bytes):
        return value.split(b"\0", 1)[0].decode("utf-8", "replace")
    return str(value)


class Output:
    """The parts of a c5sim output file the studies use: per-variant per-replicate totals."""

    def __init__(self, path):
        import h5py

        with h5py.File(path, "r") as h5:
            if int(h5.attrs.get("complete", 0)) != 1:
                raise StudyError(f"{path}: incomplete output")
            states = h5["world/states"][()]
            self.codes = [_text(c) for c in states["code"]]
            self.units = np.asarray(states["units"], dtype=float)
            self.interdiction = np.asarray(states["interdiction"], dtype=float)
            regions = h5["world/regions"][()]
            self.region_owner = np.asarray(regions["owner"], dtype=int)
            self.region_ids = [_text(r) for r in regions["id"]]
            self.domains = list(h5["world/domains"].asstr()[()])
            self.detect = h5["world/detect"][()]
            self.border_bonus = h5["world/border_bonus"][()]
            self.seed = int(h5.attrs["seed"])
            self.variants = []
            keys = sorted((k for k in h5["variants"].keys() if k.isdigit()), key=int)
            for key in keys:
                group = h5["variants"][key]
                overrides = [_text(o) for o in np.atleast_1d(group.attrs.get("overrides", []))]
                totals = {m: np.asarray(group["totals"][m][()], dtype=float)
                          for m in group["totals"].keys()}
                regional = {m: np.asarray(group["regions"][m][()], dtype=float)
                            for m in group["regions"].keys()}
                self.variants.append({"label": _text(group.attrs["label"]),
                                      "overrides": overrides, "totals": totals,
                                      "regions": regional})
            self.replicates = self.variants[0]["totals"]["loss"].shape[0]

    def state(self, code):
        return self.codes.index(code)

    def totals(self, variant, metric):
        """[replicate, state] totals of one variant."""
        return self.variants[variant]["totals"][metric]

    def override(self, variant, path):
        for text in self.variants[variant]["overrides"]:
            key, _, value = text.partition("=")
            if key == path:
                return value
        return None


# ---------------------------------------------------------------- statistics

def interval(values):
    """Mean and 95% t-interval over replicates (the engine's convention), as a dict."""
    values = np.asarray(values, dtype=float)
    mean, low, high = mean_ci(values)
    return {"mean": float(mean), "low": float(low), "high": float(high), "n": int(len(values))}


def sign_of(stat):
    """+1 when the interval lies above 0, -1 below, 0 when it holds 0 (or is a point at 0)."""
    if stat["low"] > 0:
        return 1
    if stat["high"] < 0:
        return -1
    return 0


def bootstrap(replicates, statistic, draws=BOOTSTRAP_DRAWS, seed=BOOTSTRAP_SEED):
    """Percentile 95% interval of `statistic(indices)` over replicate resamples. The same
    resampled indices are used for every run of the study (their replicates are paired)."""
    rng = np.random.default_rng(seed)
    values = np.array([statistic(rng.integers(0, replicates, replicates)) for _ in range(draws)],
                      dtype=float)
    point = float(statistic(np.arange(replicates)))
    return {"mean": point, "low": float(np.percentile(values, 2.5)),
            "high": float(np.percentile(values, 97.5)), "n": int(replicates),
            "method": f"bootstrap percentile, {draws} resamples of replicates"}


def combine(parts):
    """The verdict of a result made of parts, each +1 (holds: its interval on the predicted side
    of 0), -1 (contradicted: on the other side) or 0 (neither)."""
    parts = list(parts)
    if all(p == 1 for p in parts):
        return REPRODUCED
    if 1 in parts:
        return PARTLY
    if -1 in parts:
        return NOT_REPRODUCED
    return INCONCLUSIVE


def fmt(stat, digits=3):
    """'12.3 [10.1, 14.5]' with `digits` significant digits."""
    def g(x):
        return f"{x:.{digits}g}" if math.isfinite(x) else str(x)

    return f"{g(stat['mean'])} [{g(stat['low'])}, {g(stat['high'])}]"


def levels_of(spec_text):
    """'A:B:STEP' (inclusive, as the engine's --vary) or 'V1,V2,...' as a list of floats."""
    if ":" in spec_text:
        start, stop, step = (float(x) for x in spec_text.split(":"))
        count = int(math.floor((stop - start) / step + 1e-9)) + 1
        return [float(f"{start + i * step:.12g}") for i in range(count)]
    return [float(x) for x in spec_text.split(",")]


def _sets(spec, extra=()):
    args = []
    for text in list(spec["set"]) + list(extra):
        args += ["--set", text]
    return args


def _replicates(spec):
    return ["-r", str(int(spec["design"]["replicates"]))]


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, outdir, name, written):
    path = os.path.join(outdir, name)
    fig.savefig(path, dpi=110)
    _figure().close(fig)
    written.append(name)


# ---------------------------------------------------------------- 1. free-riding

def free_riding(spec, engine, outdir):
    """Each state's own best sharing level (others held at `others_level`, its own loss) against
    the regional optimum (the common level minimising regional loss). Gap = optimum - own best,
    bootstrap interval over replicates; plus the paired private cost of moving from one's own
    best to the regional optimum and the region's gain from it."""
    design = spec["design"]
    levels = levels_of(design["levels"])
    level_text = design["levels"]
    common = Output(engine.run("common", "sweep", spec["scenario"],
                               ["--vary", f"sharing.level={level_text}"] + _sets(spec) +
                               _replicates(spec)))
    codes = design.get("states") or common.codes
    region_loss = np.stack([common.totals(k, "loss").sum(axis=1)
                            for k in range(len(levels))], axis=1)          # [R, levels]
    own = {}
    for code in codes:
        out = Output(engine.run(f"own_{code}", "sweep", spec["scenario"],
                                ["--vary", f"states.{code}.sharing.level={level_text}",
                                 "--set", f"sharing.level={design['others_level']}"] +
                                _sets(spec) + _replicates(spec)))
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

    plt = _figure()
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
    _save(fig, outdir, "free_riding.png", figures)
    return {"verdict": verdict, "findings": findings, "figures": figures,
            "numbers": {"levels": levels, "regional_optimum": optimum,
                        "regional_gain": region_gain,
                        "states": [{k: v for k, v in r.items() if k != "own_loss_curve"}
                                   for r in rows]}}


# ---------------------------------------------------------------- 2. burden

def burden(spec, engine, outdir):
    """Olson-Zeckhauser: under full pooling (everyone shares every report, mutual assistance),
    each state's burden = sharing cost + effort_price x busy unit-ticks (response effort), set
    against its capability (response units). Larger members carry a disproportionate share when
    the burden per unit of capability rises with capability (slope > 0) and the larger half's
    share of the burden exceeds its share of the capability."""
    design = spec["design"]
    out = Output(engine.run("pooled", "run", spec["scenario"], _sets(spec) + _replicates(spec)))
    price = float(design["effort_price"])
    capability = out.units.copy()
    sharing = out.totals(0, "sharing_cost")
    effort = price * out.totals(0, "busy_unit_ticks")
    load = sharing + effort                                           # [R, states]
    per_unit = load / capability
    x = capability - capability.mean()
    slopes = (per_unit - per_unit.mean(axis=1, keepdims=True)) @ x / (x @ x)
    order = np.argsort(-capability, kind="stable")
    large = order[: max(1, len(order) // 2)]
    capability_share = capability[large].sum() / capability.sum()
    burden_share = load[:, large].sum(axis=1) / load.sum(axis=1)
    slope = interval(slopes)
    excess = interval(burden_share - capability_share)
    shares = {code: interval(load[:, s] / load.sum(axis=1)) for s, code in enumerate(out.codes)}
    per_unit_stats = {code: interval(per_unit[:, s]) for s, code in enumerate(out.codes)}
    verdict = combine((sign_of(slope), sign_of(excess)))
    # The other side of Olson & Zeckhauser's ledger: who gains from the pooling. The same
    # replicates without any sharing or lending (paired): harm avoided per unit of capability.
    alone = Output(engine.run("alone", "run", spec["scenario"],
                              _sets(spec, design["alone_set"]) + _replicates(spec)))
    gained = (alone.totals(0, "harm") - out.totals(0, "harm")) / capability
    gain_slopes = (gained - gained.mean(axis=1, keepdims=True)) @ x / (x @ x)
    gain_slope = interval(gain_slopes)
    gain_per_unit = {code: interval(gained[:, s]) for s, code in enumerate(out.codes)}
    names = ", ".join(out.codes[s] for s in large)
    findings = [
        "Capability (response units): " + ", ".join(f"{c} {capability[s]:g}"
                                                     for s, c in enumerate(out.codes)) + ".",
        "Burden per unit of capability (harm units per run): " +
        "; ".join(f"{c} {fmt(per_unit_stats[c])}" for c in out.codes) + ".",
        f"Slope of burden per unit on capability: {fmt(slope)} harm units per unit per unit "
        f"(per replicate, least squares across states).",
        f"The larger members ({names}) hold {capability_share:.1%} of the capability and carry "
        f"{fmt({k: 100 * v for k, v in interval(burden_share).items() if k != 'n'})}% of the "
        f"burden: an excess of {fmt({k: 100 * v for k, v in excess.items() if k != 'n'})} "
        "percentage points.",
        "Harm avoided by the pooling, per unit of capability (against no sharing and no lending, "
        "paired): " + "; ".join(f"{c} {fmt(gain_per_unit[c])}" for c in out.codes) +
        f"; slope on capability {fmt(gain_slope)} (not part of the verdict).",
    ]
    plt = _figure()
    figures = []
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    ax = axes[0]
    cap_share = capability / capability.sum()
    for s, code in enumerate(out.codes):
        st = shares[code]
        ax.errorbar(cap_share[s], st["mean"], yerr=[[st["mean"] - st["low"]],
                                                    [st["high"] - st["mean"]]],
                    fmt="o", capsize=4)
        ax.annotate(code, (cap_share[s], st["mean"]), textcoords="offset points", xytext=(6, 4))
    lim = max(cap_share.max(), max(s["high"] for s in shares.values())) * 1.1
    ax.plot([0, lim], [0, lim], color="grey", ls="--", label="burden share = capability share")
    ax.set_xlabel("share of the region's response units")
    ax.set_ylabel("share of the region's burden (95% CI)")
    ax.set_title("Burden share against capability share")
    ax.legend(fontsize=8)
    ax = axes[1]
    xs = np.arange(len(out.codes))
    ax.bar(xs - 0.2, sharing.mean(axis=0) / capability, width=0.4, label="sharing cost")
    ax.bar(xs + 0.2, effort.mean(axis=0) / capability, width=0.4,
           label=f"response effort ({price:g} per unit-tick)")
    ax.set_xticks(xs, [f"{c}\n({capability[s]:g} units)" for s, c in enumerate(out.codes)])
    ax.set_ylabel("harm units per run per response unit")
    ax.set_title("Burden per unit of capability")
    ax.legend(fontsize=8)
    fig.suptitle("Burden of the common security space (Olson & Zeckhauser)")
    fig.tight_layout()
    _save(fig, outdir, "burden.png", figures)
    return {"verdict": verdict, "findings": findings, "figures": figures,
            "numbers": {"capability": dict(zip(out.codes, capability.tolist())),
                        "burden_share": shares, "burden_per_unit": per_unit_stats,
                        "slope": slope, "large_members": [out.codes[s] for s in large],
                        "large_capability_share": float(capability_share),
                        "large_excess_share": excess, "gain_per_unit": gain_per_unit,
                        "gain_slope": gain_slope}}


# ---------------------------------------------------------------- 3. tipping

def _members_text(codes, members):
    return "[" + ",".join(codes[i] for i in members) + "]"


def _tipping_game(results, states):
    """Tipping analysis of one coalition form. `results` = [(contagion level, {frozenset of
    member indices: [replicate, state] losses})] over every subset of `states`."""
    N = len(states)
    everyone = frozenset(range(N))

    def name(members):
        return "{" + ",".join(states[i] for i in sorted(members)) + "}"

    rows = []
    for level, losses in results:
        gains = {}
        for members, loss in losses.items():
            for j in everyone - members:
                gains[(members, j)] = interval(loss[:, j] - losses[members | {j}][:, j])
        tips = [S for S in losses
                if all(gains[(T, j)]["low"] > 0 for T in losses if S <= T
                       for j in everyone - T)]
        smallest = min(len(S) for S in tips)  # the whole region tips vacuously
        by_size = {}
        for (members, j), st in gains.items():
            by_size.setdefault(len(members), []).append(st)
        rows.append({
            "contagion": level, "smallest_tipping_size": smallest,
            "tipping_sets": sorted(name(S) for S in tips if len(S) == smallest and len(S) < N),
            "join_gains": {name(m) + "+" + states[j]: st for (m, j), st in gains.items()},
            "join_sizes": {name(m) + "+" + states[j]: len(m) for (m, j) in gains},
            "mean_join_gain_by_size": {k: float(np.mean([s["mean"] for s in v]))
                                       for k, v in sorted(by_size.items())},
            "positive_share_by_size": {k: float(np.mean([s["low"] > 0 for s in v]))
                                       for k, v in sorted(by_size.items())},
        })
    # Contagion's own effect on the attraction of joining: the join gain at the highest level
    # minus at the lowest, averaged over every (coalition, outsider), paired per replicate.
    lo_losses, hi_losses = results[0][1], results[-1][1]
    shift = np.mean([(hi_losses[m][:, j] - hi_losses[m | {j}][:, j]) -
                     (lo_losses[m][:, j] - lo_losses[m | {j}][:, j])
                     for m in lo_losses for j in everyone - m], axis=0)
    return {"states": list(states), "levels": rows, "contagion_shift": interval(shift)}


def _tipping_findings(game, form):
    N = len(game["states"])
    lines = []
    for r in game["levels"]:
        size = r["smallest_tipping_size"]
        lines.append(
            f"{form}, contagion {r['contagion']:g}: " +
            (f"the smallest tipping coalition has {size} of {N} states "
             f"({'; '.join(r['tipping_sets'])})" if size < N else
             f"no coalition smaller than all {N} states tips the rest") +
            "; share of outsiders better off joining (interval above 0) by coalition size: " +
            ", ".join(f"{k}: {v:.0%}" for k, v in r["positive_share_by_size"].items()) + ".")
    low, high = game["levels"][0], game["levels"][-1]
    lines.append(f"{form}: raising contagion from {low['contagion']:g} to "
                 f"{high['contagion']:g} changes the average join gain by "
                 f"{fmt(game['contagion_shift'])} harm units per run (paired).")
    return lines


def tipping(spec, engine, outdir):
    """Heal-Kunreuther. The primary coalition form is a fusion centre: members send each
    detection once to the centre, which forwards it to the other members, everyone else
    withholds (a fixed cost of joining, a benefit growing with the members: the structure of
    the interdependent-security game). The second form, reported for robustness, is the
    `coalitions` command's (members share every report bilaterally with each other). Join gain
    of j outside S = loss_j(S) - loss_j(S + j), paired. S tips when, for every T containing S
    and every j outside T, j's join gain is positive (interval above 0): from S on, joining is
    every outsider's best reply, whatever the order. Compared across contagion levels of the
    contagious threat types."""
    design = spec["design"]
    states = design.get("states")
    hub_results, agreement_results = [], []
    for level in design["contagion"]:
        level_sets = [f"{path}={level}" for path in design["contagion_paths"]]
        losses = {}
        size = 0
        while states is None or size <= len(states):
            combos = [()] if size == 0 else itertools.combinations(range(len(states)), size)
            for members in combos:
                extra = ["sharing.policy=withhold"]
                if members:
                    extra.append(f"hub.members={_members_text(states, members)}")
                    extra += [f"states.{states[i]}.sharing.policy=hub" for i in members]
                tag = "_".join(states[i] for i in members) if members else "none"
                out = Output(engine.run(f"contagion{level}_{tag}", "run", spec["scenario"],
                                        _sets(spec, level_sets + extra) + _replicates(spec)))
                states = states or out.codes
                losses[frozenset(members)] = np.stack(
                    [out.totals(0, "loss")[:, out.state(c)] for c in states], axis=1)
            size += 1
        hub_results.append((level, losses))
        if design.get("agreements", True):
            # Variant k of `c5sim coalitions` is the coalition with member bitmask k.
            out = Output(engine.run(f"contagion{level}_agreements", "coalitions",
                                    spec["scenario"],
                                    _sets(spec, level_sets) + _replicates(spec)))
            agreement_results.append((level, {
                frozenset(i for i in range(len(out.codes)) if k >> i & 1):
                    # (only the first 2^N: free-riders and structures follow them)
                    out.totals(k, "loss") for k in range(2 ** len(out.codes))}))
            agreement_states = out.codes
    hub = _tipping_game(hub_results, states)
    N = len(states)
    low, high = hub["levels"][0], hub["levels"][-1]
    if high["smallest_tipping_size"] < N and high["smallest_tipping_size"] < \
            low["smallest_tipping_size"]:
        verdict = REPRODUCED
    elif high["smallest_tipping_size"] < N:
        verdict = PARTLY
    else:
        verdict = NOT_REPRODUCED
    findings = _tipping_findings(hub, "Fusion centre")
    # The outsiders for whom joining fails longest, at the highest contagion level.
    worst = sorted(high["join_gains"].items(), key=lambda kv: kv[1]["mean"])[:3]
    findings.append("Least attractive joins of the centre at the highest contagion level: " +
                    "; ".join(f"{k} {fmt(v)}" for k, v in worst) + " harm units per run.")
    numbers = {"states": states, "levels": hub["levels"],
               "contagion_shift": hub["contagion_shift"]}
    games = [("fusion centre", hub)]
    if agreement_results:
        agreements = _tipping_game(agreement_results, agreement_states)
        findings += _tipping_findings(agreements, "Bilateral agreements (not in the verdict)")
        numbers["agreements"] = agreements
        games.append(("bilateral agreements", agreements))
    plt = _figure()
    figures = []
    fig, axes = plt.subplots(1, len(games), figsize=(7 * len(games), 4.8), squeeze=False)
    for ax, (form, game) in zip(axes[0], games):
        levels = game["levels"]
        for offset, r in zip(np.linspace(-0.15, 0.15, len(levels)), levels):
            keys = list(r["join_gains"])
            st = [r["join_gains"][k] for k in keys]
            ax.errorbar([r["join_sizes"][k] + offset for k in keys], [x["mean"] for x in st],
                        yerr=[[x["mean"] - x["low"] for x in st],
                              [x["high"] - x["mean"] for x in st]],
                        fmt="o", ms=3, capsize=2, alpha=0.7,
                        label=f"contagion {r['contagion']:g}")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xlabel("size of the coalition before the outsider joins")
        ax.set_ylabel("outsider's loss avoided by joining (harm units per run)")
        ax.set_title(f"{form}: join gain of every outsider (95% CI, paired)")
        ax.legend(fontsize=8)
    fig.suptitle("Tipping: is joining worth more as the coalition grows, and with contagion?")
    fig.tight_layout()
    _save(fig, outdir, "tipping.png", figures)
    return {"verdict": verdict, "findings": findings, "figures": figures, "numbers": numbers}


# ---------------------------------------------------------------- 4. weakest link

def weakest_link(spec, engine, outdir):
    """Hirshleifer / Varian: with adaptive adversaries (routes that minimise detection), harden
    the weakest state's border (lowest detect + border bonus over the hardened domains) and,
    separately, the strongest's by the same increments. Weakest link: hardening the weakest
    averts more regional harm. Displacement: threats entering the other states' regions rise
    when a state is hardened against adaptive adversaries, more than against fixed routes."""
    design = spec["design"]
    domains = design["domains"]
    adaptive_sets = {flag: [f"threats.{t}.adaptive={'true' if flag else 'false'}"
                            for t in design["adaptive_types"]] for flag in (False, True)}
    outs = {}
    for flag in (True, False):
        outs[(flag, "base")] = Output(engine.run(f"{'adaptive' if flag else 'fixed'}_base",
                                                 "run", spec["scenario"],
                                                 _sets(spec, adaptive_sets[flag]) +
                                                 _replicates(spec)))
    base = outs[(True, "base")]
    d_index = [base.domains.index(d) for d in domains]
    score = (base.detect[:, d_index] + base.border_bonus[:, d_index]).sum(axis=1)
    candidates = [base.state(c) for c in design.get("states", base.codes)]
    weakest = min(candidates, key=lambda s: score[s])
    strongest = max(candidates, key=lambda s: score[s])

    def hardening(s):
        code = base.codes[s]
        sets = []
        for d, name in zip(d_index, domains):
            sets.append(f"states.{code}.detect.{name}="
                        f"{min(1.0, base.detect[s, d] + design['detect_increase']):.6g}")
            sets.append(f"states.{code}.border_bonus.{name}="
                        f"{min(1.0, base.border_bonus[s, d] + design['border_increase']):.6g}")
        return sets

    for flag in (True, False):
        for role, s in (("weakest", weakest), ("strongest", strongest)):
            outs[(flag, role)] = Output(engine.run(
                f"{'adaptive' if flag else 'fixed'}_harden_{base.codes[s]}", "run",
                spec["scenario"], _sets(spec, adaptive_sets[flag] + hardening(s)) +
                _replicates(spec)))

    def region_harm(out):
        return out.totals(0, "harm").sum(axis=1)

    def entries_elsewhere(out, s):
        """Threats entering regions owned by states other than s (origins included)."""
        mask = (base.region_owner >= 0) & (base.region_owner != s)
        return out.variants[0]["regions"]["arrivals"][:, mask].sum(axis=1)

    numbers = {"weakest": base.codes[weakest], "strongest": base.codes[strongest],
               "score": dict(zip(base.codes, score.tolist())), "domains": domains}
    for flag in (True, False):
        key = "adaptive" if flag else "fixed"
        b = outs[(flag, "base")]
        entry = {}
        for role, s in (("weakest", weakest), ("strongest", strongest)):
            h = outs[(flag, role)]
            entry[role] = {
                "harm_averted": interval(region_harm(b) - region_harm(h)),
                "displaced_entries": interval(entries_elsewhere(h, s) - entries_elsewhere(b, s)),
                "harm_change_others": interval(
                    np.delete(h.totals(0, "harm") - b.totals(0, "harm"), s, axis=1).sum(axis=1)),
            }
        entry["weakest_minus_strongest"] = interval(
            region_harm(outs[(flag, "strongest")]) - region_harm(outs[(flag, "weakest")]))
        numbers[key] = entry
    a, f = numbers["adaptive"], numbers["fixed"]
    # Displacement beyond what fixed routes show (difference in differences, paired).
    did = interval((entries_elsewhere(outs[(True, "weakest")], weakest) -
                    entries_elsewhere(outs[(True, "base")], weakest)) -
                   (entries_elsewhere(outs[(False, "weakest")], weakest) -
                    entries_elsewhere(outs[(False, "base")], weakest)))
    numbers["displacement_adaptive_minus_fixed"] = did
    verdict = combine((sign_of(a["weakest_minus_strongest"]),
                       sign_of(a["weakest"]["displaced_entries"]), sign_of(did)))
    W, S = base.codes[weakest], base.codes[strongest]
    findings = [
        f"Weakest border: {W} (detect + border bonus over {', '.join(domains)}: "
        f"{score[weakest]:.3g}); strongest: {S} ({score[strongest]:.3g}). Both hardened by "
        f"+{design['detect_increase']:g} detection and +{design['border_increase']:g} border "
        "bonus in those domains.",
        f"Adaptive adversaries: hardening {W} averts {fmt(a['weakest']['harm_averted'])} harm "
        f"units per run, hardening {S} {fmt(a['strongest']['harm_averted'])}; difference "
        f"{fmt(a['weakest_minus_strongest'])} (paired).",
        f"Fixed routes (control): {W} {fmt(f['weakest']['harm_averted'])}, {S} "
        f"{fmt(f['strongest']['harm_averted'])}; difference {fmt(f['weakest_minus_strongest'])}.",
        f"Displacement: hardening {W} changes the threats entering the other states' regions by "
        f"{fmt(a['weakest']['displaced_entries'])} per run against adaptive adversaries and by "
        f"{fmt(f['weakest']['displaced_entries'])} against fixed routes (difference {fmt(did)}); "
        f"the other states' harm changes by {fmt(a['weakest']['harm_change_others'])}.",
    ]
    plt = _figure()
    figures = []
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    labels = [f"harden {W}\n(weakest)", f"harden {S}\n(strongest)"]
    for ax, metric, title in ((axes[0], "harm_averted", "Regional harm averted"),
                              (axes[1], "displaced_entries",
                               "Threat entries into the other states' regions")):
        for offset, key, name in ((-0.15, "adaptive", "adaptive adversaries"),
                                  (0.15, "fixed", "fixed routes")):
            st = [numbers[key][r][metric] for r in ("weakest", "strongest")]
            ax.errorbar(np.arange(2) + offset, [x["mean"] for x in st],
                        yerr=[[x["mean"] - x["low"] for x in st],
                              [x["high"] - x["mean"] for x in st]],
                        fmt="o", capsize=4, label=name)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xticks(np.arange(2), labels)
        ax.set_ylabel("change per run vs no hardening (paired 95% CI)"
                      if metric == "displaced_entries" else "harm units per run (paired 95% CI)")
        ax.set_title(title)
        ax.legend(fontsize=8)
    fig.suptitle("Weakest link: hardening the weakest vs the strongest border")
    fig.tight_layout()
    _save(fig, outdir, "weakest_link.png", figures)
    return {"verdict": verdict, "findings": findings, "figures": figures, "numbers": numbers}


# ---------------------------------------------------------------- 5. leaks and monitoring

def leaks_monitoring(spec, engine, outdir):
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
                            _sets(spec) + _replicates(spec)))

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
    plt = _figure()
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
    _save(fig, outdir, "leaks_monitoring.png", figures)
    return {"verdict": verdict, "findings": findings, "figures": figures, "numbers": numbers}


# ---------------------------------------------------------------- registry

STUDIES = {
    "free_riding": free_riding,
    "burden": burden,
    "tipping": tipping,
    "weakest_link": weakest_link,
    "leaks_monitoring": leaks_monitoring,
}


def run_study(spec, engine, outdir):
    """Run the study, write verdict.json and verdict.md; returns the result dict."""
    start = time.time()
    result = STUDIES[spec["study"]](spec, engine, outdir)
    result.update({
        "study": spec["study"], "name": spec["name"], "title": spec.get("title", spec["name"]),
        "question": spec.get("question", ""), "literature": spec.get("literature", ""),
        "design_text": spec.get("design_text", ""), "design": spec["design"],
        "quick": spec["quick_mode"], "spec": spec["spec_path"], "scenario": spec["scenario"],
        "set": spec["set"], "commands": engine.commands,
        "seconds": round(time.time() - start, 1), "engine_seconds": round(engine.seconds, 1),
    })
    with open(os.path.join(outdir, "verdict.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1, default=float)
    with open(os.path.join(outdir, "verdict.md"), "w", encoding="utf-8") as handle:
        handle.write(verdict_markdown(result))
    return result


def verdict_markdown(result):
    lines = [f"# {result['title']}", "",
             f"**Verdict: {result['verdict']}**" + (" (reduced version, --quick)"
                                                     if result["quick"] else ""), ""]
    if result["question"]:
        lines += [f"**Question.** {result['question']}", ""]
    if result["literature"]:
        lines += [f"**Literature.** {result['literature']}", ""]
    if result["design_text"]:
        lines += [f"**Design.** {result['design_text']}", ""]
    lines += ["**Findings** (means with 95% intervals; differences paired by replicate):", ""]
    lines += [f"- {f}" for f in result["findings"]]
    lines += [""] + [f"![{name}]({name})" for name in result["figures"]]
    lines += ["", f"Commands ({result['seconds']} s in all, {result['engine_seconds']} s in "
                  "the engine):", "", "```"] + result["commands"] + ["```", ""]
    return "\n".join(lines)
