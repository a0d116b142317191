"""A pool read in order, a batch at a time, whatever it is stored as: an array, a torch ``Dataset``, a pool object.

What every forward pass of :mod:`skal.nn` over a pool iterates (features,
MC-dropout passes, per-sample gradients, predicted losses), so none of them
slices the pool itself: a pool larger than memory is never read whole.
"""

import numpy as np  # noqa: F401  (the examples use it)

__all__ = ["iter_batches", "first_row", "resolve_batch_size", "as_dataset"]


def iter_batches(X, batch_size, net=None):
    """Yield the rows of ``X`` in order, at most ``batch_size`` per batch.

    Parameters
    ----------
    X : array of shape (n, ...), dict of arrays, torch ``Dataset`` or pool object
        An array (ndarray, ``numpy.memmap``, tensor) gives its slices
        ``X[start:start + batch_size]``; a map-style ``Dataset`` (items ``x``
        or ``(x, target, ...)``, only ``x`` read) gives the input tensors of a
        ``DataLoader`` without shuffling, which draws nothing from the global
        torch random state; a dict of arrays (``{"input_ids": (n, L),
        "attention_mask": (n, L)}``) is read as the ``Dataset`` skorch makes of
        it (:func:`as_dataset`) and gives dicts of tensors; a pool object
        (``__len__`` and ``take(rows)``, e.g. :class:`skal.pools.ParquetPool`)
        gives ``X.take(rows)`` for consecutive rows.
    batch_size : int
        Rows per batch, at least 1.
    net : skorch NeuralNet, optional
        Its ``iterator_valid__num_workers`` sets the ``DataLoader``'s workers
        for a ``Dataset`` (default 0: read in this process).

    Yields
    ------
    batch : ndarray, tensor or dict of tensors, of ``b`` rows
        ``b <= batch_size`` rows; the batches cover ``X`` once, in order.

    Examples
    --------
    >>> [b.tolist() for b in iter_batches(np.arange(5), 2)]
    [[0, 1], [2, 3], [4]]
    >>> [b["ids"].tolist() for b in iter_batches({"ids": np.arange(3), "mask": np.ones(3)}, 2)]
    [[0, 1], [2]]
    """
    from ..pools import as_pool

    X = as_dataset(X, net)
    pool = as_pool(X)
    batch_size = int(batch_size)
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive int; got {batch_size!r}.")
    if pool.kind == "dataset":
        import torch
        from torch.utils.data import DataLoader

        from ..pools._torch import InputRows

        # the loader draws its base seed from a generator of its own, not from the global torch state: reading a
        # Dataset leaves the random stream where reading an array leaves it (a lazily built layer, dropout)
        workers = getattr(net, "iterator_valid__num_workers", 0)
        loader = DataLoader(
            InputRows(X), batch_size=batch_size, shuffle=False, num_workers=workers, generator=torch.Generator()
        )
        for xb, _ in loader:
            yield xb
    elif pool.lazy:
        for _, rows in pool.batches(batch_rows=batch_size):
            yield rows
    else:
        for start in range(0, len(X), batch_size):
            yield X[start : start + batch_size]


def as_dataset(X, net=None):
    """A dict of arrays as the ``Dataset`` skorch makes of it (``net.get_dataset(X)``); any other pool as it is.

    skorch's ``Dataset`` yields the rows of a dict as dicts, which a
    ``DataLoader`` collates into dicts of tensors: what skorch's ``infer``
    passes to a module's ``forward`` as keyword arguments. A net's own
    ``dataset=`` is used when ``net`` is given.

    Examples
    --------
    >>> ds = as_dataset({"input_ids": np.zeros((4, 3), np.int64), "attention_mask": np.ones((4, 3))})
    >>> len(ds), sorted(ds[0][0])
    (4, ['attention_mask', 'input_ids'])
    """
    from ..pools import as_pool

    if as_pool(X).kind != "mapping":
        return X
    if net is not None and callable(getattr(net, "get_dataset", None)):
        return net.get_dataset(X)
    from skorch.dataset import Dataset

    return Dataset(X)


def resolve_batch_size(batch_size, net, X):
    """Rows per forward pass: ``batch_size``, else the net's, else 256; a negative one (skorch's -1) means all of ``X``.

    Examples
    --------
    >>> resolve_batch_size(None, None, np.zeros(10)), resolve_batch_size(-1, None, np.zeros(10))
    (256, 10)
    """
    from ..pools._protocol import n_rows

    batch_size = batch_size or getattr(net, "batch_size", 256) or 256
    if batch_size <= 0:  # skorch's -1: the whole data set at once
        batch_size = max(n_rows(X), 1)
    return int(batch_size)


def first_row(X):
    """The first row of ``X`` as a batch of one (``X[:1]`` for an array), read without reading the others.

    Examples
    --------
    >>> first_row(np.arange(6).reshape(3, 2))
    array([[0, 1]])
    """
    for batch in iter_batches(X, 1):
        return batch
    raise ValueError("first_row: X has no row.")
