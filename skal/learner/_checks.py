"""Checks a fit runs once, before any state changes: each raises an error that names the fix."""

from numbers import Integral, Real

import numpy as np

from ..exceptions import OracleError
from ..pools import pool_fingerprint
from ..pools._checks import check_pool, is_object_pool  # noqa: F401  (the learner reads them from here)
from ..pools._protocol import n_rows, take_rows
from ..strategies import Margin, QueryStrategy, Random, Schedule, TypicalThenMargin, TypiClust
from ..strategies._features import input_features
from ..utils._compat import HasMethods, Interval, StrOptions
from ..utils._validation import check_answers, resolve_size

__all__ = [
    "PARAMETER_CONSTRAINTS",
    "check_sizes",
    "check_strategies",
    "check_first_pool",
    "resolve_classes",
    "check_given",
    "check_indices",
    "check_rows",
    "check_class_weight",
    "pool_shape",
    "check_same_pool",
]


#: The learner's parameters, declared once in scikit-learn's style (validated by ``_validate_params``).
PARAMETER_CONSTRAINTS = {
    "estimator": [HasMethods(["fit"])],
    "strategy": [QueryStrategy, None],
    "initial_strategy": [QueryStrategy, None],
    # sizes and counts: types here, ranges in _checks (whose messages name the fix)
    "initial_size": [Interval(Real, None, None, closed="neither")],
    "query_size": [Interval(Real, None, None, closed="neither")],
    "n_rounds": [Interval(Integral, None, None, closed="neither"), None],
    "budget": [Interval(Integral, None, None, closed="neither"), None],
    "warm_start": ["boolean"],
    "class_weight": [StrOptions({"balanced"}), dict, None],
    "min_classes": [Interval(Integral, 1, None, closed="left")],
    "classes": ["array-like", None],
    "scoring": [str, callable, list, tuple, dict, None],
    "cost": [Interval(Real, 0, None, closed="left"), StrOptions({"time"}), dict, callable, None],
    "callbacks": [list, tuple, None],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


def _check_count(value, name, minimum):
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name} must be None or an int >= {minimum}; got {value!r}.")
    return int(value)


def check_sizes(params, n_pool, given=None):
    """``(initial_n, query_n, n_rounds, budget)`` as counts for a pool of ``n_pool`` rows."""
    initial_n = resolve_size(params["initial_size"], n_pool, "initial_size")
    query_n = resolve_size(params["query_size"], n_pool, "query_size")
    n_rounds = _check_count(params["n_rounds"], "n_rounds", 0)
    budget = _check_count(params["budget"], "budget", 1)
    if budget is not None and given is None and budget < initial_n:
        raise ValueError(
            f"budget={budget} is smaller than initial_size ({initial_n} rows); raise the budget or lower initial_size."
        )
    return initial_n, query_n, n_rounds, budget


def _embeddings(estimator):
    """Every ``embedding`` parameter inside a strategy, nested ones (``Mix``, ``Schedule``...) included."""
    if not hasattr(estimator, "get_params") or isinstance(estimator, type):
        return
    for key, value in estimator.get_params(deep=False).items():
        if key == "embedding":
            yield value
        for item in value if isinstance(value, (list, tuple)) else [value]:
            for sub in item if isinstance(item, (list, tuple)) else [item]:
                yield from _embeddings(sub)


_NEEDS = {
    "net": (
        "the strategy differentiates or samples a torch network, so the estimator must be a skorch "
        "NeuralNetClassifier; got {name}. Wrap your torch module in skorch.NeuralNetClassifier, or use a strategy "
        "that needs only predict_proba (Entropy, Margin, VariationRatio)."
    ),
    "loss": (
        "the strategy ranks rows by a loss-prediction module, which {name} lacks: build the net as "
        "skal.nn.LossPredictionNet(module, ...), or use GradNorm / Entropy."
    ),
    "proba": (
        "the strategy scores rows by predict_proba, which {name} does not have. Use an estimator with "
        "predict_proba (e.g. LogisticRegression), wrap it in sklearn.calibration.CalibratedClassifierCV, or use "
        "strategy=Random()."
    ),
}


#: Above this many pool rows the default skips TypiClust (k-means and per-cluster neighbours grow with the pool).
DEFAULT_TYPICAL_MAX_ROWS = 100_000


def _numeric_rows(X):
    """Whether TypiClust can measure distances on ``X`` itself: ``embedding="input"``'s own check, on one row."""
    try:
        input_features(take_rows(X, np.arange(1)))
    except (TypeError, ValueError):
        return False
    return True


def default_strategy(X, adapter):
    """The strategy :class:`~skal.ActiveLearner` uses when ``strategy=None``.

    :class:`~skal.strategies.TypicalThenMargin` where it can run: a skorch net
    (TypiClust on its penultimate features) or a numeric pool of at most
    ``DEFAULT_TYPICAL_MAX_ROWS`` rows, with an estimator that has
    ``predict_proba``. Otherwise the part that can run: a random first pool
    then Margin (texts, sparse or very large pools), TypiClust alone (no
    ``predict_proba``), or Random (neither).
    """
    proba = adapter.has("predict_proba")
    typical = adapter.is_net or (n_rows(X) <= DEFAULT_TYPICAL_MAX_ROWS and _numeric_rows(X))
    if typical and proba:
        return TypicalThenMargin()
    if proba:
        return Schedule(Random(), Margin())
    return TypiClust() if typical else Random()


def check_strategies(strategy, initial_strategy, adapter, X=None):
    """``(strategy, initial)`` with defaults filled in, checked against what the estimator offers.

    ``X`` (the pool) decides the default strategy when ``strategy`` is None (:func:`default_strategy`).
    """
    if strategy is None:
        strategy = Random() if X is None else default_strategy(X, adapter)
    initial = strategy if initial_strategy is None else initial_strategy
    for name, s in (("strategy", strategy), ("initial_strategy", initial)):
        if not isinstance(s, QueryStrategy):
            raise TypeError(f"{name} must be a skal QueryStrategy (e.g. skal.strategies.Entropy()); got {s!r}.")
    for s in (strategy, initial):
        named = [v for v in _embeddings(s) if isinstance(v, str) and v not in ("auto", "input")]
        if named and not adapter.is_net:
            raise ValueError(
                f"{type(s).__name__}(embedding={named[0]!r}) takes features from a layer of a skorch net, but "
                f"the estimator is {adapter.name}. Use embedding='auto' or 'input' (the pool's "
                "own features), a callable X -> features, or a skorch net."
            )
    needs = strategy.requirements() | initial.requirements()
    offered = {"net": adapter.is_net, "loss": adapter.has("predict_loss"), "proba": adapter.has("predict_proba")}
    for need in ("net", "loss", "proba"):
        if need in needs and not offered[need]:
            raise TypeError(_NEEDS[need].format(name=adapter.name))
    return strategy, initial


def check_class_weight(class_weight, adapter):
    """``class_weight`` must be None, "balanced" or a dict, and the estimator must take it."""
    if class_weight is not None and not adapter.is_net and "class_weight" not in adapter.estimator.get_params():
        raise TypeError(
            f"class_weight='balanced' needs an estimator with a class_weight parameter; {adapter.name} has none. "
            "Use e.g. LogisticRegression, RandomForestClassifier, a skorch net, or class_weight=None."
        )


def check_first_pool(initial, adapter):
    """Refuse a first-pool strategy that cannot pick one: it needs labels, or predictions a scikit-learn model lacks."""
    if "labels" in initial.needs(None):
        raise ValueError(
            f"{type(initial).__name__} picks rows from what the labeled ones tell it, and none is labeled yet. "
            "Pass initial_strategy=Random() (or TypiClust()) for the first pool, or start from labels you hold with "
            "fit(..., labeled_indices=..., labels=...)."
        )
    if initial.needs(None) & {"proba", "model"} and not adapter.is_net:
        raise ValueError(
            f"{type(initial).__name__} picks the first pool from predictions, but {adapter.name} is a "
            "scikit-learn estimator that cannot be scored before it is fitted (only a skorch net can be scored "
            "with random weights). Pass initial_strategy=Random(), use strategy=RHC()/RLC(), or start from labels "
            "you hold with fit(..., labeled_indices=..., labels=...)."
        )


def resolve_classes(classes, adapter, oracle=None):
    """The label space: ``classes``, a skorch net's ``classes``, the oracle's, or None (from the labels)."""
    if classes is None and adapter.is_net:
        classes = getattr(adapter.estimator, "classes", None)
    if classes is None and oracle is not None:
        classes = oracle.classes
    if classes is None:
        if adapter.is_net:
            raise ValueError(
                "a skorch net needs the label space before its first prediction; pass ActiveLearner(classes=[...]) "
                "or give the oracle its classes (CallableOracle(fn, classes=[...]))."
            )
        return None
    classes = np.unique(np.asarray(classes))
    if len(classes) < 1:
        raise ValueError("classes is empty; pass the label space, e.g. classes=[0, 1].")
    return classes


def check_given(indices, labels, n_pool, classes):
    """``(rows, labels)`` the user already holds, or None."""
    if indices is None and labels is None:
        return None
    if indices is None or labels is None:
        raise ValueError("pass both labeled_indices and labels, one label per index.")
    indices = check_indices(indices, np.zeros(n_pool, dtype=bool), "labeled_indices")
    if len(indices) == 0:
        raise ValueError("labeled_indices is empty; leave it out to start with an initial query.")
    try:
        labels = check_answers(labels, len(indices), classes)
    except OracleError as exc:
        raise ValueError(f"labels: {exc}") from None
    return indices, labels


def check_indices(indices, labeled, name):
    """Distinct, in-range, not yet labeled pool rows as an int array."""
    indices, n_pool = np.asarray(indices), len(labeled)
    if indices.ndim != 1 or (indices.size and indices.dtype.kind not in "iu"):
        raise ValueError(f"{name} must be a 1-D array of integer pool row indices; got {indices!r:.80}.")
    indices = indices.astype(np.intp)
    if indices.size and (indices.min() < 0 or indices.max() >= n_pool):
        raise ValueError(f"{name} holds indices outside [0, {n_pool}); the pool has {n_pool} rows.")
    if len(np.unique(indices)) != len(indices):
        raise ValueError(f"{name} repeats a row; each row can be labeled once.")
    if labeled[indices].any():
        again = indices[labeled[indices]][:5].tolist()
        raise ValueError(f"{name} holds rows that are already labeled ({again}); a row is never labeled twice.")
    return indices


def check_rows(strategy, rows, labeled, n):
    """The strategy's picks: ``n`` distinct unlabeled rows."""
    try:
        rows = check_indices(np.asarray(rows), labeled, "the strategy's query")
    except ValueError as exc:
        raise ValueError(f"{type(strategy).__name__} returned bad indices: {exc}") from None
    if len(rows) != n:
        raise ValueError(f"{type(strategy).__name__} returned {len(rows)} indices for a query of {n}.")
    return rows


def pool_shape(X):
    """The shape of an array-like pool, ``(n_rows,)`` for a list of objects or a torch ``Dataset``."""
    return tuple(getattr(X, "shape", (n_rows(X),)))


def check_same_pool(pool, X_pool):
    """Refuse a pool other than the one the learner runs on (shape, then rows' fingerprint)."""
    kept = pool.X
    expected = (pool.n,) if kept is None else pool_shape(kept)
    shape = pool_shape(X_pool)[: len(expected)]
    if X_pool is not kept and shape != expected:
        raise ValueError(
            f"this learner runs on a pool of shape {expected}; got {shape}. "
            "Pass the same pool, or clone the learner for a new one."
        )
    if X_pool is not kept and pool_fingerprint(X_pool) != pool.fingerprint():
        raise ValueError(
            "this learner runs on another pool of the same shape (its rows differ); pass the same pool, in the "
            "same row order, or clone the learner for a new one."
        )
