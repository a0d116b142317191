"""Benchmark runner: suites of datasets × strategies × seeds, resumable JSON-lines results, reports."""

from ._data import prepare_data
from ._models import build_model
from ._report import read_records, summarize, write_report
from ._runner import load_config, resolve_strategy, run_suite

__all__ = [
    "run_suite",
    "load_config",
    "resolve_strategy",
    "prepare_data",
    "build_model",
    "summarize",
    "write_report",
    "read_records",
]
