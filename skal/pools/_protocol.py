"""The pool protocol: whatever a user passes as ``X``, wrapped once into an object that knows what it holds.

:func:`as_pool` is the one place in skal that asks what type the user's pool
is. Everything below the learner talks to the :class:`Pool` it returns: its
length, its rows (taken in the user's own type, so the wrapped estimator sees
them exactly as the user would hand them over), its batches, its fingerprint
and its ``kind``.

Kinds: ``"array"`` (an ndarray or ``numpy.memmap``, or anything
``numpy.asarray`` reads, such as a tensor), ``"sparse"`` (a scipy sparse
matrix or array), ``"frame"`` (a pandas DataFrame), ``"objects"`` (a list or
tuple of texts or other objects), ``"mapping"`` (a dict of equal-length
arrays, such as a tokenizer's ``input_ids`` and ``attention_mask``: skorch
passes its entries to ``forward`` as keywords), ``"dataset"`` (a map-style
``torch.utils.data.Dataset``: rows are taken as ``Subset``), ``"rows"`` (a
*pool object*: any object with ``__len__`` and ``take(rows)`` that is not
array-like, such as :class:`skal.pools.ParquetPool` or a user's own class).
"""

import sys
from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp
from sklearn.utils import _safe_indexing, gen_batches
from sklearn.utils.validation import _num_samples

__all__ = ["Pool", "as_pool", "is_pool_object", "take_rows", "n_rows", "is_torch_dataset", "is_lazy_pool"]

#: The kinds a :class:`Pool` says it holds.
KINDS = ("array", "sparse", "frame", "objects", "mapping", "dataset", "rows")


def is_pool_object(X):
    """True for a *pool object*: ``__len__`` and ``take(rows)``, and not array-like (no ``__array__``).

    Arrays, tensors, DataFrames and Series have ``take`` too, but also
    ``__array__``: they are not pool objects.

    Examples
    --------
    >>> is_pool_object(np.zeros(3)), is_pool_object(as_pool(np.zeros((3, 2))))
    (False, True)
    """
    return (
        callable(getattr(X, "take", None))
        and hasattr(X, "__len__")
        and not hasattr(X, "__array__")
        and not isinstance(X, (list, tuple, str, bytes))
        and not sp.issparse(X)
    )


def is_torch_dataset(X):
    """True for a map-style ``torch.utils.data.Dataset`` (never imports torch: none exists before it is loaded)."""
    data = sys.modules.get("torch.utils.data")
    return data is not None and isinstance(X, data.Dataset)


def is_ray_dataset(X):
    """True for a ``ray.data.Dataset`` (never imports ray): ``skal.distributed.RayPool`` makes it a pool object."""
    data = sys.modules.get("ray.data")
    return data is not None and isinstance(X, data.Dataset)


class Pool:
    """A pool of rows as skal reads it: made by :func:`as_pool`, never by hand.

    Parameters
    ----------
    data : object
        The pool as the user gave it.
    kind : str
        What it holds (see the module's docstring): one of
        ``"array", "sparse", "frame", "objects", "mapping", "dataset", "rows"``.

    Attributes
    ----------
    data : object
        The pool as given; estimators receive its rows in this type.
    kind : str
    lazy : bool
        True when rows are read on demand (a torch ``Dataset`` or a pool
        object): nothing may read such a pool whole.

    Examples
    --------
    >>> pool = as_pool([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    >>> len(pool), pool.kind, pool.take([2, 0])
    (3, 'array', [[4.0, 5.0], [0.0, 1.0]])
    >>> [rows.tolist() for rows, _ in pool.batches(batch_rows=2)]
    [[0, 1], [2]]
    """

    def __init__(self, data, kind):
        self.data = data
        self.kind = kind

    @property
    def lazy(self):
        return self.kind in ("dataset", "rows")

    @property
    def tabular(self):
        """True for an array, sparse or DataFrame pool: one that ``check_array`` validates and features describe."""
        return self.kind in ("array", "sparse", "frame")

    @property
    def ndarray(self):
        """The pool as an ``numpy.ndarray`` (a memmap included) when it is one, else None: for fast array paths."""
        return self.data if isinstance(self.data, np.ndarray) else None

    @property
    def is_list(self):
        """True for a list or tuple: texts, objects, or nested rows of numbers that ``check_pool`` makes an array."""
        return isinstance(self.data, (list, tuple))

    @property
    def memmap(self):
        """True for a ``numpy.memmap``, which is read in place and never copied whole."""
        return isinstance(self.data, np.memmap)

    def __len__(self):
        if self.lazy:
            return len(self.data)
        if self.kind == "mapping":
            return _num_samples(next(iter(self.data.values())))
        return _num_samples(self.data)

    @property
    def shape(self):
        """``(n_rows, *row_shape)`` where the pool has one (arrays, sparse, frames, pool objects that say it)."""
        shape = getattr(self.data, "shape", None)
        return None if shape is None else tuple(shape)

    def take(self, rows):
        """Rows ``rows`` in the pool's own type: ndarray, sparse, DataFrame, list, ``Subset`` or ``data.take(rows)``."""
        rows = np.asarray(rows, dtype=np.intp).reshape(-1)
        if self.kind == "rows":
            return self.data.take(rows)
        if self.kind == "dataset":
            from ._torch import subset

            return subset(self.data, rows)
        if self.kind == "mapping":  # {"input_ids": ..., "attention_mask": ...}: the same rows of every entry
            return {key: _safe_indexing(value, rows, axis=0) for key, value in self.data.items()}
        return _safe_indexing(self.data, rows, axis=0)

    def span(self, start, stop):
        """Rows ``start:stop`` as a :class:`Pool`, a view where the pool allows one (a grown pool's segment).

        Its fingerprint equals that of the pool those rows once were on their
        own, so a journal can check the old rows of a pool that grew.

        Raises
        ------
        TypeError
            For a torch ``Dataset`` or a pool object, which cannot say that.

        Examples
        --------
        >>> X = np.arange(10.0).reshape(5, 2)
        >>> as_pool(X).span(0, 3).fingerprint() == as_pool(X[:3].copy()).fingerprint()
        True
        """
        if self.lazy:
            raise TypeError(
                f"a pool of kind {self.kind!r} cannot give the fingerprint of its first rows, so it cannot grow under "
                "a journal: start a new journal for the larger pool, or pass the rows as an array."
            )
        if self.kind == "mapping":
            return Pool({key: value[start:stop] for key, value in self.data.items()}, "mapping")
        if self.kind == "frame":
            return Pool(self.data.iloc[start:stop], "frame")
        return Pool(self.data[start:stop], self.kind)

    def batches(self, rows=None, *, batch_rows):
        """Yield ``(rows, taken)`` for ``batch_rows`` rows at a time, in the order of ``rows`` (all rows if None)."""
        rows = np.arange(len(self), dtype=np.intp) if rows is None else np.asarray(rows, dtype=np.intp).reshape(-1)
        for part in gen_batches(len(rows), int(batch_rows)):
            yield rows[part], self.take(rows[part])

    def fingerprint(self):
        """SHA-256 of the pool's rows (:func:`skal.pools.pool_fingerprint`)."""
        from ._fingerprint import pool_fingerprint

        return pool_fingerprint(self.data)

    def __repr__(self):
        return f"Pool({self.kind}, {len(self)} rows of a {type(self.data).__name__})"


def as_pool(X):
    """Wrap ``X`` once into a :class:`Pool`; a :class:`Pool` is returned as it is.

    Raises
    ------
    TypeError
        For a string, a mapping or a scalar: not a pool of rows.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> [as_pool(X).kind for X in (np.zeros((2, 3)), sp.csr_matrix((2, 3)), ["a text", "another"], {"ids": [[1], [2]]})]
    ['array', 'sparse', 'objects', 'mapping']
    >>> as_pool(as_pool(np.zeros(2))).kind
    'array'
    """
    if isinstance(X, Pool):
        return X
    if isinstance(X, (str, bytes)):
        raise TypeError(f"a pool is a sequence of rows, not one {type(X).__name__}: pass a list of texts, [text].")
    if is_pool_object(X):
        return Pool(X, "rows")
    if is_torch_dataset(X):
        return Pool(X, "dataset")
    if sp.issparse(X):
        return Pool(X, "sparse")
    if hasattr(X, "iloc"):  # a pandas DataFrame, or a Series of texts for a text pipeline
        return Pool(X, "frame" if getattr(X, "ndim", 2) == 2 else "objects")
    if isinstance(X, (list, tuple)):
        return Pool(X, "objects" if _holds_objects(X) else "array")
    if isinstance(X, Mapping):
        return _mapping_pool(X)
    if not (hasattr(X, "__len__") or hasattr(X, "shape") or hasattr(X, "__array__")):
        raise TypeError(
            f"a pool is a sequence of rows; got {type(X).__name__}. Pass an array, a list of rows or texts, a sparse "
            "matrix, a DataFrame, a dict of equal-length arrays, a torch Dataset or an object with __len__ and take."
        )
    if isinstance(X, np.ndarray) and X.ndim == 1 and X.dtype.kind in "OUS":  # a 1-D array of texts or objects
        return Pool(X, "objects")
    return Pool(X, "array")


def _holds_objects(X):
    """A list of texts, dicts (for a DictVectorizer) or scalars is a pool of objects; a nested list is an array."""
    if not len(X):
        return False
    first = X[0]
    return isinstance(first, (str, bytes, Mapping)) or not hasattr(first, "__len__")


def _mapping_pool(X):
    """A dict of equal-length arrays (a tokenizer's output): a net's ``forward`` takes its entries as keywords."""
    lengths = {key: _num_samples(value) for key, value in X.items()}
    if not lengths or len(set(lengths.values())) != 1:
        raise ValueError(f"a dict pool needs entries of one length (one row per entry); got lengths {lengths}.")
    return Pool(X, "mapping")


def take_rows(X, rows):
    """Rows ``rows`` of a pool, in the pool's own type (``as_pool(X).take(rows)``).

    Examples
    --------
    >>> take_rows(["a", "b", "c"], [2, 0])
    ['c', 'a']
    """
    return as_pool(X).take(rows)


def n_rows(X):
    """Number of rows of a pool of any type skal accepts.

    Examples
    --------
    >>> n_rows(np.zeros((4, 2))), n_rows(["x", "y"])
    (4, 2)
    """
    return len(as_pool(X))


def is_lazy_pool(X):
    """True for a pool read on demand: a torch ``Dataset`` or a pool object (``as_pool(X).lazy``)."""
    return as_pool(X).lazy
