"""Small helpers that turn an estimator and a pool into arrays strategies can score."""

import sys

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ..pools._protocol import as_pool
from ._random import torch_seed
from ._validation import check_proba

__all__ = ["is_skorch", "random_weight_net", "iter_proba", "predict_proba_rows", "require_proba", "require_net"]

#: Rows scored per call; bounds memory for large pools (a CIFAR-sized pool
#: is never copied whole just to score its unlabeled rows).
CHUNK_ROWS = 8192


def is_skorch(estimator):
    """True for a skorch ``NeuralNet``.

    If skorch was never imported, no object can be a skorch net: checking
    ``sys.modules`` first spares scikit-learn-only users the torch import.
    """
    skorch = sys.modules.get("skorch")
    return skorch is not None and isinstance(estimator, skorch.NeuralNet)


def random_weight_net(net, seed):
    """A clone of a skorch net, initialised with random weights from ``seed``, not trained.

    This is how random-weight confidence sampling (Mohan et al., 2026) scores the
    first pool: a freshly initialised network in eval mode (skorch's
    ``predict_proba`` sets ``module.eval()``). The global torch generator is left
    as it was.
    """
    net = clone(net)
    with torch_seed(seed):
        net.initialize()
    return net


def require_proba(estimator, who):
    """Raise a clear error if ``estimator`` cannot give class probabilities now."""
    if estimator is None:
        raise ValueError(
            f"{who} scores rows by the model's class probabilities: pass estimator= to fit "
            "(inside ActiveLearner this happens for you)."
        )
    if not hasattr(estimator, "predict_proba"):
        raise TypeError(
            f"{who} needs predict_proba, which {type(estimator).__name__} does not have. "
            "Use an estimator with predict_proba (e.g. LogisticRegression, a skorch NeuralNetClassifier), "
            "wrap it in sklearn.calibration.CalibratedClassifierCV, or pick a strategy that needs no "
            "probabilities (Random)."
        )
    if is_skorch(estimator):
        if not getattr(estimator, "initialized_", False):
            raise NotFittedError(
                f"{who} got a skorch net that is not initialized; call net.initialize() or fit it first."
            )
        return
    if not isinstance(estimator, BaseEstimator):
        return  # a duck-typed model: trust its predict_proba
    try:
        check_is_fitted(estimator)
    except NotFittedError as exc:
        raise NotFittedError(
            f"{who} needs predictions, but {type(estimator).__name__} is not fitted and a scikit-learn "
            "estimator cannot be scored with random weights. Pick the first pool without a model: "
            "ActiveLearner(..., initial_strategy=Random()) or strategy=RHC() / RLC(); "
            "or start from labels you hold (fit(..., labeled_indices=..., labels=...))."
        ) from exc


def require_net(estimator, who, why, alternative):
    """Raise a clear error unless ``estimator`` is an initialized skorch net.

    ``why`` says what the strategy takes from the net; ``alternative`` names a
    strategy that works with the estimator given.
    """
    if estimator is None:
        raise ValueError(f"{who} {why}: pass estimator= to fit (inside ActiveLearner this happens for you).")
    if not is_skorch(estimator):
        raise TypeError(
            f"{who} {why}, so it needs a skorch NeuralNetClassifier; got {type(estimator).__name__}. "
            f"Wrap a torch module in skorch.NeuralNetClassifier, or use {alternative}."
        )
    if not getattr(estimator, "initialized_", False):
        raise NotFittedError(f"{who} got a skorch net that is not initialized; call net.initialize() or fit it first.")


def iter_proba(estimator, X, rows, *, who="this strategy", chunk_rows=CHUNK_ROWS):
    """Yield ``(positions, proba)`` for ``X[rows]`` one chunk at a time, validated.

    ``positions`` is the slice of ``rows`` the chunk covers. Scoring chunk by
    chunk keeps memory at ``chunk_rows x n_classes`` however large the pool.
    A torch ``Dataset`` pool gives a skorch net each chunk as a ``Subset``
    whose items are ``(x, 0)``, streamed by the net's ``iterator_valid``
    (``iterator_valid__num_workers`` sets its worker processes).
    """
    require_proba(estimator, who)
    rows = np.asarray(rows, dtype=np.intp)
    pool = as_pool(X)
    for start in range(0, len(rows), chunk_rows):
        positions = slice(start, min(start + chunk_rows, len(rows)))
        chunk_rows_ = rows[positions]
        if pool.ndarray is not None:  # rows need not be sorted: the span is from the smallest to the largest
            first, last = int(chunk_rows_.min()), int(chunk_rows_.max())
        if pool.ndarray is not None and last - first + 1 <= chunk_rows_.size * 1.25:
            # Nearly contiguous rows of an array or memmap: score the span as a view (no gathered copy) and
            # keep the rows asked for; a few labeled rows inside the span are scored and dropped.
            proba = np.asarray(estimator.predict_proba(X[first : last + 1]), dtype=np.float64)[chunk_rows_ - first]
            yield positions, check_proba(proba, estimator=estimator)
            continue
        chunk = pool.take(chunk_rows_)
        if pool.kind == "dataset":
            from ..pools._torch import InputRows

            chunk = InputRows(chunk)
        proba = np.asarray(estimator.predict_proba(chunk), dtype=np.float64)
        yield positions, check_proba(proba, estimator=estimator)


def predict_proba_rows(estimator, X, rows, *, who="this strategy", chunk_rows=CHUNK_ROWS):
    """Class probabilities of ``X[rows]``, computed in chunks and validated.

    Parameters
    ----------
    estimator : fitted classifier or initialized skorch net
    X : array-like of shape (n_pool, ...)
    rows : 1-D int array of pool indices
    who : str
        Named in error messages.

    Returns
    -------
    proba : ndarray of shape (len(rows), n_classes), float64
    """
    parts = [proba for _, proba in iter_proba(estimator, X, rows, who=who, chunk_rows=chunk_rows)]
    return np.concatenate(parts) if parts else np.empty((0, 0))
