"""load.py — open and validate a c5sim output file; whole-file objects and a tidy DataFrame.

Everything here is read from the HDF5 file alone (layout: docs/output-format.md). A file that is
missing, not HDF5, foreign, incomplete or lacks a required item raises C5FileError with one line
that names what is wrong; callers print it and exit 2.
"""
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .stats import mean_ci

# Metric names in the engine's order (engine/model/metrics.h).
METRICS = (
    "harm", "arrivals", "detections", "cued_detections", "interdictions", "impacts",
    "reports_shared", "reports_withheld", "leaks", "sharing_cost", "loss", "engagements",
    "busy_unit_ticks", "detections_own", "detections_border", "detections_cue",
    "detections_network", "detections_upstream", "impacts_mitigated", "harm_mitigated",
    "network_sent", "network_received", "network_leaked",
)
# The order of rows in summary/<metric> when the file does not label them.
SUMMARY_STATISTICS = ("mean", "sd", "ci_low", "ci_high", "q05", "q50", "q95")
REGION_METRICS = ("arrivals", "detections", "impacts", "harm")
REQUIRED_TOTALS = ("harm", "loss")


class C5FileError(Exception):
    """The file cannot be analysed; the message is one line naming what is missing or wrong."""


def has_group(path, name):
    """True for an HDF5 file holding the top-level group `name` (a command that writes its own
    group and no /variants: sensitivity, equilibrium); False for anything else, unreadable too."""
    try:
        import h5py

        if not h5py.is_hdf5(path):
            return False
        with h5py.File(path, "r") as f:
            return name in f
    except (OSError, ImportError):
        return False


def _text(value):
    """An HDF5 string attribute or element as str (h5py gives bytes or str depending on type)."""
    if isinstance(value, bytes):
        # C strings end at the first NUL; bytes after it in a fixed-size field are not text.
        return value.split(b"\0", 1)[0].decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _text(value[()])
    return str(value).split("\0", 1)[0]


def command_file_head(f, path):
    """What an open file of a command that writes its own group (sensitivity, equilibrium) shares
    with the others: it must be complete; its root attributes, and its scenario's name ("" when
    it does not store one)."""
    if "complete" in f.attrs and int(f.attrs["complete"]) != 1:
        raise C5FileError(f"{path}: incomplete c5sim output (the run did not finish)")
    root = {k: (_text(v) if isinstance(v, (bytes, str)) else v) for k, v in f.attrs.items()}
    name = ""
    if "scenario" in f and "source" in f["scenario"]:
        name = _scenario_fields(_text(f["scenario"]["source"][()])).get("name", "")
    return root, name


def _text_list(value):
    """A string, an array of strings or a ';'/newline-separated string as a list of str."""
    if value is None:
        return []
    if isinstance(value, (np.ndarray, list, tuple)):
        return [_text(v) for v in np.asarray(value).ravel() if _text(v)]
    text = _text(value).strip()
    if not text:
        return []
    return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]


def _table(dataset):
    """A compound dataset as a pandas DataFrame with bytes decoded to str."""
    import pandas as pd

    data = dataset[()]
    columns = {}
    for name in data.dtype.names:
        values = data[name]
        if values.dtype.kind == "S":  # fixed-length, NUL-padded UTF-8 (numpy strips the NULs)
            values = np.char.decode(values, "utf-8", "replace").astype(object)
        columns[name] = values
    frame = pd.DataFrame(columns)
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(_text)
    return frame


def _pick(frame, names, what):
    for name in names:
        if name in frame.columns:
            return name
    raise C5FileError(f"{what}: no column named {' or '.join(repr(n) for n in names)}")


@dataclass
class StatTable:
    """Mean and 95% CI per column (states, then the region when present)."""
    mean: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    replicates: np.ndarray = None  # [replicates, columns] when the file holds them
    fields: dict = None            # every statistic the file holds, by name


class LazyDatasets(Mapping):
    """name -> array for datasets of one group, each read from the file on first access and
    kept; the names and shapes are known (and checked) without reading any data."""

    def __init__(self, path, group, names):
        self.path, self.group, self.names, self.cache = path, group, list(names), {}

    def __getitem__(self, name):
        if name not in self.names:
            raise KeyError(name)
        if name not in self.cache:
            import h5py

            with h5py.File(self.path, "r") as h5:
                self.cache[name] = np.asarray(h5[f"{self.group}/{name}"][()], dtype=float)
        return self.cache[name]

    def __contains__(self, name):  # Mapping's default would read the data to answer
        return name in self.names

    def __iter__(self):
        return iter(self.names)

    def __len__(self):
        return len(self.names)


@dataclass
class Variant:
    index: int
    label: str
    overrides: list
    totals: dict = field(default_factory=dict)   # metric -> [replicates, states]
    by_type: dict = field(default_factory=dict)  # metric -> [replicates, states, types]
    series: object = field(default_factory=dict)  # metric -> [replicates, ticks, states], read
    # from the file on first access (LazyDatasets): per-tick data is most of a file's volume
    trust_source: tuple = None                    # (file, dataset) of trust, read by trust_data()
    trust_changed: bool = False
    regions: dict = field(default_factory=dict)  # metric -> [replicates, regions]
    summary: dict = field(default_factory=dict)  # metric -> {statistic: [states + 1]}
    group: str = ""

    @property
    def replicates(self):
        return self.totals["harm"].shape[0]

    @property
    def has_trust(self):
        return self.trust_source is not None

    def trust_data(self):
        """Trust [replicates, ticks, states, states], read from the file now (it is large)."""
        if self.trust_source is None:
            return None
        import h5py

        with h5py.File(self.trust_source[0], "r") as h5:
            return np.asarray(h5[self.trust_source[1]][()], dtype=float)

    def override_values(self):
        """Overrides as {path: value-string}."""
        result = {}
        for item in self.overrides:
            if "=" in item:
                key, value = item.split("=", 1)
                result[key.strip()] = value.strip()
        return result

    def regional(self, metric):
        """Per-replicate regional total (sum over states) of a metric."""
        return self.totals[metric].sum(axis=1)

    def stat(self, metric):
        """StatTable over states + region: the file's summary when present, else computed."""
        values = self.totals[metric]
        with_region = np.concatenate([values, values.sum(axis=1, keepdims=True)], axis=1)
        summary = self.summary.get(metric)
        if summary is not None and all(k in summary for k in ("mean", "ci_low", "ci_high")):
            return StatTable(summary["mean"], summary["ci_low"], summary["ci_high"], with_region)
        mean, low, high = mean_ci(with_region, axis=0)
        return StatTable(mean, low, high, with_region)


@dataclass
class Results:
    """Everything the analysis needs from one c5sim output file."""
    path: str
    attrs: dict
    scenario_name: str
    scenario_source: str
    tick_unit: str
    scenario_description: str
    states: object        # DataFrame: code, name
    regions: object       # DataFrame: id, name, owner (state index or -1), lon, lat
    routes: object        # DataFrame: from, to (region indices), ticks
    threat_types: object  # DataFrame: id, name, domain
    measures_table: object  # DataFrame: id, name, cost (may be empty)
    variants: list
    reference: int = 0
    comparison: dict = field(default_factory=dict)   # variant -> metric -> {stat: [states + 1]}
    coalitions: dict = field(default_factory=dict)   # name -> StatTable or array
    measures: dict = field(default_factory=dict)     # name -> StatTable or array
    risk_catalog: object = None                      # name -> StatTable or list, or None
    design: object = None      # DataFrame [point, parameter] from /design, or None
    design_method: str = ""    # /design attribute `method`: latin_hypercube, grid, ...
    design_levels: dict = field(default_factory=dict)  # parameter -> value names (text axes)

    @property
    def command(self):
        return self.attrs.get("command", "")

    @property
    def state_codes(self):
        return list(self.states["code"])

    @property
    def type_ids(self):
        return list(self.threat_types["id"])

    def swept_parameters(self):
        """Override paths whose value differs between variants, in first-seen order."""
        seen = {}
        for variant in self.variants:
            for key, value in variant.override_values().items():
                seen.setdefault(key, set()).add(value)
        return [k for k, values in seen.items()
                if len(values) > 1 or any(k not in v.override_values() for v in self.variants)]

    def comparison_stat(self, index, metric):
        """Paired difference (variant index minus reference) per state + region, as a StatTable.

        Taken from /comparison when the file has it, else computed from the paired replicates
        (common random numbers make replicate r comparable across variants)."""
        reference = self.variants[self.reference]
        variant = self.variants[index]
        # Replicate r pairs with replicate r; should counts differ, only the common ones pair.
        common = min(variant.replicates, reference.replicates)
        diff = variant.totals[metric][:common] - reference.totals[metric][:common]
        diff = np.concatenate([diff, diff.sum(axis=1, keepdims=True)], axis=1)
        stored = self.comparison.get(index, {}).get(metric)
        if stored is not None and all(k in stored for k in ("mean", "ci_low", "ci_high")):
            return StatTable(stored["mean"], stored["ci_low"], stored["ci_high"], diff)
        mean, low, high = mean_ci(diff, axis=0)
        return StatTable(mean, low, high, diff)


def _dims(dataset):
    return [d.strip() for d in _text(dataset.attrs.get("dims", "")).split(",") if d.strip()]


def _statistic_labels(dataset, count):
    """Names of the statistic axis: the dataset's `statistics` attribute, else the nearest
    `statistic` string dataset in its group or a group above it, else the default order."""
    labels = _text_list(dataset.attrs.get("statistics"))
    group = dataset.parent
    while not labels:
        if "statistic" in group and hasattr(group["statistic"], "shape") and \
                group["statistic"].dtype.kind in "SOU" and len(group["statistic"]) == count:
            labels = _text_list(group["statistic"][()])
        if group.name == "/":
            break
        group = group.parent
    if not labels:
        labels = SUMMARY_STATISTICS if count == 7 else ("mean", "ci_low", "ci_high")
    return list(labels)


def _read_statistic_rows(dataset):
    """A 2-D dataset with a statistic axis as {statistic name: 1-D array over the other axis}.
    The statistic axis is the one `dims` names "statistic" (first when `dims` is absent)."""
    data = np.asarray(dataset[()], dtype=float)
    if data.ndim != 2:
        raise C5FileError(f"{dataset.file.filename}: {dataset.name}: expected 2 dimensions, "
                          f"found shape {data.shape}")
    dims = _dims(dataset)
    if len(dims) == 2 and dims[1] == "statistic":
        data = data.T
    labels = _statistic_labels(dataset, data.shape[0])
    return {name: data[i] for i, name in enumerate(labels) if i < data.shape[0]}


def _stat_table(dataset):
    """Coalition / measure / risk datasets: [replicate, item] (summarised here), [statistic,
    item] or [item, statistic] (read), 1-D (kept), as a StatTable (fields: every statistic)."""
    dims = _dims(dataset)
    data = np.asarray(dataset[()], dtype=float)
    if data.ndim == 2 and dims and dims[0].startswith("replicate"):
        mean, low, high = mean_ci(data, axis=0)
        return StatTable(mean, low, high, data, {"mean": mean, "ci_low": low, "ci_high": high})
    if data.ndim == 2 and ("statistic" in dims or not dims):
        rows = _read_statistic_rows(dataset)
        nan = np.full(len(next(iter(rows.values()))), np.nan)
        return StatTable(rows.get("mean", nan), rows.get("ci_low", nan), rows.get("ci_high", nan),
                         None, rows)
    return data


def _scenario_fields(source):
    """Top-level `name` and `run.tick_unit` of the scenario text stored in the file (YAML parse
    when PyYAML is there, else a line match), as a dict; missing keys are absent."""
    fields = {}
    try:
        import yaml

        # libyaml's parser when Debian's python3-yaml has it: the pure-Python one takes a
        # tenth of a second on the five-state scenario.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        document = yaml.load(source, Loader=loader)
        if isinstance(document, dict):
            if isinstance(document.get("name"), (str, int, float)):
                fields["name"] = str(document["name"]).strip()
            if isinstance(document.get("description"), str):
                fields["description"] = " ".join(document["description"].split())
            run = document.get("run")
            if isinstance(run, dict) and isinstance(run.get("tick_unit"), str):
                fields["tick_unit"] = run["tick_unit"].strip()
            return fields
    except Exception:  # noqa: BLE001 - any parse failure falls back to the line match
        pass
    match = re.search(r"^name\s*:\s*['\"]?(.+?)['\"]?\s*(#.*)?$", source, re.M)
    if match:
        fields["name"] = match.group(1).strip()
    match = re.search(r"^\s+tick_unit\s*:\s*['\"]?([A-Za-z_ ]+?)['\"]?\s*(#.*)?$", source, re.M)
    if match:
        fields["tick_unit"] = match.group(1)
    return fields


def _scenario_name(fields, attrs, scenario_attrs):
    """The scenario's own `name`, else a name the writer stored, else its file name."""
    if "name" in fields:
        return fields["name"]
    for holder, key in ((attrs, "scenario_name"), (scenario_attrs, "name")):
        if key in holder and _text(holder[key]):
            return _text(holder[key])
    return _text(scenario_attrs.get("filename", "unnamed scenario"))


def _normalise_world(h5, where):
    """World tables with owner / route ends as indices whatever the writer chose."""
    import pandas as pd

    world = h5["world"]
    states = _table(world["states"])
    states = states.rename(columns={_pick(states, ("code", "id"), where + "/world/states"): "code"})
    if "name" not in states.columns:
        states["name"] = states["code"]

    regions = _table(world["regions"])
    for column in ("id", "lon", "lat"):
        _pick(regions, (column,), where + "/world/regions")
    if "name" not in regions.columns:
        regions["name"] = regions["id"]
    owner_col = _pick(regions, ("owner", "owner_index", "state"), where + "/world/regions")
    codes = list(states["code"])
    owners = []
    for value in regions[owner_col]:
        if isinstance(value, str):
            owners.append(codes.index(value) if value in codes else -1)
        else:
            owners.append(int(value))
    regions["owner"] = owners

    if "routes" in world:
        routes = _table(world["routes"])
        ids = list(regions["id"])
        ends = {}
        for end, names in (("from", ("from", "from_region", "a")), ("to", ("to", "to_region", "b"))):
            column = _pick(routes, names, where + "/world/routes")
            ends[end] = [ids.index(v) if isinstance(v, str) else int(v) for v in routes[column]]
        ticks = routes[_pick(routes, ("ticks", "travel_ticks"), where + "/world/routes")]
        routes = pd.DataFrame({"from": ends["from"], "to": ends["to"], "ticks": list(ticks)})
    else:
        routes = pd.DataFrame({"from": [], "to": [], "ticks": []})

    types = _table(world["threat_types"])
    types = types.rename(columns={_pick(types, ("id", "code"), where + "/world/threat_types"): "id"})
    if "name" not in types.columns:
        types["name"] = types["id"]
    if "domain_name" in types.columns:
        types["domain"] = types["domain_name"]
    elif "domain" not in types.columns:
        types["domain"] = ""

    if "measures" in world and world["measures"].dtype.names:
        measures = _table(world["measures"])
    else:
        measures = pd.DataFrame({"id": [], "name": [], "cost": []})
    return states, regions, routes, types, measures


def _as_float(dataset):
    """A dataset as float64, converted by HDF5 while reading (no int64 copy held beside it)."""
    if dataset.dtype == np.float64:
        return dataset[()]
    return dataset.astype(np.float64)[()]


def _read_variant(group, index, n_states, n_types, n_regions, where):
    name = f"{where}/variants/{group.name.rsplit('/', 1)[-1]}"
    variant = Variant(index=index, label=_text(group.attrs.get("label", f"variant {index}")),
                      overrides=_text_list(group.attrs.get("overrides")), group=group.name)
    if "totals" not in group:
        raise C5FileError(f"{name}: missing group 'totals'")
    for metric in METRICS:
        if metric in group["totals"]:
            data = _as_float(group["totals"][metric])
            if data.ndim != 2 or data.shape[1] != n_states:
                raise C5FileError(f"{name}/totals/{metric}: shape {data.shape}, expected "
                                  f"[replicates, {n_states}]")
            variant.totals[metric] = data
    for metric in REQUIRED_TOTALS:
        if metric not in variant.totals:
            raise C5FileError(f"{name}: missing dataset 'totals/{metric}'")
    if "by_type" in group:
        for metric in METRICS:
            if metric in group["by_type"]:
                data = _as_float(group["by_type"][metric])
                if data.ndim != 3 or data.shape[1:] != (n_states, n_types):
                    raise C5FileError(f"{name}/by_type/{metric}: shape {data.shape}, expected "
                                      f"[replicates, {n_states}, {n_types}]")
                variant.by_type[metric] = data
    if "series" in group:
        names = []
        for metric in METRICS:
            if metric in group["series"]:
                shape = group["series"][metric].shape
                if len(shape) != 3 or shape[2] != n_states:
                    raise C5FileError(f"{name}/series/{metric}: shape {shape}, expected "
                                      f"[replicates, ticks, {n_states}]")
                names.append(metric)
        variant.series = LazyDatasets(group.file.filename, f"{group.name}/series", names)
    if "trust" in group and hasattr(group["trust"], "shape"):
        shape = group["trust"].shape
        if len(shape) != 4 or shape[2:] != (n_states, n_states):
            raise C5FileError(f"{name}/trust: shape {shape}, expected "
                              f"[replicates, ticks, {n_states}, {n_states}]")
        variant.trust_source = (group.file.filename, f"{group.name}/trust")
        if "trust_changed" in group:
            variant.trust_changed = bool(np.any(np.asarray(group["trust_changed"][()]) != 0))
        else:
            variant.trust_changed = bool(np.ptp(variant.trust_data()) > 0)
    if "regions" in group:
        for metric in REGION_METRICS:
            if metric in group["regions"]:
                data = np.asarray(group["regions"][metric][()], dtype=float)
                if data.ndim != 2 or data.shape[1] != n_regions:
                    raise C5FileError(f"{name}/regions/{metric}: shape {data.shape}, expected "
                                      f"[replicates, {n_regions}]")
                variant.regions[metric] = data
    if "summary" in group:
        for metric in METRICS:
            if metric in group["summary"]:
                rows = _read_statistic_rows(group["summary"][metric])
                if any(len(row) != n_states + 1 for row in rows.values()):
                    raise C5FileError(f"{name}/summary/{metric}: {len(next(iter(rows.values())))} "
                                      f"columns, expected {n_states + 1} (states, then region)")
                variant.summary[metric] = rows
    return variant


def _numbered_children(group):
    """Children named 0, 1, 2, ... in numeric order."""
    return sorted((k for k in group.keys() if k.isdigit()), key=int)


def _read_group_tables(group):
    """Every dataset in a group (recursively, by relative path) as a StatTable or array."""
    tables = {}

    def visit(name, obj):
        if not hasattr(obj, "shape"):
            return
        if obj.dtype.kind in "fiu":
            tables[name] = _stat_table(obj)
        elif obj.dtype.kind in "SOU":
            tables[name] = _text_list(obj[()])
        else:
            tables[name] = obj[()]

    group.visititems(visit)
    return tables


def _read_design(h5, n_variants, path):
    """/design [point, parameter] with /design_parameter names as a DataFrame (point p is variant
    first_variant + p), its method, and the value names of text-valued grid axes."""
    import pandas as pd

    if "design" not in h5 or "design_parameter" not in h5:
        return None, "", {}
    values = np.asarray(h5["design"][()], dtype=float)
    names = _text_list(h5["design_parameter"][()])
    if values.ndim != 2 or values.shape[1] != len(names):
        raise C5FileError(f"{path}: /design has shape {values.shape}, expected "
                          f"[points, {len(names)}] (one column per /design_parameter)")
    first = int(h5["design"].attrs.get("first_variant", 0))
    if first + values.shape[0] > n_variants:
        raise C5FileError(f"{path}: /design has {values.shape[0]} points from variant {first}, "
                          f"but the file holds {n_variants} variants")
    frame = pd.DataFrame(values, columns=names)
    frame.index = pd.RangeIndex(first, first + len(frame), name="variant")
    levels = {}  # a text axis of a grid: its column holds positions into these values
    for column, name in enumerate(names):
        if f"levels_{column}" in h5["design"].attrs:
            levels[name] = _text(h5["design"].attrs[f"levels_{column}"]).split(",")
    return frame, _text(h5["design"].attrs.get("method", "")), levels


def load(path):
    """Read and validate a c5sim output file. Raises C5FileError naming what is wrong."""
    try:
        import h5py
    except ImportError as error:  # pragma: no cover
        raise C5FileError(f"h5py is not available ({error}); run with /usr/bin/python3")

    if not os.path.exists(path):
        raise C5FileError(f"{path}: no such file")
    if os.path.isdir(path):
        raise C5FileError(f"{path}: is a directory, not a c5sim output file")
    if not h5py.is_hdf5(path):
        raise C5FileError(f"{path}: not an HDF5 file (a c5sim output file is HDF5)")
    try:
        h5 = h5py.File(path, "r")
    except OSError as error:
        raise C5FileError(f"{path}: cannot open as HDF5 ({error})")
    with h5:
        attrs = {k: (_text(v) if isinstance(v, (bytes, str)) or
                     (isinstance(v, np.ndarray) and v.dtype.kind in "SOU") else
                     (v.item() if hasattr(v, "item") else v))
                 for k, v in h5.attrs.items()}
        if "format" not in attrs:
            raise C5FileError(f"{path}: not a c5sim output file: missing root attribute 'format'")
        if attrs["format"] != "c5sim":
            raise C5FileError(f"{path}: not a c5sim output file: root attribute 'format' is "
                              f"{attrs['format']!r}, expected 'c5sim'")
        if "complete" in attrs and int(attrs["complete"]) != 1:
            raise C5FileError(f"{path}: incomplete c5sim output (root attribute 'complete' is "
                              f"{attrs['complete']}): the run did not finish")
        for required in ("world/states", "world/regions", "world/threat_types", "variants"):
            if required not in h5:
                raise C5FileError(f"{path}: c5sim output is missing '/{required}'")
        source = ""
        scenario_attrs = {}
        if "scenario" in h5:
            scenario_attrs = dict(h5["scenario"].attrs)
            if "source" in h5["scenario"]:
                source = _text(h5["scenario"]["source"][()])
        fields = _scenario_fields(source)
        try:
            states, regions, routes, types, measures = _normalise_world(h5, path)
        except (KeyError, ValueError, TypeError) as error:
            raise C5FileError(f"{path}: unreadable /world table ({error})")
        names = _numbered_children(h5["variants"])
        if not names:
            raise C5FileError(f"{path}: '/variants' holds no variant (expected /variants/0)")
        variants = [_read_variant(h5["variants"][n], i, len(states), len(types), len(regions),
                                  path) for i, n in enumerate(names)]

        reference = 0
        comparison = {}
        if "comparison" in h5:
            reference = int(h5["comparison"].attrs.get("reference", 0))
            for key in _numbered_children(h5["comparison"]):
                if not hasattr(h5["comparison"][key], "keys"):
                    continue
                comparison[int(key)] = {
                    metric: _read_statistic_rows(h5["comparison"][key][metric])
                    for metric in METRICS
                    if metric in h5["comparison"][key] and
                    hasattr(h5["comparison"][key][metric], "shape")}
        coalitions = _read_group_tables(h5["coalitions"]) if "coalitions" in h5 else {}
        measure_tables = _read_group_tables(h5["measures"]) if "measures" in h5 else {}
        design, design_method, design_levels = _read_design(h5, len(variants), path)
        risk = None
        if "risk_catalog" in h5:
            obj = h5["risk_catalog"]
            if hasattr(obj, "dtype") and obj.dtype.names:
                risk = _table(obj)
            else:
                risk = _read_group_tables(obj) if not hasattr(obj, "shape") else None
    return Results(path=path, attrs=attrs, design=design, design_method=design_method,
                   design_levels=design_levels,
                   scenario_name=_scenario_name(fields, attrs, scenario_attrs),
                   scenario_source=source, tick_unit=fields.get("tick_unit", "tick"),
                   scenario_description=fields.get("description", ""), states=states,
                   regions=regions, routes=routes, threat_types=types, measures_table=measures,
                   variants=variants, reference=reference, comparison=comparison,
                   coalitions=coalitions, measures=measure_tables, risk_catalog=risk)


# Metrics in harm units stay float64: paired differences of sums must not lose the digits that
# a 1% effect lives in. Counts fit int32 exactly.
HARM_METRICS = ("harm", "sharing_cost", "loss")


def parameter_table(results):
    """One column per swept or sampled parameter, indexed by variant: from /design when the file
    has one (grid sweeps and hypercubes), else parsed from a sweep's overrides. Numbers are
    float32; text values (sharing.policy=withhold,full) are categories in their sweep order."""
    import pandas as pd

    index = pd.RangeIndex(len(results.variants), name="variant")
    frame = pd.DataFrame(index=index)
    if results.design is not None:
        for name in results.design.columns:
            values = np.full(len(index), np.nan, dtype=np.float32)
            values[results.design.index] = results.design[name].to_numpy(dtype=np.float32)
            levels = results.design_levels.get(name)
            if levels:
                codes = np.where(np.isfinite(values), values, -1).astype(int)
                frame[name] = pd.Categorical.from_codes(codes, categories=levels)
            else:
                frame[name] = values
        return frame
    if results.command != "sweep":
        return frame  # measures, coalitions, run: the label says what each variant is
    for path in results.swept_parameters():
        texts = [v.override_values().get(path) for v in results.variants]
        try:
            frame[path] = np.array([np.nan if t is None else float(t) for t in texts],
                                   dtype=np.float32)
        except ValueError:
            frame[path] = pd.Categorical(texts, categories=list(dict.fromkeys(
                t for t in texts if t is not None)))
    return frame


def load_tidy(path_or_results, by_type=True):
    """One tidy DataFrame of every per-replicate figure in the file, in compact types.

    One row per variant x replicate x state x threat type (type 'all': the totals over types;
    by_type=False keeps only those rows); columns: variant (int16), label (category), one column
    per swept or sampled parameter (float32, or category for text values), replicate (int32),
    state (category), type (category), then one column per metric: harm, sharing_cost, loss as
    float64 (harm units), the counts as int32. A metric the file lacks for some rows is float32
    with NaN there. Per-tick series are not included: load_series() reads them on request.
    """
    import pandas as pd

    results = path_or_results if isinstance(path_or_results, Results) else load(path_or_results)
    n_states, n_types = len(results.state_codes), len(results.type_ids)
    per_type = by_type and all("harm" in v.by_type for v in results.variants)
    block = n_states * (1 + n_types if per_type else 1)  # rows per replicate
    counts = [v.replicates * block for v in results.variants]
    rows = int(sum(counts))
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    metrics = [m for m in METRICS if all(m in v.totals for v in results.variants)]
    variant_col = np.empty(rows, dtype=np.int16 if len(results.variants) < 2 ** 15 else np.int32)
    replicate_col = np.empty(rows, dtype=np.int32)
    # Within one replicate: the totals (type 'all') of every state, then state x type.
    state_block = np.concatenate([np.arange(n_states)] +
                                 ([np.repeat(np.arange(n_states), n_types)] if per_type else []))
    type_block = np.concatenate([np.zeros(n_states, dtype=int)] +
                                ([np.tile(np.arange(1, n_types + 1), n_states)] if per_type
                                 else []))
    state_col = np.empty(rows, dtype=np.int8 if n_states < 128 else np.int32)
    type_col = np.empty(rows, dtype=np.int16)
    values = {}
    for metric in metrics:
        exact = metric in HARM_METRICS
        complete = not per_type or all(metric in v.by_type for v in results.variants)
        dtype = np.float64 if exact else (np.int32 if complete else np.float32)
        values[metric] = np.empty(rows, dtype=dtype)
    for variant, start, stop in zip(results.variants, starts[:-1], starts[1:]):
        reps = variant.replicates
        variant_col[start:stop] = variant.index
        replicate_col[start:stop] = np.repeat(np.arange(reps, dtype=np.int32), block)
        state_col[start:stop] = np.tile(state_block, reps)
        type_col[start:stop] = np.tile(type_block, reps)
        for metric in metrics:
            target = values[metric][start:stop].reshape(reps, block)
            target[:, :n_states] = variant.totals[metric]
            if per_type:
                detail = variant.by_type.get(metric)
                target[:, n_states:] = detail.reshape(reps, -1) if detail is not None else np.nan
    frame = pd.DataFrame({
        "variant": variant_col,
        "label": pd.Categorical.from_codes(variant_col, categories=pd.Index(
            [v.label for v in results.variants]).drop_duplicates().tolist())
        if len({v.label for v in results.variants}) == len(results.variants) else
        pd.Categorical([results.variants[i].label for i in variant_col])})
    parameters = parameter_table(results)
    for name in parameters.columns:
        column = parameters[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            frame[name] = pd.Categorical.from_codes(column.cat.codes.to_numpy()[variant_col],
                                                    categories=column.cat.categories)
        else:
            frame[name] = column.to_numpy()[variant_col]
    frame["replicate"] = replicate_col
    frame["state"] = pd.Categorical.from_codes(state_col, categories=results.state_codes)
    frame["type"] = pd.Categorical.from_codes(type_col, categories=["all"] + results.type_ids)
    for metric in metrics:
        frame[metric] = values[metric]
    return frame


def load_series(path_or_results, metric="harm", variants=None):
    """A per-tick series as a tidy DataFrame, read only now: variant (int16), replicate (int32),
    tick (int32), state (category), <metric> (float64 for harm units, else int32)."""
    import pandas as pd

    results = path_or_results if isinstance(path_or_results, Results) else load(path_or_results)
    chosen = [v for v in results.variants if (variants is None or v.index in variants)
              and metric in v.series]
    if not chosen:
        raise C5FileError(f"{results.path}: no per-tick series of {metric!r} (run with --series)")
    parts = []
    for variant in chosen:
        data = variant.series[metric]  # [replicates, ticks, states]
        reps, ticks, states = data.shape
        parts.append(pd.DataFrame({
            "variant": np.full(data.size, variant.index, dtype=np.int16),
            "replicate": np.repeat(np.arange(reps, dtype=np.int32), ticks * states),
            "tick": np.tile(np.repeat(np.arange(ticks, dtype=np.int32), states), reps),
            "state": pd.Categorical.from_codes(np.tile(np.arange(states), reps * ticks),
                                               categories=results.state_codes),
            metric: data.ravel().astype(np.float64 if metric in HARM_METRICS else np.int32)}))
    return pd.concat(parts, ignore_index=True)
