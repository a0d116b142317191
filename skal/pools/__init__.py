"""Pools that are not in-memory arrays: a torch ``Dataset``, a ``numpy.memmap``, a Parquet/Arrow table.

skal reads every pool row through :func:`skal.utils._compat.take_rows` and
:func:`skal.utils._compat.n_rows`; besides arrays, sparse matrices, DataFrames
and lists these accept

- a map-style ``torch.utils.data.Dataset`` (rows are taken as
  ``torch.utils.data.Subset``; an item is ``x`` or ``(x, target)``, its target
  never read: the oracle gives the labels);
- a *pool object*: anything with ``__len__`` and ``take(rows) -> ndarray`` that
  is not array-like (no ``__array__``), such as :class:`ParquetPool`. An
  optional ``fingerprint()`` returns a string identifying its rows (used by
  journals and ``query``'s same-pool check); without one a pool object is
  identified only by its type and length.

Nothing here imports torch or pyarrow until such a pool is used.
"""

from ._parquet import ParquetPool
from ._views import CastRows, RowsView, is_pool_object

__all__ = ["ParquetPool", "CastRows", "RowsView", "is_pool_object"]
