"""A pool read from Parquet files (or any ``pyarrow.dataset.Dataset``), row by row on demand."""

import glob
import hashlib
import os

import numpy as np

from ._views import _PoolObject

__all__ = ["ParquetPool"]


class ParquetPool(_PoolObject):
    """Named numeric columns of a Parquet dataset as a pool, read through ``pyarrow.dataset``.

    The table is never loaded whole: ``take(rows)`` reads only the rows asked
    for (``pyarrow.dataset.Dataset.take``), as a float array ``(len(rows),
    len(columns))``. Pass it as the pool of ``ActiveLearner.fit``, ``query`` and
    ``teach``; the wrapped estimator receives those arrays.

    Parameters
    ----------
    source : str, path, list of paths or ``pyarrow.dataset.Dataset``
        A Parquet file, a directory of them, a glob (``"data/*.parquet"``,
        files in sorted order), a list of files, or a dataset already opened.
    columns : list of str
        The feature columns, in this order (numeric; NaN is passed on).
    dtype : numpy dtype, default float32
        The dtype of the rows handed out.
    batch_size : int, default 65536
        Rows per record batch when the pool is scanned (``fingerprint``,
        ``iter_batches``).

    Attributes
    ----------
    dataset_ : pyarrow.dataset.Dataset
    shape : tuple ``(n_rows, n_columns)``

    Notes
    -----
    ``fingerprint()`` scans the columns once, batch by batch, and hashes their
    values: a journal (or ``query``'s same-pool check) knows the same rows in
    the same order, whatever files hold them. ``take`` of scattered rows scans
    the files up to the last row asked for, so scoring a very large pool costs
    several reads of it; keep row groups moderate.

    Examples
    --------
    >>> import pyarrow as pa, pyarrow.parquet as pq, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "pool.parquet")
    >>> pq.write_table(pa.table({"a": [0.0, 1.0, 2.0], "b": [3, 4, 5], "label": ["x", "y", "x"]}), path)
    >>> pool = ParquetPool(path, columns=["a", "b"])
    >>> len(pool), pool.shape, pool.take([2, 0]).tolist()
    (3, (3, 2), [[2.0, 5.0], [0.0, 3.0]])
    """

    def __init__(self, source, columns, *, dtype=np.float32, batch_size=65536):
        import pyarrow.dataset as ds

        if isinstance(source, ds.Dataset):
            dataset = source
        else:
            paths = source
            if isinstance(source, (str, os.PathLike)) and any(c in str(source) for c in "*?["):
                paths = sorted(glob.glob(str(source)))
                if not paths:
                    raise FileNotFoundError(f"ParquetPool: no file matches {str(source)!r}.")
            elif isinstance(source, (str, os.PathLike)):
                paths = str(source)
            dataset = ds.dataset(paths, format="parquet")
        if isinstance(columns, str) or not len(columns):
            raise ValueError("ParquetPool: columns must be a non-empty list of column names, e.g. ['x0', 'x1'].")
        missing = [c for c in columns if c not in dataset.schema.names]
        if missing:
            raise ValueError(f"ParquetPool: no column {missing} in the dataset; it has {dataset.schema.names[:20]}.")
        self.source = source
        self.columns = list(columns)
        self.dtype = np.dtype(dtype)
        self.batch_size = int(batch_size)
        self.dataset_ = dataset
        self._n = int(dataset.count_rows())
        self._fingerprint = None

    def __len__(self):
        return self._n

    @property
    def shape(self):
        return (self._n, len(self.columns))

    def _to_numpy(self, table):
        out = np.empty((table.num_rows, len(self.columns)), dtype=self.dtype)
        for k, name in enumerate(self.columns):
            out[:, k] = table.column(name).to_numpy(zero_copy_only=False)
        return out

    def take(self, rows):
        """Rows ``rows`` (pool positions, any order, repeats allowed) as ``(len(rows), n_columns)``."""
        import pyarrow as pa

        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        if len(rows) and (rows.min() < 0 or rows.max() >= self._n):
            raise IndexError(f"ParquetPool: rows must lie in [0, {self._n}); got {rows.min()}..{rows.max()}.")
        if not len(rows):
            return np.empty((0, len(self.columns)), dtype=self.dtype)
        return self._to_numpy(self.dataset_.take(pa.array(rows), columns=self.columns))

    def iter_batches(self):
        """Yield the pool in order, ``batch_size`` rows at a time, as arrays."""
        for batch in self.dataset_.to_batches(columns=self.columns, batch_size=self.batch_size):
            if batch.num_rows:
                yield self._to_numpy(batch)

    def fingerprint(self):
        """SHA-256 of the columns' names, the dtype and every value, in row order (one scan, computed once)."""
        if self._fingerprint is None:
            h = hashlib.sha256(f"ParquetPool|{self.columns!r}|{self._n}|{self.dtype.str}".encode())
            for block in self.iter_batches():
                h.update(np.ascontiguousarray(block).data)
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    def __repr__(self):
        source = self.source if isinstance(self.source, (str, os.PathLike)) else type(self.source).__name__
        return f"ParquetPool({str(source)!r}, columns={self.columns!r})"
