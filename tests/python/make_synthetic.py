"""make_synthetic.py — c5sim-layout HDF5 files built in Python, for analysis tests of kinds of
file the engine cannot produce (yet), following engine/io/h5out.h and docs/output-format.md."""
import itertools

import h5py
import numpy as np

METRICS = ("harm", "arrivals", "detections", "cued_detections", "interdictions", "impacts",
           "reports_shared", "reports_withheld", "leaks", "sharing_cost", "loss", "engagements",
           "busy_unit_ticks")
STATES = [("KAZ", "Kazakhstan"), ("KGZ", "Kyrgyzstan"), ("TJK", "Tajikistan"),
          ("TKM", "Turkmenistan"), ("UZB", "Uzbekistan")]
REGIONS = [("kaz_almaty", "Almaty", 0, 76.9, 43.2), ("kgz_osh", "Osh", 1, 72.8, 40.5),
           ("tjk_khatlon", "Khatlon", 2, 68.8, 37.8), ("tkm_mary", "Mary", 3, 61.8, 37.6),
           ("uzb_fergana", "Fergana", 4, 71.8, 40.4), ("afg_kunduz", "Kunduz (AFG)", -1, 68.9, 36.7),
           ("cyber", "Cyberspace", -1, 58.0, 45.0)]
ROUTES = [(5, 2, 2), (2, 4, 3), (4, 1, 1), (1, 0, 4), (2, 3, 5), (4, 3, 4)]
TYPES = [("incursion", "Armed incursion", "military"), ("narcotics", "Narcotics convoy",
         "trafficking"), ("ransomware", "Ransomware campaign", "cyber")]
STATISTICS = ("mean", "sd", "ci_low", "ci_high", "q05", "q50", "q95")
COMPARISON = ("mean", "ci_low", "ci_high", "sd", "unpaired_low", "unpaired_high")
MEASURE_COLUMNS = ("cost", "harm_averted", "harm_averted_ci_low", "harm_averted_ci_high",
                   "per_cost", "per_cost_low", "per_cost_high", "loss_averted",
                   "loss_averted_ci_low", "loss_averted_ci_high", "variant")
SOURCE = """c5sim: 1
name: Synthetic five-state test scenario
run:
  ticks: {ticks}
  tick_unit: day
  seed: 7
  replicates: {replicates}
"""


def _doubles(group, name, data, unit, description, dims):
    dataset = group.create_dataset(name, data=np.asarray(data, dtype=float))
    dataset.attrs["unit"] = unit
    dataset.attrs["description"] = description
    dataset.attrs["dims"] = dims
    return dataset


def _strings(group, name, values):
    group.create_dataset(name, data=np.array(values, dtype=h5py.string_dtype()))


def _summary(values):
    mean = values.mean(axis=0)
    sd = values.std(axis=0, ddof=1)
    half = 2.0 * sd / np.sqrt(values.shape[0])  # deliberately not 1.96/t: tests see file values
    return np.stack([mean, sd, mean - half, mean + half, np.percentile(values, 5, axis=0),
                     np.percentile(values, 50, axis=0), np.percentile(values, 95, axis=0)])


def _variant(root, index, label, overrides, rng, replicates, ticks, scale, series, trust):
    n_states, n_types, n_regions = len(STATES), len(TYPES), len(REGIONS)
    group = root.create_group(f"variants/{index}")
    group.attrs["label"] = label
    group.attrs["overrides"] = np.array(overrides, dtype=h5py.string_dtype()) if overrides else ""
    by_type = {}
    base = rng.gamma(4.0, 1.0, size=(replicates, n_states, n_types))
    by_type["arrivals"] = rng.poisson(6.0, size=(replicates, n_states, n_types)).astype(float)
    by_type["detections"] = np.floor(by_type["arrivals"] * 0.5 * (2 - scale))
    by_type["cued_detections"] = np.floor(by_type["detections"] * (1 - scale) * 0.5)
    by_type["interdictions"] = np.floor(by_type["detections"] * 0.7)
    by_type["impacts"] = by_type["arrivals"] - by_type["interdictions"]
    by_type["harm"] = base * 10.0 * scale * np.arange(1, n_states + 1)[None, :, None]
    by_type["reports_shared"] = np.floor(by_type["detections"] * (1 - scale) * 4)
    by_type["reports_withheld"] = np.floor(by_type["detections"] * scale * 4)
    by_type["leaks"] = np.floor(by_type["reports_shared"] * 0.1)
    by_type["sharing_cost"] = by_type["reports_shared"] * 0.5
    by_type["loss"] = by_type["harm"] + by_type["sharing_cost"]
    by_type["engagements"] = by_type["interdictions"] + 1
    by_type["busy_unit_ticks"] = by_type["engagements"] * 2
    for metric in METRICS:
        _doubles(group, f"by_type/{metric}", by_type[metric], "harm" if metric in (
            "harm", "loss", "sharing_cost") else "count", f"{metric} by type",
            "replicate,state,threat_type")
        totals = by_type[metric].sum(axis=2)
        _doubles(group, f"totals/{metric}", totals, "count", f"{metric} total", "replicate,state")
        regional = np.concatenate([totals, totals.sum(axis=1, keepdims=True)], axis=1)
        _doubles(group, f"summary/{metric}", _summary(regional), "count", f"{metric} summary",
                 "statistic,state")
    _strings(group, "summary/statistic", STATISTICS)
    if series:
        for metric in ("harm", "detections", "arrivals", "impacts"):
            totals = by_type[metric].sum(axis=2)
            weights = rng.dirichlet(np.ones(ticks), size=(replicates, n_states))  # [R, S, T]
            _doubles(group, f"series/{metric}", np.transpose(weights * totals[:, :, None],
                                                             (0, 2, 1)),
                     "count", f"{metric} per tick", "replicate,tick,state")
    if trust:
        drift = np.cumsum(rng.normal(0, 0.02, size=(replicates, ticks, n_states, n_states)), axis=1)
        _doubles(group, "trust", np.clip(0.5 + drift, 0, 1), "probability", "trust",
                 "replicate,tick,truster,trusted")
        group.create_dataset("trust_changed", data=np.ones(replicates, dtype=np.int64))
    for metric in ("arrivals", "detections", "impacts", "harm"):
        per_region = rng.gamma(3.0, 2.0 * scale, size=(replicates, n_regions))
        _doubles(group, f"regions/{metric}", per_region, "count", f"{metric} per region",
                 "replicate,region")
    return by_type


def make_synthetic(path, kind="run", replicates=12, ticks=30, seed=1):
    """Write a synthetic c5sim file of `kind` (run, sweep, measures, coalitions) at `path`."""
    rng = np.random.default_rng(seed)
    with h5py.File(path, "w") as root:
        root.attrs["format"] = "c5sim"
        root.attrs["format_version"] = 1
        root.attrs["c5sim_version"] = "0.1.0"
        root.attrs["created"] = "2026-11-29T00:00:00Z"
        root.attrs["command"] = kind
        root.attrs["command_line"] = f"c5sim {kind} synthetic.yaml"
        root.attrs["seed"] = 7
        root.attrs["replicates"] = replicates
        root.attrs["ticks"] = ticks
        root.attrs["complete"] = 1
        source = SOURCE.format(ticks=ticks, replicates=replicates)
        root.create_dataset("scenario/source", data=source, dtype=h5py.string_dtype())
        root["scenario"].attrs["sha256"] = "0" * 64
        root.create_dataset("world/states", data=np.array(
            STATES, dtype=[("code", "S8"), ("name", "S64")]))
        root.create_dataset("world/regions", data=np.array(
            REGIONS, dtype=[("id", "S64"), ("name", "S64"), ("owner", "i4"), ("lon", "f8"),
                            ("lat", "f8")]))
        root.create_dataset("world/routes", data=np.array(
            ROUTES, dtype=[("from", "i4"), ("to", "i4"), ("ticks", "i4")]))
        root.create_dataset("world/threat_types", data=np.array(
            TYPES, dtype=[("id", "S64"), ("name", "S64"), ("domain", "S32")]))
        measures = [("border_posts", "More border posts", 40.0), ("cyber_cert", "Regional CERT", 15.0)]
        root.create_dataset("world/measures", data=np.array(
            measures, dtype=[("id", "S64"), ("name", "S64"), ("cost", "f8")]))

        if kind == "run":
            _variant(root, 0, "baseline", [], rng, replicates, ticks, 1.0, True, True)
        elif kind == "sweep":
            for index, level in enumerate((0.0, 0.5, 1.0)):
                _variant(root, index, f"sharing.level={level:g}", [f"sharing.level={level:g}"],
                         rng, replicates, ticks, 1.0 - 0.3 * level, True, False)
        elif kind == "measures":
            _variant(root, 0, "baseline", [], rng, replicates, ticks, 1.0, False, False)
            rows = []
            base = root["variants/0/totals/harm"][()].sum(axis=1)
            for index, (measure, _, cost) in enumerate(measures, start=1):
                _variant(root, index, measure, [f"measure={measure}"], rng, replicates, ticks,
                         0.8 - 0.1 * index, False, False)
                averted = base - root[f"variants/{index}/totals/harm"][()].sum(axis=1)
                summary = _summary(averted[:, None])[:, 0]
                rows.append([cost, summary[0], summary[2], summary[3], summary[0] / cost,
                             summary[2] / cost, summary[3] / cost, summary[0], summary[2],
                             summary[3], index])
            order = sorted(range(len(rows)), key=lambda i: -rows[i][4])
            _strings(root, "measures/measure", [measures[i][0] for i in order])
            _strings(root, "measures/statistic", MEASURE_COLUMNS)
            _doubles(root, "measures/table", [rows[i] for i in order], "harm",
                     "each measure against the baseline", "measure,statistic")
            harm = root["variants/0/by_type/harm"][()].sum(axis=1)  # [R, K]
            summary = _summary(harm)  # [7, K]
            share = summary[0] / summary[0].sum()
            order = np.argsort(-summary[0])
            _strings(root, "risk_catalog/threat_type", [TYPES[k][0] for k in order])
            _strings(root, "risk_catalog/statistic", ("mean", "ci_low", "ci_high", "q05", "q95",
                                                       "share"))
            _doubles(root, "risk_catalog/harm", np.stack(
                [summary[0], summary[2], summary[3], summary[4], summary[6], share], axis=1)[order],
                "harm", "regional harm by threat type in the baseline", "threat_type,statistic")
        elif kind == "coalitions":
            n_states = len(STATES)
            values = []
            for index, members in enumerate(itertools.product((0, 1), repeat=n_states)):
                members = members[::-1]
                label = "{" + ",".join(STATES[s][0] for s in range(n_states) if members[s]) + "}"
                _variant(root, index, label, [f"coalition={label}"], rng, replicates, ticks,
                         1.0 - 0.05 * sum(members), False, False)
                values.append(rng.normal(sum(members) * 3.0, 1.0, size=replicates))
            shapley = rng.normal(3.0, 1.0, size=(replicates, n_states))
            leave = rng.normal(-1.0, 1.0, size=(replicates, n_states))
            _doubles(root, "coalitions/members", np.arange(len(values)), "bitmask", "members",
                     "coalition")
            _strings(root, "coalitions/state", [code for code, _ in STATES])
            _strings(root, "coalitions/statistic", STATISTICS)
            _doubles(root, "coalitions/value", _summary(np.array(values).T).T, "harm", "v(S)",
                     "coalition,statistic")
            _doubles(root, "coalitions/shapley", _summary(shapley).T, "harm", "Shapley value",
                     "state,statistic")
            _doubles(root, "coalitions/leave_gain", _summary(leave).T, "harm",
                     "gain from leaving", "state,statistic")
        else:
            raise ValueError(f"unknown kind {kind!r}")
        variants = sorted(root["variants"].keys(), key=int)
        if len(variants) > 1:
            root.create_group("comparison").attrs["reference"] = 0
            _strings(root, "comparison/statistic", COMPARISON)
            for key in variants:
                for metric in METRICS:
                    diff = root[f"variants/{key}/totals/{metric}"][()] - \
                        root[f"variants/0/totals/{metric}"][()]
                    diff = np.concatenate([diff, diff.sum(axis=1, keepdims=True)], axis=1)
                    summary = _summary(diff)
                    _doubles(root, f"comparison/{key}/{metric}",
                             np.concatenate([summary[[0, 2, 3, 1]], summary[[2, 3]] * 1.1]),
                             "count", "paired difference against variant 0", "statistic,state")
    return path


if __name__ == "__main__":
    import sys

    make_synthetic(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "run")
