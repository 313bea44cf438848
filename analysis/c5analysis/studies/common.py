"""common.py — what every study shares: specs, the engine, output files, intervals, tests with
Holm's correction, the relevance rule and the verdict vocabulary (docs/experiments.md)."""
import json
import math
import os
import subprocess
import time

import numpy as np

from ..stats import mean_ci

REPRODUCED = "reproduced"
PARTLY = "partly reproduced"
NOT_REPRODUCED = "not reproduced"
INCONCLUSIVE = "inconclusive"
# Overall verdicts only: the placebo came out reproduced, or the seeds disagree.
CANNOT_DISCRIMINATE = "design cannot discriminate"
SEED_DEPENDENT = "inconclusive (depends on the seed)"
VERDICTS = (REPRODUCED, PARTLY, NOT_REPRODUCED, INCONCLUSIVE, CANNOT_DISCRIMINATE, SEED_DEPENDENT)

BOOTSTRAP_DRAWS = 2000
BOOTSTRAP_SEED = 20260101
ALPHA = 0.05          # family-wise error rate of a part resting on several tests (Holm)
RELEVANCE = 0.01      # default: an effect must reach 1% of the reference's regional harm
SEEDS = (1, 2, 3)     # default seeds of a full study; --quick uses the first


class StudyError(Exception):
    """A study cannot run: bad spec, missing engine, failed run. One line, no traceback."""


# ---------------------------------------------------------------- specs

def load_spec(path, quick=False):
    """The spec as a dict with `design` merged with `quick` when asked, paths made absolute."""
    from . import STUDIES

    try:
        with open(path, encoding="utf-8") as handle:
            spec = json.load(handle)
    except OSError as error:
        raise StudyError(f"{path}: {error.strerror}")
    except json.JSONDecodeError as error:
        raise StudyError(f"{path}: not valid JSON ({error})")
    for key in ("study", "scenario", "design", "placebo"):
        if key not in spec:
            raise StudyError(f"{path}: the spec has no '{key}' (every study carries a placebo: "
                             "docs/experiments.md)")
    if spec["study"] not in STUDIES:
        raise StudyError(f"{path}: unknown study '{spec['study']}' (known: "
                         f"{', '.join(sorted(STUDIES))})")
    placebo = spec["placebo"]
    if not isinstance(placebo, dict) or "description" not in placebo or \
            not (placebo.get("set") or placebo.get("design")):
        raise StudyError(f"{path}: 'placebo' needs a 'description' and a 'set' or 'design'")
    spec["spec_path"] = os.path.abspath(path)
    spec["scenario"] = os.path.normpath(os.path.join(os.path.dirname(spec["spec_path"]),
                                                     spec["scenario"]))
    design = dict(spec["design"])
    if quick:
        design.update(spec.get("quick", {}))
    spec["design"] = design
    spec["quick_mode"] = bool(quick)
    spec.setdefault("set", [])
    spec.setdefault("relevance", RELEVANCE)
    seeds = design.get("seeds", list(SEEDS))
    if not isinstance(seeds, list) or not seeds or not all(isinstance(s, int) for s in seeds):
        raise StudyError(f"{path}: design.seeds must be a non-empty list of integers")
    spec["seeds"] = seeds
    spec.setdefault("name", os.path.splitext(os.path.basename(path))[0])
    return spec


def placebo_spec(spec):
    """The spec of the placebo arm: the same design with the placebo's sets and design keys."""
    arm = dict(spec)
    arm["set"] = list(spec["set"]) + list(spec["placebo"].get("set", []))
    arm["design"] = dict(spec["design"], **spec["placebo"].get("design", {}))
    return arm


# ---------------------------------------------------------------- the engine and its files

class Engine:
    """Runs c5sim for a study and keeps the list of commands (for the verdict's provenance).
    `arm(tag, seed)` gives a view whose runs carry the tag in their file names and `-s SEED`."""

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
        self.tag = ""
        self.seed = None
        os.makedirs(workdir, exist_ok=True)

    def arm(self, tag, seed):
        view = Engine.__new__(Engine)
        view.__dict__ = self.__dict__.copy()
        view.parent = self
        view.tag, view.seed = tag, seed
        return view

    def _root(self):
        return getattr(self, "parent", self)

    def run(self, name, command, scenario, args):
        """`c5sim COMMAND SCENARIO ARGS [-s SEED] -o WORKDIR/TAG_NAME.h5 --force -q`; returns the
        file path."""
        root = self._root()
        out = os.path.join(self.workdir, (self.tag + "_" if self.tag else "") + name + ".h5")
        argv = [self.binary, command, scenario] + list(args)
        if self.seed is not None:
            argv += ["-s", str(self.seed)]
        argv += ["-o", out, "--force", "-q"]
        if self.threads:
            argv += ["-t", str(self.threads)]
        if command == "run":
            argv.append("--no-series")
        start = time.time()
        done = subprocess.run(argv, capture_output=True, text=True)
        root.seconds += time.time() - start
        root.commands.append(" ".join(quote(a) for a in ["c5sim"] + argv[1:]))
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            raise StudyError(f"c5sim {command} failed (exit {done.returncode}): "
                             f"{lines[-1] if lines else 'no message'}")
        if self.log:
            self.log(f"  ran {os.path.basename(out)[:-3]} ({time.time() - start:.1f} s)")
        self.last_stdout = done.stdout
        return out


def quote(arg):
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
    return arg if arg and set(arg) <= safe else "'" + arg.replace("'", "'\\''") + "'"


def text(value):
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
            self.codes = [text(c) for c in states["code"]]
            self.units = np.asarray(states["units"], dtype=float)
            self.gdp = np.asarray(states["gdp"], dtype=float)
            self.population = np.asarray(states["population"], dtype=float)
            regions = h5["world/regions"][()]
            self.region_owner = np.asarray(regions["owner"], dtype=int)
            self.region_ids = [text(r) for r in regions["id"]]
            self.domains = list(h5["world/domains"].asstr()[()])
            self.detect = h5["world/detect"][()]
            self.border_bonus = h5["world/border_bonus"][()]
            self.seed = int(h5.attrs["seed"])
            self.variants = []
            keys = sorted((k for k in h5["variants"].keys() if k.isdigit()), key=int)
            for key in keys:
                group = h5["variants"][key]
                overrides = [text(o) for o in np.atleast_1d(group.attrs.get("overrides", []))]
                totals = {m: np.asarray(group["totals"][m][()], dtype=float)
                          for m in group["totals"].keys()}
                regional = {m: np.asarray(group["regions"][m][()], dtype=float)
                            for m in group["regions"].keys()}
                self.variants.append({"label": text(group.attrs["label"]),
                                      "overrides": overrides, "totals": totals,
                                      "regions": regional})
            self.replicates = self.variants[0]["totals"]["loss"].shape[0]

    def state(self, code):
        return self.codes.index(code)

    def totals(self, variant, metric):
        """[replicate, state] totals of one variant."""
        return self.variants[variant]["totals"][metric]

    def override(self, variant, path):
        for entry in self.variants[variant]["overrides"]:
            key, _, value = entry.partition("=")
            if key == path:
                return value
        return None


# ---------------------------------------------------------------- statistics

def interval(values):
    """Mean and 95% t-interval over replicates (the engine's convention), with the one-sided
    p-values of a paired t-test of mean > 0 (`p_above`) and mean < 0 (`p_below`)."""
    values = np.asarray(values, dtype=float)
    mean, low, high = mean_ci(values)
    result = {"mean": float(mean), "low": float(low), "high": float(high), "n": int(len(values))}
    result["p_above"], result["p_below"] = one_sided_p(values)
    return result


def one_sided_p(values):
    """(p of mean > 0, p of mean < 0) from a one-sample t-test; a sample with no spread gives
    0 or 1 by its sign (a difference that is exactly 0 in every replicate is no evidence)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    mean = float(values.mean()) if n else 0.0
    sd = float(values.std(ddof=1)) if n > 1 else 0.0
    if n < 2 or sd == 0.0:
        return (0.0 if mean > 0 else 1.0), (0.0 if mean < 0 else 1.0)
    from scipy.stats import t

    statistic = mean / (sd / math.sqrt(n))
    return float(t.sf(statistic, n - 1)), float(t.cdf(statistic, n - 1))


def holm(pvalues, alpha=ALPHA):
    """Holm's step-down: which of the hypotheses are rejected at family-wise level alpha."""
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    rejected = [False] * len(pvalues)
    for rank, i in enumerate(order):
        if pvalues[i] > alpha / (len(pvalues) - rank):
            break
        rejected[i] = True
    return rejected


def sign_of(stat):
    """+1 when the interval lies above 0, -1 below, 0 when it holds 0 (or is a point at 0)."""
    if stat["low"] > 0:
        return 1
    if stat["high"] < 0:
        return -1
    return 0


def relevant(stat, threshold, predicted=1):
    """A part of a verdict from one effect: +1 when its interval lies on the predicted side of 0
    and its mean reaches `threshold` in size, -1 when it lies on the other side and reaches it,
    0 otherwise (an effect too small to matter counts as no effect)."""
    sign = sign_of(stat)
    if sign != 0 and abs(stat["mean"]) >= threshold:
        return sign * predicted
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
    """The verdict of a result made of parts, each +1 (holds), -1 (contradicted) or 0."""
    parts = list(parts)
    if all(p == 1 for p in parts):
        return REPRODUCED
    if 1 in parts:
        return PARTLY
    if -1 in parts:
        return NOT_REPRODUCED
    return INCONCLUSIVE


def combine_headline(headline, others):
    """The verdict when one part carries the claim (the mechanism the literature names): without
    it the others cannot make the result even partly reproduced."""
    if headline == 1:
        return REPRODUCED if all(p == 1 for p in others) else PARTLY
    return NOT_REPRODUCED if headline == -1 else INCONCLUSIVE


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


def sets(spec, extra=()):
    args = []
    for entry in list(spec["set"]) + list(extra):
        args += ["--set", entry]
    return args


def replicates(spec):
    return ["-r", str(int(spec["design"]["replicates"]))]


def figure_module():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, outdir, name, written):
    path = os.path.join(outdir, name)
    fig.savefig(path, dpi=110)
    figure_module().close(fig)
    written.append(name)
