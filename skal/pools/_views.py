"""Lazy views of a pool: rows cast to another dtype, or a subset of rows, taken on demand."""

import hashlib

import numpy as np

from ._fingerprint import pool_fingerprint
from ._protocol import n_rows, take_rows

__all__ = ["CastRows", "RowsView"]


class _PoolObject:
    """Shared by the views: ``len``, ``shape``, slicing and integer indexing through ``take``."""

    def __getitem__(self, key):
        if isinstance(key, slice):
            return self.take(np.arange(len(self))[key])
        if np.ndim(key) == 0:
            return self.take(np.array([int(key)]))[0]
        return self.take(np.asarray(key))


class CastRows(_PoolObject):
    """The rows of an array (e.g. a ``numpy.memmap``) cast to ``dtype`` as they are taken.

    What a skorch net gets for a memory-mapped pool whose dtype is not its
    module's: the array is never cast (or read) whole.

    Examples
    --------
    >>> view = CastRows(np.arange(6, dtype=np.int64).reshape(3, 2), np.float32)
    >>> view.take([2, 0])
    array([[4., 5.],
           [0., 1.]], dtype=float32)
    >>> len(view), view.shape
    (3, (3, 2))
    """

    def __init__(self, X, dtype):
        self.X = X
        self.dtype = np.dtype(dtype)

    def __len__(self):
        return len(self.X)

    @property
    def shape(self):
        return self.X.shape

    def take(self, rows):
        return np.asarray(self.X[np.asarray(rows, dtype=np.intp)], dtype=self.dtype)

    def fingerprint(self):
        return pool_fingerprint(self.X)

    def __repr__(self):
        return f"CastRows({type(self.X).__name__} of shape {self.X.shape}, dtype={self.dtype})"


class RowsView(_PoolObject):
    """Rows ``rows`` of a pool, taken from it only when asked (no copy of the pool).

    Examples
    --------
    >>> view = RowsView(np.arange(8.0).reshape(4, 2), [3, 1])
    >>> len(view), view.take([1]).tolist()
    (2, [[2.0, 3.0]])
    """

    def __init__(self, X, rows):
        self.X = X
        self.rows = np.asarray(rows, dtype=np.intp)

    def __len__(self):
        return len(self.rows)

    @property
    def shape(self):
        inner = getattr(self.X, "shape", (n_rows(self.X),))
        return (len(self.rows), *inner[1:])

    def take(self, rows):
        return take_rows(self.X, self.rows[np.asarray(rows, dtype=np.intp)])

    def fingerprint(self):
        h = hashlib.sha256(pool_fingerprint(self.X).encode())
        h.update(self.rows.tobytes())
        return h.hexdigest()

    def __repr__(self):
        return f"RowsView({len(self.rows)} rows of a {type(self.X).__name__})"
