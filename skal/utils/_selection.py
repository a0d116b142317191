"""Selecting rows from scores: stable, unique, never mutating its input."""

import numpy as np

__all__ = ["top_k", "group_rows"]

#: Scores read at a time by :func:`top_k` (after the first, smaller block): bounds its working memory.
_BLOCK = 1 << 20
_FIRST_BLOCK = 1 << 16


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

    Notes
    -----
    One pass over the scores in blocks, O(n) time and O(k + block) memory:
    a row is kept while it ranks among the ``k`` best seen so far (by score
    down, then index up), so once ``k`` rows are kept a block costs one
    comparison with the ``k``-th best score. Floating-point scores are
    compared in their own dtype (float32 orders as its float64 values do).

    Examples
    --------
    >>> top_k(np.array([0.1, 0.9, 0.9, np.nan, 0.5]), 3).tolist()
    [1, 2, 4]
    """
    scores = np.asarray(scores)
    if scores.dtype.kind != "f":
        scores = scores.astype(np.float64)
    index = None
    if candidates is not None:
        index = np.sort(np.asarray(candidates, dtype=np.intp).reshape(-1))
        scores = scores[index]
    rows, values = _best(scores.reshape(-1), k)
    if len(rows) < k:
        raise ValueError(f"cannot pick {k} rows from {len(rows)} scored candidates.")
    rows = rows[np.argsort(-values, kind="stable")]  # rows ascend, so ties stay in index order
    return rows if index is None else index[rows]


def _best(scores, k):
    """``(positions, values)`` of the ``k`` best non-NaN scores (all of them if fewer), in position order."""
    kept_rows, kept_values = np.empty(0, dtype=np.intp), scores[:0]
    kth = None  # once k rows are kept, a later row must beat the k-th best of them (a tie loses on its index)
    start, size = 0, max(4 * k, _FIRST_BLOCK)
    while start < len(scores):
        block = scores[start : start + size]
        hit = np.flatnonzero(block == block) if kth is None else np.flatnonzero(block > kth)  # never NaN
        if len(hit):
            kept_rows = np.concatenate([kept_rows, hit + start])
            kept_values = np.concatenate([kept_values, block[hit]])
            if len(kept_rows) > (k if kth is None else 2 * k):  # reduce again once k more rows got in
                kept_rows, kept_values, kth = _keep_k(kept_rows, kept_values, k)
        start, size = start + size, max(size, _BLOCK)
    if len(kept_rows) > k:
        kept_rows, kept_values, _ = _keep_k(kept_rows, kept_values, k)
    return kept_rows, kept_values


def _keep_k(rows, values, k):
    """The ``k`` best of ``rows`` (ascending) by value, ties to the lower row, in row order; and the k-th value."""
    if k == 0:
        return rows[:0], values[:0], np.inf
    kth = -np.partition(-values, k - 1)[k - 1]
    keep = values > kth
    keep[np.flatnonzero(values == kth)[: k - int(np.count_nonzero(keep))]] = True
    return rows[keep], values[keep], kth


def group_rows(labels, n_groups):
    """Row indices of each group, ascending: ``group_rows([1, 0, 1], 2) == [array([1]), array([0, 2])]``.

    One stable sort instead of a ``labels == g`` pass over all rows per group.
    """
    labels = np.asarray(labels)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(1, n_groups))
    return np.split(order, bounds)
