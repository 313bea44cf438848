"""benchmarks/load.py — how busy the machine was while benchmarks/run measured each figure.

Around every timed command the runner takes a snapshot (load average, the all-CPU line of
/proc/stat, its own and its children's CPU time); a figure's samples are combined and judged:
unreliable when other programs used a large share of the CPUs, or the hypervisor stole time, or
the CPUs waited for I/O. The verdict is copied into every measurement of the figure
("reliable": false), which benchmarks/compare then does not judge.
"""
import os
import resource
import time

BUSY_OTHER_SHARE = 0.25   # other programs' share of all CPU time (busy jiffies minus our own)
BUSY_STEAL_SHARE = 0.05   # time stolen by the hypervisor
BUSY_IOWAIT_SHARE = 0.10  # CPUs idle waiting for I/O

SAMPLES = []  # one load sample per timed command, in order (see samples_since)


def proc_stat():
    """Jiffies of the all-CPU line of /proc/stat: user, nice, system, idle, iowait, irq, softirq,
    steal. None without procfs."""
    try:
        with open("/proc/stat") as stream:
            for line in stream:
                if line.startswith("cpu "):
                    values = [int(v) for v in line.split()[1:9]]
                    return values + [0] * (8 - len(values))
    except (OSError, ValueError):
        pass
    return None


def own_cpu_seconds():
    """CPU time of this runner and of the commands it has waited for."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def load_snapshot():
    return {"wall": time.perf_counter(), "stat": proc_stat(), "cpu": own_cpu_seconds(),
            "load": os.getloadavg()[0]}


def load_sample(start, end):
    """What the machine did between two snapshots, in CPU seconds (all CPUs together)."""
    sample = {"wall_seconds": end["wall"] - start["wall"],
              "own_cpu_seconds": end["cpu"] - start["cpu"],
              "load_average": [start["load"], end["load"]]}
    if start["stat"] and end["stat"]:
        hz = float(os.sysconf("SC_CLK_TCK"))
        d = [(b - a) / hz for a, b in zip(start["stat"], end["stat"])]
        user, nice, system, idle, iowait, irq, softirq, steal = d
        sample.update({"total_cpu_seconds": sum(d),
                       "busy_cpu_seconds": user + nice + system + irq + softirq,
                       "iowait_cpu_seconds": iowait, "steal_cpu_seconds": steal})
    return sample


def combine_samples(samples):
    """One sample for a figure made of several commands: sums, and the load averages' range."""
    if not samples:
        return None
    out = {"commands": len(samples),
           "load_average": [min(min(s["load_average"]) for s in samples),
                            max(max(s["load_average"]) for s in samples)]}
    for key in ("wall_seconds", "own_cpu_seconds", "total_cpu_seconds", "busy_cpu_seconds",
                "iowait_cpu_seconds", "steal_cpu_seconds"):
        if all(key in s for s in samples):
            out[key] = sum(s[key] for s in samples)
    return out


def assess_load(sample):
    """Add the shares (other programs, stolen, I/O wait) and the verdict to a combined sample:
    reliable unless one share passes its limit. Load averages are recorded, not judged: they
    trail by a minute and count this runner's own previous figure."""
    total = sample.get("total_cpu_seconds")
    reasons = []
    if total:
        other = max(0.0, sample["busy_cpu_seconds"] - sample["own_cpu_seconds"]) / total
        sample["other_share"] = other
        sample["steal_share"] = sample["steal_cpu_seconds"] / total
        sample["iowait_share"] = sample["iowait_cpu_seconds"] / total
        if other > BUSY_OTHER_SHARE:
            reasons.append("other programs used %.0f%% of the CPUs" % (100 * other))
        if sample["steal_share"] > BUSY_STEAL_SHARE:
            reasons.append("%.0f%% of CPU time stolen" % (100 * sample["steal_share"]))
        if sample["iowait_share"] > BUSY_IOWAIT_SHARE:
            reasons.append("%.0f%% of CPU time waiting for I/O" % (100 * sample["iowait_share"]))
    sample["reliable"] = not reasons
    sample["busy_because"] = reasons
    return sample


def samples_since(mark):
    """The assessed load of the commands timed since len(SAMPLES) was mark."""
    combined = combine_samples(SAMPLES[mark:])
    return assess_load(combined) if combined else None


def tag_reliability(node, load):
    """Mark every measurement under node with the load verdict (reliable stays False once a
    figure it derives from was unreliable) and store the load sample beside the figure."""
    if load is None:
        return node
    if isinstance(node, dict):
        if "mean" in node and "sd" in node and "better" in node:
            node["reliable"] = node.get("reliable", True) and load["reliable"]
            return node
        for value in node.values():
            tag_reliability(value, load)
    elif isinstance(node, list):
        for value in node:
            tag_reliability(value, load)
    return node


def tag_figure(entry, mark):
    """Tag a figure (a dict of measurements) with the load of the commands since mark."""
    load = samples_since(mark)
    tag_reliability(entry, load)
    if load is not None:
        entry["load"] = load
    return entry
