"""Selecting rows from scores: stable, unique, never mutating its input."""

import numpy as np

__all__ = ["top_k", "group_rows"]


def top_k(scores, k, candidates=None):
    """Indices of the ``k`` highest scores; ties go to the lower index.

    Parameters
    ----------
    scores : 1-D array
        Higher means picked first. NaN rows are never picked.
    k : int
    candidates : 1-D int array, optional
        Restrict the choice to these indices.

    Returns
    -------
    ndarray of int, shape (k,)
        Unique indices ordered from the highest score down.

    Examples
    --------
    >>> top_k(np.array([0.1, 0.9, 0.9, np.nan, 0.5]), 3).tolist()
    [1, 2, 4]
    """
    scores = np.asarray(scores, dtype=np.float64)
    if candidates is None:
        candidates = np.flatnonzero(~np.isnan(scores))
    else:
        candidates = np.asarray(candidates, dtype=np.intp)
        candidates = candidates[~np.isnan(scores[candidates])]
    if k > len(candidates):
        raise ValueError(f"cannot pick {k} rows from {len(candidates)} scored candidates.")
    candidates = np.sort(candidates)
    values = scores[candidates]
    if 0 < k < len(candidates) // 4:
        # O(n): keep everything above the k-th largest value, then the lowest-index ties at it.
        kth = -np.partition(-values, k - 1)[k - 1]
        above = np.flatnonzero(values > kth)
        at = np.flatnonzero(values == kth)[: k - len(above)]
        keep = np.concatenate([above, at])
        candidates, values = candidates[keep], values[keep]
        order = np.lexsort((candidates, -values))
        return candidates[order]
    # candidates are sorted by index, so the stable sort sends ties to the lower index
    return candidates[np.argsort(-values, kind="stable")[:k]]


def group_rows(labels, n_groups):
    """Row indices of each group, ascending: ``group_rows([1, 0, 1], 2) == [array([1]), array([0, 2])]``.

    One stable sort instead of a ``labels == g`` pass over all rows per group.
    """
    labels = np.asarray(labels)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(1, n_groups))
    return np.split(order, bounds)
