"""Pools: whatever a user passes as ``X``, read through one protocol.

:func:`as_pool` wraps the user's pool once, at the top of ``fit`` and
``query``; everything below (checks, strategies, ``skal.nn``, Ray, the
journal) talks to the :class:`Pool` it returns and never asks what type the
user's ``X`` is. A :class:`Pool` knows

- its length, ``len(pool)``, and what it holds, ``pool.kind``: ``"array"``
  (ndarray, ``numpy.memmap``), ``"sparse"``, ``"frame"`` (pandas),
  ``"objects"`` (a list of texts or objects), ``"mapping"`` (a dict of
  equal-length arrays: a tokenizer's ``input_ids`` / ``attention_mask``, passed
  to a net's ``forward`` as keywords, as skorch does), ``"dataset"`` (a
  map-style torch ``Dataset``: an item is ``x`` or ``(x, target)``, its target
  never read — the oracle gives the labels) or ``"rows"`` (a pool object);
- ``pool.take(rows)``: the rows in the user's own type, so the wrapped
  estimator gets them exactly as the user would hand them over;
- ``pool.batches(rows, batch_rows=...)``: ``(rows, taken)`` a batch at a time;
- ``pool.fingerprint()``: SHA-256 of its rows (:func:`pool_fingerprint`),
  which a journal records to know it is resumed on the same pool.

Per-row scores over a pool go through :func:`skal.pools.map_rows`, chunk by
chunk within scikit-learn's ``working_memory``.

**Your own pool.** Any object with ``__len__`` and ``take(rows) -> rows`` that
is not array-like (no ``__array__``) is a pool: rows are read only when taken,
so a pool can live in files or a database. An optional ``fingerprint()``
returns a string identifying its rows (without one a pool object is known
only by its type and length). :class:`ParquetPool` is one; here is another:

>>> import numpy as np
>>> class SquaresPool:
...     '''Row i is [i, i**2], computed when taken.'''
...     def __init__(self, n):
...         self.n = n
...     def __len__(self):
...         return self.n
...     def take(self, rows):
...         rows = np.asarray(rows)
...         return np.stack([rows, rows**2], axis=1).astype(np.float32)
...     def fingerprint(self):
...         return f"squares-{self.n}"
>>> pool = as_pool(SquaresPool(1000))
>>> pool.kind, len(pool), pool.take([3, 1]).tolist()
('rows', 1000, [[3.0, 9.0], [1.0, 1.0]])

Nothing here imports torch or pyarrow until such a pool is used.
"""

from ._fingerprint import pool_fingerprint
from ._parquet import ParquetPool
from ._protocol import Pool, as_pool, is_pool_object
from ._scoring import map_rows
from ._views import CastRows, RowsView

__all__ = ["Pool", "as_pool", "pool_fingerprint", "map_rows", "ParquetPool", "CastRows", "RowsView", "is_pool_object"]
