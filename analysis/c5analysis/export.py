"""export.py — CSV tables for R and spreadsheet users (analysis/c5export, c5report --csv).

Writes the tidy per-replicate table (load_tidy: one row per variant x replicate x state x threat
type, one column per parameter and per metric), the variants with their parameters, the
per-variant summary (mean and 95% CI per state and region, harm, sharing cost, measure cost and
loss apart) and, when asked, a per-tick series. Plain CSV with a header row, '.' decimals and no
index column, so that read.csv() and a spreadsheet open them as they are.
"""
import os

import numpy as np

from .findings import cost_parts
from .load import Results, load, load_series, load_tidy, parameter_table
from .stats import mean_ci


def variants_table(results):
    import pandas as pd

    frame = pd.DataFrame({"variant": [v.index for v in results.variants],
                          "label": [v.label for v in results.variants],
                          "replicates": [v.replicates for v in results.variants],
                          "overrides": ["; ".join(v.overrides) for v in results.variants]})
    parameters = parameter_table(results).reset_index(drop=True)
    return pd.concat([frame, parameters], axis=1)


def summary_table(results):
    """Per variant and state (and the region): mean and 95% CI of harm, the two costs and loss."""
    import pandas as pd

    rows = []
    for variant in results.variants:
        parts = cost_parts(variant)
        parts["loss"] = variant.totals["loss"]
        for column, state in enumerate(results.state_codes + ["region"]):
            row = {"variant": variant.index, "label": variant.label, "state": state}
            for name, data in parts.items():
                values = data.sum(axis=1) if state == "region" else data[:, column]
                mean, low, high = mean_ci(np.asarray(values, dtype=float)[:, None], axis=0)
                row.update({f"{name}_mean": mean[0], f"{name}_ci_low": low[0],
                            f"{name}_ci_high": high[0]})
            rows.append(row)
    return pd.DataFrame(rows)


def write_csv(path_or_results, out_dir, series=()):
    """Write the tables into out_dir; return the paths written."""
    results = path_or_results if isinstance(path_or_results, Results) else load(path_or_results)
    os.makedirs(out_dir, exist_ok=True)
    written = []

    def save(frame, name):
        path = os.path.join(out_dir, name)
        frame.to_csv(path, index=False, float_format="%.10g")
        written.append(path)
    save(load_tidy(results), "tidy.csv")
    save(variants_table(results), "variants.csv")
    save(summary_table(results), "summary.csv")
    for metric in series:
        save(load_series(results, metric), f"series_{metric}.csv")
    return written
