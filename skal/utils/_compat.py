"""The one place skal reaches into scikit-learn helpers that are not (yet) public API.

Everything else in skal imports these names from here, so a scikit-learn
release that moves them needs one edit.
"""

import sys

import numpy as np
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    Hidden,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils._tags import get_tags
from sklearn.utils.validation import _check_feature_names, _check_n_features, _num_samples

__all__ = [
    "set_features_in",
    "take_rows",
    "n_rows",
    "is_torch_dataset",
    "is_lazy_pool",
    "accepts_nan",
    "HasMethods",
    "Hidden",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
    "validate_parameter_constraints",
]


def is_torch_dataset(X):
    """True for a map-style ``torch.utils.data.Dataset`` (never imports torch: none exists before it is loaded)."""
    data = sys.modules.get("torch.utils.data")
    return data is not None and isinstance(X, data.Dataset)


def is_lazy_pool(X):
    """True for a pool read on demand: a torch ``Dataset`` or a pool object (``take`` + ``__len__``)."""
    from ..pools._views import is_pool_object

    return is_pool_object(X) or is_torch_dataset(X)


def take_rows(X, rows):
    """Rows ``rows`` of a pool, in the pool's own type.

    An ndarray, a scipy sparse matrix, a pandas DataFrame (column names and
    dtypes kept) or a list of texts or other objects: the wrapped estimator
    receives the rows exactly as a user would hand them to it. A *pool object*
    (``__len__`` and ``take(rows)``, not array-like, e.g.
    :class:`skal.pools.ParquetPool`) gives ``X.take(rows)``; a torch ``Dataset``
    gives ``torch.utils.data.Subset(X, rows)``.

    Examples
    --------
    >>> take_rows(["a", "b", "c"], [2, 0])
    ['c', 'a']
    """
    from ..pools._views import is_pool_object

    if is_pool_object(X):
        return X.take(np.asarray(rows, dtype=np.intp))
    if is_torch_dataset(X):
        from ..pools._torch import subset

        return subset(X, rows)
    return _safe_indexing(X, rows, axis=0)


def n_rows(X):
    """Number of rows of a pool of any type skal accepts.

    Examples
    --------
    >>> import numpy as np
    >>> n_rows(np.zeros((4, 2))), n_rows(["x", "y"])
    (4, 2)
    """
    if is_lazy_pool(X):
        return len(X)
    return _num_samples(X)


def accepts_nan(estimator):
    """True when ``estimator`` takes NaN in its input (its tags say ``allow_nan``).

    A Pipeline reports ``allow_nan=False`` whatever its steps do, so its first
    step (an imputer, say) decides.

    Examples
    --------
    >>> from sklearn.impute import SimpleImputer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> accepts_nan(LogisticRegression()), accepts_nan(make_pipeline(SimpleImputer(), LogisticRegression()))
    (False, True)
    """
    steps = getattr(estimator, "steps", None)
    if steps:
        first = next((step for _, step in steps if step not in (None, "passthrough")), None)
        return first is not None and accepts_nan(first)
    try:
        return bool(get_tags(estimator).input_tags.allow_nan)
    except Exception:  # an object that is not a scikit-learn estimator: no tags
        return False


def set_features_in(estimator, X):
    """Set ``n_features_in_`` / ``feature_names_in_`` from an array or DataFrame pool, reading no values.

    A pool of texts, objects, a torch ``Dataset`` or a pool object has no
    features of its own; both attributes are then removed.
    """
    for attr in ("n_features_in_", "feature_names_in_"):
        estimator.__dict__.pop(attr, None)
    if hasattr(X, "shape") and len(X.shape) >= 2 and not is_lazy_pool(X):
        _check_n_features(estimator, X, reset=True)
        _check_feature_names(estimator, X, reset=True)
