"""Pure measures behind the stopping criteria: entropy, agreement and change between two models' outputs.

Each takes arrays and returns a Python float (or an array of floats), so a
criterion is one line on top and each measure is tested on its own.
"""

import warnings

import numpy as np
from sklearn.metrics import cohen_kappa_score

__all__ = ["normalized_entropy", "kappa", "mean_abs_change", "changed_share"]


def normalized_entropy(proba):
    """Per-row Shannon entropy divided by ``log(n_classes)``: 0 for a certain row, 1 for a uniform one.

    Dividing by the largest possible entropy puts every label space on the
    same [0, 1] scale, so one threshold fits 2 or 100 classes. With a single
    column every row is certain (0).

    Parameters
    ----------
    proba : array-like of shape (n_rows, n_classes)
        Predicted probabilities, rows summing to 1.

    Returns
    -------
    ndarray of shape (n_rows,)

    Examples
    --------
    >>> normalized_entropy([[0.5, 0.5], [1.0, 0.0], [0.25, 0.75]]).round(4).tolist()
    [1.0, 0.0, 0.8113]
    >>> normalized_entropy([[0.25, 0.25, 0.25, 0.25]]).tolist()
    [1.0]
    """
    proba = np.asarray(proba, dtype=np.float64)
    n_classes = proba.shape[1]
    if n_classes < 2:
        return np.zeros(proba.shape[0])
    safe = np.where(proba > 0, proba, 1.0)  # 0 · log 0 = 0
    entropy = -(proba * np.log(safe)).sum(axis=1)
    return np.clip(entropy / np.log(n_classes), 0.0, 1.0)


def kappa(a, b):
    """Cohen's kappa between two label vectors, 1.0 when they are identical.

    ``sklearn.metrics.cohen_kappa_score`` returns nan when both vectors hold
    one and the same class (chance agreement is then 1 and kappa is 0/0); two
    models that agree on every row agree perfectly, so identical vectors give
    1.0 whatever they hold.

    Parameters
    ----------
    a, b : array-like of shape (n_rows,)
        Predicted labels of two models on the same rows.

    Returns
    -------
    float

    Examples
    --------
    >>> kappa([0, 1, 1, 0], [0, 1, 1, 0])
    1.0
    >>> kappa([2, 2, 2], [2, 2, 2])  # sklearn: nan
    1.0
    >>> kappa([0, 0, 1, 1], [0, 1, 1, 1])  # observed 3/4, chance 1/2
    0.5
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"kappa needs two label vectors of the same length, got {a.shape} and {b.shape}.")
    if np.array_equal(a, b):
        return 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(cohen_kappa_score(a, b))


def mean_abs_change(p, q):
    """Mean over rows of half the L1 distance ``sum_c |p - q| / 2``: how far two models' probabilities moved.

    Each row's change is the total variation distance between its two
    probability vectors: in [0, 1] whatever the number of classes (a mean
    over classes instead shrinks with their number, so one threshold would
    stop a 26-class run far earlier than a 2-class one). With two classes it
    equals the mean over classes of ``|p - q|``.

    Parameters
    ----------
    p, q : array-like of shape (n_rows, n_classes)
        Probabilities of two models on the same rows, same columns.

    Returns
    -------
    float

    Examples
    --------
    >>> mean_abs_change([[0.9, 0.1], [0.5, 0.5]], [[0.7, 0.3], [0.5, 0.5]])  # ((0.2 + 0.2) / 2 + 0) / 2
    0.1
    >>> mean_abs_change([[0.5, 0.3, 0.2]], [[0.2, 0.3, 0.5]])  # (0.3 + 0 + 0.3) / 2
    0.3
    """
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if p.shape != q.shape:
        raise ValueError(f"mean_abs_change needs two arrays of the same shape, got {p.shape} and {q.shape}.")
    if p.size == 0:
        return float("nan")
    return float(np.abs(p - q).sum(axis=1).mean() / 2)


def changed_share(a, b):
    """The share of rows whose label differs between ``a`` and ``b`` (nan for no rows).

    Parameters
    ----------
    a, b : array-like of shape (n_rows,)
        Predicted labels of two models on the same rows.

    Returns
    -------
    float

    Examples
    --------
    >>> changed_share(["x", "y", "y", "x"], ["x", "x", "y", "x"])
    0.25
    >>> changed_share([], [])
    nan
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"changed_share needs two label vectors of the same length, got {a.shape} and {b.shape}.")
    if a.size == 0:
        return float("nan")
    return float(np.mean(a != b))
