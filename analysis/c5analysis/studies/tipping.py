"""tipping.py — Heal & Kunreuther's tipping with contagious threats: is there a coalition smaller
than the region from which joining is every outsider's best reply, is the all-join state an
equilibrium, and does contagion (the interdependence) make joining more attractive?"""
import itertools

import numpy as np

from .common import (Output, combine_headline, figure_module, fmt, holm, interval, relevant,
                     replicates, save, sets)


def _members_text(codes, members):
    return "[" + ",".join(codes[i] for i in members) + "]"


def _game(losses, states):
    """Join gains, tipping sets and leave gains of one contagion level. `losses` maps a frozenset
    of member indices to [replicate, state] losses, over every subset of `states`."""
    N = len(states)
    everyone = frozenset(range(N))

    def name(members):
        return "{" + ",".join(states[i] for i in sorted(members)) + "}"

    gains = {}
    for members, loss in losses.items():
        for j in everyone - members:
            gains[(members, j)] = interval(loss[:, j] - losses[members | {j}][:, j])
    # S tips when from S on every outsider's join gain lies above 0, whatever the order: an
    # intersection of tests, each at 0.05, needs no multiplicity correction.
    tips = [S for S in losses
            if all(gains[(T, j)]["low"] > 0 for T in losses if S <= T for j in everyone - T)]
    smallest = min(len(S) for S in tips)  # the whole region tips vacuously
    # Leaving the all-join state: leave gain of j = loss_j(N) - loss_j(N - j); a union of N
    # tests ("someone gains by leaving"), so Holm.
    leave = {states[j]: interval(losses[everyone][:, j] - losses[everyone - {j}][:, j])
             for j in range(N)}
    return {"smallest_tipping_size": smallest,
            "tipping_sets": sorted(name(S) for S in tips if len(S) == smallest and len(S) < N),
            "join_gains": {name(m) + "+" + states[j]: st for (m, j), st in gains.items()},
            "join_sizes": {name(m) + "+" + states[j]: len(m) for (m, j) in gains},
            "leave_gains": leave}


def run(spec, engine, outdir, draw=True):
    """A coalition S is the membership of a fusion centre: members send each detection once to the
    centre, which forwards it to the other members; non-members withhold. Every subset S of the
    states is run at each contagion level of the contagious types. Join gain of an outsider j =
    loss_j(S) - loss_j(S + j), paired by replicate."""
    design = spec["design"]
    states = design.get("states")
    levels = list(dict.fromkeys(float(x) for x in design["contagion"]))
    results = []
    scale = None
    for level in levels:
        level_sets = [f"{path}={level:g}" for path in design["contagion_paths"]]
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
                out = Output(engine.run(f"contagion{level:g}_{tag}", "run", spec["scenario"],
                                        sets(spec, level_sets + extra) + replicates(spec)))
                states = states or out.codes
                losses[frozenset(members)] = np.stack(
                    [out.totals(0, "loss")[:, out.state(c)] for c in states], axis=1)
                if scale is None:
                    scale = float(out.totals(0, "harm").sum(axis=1).mean())
            size += 1
        results.append((level, losses))
    N = len(states)
    games = [(level, _game(losses, states)) for level, losses in results]
    threshold = float(spec["relevance"]) * scale / N  # a join gain is one state's
    low, high = games[0][1], games[-1][1]
    everyone = frozenset(range(N))
    # 3. (the claim) Contagion raises the attraction of joining: the join gain at the highest
    # level minus at the lowest, averaged over every (coalition, outsider), paired.
    if len(results) > 1:
        lo, hi = results[0][1], results[-1][1]
        shift = interval(np.mean([(hi[m][:, j] - hi[m | {j}][:, j]) -
                                  (lo[m][:, j] - lo[m | {j}][:, j])
                                  for m in lo for j in everyone - m], axis=0))
        contagion = relevant(shift, threshold)
        if high["smallest_tipping_size"] < low["smallest_tipping_size"]:
            contagion = 1
    else:
        shift = {"mean": 0.0, "low": 0.0, "high": 0.0, "n": 0}
        contagion = 0
    tipping_part = 1 if high["smallest_tipping_size"] < N else -1
    leave = high["leave_gains"]
    leave_rejected = holm([leave[c]["p_above"] for c in states])
    if any(r and leave[c]["mean"] >= threshold for c, r in zip(states, leave_rejected)):
        all_join = -1
    elif all(leave[c]["high"] < 0 for c in states):
        all_join = 1
    else:
        all_join = 0
    parts = {"contagion_matters": contagion, "tipping_set": tipping_part,
             "all_join_equilibrium": all_join}
    verdict = combine_headline(contagion, [tipping_part, all_join])
    findings = []
    for level, game in games:
        size = game["smallest_tipping_size"]
        findings.append(
            f"Contagion {level:g}: " +
            (f"the smallest tipping coalition has {size} of {N} states "
             f"({'; '.join(game['tipping_sets'])})" if size < N else
             f"no coalition smaller than all {N} states tips the rest") + ".")
    findings.append(
        f"All states in the centre, contagion {levels[-1]:g}: gain from leaving (Holm over {N}) " +
        "; ".join(f"{c} {fmt(leave[c])}" + (" *" if r else "")
                  for c, r in zip(states, leave_rejected)) +
        " harm units per run (* leaving pays at family-wise 0.05).")
    findings.append(
        (f"Raising contagion from {levels[0]:g} to {levels[-1]:g} changes the average join gain "
         f"by {fmt(shift)} harm units per run (paired; relevance threshold {threshold:.3g})."
         if len(levels) > 1 else "One contagion level only: no contrast (the placebo)."))
    figures = []
    if draw:
        plt = figure_module()
        fig, ax = plt.subplots(figsize=(8, 4.8))
        for offset, (level, game) in zip(np.linspace(-0.15, 0.15, len(games)), games):
            keys = list(game["join_gains"])
            st = [game["join_gains"][k] for k in keys]
            ax.errorbar([game["join_sizes"][k] + offset for k in keys], [x["mean"] for x in st],
                        yerr=[[x["mean"] - x["low"] for x in st],
                              [x["high"] - x["mean"] for x in st]],
                        fmt="o", ms=3, capsize=2, alpha=0.7, label=f"contagion {level:g}")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xlabel("size of the coalition before the outsider joins")
        ax.set_ylabel("outsider's loss avoided by joining (harm units per run)")
        ax.set_title("Join gain of every outsider of the fusion centre (95% CI, paired)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        save(fig, outdir, "tipping.png", figures)
    return {"verdict": verdict, "parts": parts, "findings": findings, "figures": figures,
            "numbers": {"states": states, "levels": [dict(g, contagion=l) for l, g in games],
                        "contagion_shift": shift, "leave_rejected": dict(zip(states,
                                                                            leave_rejected)),
                        "regional_harm": scale}}
