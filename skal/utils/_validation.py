"""Validation helpers shared by the learner, the oracles and the strategies."""

from numbers import Integral, Real

import numpy as np

from ..exceptions import NotEnoughCandidatesError, OracleError, ProbabilityError

__all__ = [
    "resolve_size",
    "check_labeled_mask",
    "check_n_query",
    "check_answers",
    "check_proba",
    "row_sums",
    "is_missing",
    "label_kind",
]


def resolve_size(size, n_pool, name):
    """A count, or a fraction of the pool, as a count in ``[1, n_pool]``.

    Examples
    --------
    >>> resolve_size(0.04, 50_000, "initial_size")
    2000
    >>> resolve_size(10, 100, "query_size")
    10
    """
    if isinstance(size, (bool, np.bool_)) or not isinstance(size, Real):
        raise TypeError(f"{name} must be an int (a count) or a float in (0, 1] (a fraction of the pool); got {size!r}.")
    if isinstance(size, Integral):
        count = int(size)
        if count <= 0:
            raise ValueError(f"{name} must be at least 1; got {size}. Pass a positive count or a fraction in (0, 1].")
    else:
        if not 0.0 < size <= 1.0:
            raise ValueError(f"{name} as a fraction must lie in (0, 1]; got {size}. For a count pass an int.")
        count = max(1, int(np.floor(size * n_pool)))
    if count > n_pool:
        raise ValueError(
            f"{name}={size} asks for {count} rows but the pool holds only {n_pool}; pass at most {n_pool}."
        )
    return count


def check_labeled_mask(labeled, n_pool):
    """A boolean mask of length ``n_pool``; ``None`` means nothing is labeled."""
    if labeled is None:
        return np.zeros(n_pool, dtype=bool)
    labeled = np.asarray(labeled)
    if labeled.dtype != bool or labeled.shape != (n_pool,):
        raise ValueError(
            f"labeled must be a boolean mask of shape ({n_pool},), one entry per pool row; "
            f"got dtype {labeled.dtype} and shape {labeled.shape}. "
            "To pass row indices use `mask = np.zeros(len(X), bool); mask[indices] = True`."
        )
    return labeled.copy()


def check_n_query(n, n_available):
    """``n`` must be a positive int no larger than the number of candidates."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, Integral) or n <= 0:
        raise ValueError(f"n must be a positive int; got {n!r}.")
    if n > n_available:
        raise NotEnoughCandidatesError(
            f"asked for {n} rows but only {n_available} unlabeled candidates are left; query at most {n_available}."
        )
    return int(n)


def is_missing(values):
    """True where a label is missing: None, NaN or inf.

    Examples
    --------
    >>> is_missing(np.array([1.0, np.nan])).tolist(), is_missing(np.array(["a", None], dtype=object)).tolist()
    ([False, True], [False, True])
    """
    if values.dtype.kind in "fc":
        return ~np.isfinite(values)
    if values.dtype.kind == "O":
        return np.array([v is None or (isinstance(v, float) and not np.isfinite(v)) for v in values], dtype=bool)
    return np.zeros(values.shape, dtype=bool)


def check_continuous_answers(labels, n_expected, kept):
    """A regression oracle's answers: one finite number per row, as float64."""
    try:
        values = np.asarray(labels, dtype=np.float64)
    except (TypeError, ValueError):
        raise OracleError(
            f"the oracle returned {np.asarray(labels, dtype=object)[:3].tolist()} for a regression target; answer "
            f"with one number per queried row. {kept}"
        ) from None
    if values.ndim != 1 or values.shape[0] != n_expected:
        raise OracleError(f"the oracle returned {values.shape} values for a batch of {n_expected} rows; one each.")
    if not np.isfinite(values).all():
        where = np.flatnonzero(~np.isfinite(values))[:5].tolist()
        raise OracleError(f"the oracle returned missing values (None/NaN/inf) at batch positions {where}. {kept}")
    return values


def check_indicator_answers(labels, n_expected, n_labels, kept):
    """A multi-label oracle's answers: one 0/1 row of ``n_labels`` per queried row, as int64."""
    values = np.asarray(labels)
    if values.ndim == 1 and n_expected == 1 and values.shape[0] == n_labels:
        values = values[None, :]
    if values.ndim != 2 or values.shape != (n_expected, n_labels):
        raise OracleError(
            f"the oracle returned labels of shape {values.shape} for {n_expected} rows of a multi-label target with "
            f"{n_labels} labels; answer each row with a 0/1 row of {n_labels} (MultiLabelBinarizer makes one). {kept}"
        )
    if values.dtype.kind not in "biuf" or not np.isin(values, (0, 1)).all():
        raise OracleError(f"a multi-label answer holds only 0 and 1 (one column per label). {kept}")
    return values.astype(np.int64)


def check_answers(labels, n_expected, classes=None, batch=True, seen=None, target=None):
    """Validate an oracle's answer for a batch of ``n_expected`` rows.

    Returns the labels as a 1-D array. Raises :class:`~skal.exceptions.OracleError`
    for a wrong length, a missing label (None/NaN/inf) or a label outside ``classes``.
    ``batch=False`` checks one streamed answer (earlier answers of its batch were kept).
    Labels must be of the type of ``classes`` (or, when the label space is not
    known in advance, of the labels ``seen`` so far): ints, floats, booleans
    and texts are never cast into one another. A continuous ``target``
    (:class:`skal.targets.TargetKind`) takes one finite number per row; a
    multi-label one a 0/1 row per row, returned as a 2-D array.
    """
    kept = "Nothing from this batch was stored." if batch else "The answers before this one were kept."
    if target is not None and target.kind == "continuous":
        return check_continuous_answers(labels, n_expected, kept)
    if target is not None and target.is_multilabel:
        return check_indicator_answers(labels, n_expected, target.n_outputs, kept)
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != n_expected:
        raise OracleError(
            f"the oracle returned {labels.shape} labels for a batch of {n_expected} rows; "
            "it must return one label per queried row, in the order of the indices it was given."
        )
    missing = is_missing(labels)
    if missing.any():
        where = np.flatnonzero(missing)[:5].tolist()
        raise OracleError(
            f"the oracle returned missing labels (None/NaN/inf) at batch positions {where}; "
            f"every queried row needs a label. {kept}"
        )
    like = classes if classes is not None else seen
    if like is not None and len(like) and label_kind(labels) != label_kind(like):
        raise OracleError(
            f"the oracle returned {label_kind(labels)} as labels ({labels[:3].tolist()}) but the label space "
            f"holds {label_kind(like)} ({np.asarray(like)[:3].tolist()}); answer with labels of that type (a label "
            f"is never cast), or pass the label space as ActiveLearner(classes=...). {kept}"
        )
    if classes is not None:
        unknown = ~np.isin(labels, classes)
        if unknown.any():
            bad = np.unique(labels[unknown])[:5].tolist()
            raise OracleError(
                f"the oracle returned labels {bad} that are not among the known classes "
                f"{np.asarray(classes).tolist()[:20]}; pass the full label space as "
                f"ActiveLearner(classes=...) or fix the oracle. {kept}"
            )
        labels = labels.astype(np.asarray(classes).dtype, copy=False)
    return labels


_KINDS = {"b": "booleans", "i": "integers", "u": "integers", "f": "floats", "c": "complex numbers"}


def label_kind(values):
    """The type of a set of labels: "integers", "floats", "booleans", "texts", "bytes" or "objects".

    Examples
    --------
    >>> label_kind(np.array([1, 2])), label_kind(["a", "b"]), label_kind(np.array([1, "a"], dtype=object))
    ('integers', 'texts', 'objects')
    """
    values = np.asarray(values)
    if values.dtype.kind in _KINDS:
        return _KINDS[values.dtype.kind]
    if values.dtype.kind == "U":
        return "texts"
    if values.dtype.kind == "S":
        return "bytes"
    kinds = {label_kind(np.asarray([v])) if not isinstance(v, str) else "texts" for v in values.tolist()}
    return kinds.pop() if len(kinds) == 1 else "objects"


def row_sums(values, negate=False, dtype=None):
    """``values.sum(axis=1, dtype=dtype)`` of a 2-D array (its negative with ``negate``), column by column.

    For up to 7 columns numpy adds a row's entries one after the other, and so
    does this (the same result to the bit; negating first changes no bit, as
    rounding is symmetric), without numpy's per-row loop overhead of a
    reduction along a short axis.

    Examples
    --------
    >>> row_sums(np.array([[0.25, 0.75], [0.5, 0.5]])).tolist(), row_sums(np.ones((1, 3)), negate=True).tolist()
    ([1.0, 1.0], [-3.0])
    """
    values = np.asarray(values)
    if values.ndim != 2 or not 2 <= values.shape[1] <= 7 or values.dtype.kind not in "fc":
        sums = values.sum(axis=1, dtype=dtype)
        return np.negative(sums, out=sums) if negate else sums
    if negate:
        sums = np.negative(values[:, 0], dtype=dtype)
        for j in range(1, values.shape[1]):
            sums -= values[:, j]
        return sums
    sums = np.add(values[:, 0], values[:, 1], dtype=dtype)
    for j in range(2, values.shape[1]):
        sums += values[:, j]
    return sums


def check_proba(proba, *, estimator=None, atol=1e-3):
    """Rows of ``proba`` must be finite, in [0, 1] and sum to 1 (within ``atol``).

    Checked with four reductions and no array-sized temporary but the row
    sums: a NaN fails the comparisons of the minimum and maximum, as an
    infinite value fails the range. The row sums, in float64 (float32
    probabilities are not converted), are compared as
    ``np.allclose(sums, 1.0, atol=atol)`` compares them (tolerance
    ``atol + 1e-5``).

    The error names the usual fix for a skorch net whose module returns logits.
    """
    proba = np.asarray(proba)
    if proba.ndim != 2:
        raise ProbabilityError(
            f"predict_proba must return a 2-D array (n_samples, n_classes); got shape {proba.shape}."
        )
    if proba.size == 0:
        return proba
    ok = bool(proba.min() >= -atol) and bool(proba.max() <= 1 + atol)
    if ok:
        sums, tol = row_sums(proba, dtype=np.float64 if proba.dtype.kind == "f" else None), atol + 1e-5
        ok = bool(sums.min() >= 1 - tol) and bool(sums.max() <= 1 + tol)
    if not ok:
        name = type(estimator).__name__ if estimator is not None else "the estimator"
        raise ProbabilityError(
            f"{name}.predict_proba returned rows that are not probabilities "
            "(values outside [0, 1], not finite, or rows not summing to 1). "
            "For a skorch NeuralNetClassifier whose module returns logits, pass "
            "criterion=torch.nn.CrossEntropyLoss (skorch then applies softmax in predict_proba), "
            "or end the module with torch.nn.Softmax(dim=-1)."
        )
    return proba
