"""bytype.py — paired differences by threat type between two variants of one output file: what a
policy changes in each type's harm, with its 95% t-interval over replicates (common random
numbers: every replicate of both variants saw the same threats)."""
import h5py
import numpy as np

from .stats import mean_ci


def _label(group):
    label = group.attrs.get("label", "")
    return label.decode() if isinstance(label, bytes) else str(label)


def differences(path, reference=0, variant=1, metric="harm"):
    """Rows (type id, reference mean, difference mean, low, high) for `metric` summed over the
    states, variant minus reference."""
    with h5py.File(path, "r") as f:
        types = [t.decode() if isinstance(t, bytes) else str(t)
                 for t in f["world/threat_types"]["id"][()]]
        a = f[f"variants/{reference}/by_type/{metric}"][()].sum(axis=1)
        b = f[f"variants/{variant}/by_type/{metric}"][()].sum(axis=1)
        labels = (_label(f[f"variants/{reference}"]), _label(f[f"variants/{variant}"]))
    if a.shape != b.shape:
        raise ValueError(f"{path}: the two variants have different replicate counts")
    rows = []
    for k, name in enumerate(types + ["(all types)"]):
        x = a[:, k] if k < len(types) else a.sum(axis=1)
        d = (b[:, k] if k < len(types) else b.sum(axis=1)) - x
        mean, low, high = mean_ci(d)
        rows.append((name, float(np.mean(x)), float(mean), float(low), float(high)))
    return labels, rows


def table(path, reference=0, variant=1, metric="harm"):
    labels, rows = differences(path, reference, variant, metric)
    lines = [f"{metric} per run by threat type: '{labels[1]}' minus '{labels[0]}', paired over "
             "replicates, mean [95% CI] (replicate noise only)",
             f"  {'type':<24} {labels[0][:22]:>22} {'difference':>12} {'95% CI':>22}"]
    for name, base, mean, low, high in rows:
        lines.append(f"  {name:<24} {base:22.2f} {mean:12.2f} {f'[{low:.2f}, {high:.2f}]':>22}")
    return lines
