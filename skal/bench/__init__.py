"""Benchmark runner: suites of datasets × strategies × seeds, resumable JSON-lines results, reports."""

from ._config import (
    DatasetsMissingError,
    SuiteError,
    build_spec,
    load_config,
    resolve_strategy,
    spec_registry,
    strategy_registry,
    validate_config,
)
from ._data import prepare_data
from ._models import MODEL_NAMES, build_model
from ._report import read_records, summarize, write_report
from ._runner import run_suite

__all__ = [
    "run_suite",
    "load_config",
    "validate_config",
    "resolve_strategy",
    "build_spec",
    "strategy_registry",
    "spec_registry",
    "MODEL_NAMES",
    "SuiteError",
    "DatasetsMissingError",
    "prepare_data",
    "build_model",
    "summarize",
    "write_report",
    "read_records",
]
