"""c5analysis — figures, tables and reports from c5sim HDF5 output files.

Reads only the output file (never the C code, never the scenario from disk). Start with
``load(path)`` for the whole file as Python objects, or ``load_tidy(path)`` for one tidy
pandas DataFrame. See analysis/README.md.
"""
from .load import C5FileError, Results, Variant, load, load_tidy, METRICS

__all__ = ["C5FileError", "Results", "Variant", "load", "load_tidy", "METRICS"]
__version__ = "1.0"
