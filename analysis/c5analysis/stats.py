"""stats.py — means and 95% confidence intervals over replicates, as the engine reports them."""
import math

import numpy as np

CONFIDENCE = 0.95


def t_quantile(dof):
    """Two-sided 95% Student t quantile for `dof` degrees of freedom (normal when scipy is absent)."""
    if dof <= 0:
        return float("nan")
    try:
        # scipy.special, not scipy.stats: the same quantile, a fifth of the import time.
        from scipy.special import stdtrit

        return float(stdtrit(dof, 0.5 + CONFIDENCE / 2))
    except ImportError:  # pragma: no cover - Debian ships scipy, but keep working without it
        return 1.959963984540054


def mean_ci(values, axis=0):
    """Mean and 95% confidence interval (t-based) of `values` along `axis` (the replicate axis).

    Returns (mean, ci_low, ci_high) arrays. With one replicate the interval collapses to the mean:
    there is no spread to estimate, and a NaN would break every table that prints it.
    """
    values = np.asarray(values, dtype=float)
    count = values.shape[axis]
    mean = values.mean(axis=axis)
    if count < 2:
        return mean, mean.copy(), mean.copy()
    half = t_quantile(count - 1) * values.std(axis=axis, ddof=1) / math.sqrt(count)
    return mean, mean - half, mean + half


def band(values, axis=0, low=5.0, high=95.0):
    """Quantile band (default 5% to 95%) over replicates, for spread shown around a mean."""
    values = np.asarray(values, dtype=float)
    return np.percentile(values, low, axis=axis), np.percentile(values, high, axis=axis)
