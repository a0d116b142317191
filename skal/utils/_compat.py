"""The one place skal reaches into scikit-learn helpers that are not (yet) public API.

Everything else in skal imports these names from here, so a scikit-learn
release that moves them needs one edit. The exception is :mod:`skal.pools`,
the bottom layer, which imports ``_safe_indexing`` and ``_num_samples`` itself
so that it imports nothing of skal.
"""

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
from sklearn.utils.validation import _check_feature_names, _check_n_features

from ..pools import as_pool

__all__ = [
    "set_features_in",
    "accepts_nan",
    "HasMethods",
    "Hidden",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
    "validate_parameter_constraints",
]


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
    pool = as_pool(X)
    if pool.kind in ("array", "sparse", "frame") and pool.shape is not None and len(pool.shape) >= 2:
        _check_n_features(estimator, pool.data, reset=True)
        _check_feature_names(estimator, pool.data, reset=True)
