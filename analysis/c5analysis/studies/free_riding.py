"""free_riding.py — Gordon, Loeb & Lucyshyn / Gal-Or & Ghose: is the sharing the states choose
for themselves (a Nash equilibrium of the sharing game, found by `c5sim equilibrium`) short of
what minimises the region's loss?"""
import numpy as np

from .common import (StudyError, combine_headline, figure_module, fmt, interval, relevant,
                     replicates, save, sets, text)


class Game:
    """The parts of `/equilibrium` the study reads (docs/output-format.md)."""

    def __init__(self, path):
        import h5py

        with h5py.File(path, "r") as h5:
            if int(h5.attrs.get("complete", 0)) != 1:
                raise StudyError(f"{path}: incomplete output")
            g = h5["equilibrium"]
            self.strategies = [float(text(s)) for s in g["strategies"][()]]
            self.states = [text(s) for s in g["states"][()]]
            self.levels = np.asarray(g["profiles/levels"][()], dtype=int)
            self.excluded = np.asarray(g["profiles/excluded"][()], dtype=float)
            self.loss = np.asarray(g["profiles/loss"][()], dtype=float)      # [P, R, N]
            self.equilibria = np.asarray(g["equilibria"][()], dtype=float).reshape(-1, 12)
            self.optimum = np.asarray(g["optimum"][()], dtype=float)
            self.poa = np.asarray(g["price_of_anarchy"][()], dtype=float)
            self.grim = (np.asarray(g["grim_trigger"][()], dtype=float),
                         int(g["grim_trigger"].attrs.get("sustained", -1)))
            self.transfers = np.asarray(g["transfers"][()], dtype=float)

    def profile(self, row):
        return [self.strategies[b] for b in self.levels[row]]

    def regional(self, row):
        return self.loss[row].sum(axis=1)


def run(spec, engine, outdir, draw=True):
    """`c5sim equilibrium` over the declared grid of sharing levels: each state's payoff is its
    own loss. Claim (headline): even the best equilibrium leaves the region worse off than the
    optimum (price of stability above 1 by the relevance threshold). Second part: every
    equilibrium shares less, on average over the states, than the optimum."""
    design = spec["design"]
    args = ["--levels", design["levels"]] + sets(spec) + replicates(spec)
    game = Game(engine.run("equilibrium", "equilibrium", spec["scenario"], args))
    opt = int(game.optimum[0])
    opt_loss = game.regional(opt)
    scale = float(opt_loss.mean())
    threshold = float(spec["relevance"]) * scale
    rows = [int(r) for r in game.equilibria[:, 0]] if len(game.equilibria) else []
    mean_level = {r: float(np.mean(game.profile(r))) for r in rows + [opt]}
    if rows:
        best = min(rows, key=lambda r: game.regional(r).mean())
        worst = max(rows, key=lambda r: game.regional(r).mean())
        stability = interval(game.regional(best) - opt_loss)
        anarchy = interval(game.regional(worst) - opt_loss)
        headline = relevant(stability, threshold)
        below = [mean_level[r] < mean_level[opt] for r in rows]
        above = [mean_level[r] > mean_level[opt] for r in rows]
        under = 1 if all(below) else (-1 if any(above) else 0)
    else:
        best = worst = None
        stability = anarchy = {"mean": float("nan"), "low": float("nan"), "high": float("nan")}
        headline, under = 0, 0
    parts = {"best_equilibrium_short_of_optimum": headline, "equilibria_share_less": under}
    verdict = combine_headline(headline, [under])

    def profile_text(row):
        return ", ".join(f"{c} {v:g}" for c, v in zip(game.states, game.profile(row)))

    findings = [
        f"Regional optimum ({'exact' if game.optimum[1] == 1 else 'best evaluated, a local optimum'}):"
        f" {profile_text(opt)}; regional loss {fmt(interval(opt_loss))} harm units per run.",
        (f"{len(rows)} equilibri{'um' if len(rows) == 1 else 'a'} found (Holm rule over every "
         "unilateral deviation): " + "; ".join(
             f"{profile_text(r)} (regional loss {fmt(interval(game.regional(r)))})"
             for r in rows[:4]) + ("; ..." if len(rows) > 4 else "") + "."
         if rows else "No pure-strategy equilibrium found on the grid."),
        f"Best equilibrium minus optimum (price of stability, paired): {fmt(stability)} harm "
        f"units per run; worst equilibrium minus optimum: {fmt(anarchy)} (relevance threshold "
        f"{threshold:.3g}). Price of anarchy {game.poa[0]:.4g} (bootstrap "
        f"{game.poa[1]:.4g} to {game.poa[2]:.4g}).",
    ]
    grim, sustained = game.grim
    label = {1: "sustained by exclusion (grim trigger)", 0: "not sustained by exclusion",
             2: "undecided", -1: "not computed"}.get(sustained, "not computed")
    findings.append(f"The optimum is {label}; transfers from the best equilibrium to the optimum "
                    "(received > 0): " + ", ".join(
                        f"{c} {fmt({'mean': t[3], 'low': t[4], 'high': t[5]})}"
                        for c, t in zip(game.states, game.transfers)) + ".")
    figures = []
    if draw:
        plt = figure_module()
        fig, ax = plt.subplots(figsize=(8, 4.8))
        # the grim trigger's exclusion profiles are not strategy profiles of the game
        rows_game = [p for p in range(len(game.levels)) if game.excluded[p] < 0]
        ax.scatter([np.mean(game.profile(p)) for p in rows_game],
                   [game.regional(p).mean() for p in rows_game], s=8, color="grey",
                   label="evaluated profiles")
        for r in rows:
            ax.scatter(mean_level[r], game.regional(r).mean(), color="tab:red", s=40)
        ax.scatter([], [], color="tab:red", label="equilibria")
        ax.scatter(mean_level[opt], scale, color="black", marker="*", s=160,
                   label="regional optimum")
        ax.set_xlabel("mean sharing level over the five states")
        ax.set_ylabel("regional loss per run (harm units)")
        ax.set_title("The sharing game: equilibria against the regional optimum")
        ax.legend(fontsize=8)
        fig.tight_layout()
        save(fig, outdir, "free_riding.png", figures)
    return {"verdict": verdict, "parts": parts, "findings": findings, "figures": figures,
            "numbers": {"states": game.states, "optimum": game.profile(opt),
                        "equilibria": [game.profile(r) for r in rows],
                        "price_of_stability": stability, "anarchy_gap": anarchy,
                        "price_of_anarchy": game.poa.tolist(), "grim_trigger": label,
                        "transfers": dict(zip(game.states, game.transfers[:, 3].tolist())),
                        "profiles_evaluated": int((game.excluded < 0).sum()), "regional_loss": scale}}
