"""Suite configs: loading, validation and the registries of names a suite may use.

A suite is data, not code: every name in it (the suite's own, its strategies, nested specs, models,
datasets, baselines) is checked against an explicit list before anything runs or is written, and a
wrong one raises :class:`SuiteError` naming what is known.
"""

import copy
import difflib
import inspect
import json
import re
from pathlib import Path

from sklearn.base import BaseEstimator, TransformerMixin

from .. import strategies as skal_strategies
from ..datasets import LOADERS
from ..strategies import QueryStrategy, ScoringStrategy, Subsample
from ._models import MODEL_NAMES

__all__ = [
    "SuiteError",
    "DatasetsMissingError",
    "load_config",
    "validate_config",
    "resolve_strategy",
    "build_spec",
    "strategy_registry",
    "spec_registry",
    "NAME_PATTERN",
    "BASELINES",
]

#: A suite's name becomes a folder under ``--out``: a slug, never a path.
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
#: Baselines a suite may list, and the strategy label their records get.
BASELINES = {"stratified": "Stratified (oracle)"}
REQUIRED = ("name", "datasets", "strategies", "seeds", "initial_size", "query_size", "n_rounds")


class SuiteError(ValueError):
    """A suite config cannot be run: a missing key, an unknown name, a name that is not a slug..."""


class DatasetsMissingError(SuiteError):
    """None of a suite's datasets is on disk (the message says how to get each)."""


def _public_classes(module, keep):
    return {
        name: obj
        for name in module.__all__
        if isinstance(obj := getattr(module, name, None), type) and not inspect.isabstract(obj) and keep(obj)
    }


def strategy_registry():
    """``{name: class}``: the concrete :class:`~skal.strategies.QueryStrategy` classes of ``skal.strategies``."""
    return _public_classes(skal_strategies, lambda cls: issubclass(cls, QueryStrategy))


def spec_registry():
    """``{name: class}`` a nested ``{"name", "params"}`` spec may build: the strategies, and the
    scikit-learn-style feature models of ``skal.nn`` (``SimCLR``, ``VAE``, ``AdversarialVAE``, ``FrozenFeatures``)."""
    from .. import nn as skal_nn

    models = _public_classes(skal_nn, lambda cls: issubclass(cls, BaseEstimator) and issubclass(cls, TransformerMixin))
    return {**strategy_registry(), **models}


def _lookup(name, registry, what):
    if not isinstance(name, str) or name not in registry:
        close = difflib.get_close_matches(name, list(registry), n=1) if isinstance(name, str) else []
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise SuiteError(f"unknown {what} {name!r}{hint}; known: {', '.join(sorted(registry))}.")
    return registry[name]


def _construct(cls, name, params):
    try:
        return cls(**params)
    except TypeError as exc:
        hint = "" if params else ' (give its parameters as {"name": ..., "params": {...}})'
        raise SuiteError(f"cannot build {name} with params {params!r}: {exc}{hint}.") from None


def resolve_strategy(name, n_candidates=None):
    """A strategy instance from its name, one of :func:`strategy_registry`; :class:`SuiteError` otherwise.

    With ``n_candidates``, strategies that draw their own candidate subset get it set, and other scoring
    strategies are wrapped in :class:`~skal.strategies.Subsample`.
    """
    cls = _lookup(name, strategy_registry(), "strategy")
    strategy = _construct(cls, name, {})
    if n_candidates and "n_candidates" in strategy.get_params():
        strategy.set_params(n_candidates=n_candidates)  # GradNorm, LearningLoss, BALD... draw S themselves
    elif n_candidates and isinstance(strategy, ScoringStrategy):
        strategy = Subsample(strategy, n_candidates=n_candidates)
    return strategy


def build_spec(spec, n_candidates=None):
    """An object from a suite spec: a strategy name, or ``{"name": ..., "params": {...}}`` where ``name`` is in
    :func:`spec_registry` and params may nest specs (``{"name": "VAE", "params": {...}}``); None for None."""
    if spec is None or isinstance(spec, str):
        return None if spec is None else resolve_strategy(spec, n_candidates)
    if not isinstance(spec, dict) or "name" not in spec:
        raise SuiteError(f'a strategy spec is a name or {{"name": ..., "params": {{...}}}}, not {spec!r}.')
    cls = _lookup(spec["name"], spec_registry(), "strategy or model")
    params = spec.get("params", {})
    if not isinstance(params, dict):
        raise SuiteError(f"the params of {spec['name']} must be a JSON object, not {params!r}.")
    params = {k: build_spec(v) if isinstance(v, dict) and "name" in v else v for k, v in params.items()}
    return _construct(cls, spec["name"], params)


def load_config(path_or_dict, quick=False):
    """A suite config (JSON file or dict), with its ``quick`` overrides applied when ``quick``; validated.

    ``quick`` may hold top-level keys (replacing those of the suite) and
    ``dataset`` / ``model`` dicts merged into every dataset and model spec.

    Other keys: ``initial_strategy`` (a strategy name for every run's first pool)
    and ``random_start_for_uncertainty`` (true: strategies that need predictions
    start from a random pool, as in the LPLgrad paper, Petersen (DTU 02456 project report) and
    Pourahmadi et al. (2021); representation strategies and the random-weight schedules of
    Mohan et al. (2026) pick their own), ``stopping`` (true: every criterion of
    :mod:`skal.stopping` records its value each round without stopping the run)
    and ``cost`` (a number per label, or an object class -> cost; rounds
    record ``cost`` and ``total_cost``).

    Raises :class:`SuiteError` (naming the file) for a file that is not a valid suite.
    """
    where = "suite" if isinstance(path_or_dict, dict) else f"suite {path_or_dict}"
    try:
        if isinstance(path_or_dict, dict):
            cfg = path_or_dict
        else:
            try:
                cfg = json.loads(Path(path_or_dict).read_text())
            except OSError as exc:
                raise SuiteError(f"cannot read it: {exc.strerror or exc}.") from None
            except json.JSONDecodeError as exc:
                raise SuiteError(f"not valid JSON: {exc}.") from None
        if not isinstance(cfg, dict):
            raise SuiteError("a suite is a JSON object.")
        cfg = copy.deepcopy(cfg)
        _check_name(cfg)
        overrides = cfg.pop("quick", {})
        if not isinstance(overrides, dict):
            raise SuiteError("'quick' must be a JSON object of overrides.")
        if quick:
            ds_over, model_over = overrides.pop("dataset", {}), overrides.pop("model", {})
            cfg.update(overrides)
            _check_name(cfg)
            _require(cfg, "datasets", list)
            cfg["datasets"] = [{**d, **ds_over} if isinstance(d, dict) else d for d in cfg["datasets"]]
            if isinstance(cfg.get("model"), dict):
                cfg["model"] = {**cfg["model"], **model_over}
            for d in cfg["datasets"]:
                if isinstance(d, dict) and isinstance(d.get("model"), dict):
                    d["model"] = {**d["model"], **model_over}
            cfg["name"] = cfg["name"] + "-quick"
        validate_config(cfg)
    except SuiteError as exc:
        raise type(exc)(f"{where}: {exc}") from None
    return cfg


def _require(cfg, key, kind=None):
    if key not in cfg:
        raise SuiteError(f"missing key {key!r} (a suite needs {', '.join(REQUIRED)}, and 'model').")
    if kind is not None and not isinstance(cfg[key], kind):
        raise SuiteError(f"{key!r} must be a {'list' if kind is list else kind.__name__}, not {cfg[key]!r}.")


def _check_name(cfg):
    _require(cfg, "name")
    name = cfg["name"]
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise SuiteError(
            f"name {name!r} is not a slug: a suite's results go to OUT/<name>/, so its name must match "
            f"{NAME_PATTERN.pattern} (lower-case letters, digits, '-' and '_'; no '/', '..' or absolute paths)."
        )


def _check_model(spec):
    if not isinstance(spec, dict) or "name" not in spec:
        raise SuiteError(f'a model spec is {{"name": ..., ...}}, not {spec!r}.')
    _lookup(spec["name"], dict.fromkeys(MODEL_NAMES), "model")
    if not isinstance(spec.get("params", {}), dict):
        raise SuiteError(f"the params of model {spec['name']} must be a JSON object.")


def _check_dataset(spec):
    if not isinstance(spec, dict) or "name" not in spec:
        raise SuiteError(f'a dataset spec is {{"name": ..., ...}}, not {spec!r}.')
    _lookup(spec["name"], LOADERS, "dataset")
    for key, needs in (("imbalance", ("profile", "ratio")), ("subset", ("fraction",))):
        if key in spec:
            if not isinstance(spec[key], dict):
                raise SuiteError(f"dataset {spec['name']}: {key!r} must be a JSON object.")
            for k in needs:
                if k not in spec[key]:
                    raise SuiteError(f"dataset {spec['name']}: {key!r} lacks key {k!r}.")


def validate_config(cfg):
    """Check a (quick-merged) suite config; raise :class:`SuiteError` on the first problem.

    Builds every strategy once (cheap: estimators only store their parameters), so unknown names and
    parameters are caught before a run starts.
    """
    _check_name(cfg)
    for key in REQUIRED:
        _require(cfg, key)
    for key in ("datasets", "strategies", "seeds"):
        _require(cfg, key, list)
        if not cfg[key]:
            raise SuiteError(f"{key!r} is empty.")
    for key in ("query_size", "n_rounds"):
        if not isinstance(cfg[key], int) or isinstance(cfg[key], bool):
            raise SuiteError(f"{key!r} must be an integer, not {cfg[key]!r}.")
    if not isinstance(cfg["initial_size"], (int, float)) or isinstance(cfg["initial_size"], bool):
        raise SuiteError(
            f"'initial_size' must be a number (rows, or a fraction of the pool), not {cfg['initial_size']!r}."
        )
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in cfg["seeds"]):
        raise SuiteError(f"'seeds' must be a list of integers, not {cfg['seeds']!r}.")
    for d in cfg["datasets"]:
        _check_dataset(d)
    if any("model" not in d for d in cfg["datasets"]):
        _require(cfg, "model")
    for spec in [cfg["model"]] if "model" in cfg else []:
        _check_model(spec)
    for d in cfg["datasets"]:
        if "model" in d:
            _check_model(d["model"])
    labels = []
    for entry in cfg["strategies"]:
        if isinstance(entry, dict):
            for key in ("label", "strategy"):
                if key not in entry:
                    raise SuiteError(f"strategy entry {entry!r} lacks key {key!r} (it needs 'label' and 'strategy').")
            if not isinstance(entry["label"], str):
                raise SuiteError(f"strategy label {entry['label']!r} must be a string.")
            build_spec(entry["strategy"], cfg.get("n_candidates"))
            build_spec(entry.get("initial_strategy"))
            labels.append(entry["label"])
        else:
            resolve_strategy(entry, cfg.get("n_candidates"))
            labels.append(entry)
    baselines = cfg.get("baselines", [])
    if not isinstance(baselines, list):
        raise SuiteError(f"'baselines' must be a list, not {baselines!r}.")
    for b in baselines:
        _lookup(b, BASELINES, "baseline")
    if cfg.get("initial_strategy") is not None:
        resolve_strategy(cfg["initial_strategy"])
    if not isinstance(cfg.get("stopping", False), bool):
        raise SuiteError(f"'stopping' must be true or false, not {cfg['stopping']!r}.")
    cost = cfg.get("cost")
    if cost is not None and not (
        (isinstance(cost, (int, float)) and not isinstance(cost, bool) and cost >= 0)
        or (isinstance(cost, dict) and all(isinstance(v, (int, float)) and v >= 0 for v in cost.values()))
    ):
        raise SuiteError(f"'cost' must be a number >= 0 per label or an object class -> cost, not {cost!r}.")
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    if dupes:
        raise SuiteError(f"strategy labels must be unique; repeated: {', '.join(dupes)}.")
    return cfg
