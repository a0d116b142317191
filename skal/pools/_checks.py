"""Checking a user's pool once, at the top of ``fit``: what is validated as an array, and what is read only as taken."""

from sklearn.utils import check_array

from ._protocol import as_pool

__all__ = ["check_pool", "is_object_pool"]


def is_object_pool(X):
    """True for texts or other objects (a list, a tuple, a pandas Series or a 1-D object/str array; dicts
    for a DictVectorizer), a dict of arrays, a torch ``Dataset`` or a pool object (``take``).

    Such a pool is not checked as an array: its rows are read only when taken.
    """
    return not as_pool(X).tabular


def check_pool(X, allow_nan):
    """The pool to keep: arrays, CSR/CSC matrices and DataFrames as given, a nested list as an array.

    Other sparse formats become CSR (rows are taken by index). A
    ``numpy.memmap`` is kept as it is (checked in place, never copied); a torch
    ``Dataset`` or a pool object (:class:`skal.pools.ParquetPool`) is not read.

    NaN/inf are refused unless the estimator accepts them (``allow_nan``: then
    both pass, and the estimator decides).
    """
    pool = as_pool(X)
    if not pool.tabular:  # texts, objects, dicts, datasets, pool objects: read only when rows are taken
        if pool.lazy and not len(pool):
            raise ValueError("The pool X is empty: pass at least one row to label.")
        return X
    finite = not allow_nan
    try:
        checked = check_array(X, allow_nd=True, dtype=None, ensure_all_finite=finite, accept_sparse=True)
    except ValueError as exc:
        text = str(exc)
        if "NaN" in text or "infinity" in text:
            hint = (
                "The pool X must be finite: impute missing values (e.g. a Pipeline with "
                "sklearn.impute.SimpleImputer before the learner) or drop those rows before fit."
            )
        elif "0 sample" in text:
            hint = "The pool X is empty: pass at least one row to label."
        else:
            raise
        raise ValueError(f"{text} {hint}") from exc
    if pool.kind == "sparse":  # rows are taken by index: COO, DIA and BSR cannot be, CSR can
        return X if X.format in ("csr", "csc") else X.tocsr()
    return X if pool.kind == "frame" or pool.memmap else checked
