"""conftest.py — shared pytest set-up for tests/python; the analysis fixtures are prefixed
`analysis_` so that other test files here can add their own without collisions."""
import os
import sys

SOURCE_ROOT = os.environ.get(
    "C5SIM_SOURCE_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ANALYSIS_DIR = os.path.join(SOURCE_ROOT, "analysis")
TESTS_PYTHON_DIR = os.path.dirname(os.path.abspath(__file__))
for path in (ANALYSIS_DIR, TESTS_PYTHON_DIR):
    if path not in sys.path:
        sys.path.insert(0, path)
