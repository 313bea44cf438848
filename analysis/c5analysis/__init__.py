"""c5analysis — figures, tables and reports from c5sim HDF5 output files.

Reads only the output file (never the C code, never the scenario from disk). Start with
``load(path)`` for the whole file as Python objects, or ``load_tidy(path)`` for one tidy
pandas DataFrame. See analysis/README.md.
"""
from .load import (C5FileError, METRICS, Results, Variant, load, load_series, load_tidy,
                   parameter_table)

__all__ = ["C5FileError", "Results", "Variant", "load", "load_tidy", "load_series",
           "parameter_table", "METRICS"]
__version__ = "1.0"
