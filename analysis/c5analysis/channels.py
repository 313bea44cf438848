"""channels.py — the harm that sharing averts, decomposed into the channels it flows through
(docs/model.md §5.13).

The design is one `c5sim sweep` over the sharing contrast (e.g. `sharing.policy=withhold,full`)
crossed with every `channels.X=true,false` switch: 2 x 2^n variants on common random numbers. For
each set S of channels switched on, E(S) = harm(low sharing, S) - harm(high sharing, S) is the
regional harm sharing averts with only those channels, per replicate. The channels' Shapley values
of the game E(S) - E(empty) add up exactly to E(all) - E(none), so the table always sums; each
value is computed per replicate and summarised with a t-interval, so every interval is paired
(it covers replicate noise only, not uncertainty about the notional parameters).
"""
import itertools
import math
import subprocess

import h5py
import numpy as np

from .stats import mean_ci

CHANNELS = ("cue", "network", "mitigation", "upstream", "fusion")


def sweep_command(c5sim, scenario, contrast, channels=CHANNELS, replicates=None, output=None,
                  extra=()):
    """The c5sim sweep that makes the design (a list of arguments)."""
    command = [c5sim, "sweep", scenario, "--vary", contrast]
    for channel in channels:
        command += ["--vary", f"channels.{channel}=true,false"]
    if replicates:
        command += ["-r", str(replicates)]
    if output:
        command += ["-o", output]
    return command + list(extra)


def _parse(overrides):
    settings = {}
    for item in overrides:
        item = item.decode() if isinstance(item, bytes) else str(item)
        path, _, value = item.partition("=")
        settings[path] = value
    return settings


def decompose(path):
    """Read a design file; returns a dict with the contrast, the channels, and per-replicate
    arrays: 'all' (E with every channel), 'none', and per channel its Shapley value and its
    marginal value E(all) - E(all but it)."""
    with h5py.File(path, "r") as f:
        variants = [f["variants"][key] for key in sorted(f["variants"], key=int)]
        cells = {}
        contrast_path, levels, channels = None, [], []
        for group in variants:
            settings = _parse(group.attrs["overrides"])
            switches = sorted(p.split(".", 1)[1] for p in settings if p.startswith("channels."))
            others = [p for p in settings if not p.startswith("channels.")]
            if len(others) != 1:
                raise ValueError(f"{path}: variant {group.attrs['label']!r} is not of a channel "
                                 "design (one sharing contrast crossed with channels.X switches)")
            contrast_path = others[0]
            if settings[contrast_path] not in levels:
                levels.append(settings[contrast_path])
            channels = switches
            on = frozenset(c for c in switches if settings[f"channels.{c}"] == "true")
            harm = group["totals/harm"][()].sum(axis=1)  # replicate x state -> region
            cells[(settings[contrast_path], on)] = harm
    if len(levels) != 2:
        raise ValueError(f"{path}: the contrast {contrast_path} needs exactly two values")
    low, high = levels
    n = len(channels)
    subsets = [frozenset(s) for r in range(n + 1) for s in itertools.combinations(channels, r)]
    missing = [s for s in subsets for level in levels if (level, s) not in cells]
    if missing:
        raise ValueError(f"{path}: the design lacks {len(missing)} of its 2 x 2^{n} variants")
    averted = {s: cells[(low, s)] - cells[(high, s)] for s in subsets}
    full, empty = frozenset(channels), frozenset()
    shapley, marginal = {}, {}
    for c in channels:
        value = np.zeros_like(averted[full])
        for s in subsets:
            if c in s:
                continue
            weight = math.factorial(len(s)) * math.factorial(n - len(s) - 1) / math.factorial(n)
            value = value + weight * (averted[s | {c}] - averted[s])
        shapley[c] = value
        marginal[c] = averted[full] - averted[full - {c}]
    return {"contrast": contrast_path, "low": low, "high": high, "channels": channels,
            "all": averted[full], "none": averted[empty], "shapley": shapley,
            "marginal": marginal, "replicates": len(averted[full])}


def _ci(values):
    mean, low, high = mean_ci(np.asarray(values, dtype=float))
    return f"{float(mean):10.4g} [{float(low):.4g}, {float(high):.4g}]"


def table(result):
    """The decomposition as text lines."""
    lines = [f"Regional harm averted by sharing ({result['contrast']}: {result['low']} -> "
             f"{result['high']}), per run, mean [95% CI] over {result['replicates']} paired "
             "replicates (replicate noise only)",
             f"  with every channel        {_ci(result['all'])}",
             f"  with none of them         {_ci(result['none'])}",
             f"  {'channel':<12} {'Shapley share':>34} {'all minus it (marginal)':>36}"]
    for c in result["channels"]:
        lines.append(f"  {c:<12} {_ci(result['shapley'][c]):>34} {_ci(result['marginal'][c]):>36}")
    total = sum(result["shapley"][c] for c in result["channels"])
    lines.append(f"  Shapley shares sum to {float(np.mean(total)):.6g} = with every channel minus "
                 f"with none ({float(np.mean(result['all'] - result['none'])):.6g})")
    return lines


def run(c5sim, scenario, output, contrast="sharing.policy=withhold,full", channels=CHANNELS,
        replicates=None, extra=()):
    """Run the design with c5sim and return its decomposition."""
    command = sweep_command(c5sim, scenario, contrast, channels, replicates, output,
                            list(extra) + ["-q", "--force"])
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({completed.returncode}):\n"
                           f"{completed.stderr.strip()}")
    return decompose(output)
