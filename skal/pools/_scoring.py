"""Apply a per-row function of the model to pool rows, chunk by chunk: locally, or on a cluster.

Every point-wise score (class probabilities, MC-dropout statistics, gradient
norms, predicted losses) and every embedding of a net goes through
:func:`map_rows`. Locally it walks the rows ``chunk_rows`` at a time; a pool
that knows how to spread the work (``skal.distributed.RayPool``) gets the same
chunks, so a row's value is computed from the same inputs either way.
"""

import os
import tempfile

import numpy as np

from ._protocol import is_torch_dataset, n_rows, take_rows

__all__ = [
    "map_rows",
    "apply_chunk",
    "chunk_inputs",
    "chunk_seed",
    "new_output",
    "auto_chunk_rows",
    "all_rows",
    "as_net_input",
    "CHUNK_ROWS",
    "CHUNK_BYTES",
]

#: Rows per chunk: bounds working memory (``chunk_rows x n_classes`` for probabilities) for any pool size.
CHUNK_ROWS = 8192
#: Working memory of one chunk of a deterministic function over an array pool (:func:`auto_chunk_rows`).
CHUNK_BYTES = 32 * 2**20
#: The most rows :func:`auto_chunk_rows` puts in a chunk.
MAX_CHUNK_ROWS = 128 * CHUNK_ROWS


def auto_chunk_rows(X, estimator=None, contiguous_ok=False):
    """Rows per chunk that :func:`map_rows` takes when not told: ``CHUNK_ROWS``, or more for narrow rows.

    When a row's value does not depend on the rest of its chunk
    (``contiguous_ok``, a deterministic model) and the pool is an array or
    memmap, a chunk holds as many rows as fit in ``CHUNK_BYTES``, a row
    counted at 8 bytes per feature value (a model working in float64 converts
    them) and per class of ``estimator.classes_`` (its probabilities): fewer
    calls of the model for a cheap model on narrow rows, the same chunks as
    before for wide ones. A multiple of ``CHUNK_ROWS``, at least ``CHUNK_ROWS``
    and at most ``MAX_CHUNK_ROWS``.

    Examples
    --------
    >>> auto_chunk_rows(np.zeros((10, 64), np.float32), contiguous_ok=True)  # 32 MiB / (8 * (64 + 2)) rows
    57344
    >>> auto_chunk_rows(np.zeros((10, 64), np.float32)), auto_chunk_rows([[0.0]] * 10, contiguous_ok=True)
    (8192, 8192)
    """
    if not (contiguous_ok and isinstance(X, np.ndarray) and X.ndim >= 1):
        return CHUNK_ROWS
    try:
        n_classes = len(estimator.classes_)
    except Exception:  # no classes_ yet (an unfitted net), or none at all
        n_classes = 0
    row_bytes = 8 * (int(np.prod(X.shape[1:], dtype=np.int64)) + max(n_classes, 2))
    rows = CHUNK_BYTES // row_bytes // CHUNK_ROWS * CHUNK_ROWS
    return int(min(max(rows, CHUNK_ROWS), MAX_CHUNK_ROWS))


def chunk_seed(seed, start):
    """The seed of the chunk that starts at position ``start``: ``seed`` itself for the first chunk.

    Stochastic scores (MC dropout) seed each chunk on its own, so a chunk
    gets the same random stream whichever worker computes it.

    Examples
    --------
    >>> chunk_seed(7, 0), chunk_seed(7, 8192) == chunk_seed(7, 8192), chunk_seed(7, 8192) != 7
    (7, True, True)
    """
    if start == 0:
        return int(seed)
    return int(np.random.SeedSequence([int(seed), int(start)]).generate_state(1)[0])


def chunk_inputs(X, rows, contiguous_ok=False):
    """The inputs of pool rows ``rows`` for a model, and which of them to keep.

    Returns ``(inputs, keep)``: ``keep`` is None, or (``contiguous_ok`` and
    nearly contiguous rows of an array or memmap) positions into a view of the
    rows' span, which is read without a gathered copy. A torch ``Dataset`` gives
    a ``Subset``; other pools their own type (:func:`take_rows`).
    """
    rows = np.asarray(rows, dtype=np.intp)
    if contiguous_ok and isinstance(X, np.ndarray) and len(rows):
        first, last = int(rows.min()), int(rows.max())  # rows need not be sorted
        if last - first + 1 <= rows.size * 1.25:
            return X[first : last + 1], rows - first
    return take_rows(X, rows), None


def new_output(n, like, budget_bytes=None):
    """An empty ``(n, *like.shape[1:])`` array of ``like.dtype``: memory-mapped when it exceeds the budget.

    ``budget_bytes`` defaults to scikit-learn's ``working_memory`` (1024 MiB
    unless changed with ``sklearn.set_config`` / ``sklearn.config_context``).
    A larger output is a ``numpy.memmap`` on an unlinked temporary file
    (``TMPDIR``): the space is freed when the array is.

    Examples
    --------
    >>> import sklearn
    >>> with sklearn.config_context(working_memory=1):  # 1 MiB
    ...     small = new_output(10, np.zeros((1, 4), np.float32))
    ...     large = new_output(200_000, np.zeros((1, 4), np.float32))
    >>> type(small).__name__, type(large).__name__, large.shape
    ('ndarray', 'memmap', (200000, 4))
    """
    from sklearn import get_config

    like = np.asarray(like)
    shape = (int(n), *like.shape[1:])
    nbytes = int(np.prod(shape, dtype=np.int64)) * like.dtype.itemsize
    if budget_bytes is None:
        budget_bytes = get_config()["working_memory"] * 2**20
    if nbytes <= budget_bytes or nbytes == 0:
        return np.empty(shape, dtype=like.dtype)
    fd, path = tempfile.mkstemp(prefix="skal-", suffix=".npy")
    try:
        out = np.lib.format.open_memmap(path, mode="w+", dtype=like.dtype, shape=shape)
    finally:
        os.close(fd)
        os.unlink(path)  # the mapping keeps the space until the array is freed
    return out


def _outputs(value):
    return value if isinstance(value, tuple) else (value,)


def _chunk_values(fn, estimator, X, rows, start, contiguous_ok):
    """``(values, keep)``: ``fn``'s arrays for the chunk's inputs, and the positions of ``rows`` in them (or None)."""
    inputs, keep = chunk_inputs(X, rows, contiguous_ok)
    expected = len(rows) if keep is None else int(keep.max()) + 1  # a view of the span's rows
    return _checked_values(fn, estimator, inputs, start, expected), keep


def _checked_values(fn, estimator, inputs, start, expected):
    """``fn``'s outputs for one chunk of ``expected`` inputs, as arrays each checked to have that many rows."""
    values = tuple(np.asarray(v) for v in _outputs(fn(estimator, inputs, start)))
    for v in values:
        if v.shape[:1] != (expected,):
            raise ValueError(
                f"{getattr(fn, '__name__', fn)!r} returned {v.shape[0] if v.ndim else 0} rows for {expected}."
            )
    return values


def apply_chunk(fn, estimator, X, rows, start, contiguous_ok=False):
    """``fn(estimator, inputs, start)`` for pool rows ``rows``, as a tuple of arrays with one row per entry."""
    values, keep = _chunk_values(fn, estimator, X, rows, start, contiguous_ok)
    return values if keep is None else tuple(v[keep] for v in values)


def map_rows(X, rows, fn, estimator, *, chunk_rows=None, contiguous_ok=False):
    """``fn`` applied to the pool rows ``rows``, ``chunk_rows`` at a time, concatenated in the order of ``rows``.

    Parameters
    ----------
    X : pool
        An array or memmap, sparse matrix, DataFrame, list, torch ``Dataset``
        or pool object. A pool with a ``map_rows`` method (a
        ``skal.distributed.RayPool``) computes the chunks itself, on its
        workers.
    rows : 1-D int array or None
        Pool indices; None for every row, in order (an array pool is then
        read in slices, without an index).
    fn : callable ``fn(estimator, inputs, start) -> array or tuple of arrays``
        ``inputs`` are the chunk's rows in the pool's type (a ``Subset`` for a
        ``Dataset``); ``start`` is the chunk's position in ``rows`` (for a
        seed: :func:`chunk_seed`). Each array has one entry per row. It must
        pickle (a module-level function, possibly in ``functools.partial``)
        to run on a cluster.
    estimator : the model ``fn`` uses (or None)
    chunk_rows : int, optional
        Rows per chunk; None takes :func:`auto_chunk_rows` (``CHUNK_ROWS``,
        or more for narrow rows of an array under ``contiguous_ok``).
    contiguous_ok : bool
        True when a row's value does not depend on the other rows of its
        chunk (a deterministic model): nearly contiguous rows of an array are
        then read as a view of their span and the rows in between dropped.

    Returns
    -------
    ndarray, or a tuple of ndarrays when ``fn`` returns tuples
        Outputs larger than the memory budget are memory-mapped
        (:func:`new_output`).

    Examples
    --------
    >>> def twice(estimator, inputs, start):
    ...     return 2 * inputs[:, 0]
    >>> map_rows(np.arange(10.0).reshape(5, 2), [4, 0], twice, None).tolist()
    [16.0, 0.0]
    """
    if chunk_rows is None:
        chunk_rows = auto_chunk_rows(X, estimator, contiguous_ok)
    if rows is None and isinstance(X, np.ndarray):
        return _map_array(X, fn, estimator, chunk_rows)
    rows = all_rows(X) if rows is None else np.asarray(rows, dtype=np.intp).reshape(-1)
    distributed = getattr(X, "map_rows", None)
    if callable(distributed):
        return distributed(rows, fn, estimator, chunk_rows=chunk_rows, contiguous_ok=contiguous_ok)
    outs = None
    for start in range(0, len(rows), chunk_rows):
        part = rows[start : start + chunk_rows]
        values, keep = _chunk_values(fn, estimator, X, part, start, contiguous_ok)
        if outs is None:
            outs = tuple(new_output(len(rows), v) for v in values)
        for out, v in zip(outs, values):
            if keep is None:
                out[start : start + len(part)] = v
            elif v.dtype == out.dtype:  # the kept rows of the span's values, gathered straight into the output
                np.take(v, keep, axis=0, out=out[start : start + len(part)], mode="clip")
            else:
                out[start : start + len(part)] = v[keep]
    if outs is None:
        raise ValueError("map_rows needs at least one row.")
    return outs if len(outs) > 1 else outs[0]


def _map_array(X, fn, estimator, chunk_rows):
    """:func:`map_rows` over every row of an array or memmap, in order: each chunk a view, no index arrays."""
    n = len(X)
    outs = None
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        values = _checked_values(fn, estimator, X[start:stop], start, stop - start)
        if outs is None:
            outs = tuple(new_output(n, v) for v in values)
        for out, v in zip(outs, values):
            out[start:stop] = v
    if outs is None:
        raise ValueError("map_rows needs at least one row.")
    return outs if len(outs) > 1 else outs[0]


def all_rows(X):
    """Every pool position, ``0..n-1``."""
    return np.arange(n_rows(X), dtype=np.intp)


def as_net_input(inputs):
    """What a skorch net's ``predict_proba`` takes for a chunk: a ``Dataset``'s items as ``(x, 0)``."""
    if is_torch_dataset(inputs):
        from ._torch import InputRows

        return InputRows(inputs)
    return inputs
