"""The SHA-256 fingerprint of a pool: what a journal records to know it is resumed on the same rows."""

import hashlib
from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

from ._protocol import Pool, is_pool_object, is_torch_dataset

__all__ = ["pool_fingerprint"]


def pool_fingerprint(X):
    """SHA-256 of the pool: its shape, types and values (hashed in blocks, no full copy).

    Arrays hash their rows as C-ordered bytes with shape and dtype (a
    ``numpy.memmap`` is read block by block, never copied whole); a sparse
    matrix its format, shape and CSR arrays; a DataFrame its column names,
    dtypes and each column's values; a list of texts or objects their text. A
    torch ``Dataset`` is not read: an ``ImageFolder`` (anything with a
    ``samples`` list) hashes its class, length, samples (paths and targets) and
    transforms, any other dataset only its class and length. A pool object
    (``take`` + ``__len__``, e.g. :class:`skal.pools.ParquetPool`) gives its own
    ``fingerprint()``, else its type and length.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(6.0).reshape(3, 2)
    >>> pool_fingerprint(X) == pool_fingerprint(X.copy()), pool_fingerprint(X) == pool_fingerprint(X[::-1])
    (True, False)
    """
    if isinstance(X, Pool):
        X = X.data
    if is_torch_dataset(X):  # never reads an item: see skal.pools._torch.dataset_fingerprint
        from ._torch import dataset_fingerprint

        return dataset_fingerprint(X)
    if isinstance(X, Mapping):  # a dict pool: each entry under its key
        h = hashlib.sha256(b"mapping")
        for key, value in X.items():
            h.update(f"{key!r}|{pool_fingerprint(value)}".encode())
        return h.hexdigest()
    if is_pool_object(X):  # its own fingerprint() (ParquetPool hashes its values), else only type and length
        if callable(getattr(X, "fingerprint", None)):
            return str(X.fingerprint())
        return hashlib.sha256(f"pool|{type(X).__module__}.{type(X).__qualname__}|{len(X)}".encode()).hexdigest()
    if sp.issparse(X):
        csr = sp.csr_matrix(X)
        h = hashlib.sha256(f"sparse|{csr.shape}|{csr.dtype.str}".encode())
        for part in (csr.indptr, csr.indices, csr.data):
            h.update(np.ascontiguousarray(part).tobytes())
        return h.hexdigest()
    if hasattr(X, "columns") and hasattr(X, "dtypes"):  # a pandas DataFrame
        h = hashlib.sha256(f"frame|{X.shape}".encode())
        for name in X.columns:
            h.update(f"{name!r}|{X[name].dtype}".encode())
            h.update(_array_digest(X[name].to_numpy()).encode())
        return h.hexdigest()
    return _array_digest(np.asarray(X) if not isinstance(X, (list, tuple)) else _as_array(X))


def _as_array(values):
    try:
        return np.asarray(values)
    except ValueError:  # ragged objects
        return np.asarray([repr(v) for v in values])


def _array_digest(X):
    h = hashlib.sha256(f"{X.shape}|{X.dtype.str}".encode())
    step = max(1, (1 << 24) // max(1, X[:1].nbytes))
    for start in range(0, len(X), step):
        block = X[start : start + step]
        if X.dtype.kind == "O":  # object memory holds addresses: hash the values' text instead
            h.update(repr(block.tolist()).encode())
        else:
            h.update(np.ascontiguousarray(block).reshape(-1).view(np.uint8))  # the bytes, without a copy
    return h.hexdigest()
