"""The public contract every skal query strategy passes.

``check_query_strategy(strategy)`` runs each check in turn and raises an
``AssertionError`` naming the first broken promise. ``parametrize_with_checks``
turns the same checks into pytest cases, one per (strategy, check).
A pool with a fitted skorch net, for strategies that need one, is
``skal.nn._testing.make_net_pool`` (``skal.utils`` imports nothing from ``skal.nn``).
"""

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from ..exceptions import NotEnoughCandidatesError
from ._compat import n_rows, take_rows
from ._estimator import is_skorch
from ._random import seed_params

__all__ = ["check_query_strategy", "make_pool", "pool_copies", "parametrize_with_checks", "CHECKS"]


def make_pool(n_pool=60, n_features=4, n_classes=3, labeled_fraction=0.3, seed=0):
    """A small random pool, its labeled mask and a model fitted on the labeled rows.

    Features are continuous Gaussian blobs, so scores are tie-free almost surely.
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n_pool) % n_classes
    X = rng.normal(size=(n_pool, n_features)) + y[:, None]
    labeled = np.zeros(n_pool, dtype=bool)
    labeled[rng.permutation(n_pool)[: max(n_classes, int(labeled_fraction * n_pool))]] = True
    labeled[[np.flatnonzero(y == c)[0] for c in range(n_classes)]] = True
    estimator = LogisticRegression(max_iter=500).fit(X[labeled], y[labeled])
    return X, y, labeled, estimator


def _fit(strategy, X, labeled, estimator, y):
    return strategy.fit(X, labeled=labeled, estimator=estimator, y=y)


def _seeded(strategy, seed=0):
    return seed_params(clone(strategy), seed)


def _small_n(strategy, pool, n):
    """``n``, or fewer when the pool has fewer candidates."""
    X, y, labeled, estimator = pool
    return min(n, _fit(_seeded(strategy), X, labeled, estimator, y).n_available_)


def check_clone_and_params(strategy, pool):
    """``clone`` and ``get_params``/``set_params`` round-trip; ``__init__`` only stores."""
    cloned = clone(strategy)
    assert type(cloned) is type(strategy)
    params = strategy.get_params(deep=False)
    assert set(cloned.get_params(deep=False)) == set(params)
    cloned.set_params(**params)
    fitted = [k for k in vars(clone(strategy)) if k.endswith("_") and not k.startswith("_")]
    assert not fitted, f"__init__ set fitted attributes {fitted}"


def check_query_contract(strategy, pool):
    """Exactly ``n`` unique, in-range, unlabeled indices for several ``n``."""
    X, y, labeled, estimator = pool
    n_available = _fit(_seeded(strategy), X, labeled, estimator, y).n_available_
    assert 0 < n_available <= int((~labeled).sum()), f"n_available_={n_available} is out of range"
    for n in sorted({1, min(5, n_available), n_available}):
        picked = _fit(_seeded(strategy), X, labeled, estimator, y).query(n)
        assert picked.shape == (n,), f"query({n}) returned shape {picked.shape}"
        assert picked.dtype.kind in "iu", f"query returned dtype {picked.dtype}"
        assert len(np.unique(picked)) == n, f"query({n}) returned duplicates"
        assert picked.min() >= 0 and picked.max() < n_rows(X), "query returned an index outside the pool"
        assert not labeled[picked].any(), "query returned a labeled row"


def check_too_many(strategy, pool):
    """Asking for more rows than are available raises ``NotEnoughCandidatesError``."""
    X, y, labeled, estimator = pool
    fitted = _fit(_seeded(strategy), X, labeled, estimator, y)
    try:
        fitted.query(fitted.n_available_ + 1)
    except NotEnoughCandidatesError:
        return
    raise AssertionError("query(n) with n above the unlabeled count did not raise NotEnoughCandidatesError")


def check_deterministic(strategy, pool):
    """Same ``random_state`` → the same picks."""
    X, y, labeled, estimator = pool
    n = _small_n(strategy, pool, 5)
    first = _fit(_seeded(strategy, 7), X, labeled, estimator, y).query(n)
    second = _fit(_seeded(strategy, 7), X, labeled, estimator, y).query(n)
    np.testing.assert_array_equal(first, second, err_msg="same random_state gave different picks")


def check_no_mutation(strategy, pool):
    """``fit`` and ``query`` leave the caller's pool and mask unchanged."""
    X, y, labeled, estimator = pool
    X_copy, labeled_copy = X.copy(), labeled.copy()
    _fit(_seeded(strategy), X, labeled, estimator, y).query(_small_n(strategy, pool, 3))
    np.testing.assert_array_equal(X, X_copy, err_msg="strategy changed X")
    np.testing.assert_array_equal(labeled, labeled_copy, err_msg="strategy changed the labeled mask")


def check_permutation_equivariant(strategy, pool):
    """Permuting the pool permutes the picks (only for ``_permutation_equivariant`` strategies)."""
    if not _seeded(strategy)._permutation_equivariant:
        return
    X, y, labeled, estimator = pool
    perm = np.random.default_rng(1).permutation(n_rows(X))
    n = _small_n(strategy, pool, 5)
    direct = _fit(_seeded(strategy), X, labeled, estimator, y).query(n)
    permuted = _fit(_seeded(strategy), take_rows(X, perm), labeled[perm], estimator, y[perm]).query(n)
    assert set(perm[permuted].tolist()) == set(direct.tolist()), "picks changed when the pool was permuted"


def check_scores(strategy, pool):
    """A strategy with ``scores_`` gives one per row, NaN exactly on labeled rows, picks the top."""
    X, y, labeled, estimator = pool
    fitted = _fit(_seeded(strategy), X, labeled, estimator, y)
    try:
        scores = np.asarray(fitted.scores_)
    except AttributeError:
        return
    assert scores.shape == (n_rows(X),), f"scores_ has shape {scores.shape}"
    assert np.isnan(scores[labeled]).all(), "scores_ of labeled rows must be NaN"
    if fitted._permutation_equivariant:
        assert np.isfinite(scores[~labeled]).all(), "scores_ of unlabeled rows must be finite"
        picked = fitted.query(min(3, fitted.n_available_))
        worst_picked = scores[picked].min()
        others = np.delete(scores, picked)
        assert not (others[np.isfinite(others)] > worst_picked).any(), "query skipped a higher score"


def pool_copies(X):
    """The same 2-D numeric pool as every type a scikit-learn user may bring: ``{name: pool}``.

    Dense (the array itself), scipy CSR and CSC, a pandas DataFrame with named
    columns (when pandas is installed) and a list of row arrays.

    Examples
    --------
    >>> sorted(pool_copies(np.eye(3)))
    ['csc', 'csr', 'dataframe', 'dense', 'list']
    """
    copies = {"dense": X, "csr": sp.csr_matrix(X), "csc": sp.csc_matrix(X), "list": list(X)}
    try:
        import pandas as pd
    except ImportError:  # pandas is optional
        return copies
    copies["dataframe"] = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    return dict(sorted(copies.items()))


def check_pool_types(strategy, pool):
    """The same picks from a dense pool and from its sparse, DataFrame and list copies.

    Runs for strategies whose picks depend only on the model's predictions
    (``_pool_agnostic``: Random, the uncertainty strategies, committees...)
    with a scikit-learn model; a strategy must take the pool's rows in the
    pool's own type and never densify it.
    """
    X, y, labeled, estimator = pool
    if not _seeded(strategy)._pool_agnostic or is_skorch(estimator) or not (isinstance(X, np.ndarray) and X.ndim == 2):
        return
    n = _small_n(strategy, pool, 5)
    direct = _fit(_seeded(strategy), X, labeled, estimator, y).query(n)
    with warnings.catch_warnings():  # a model fitted on an array, asked about a DataFrame
        warnings.filterwarnings("ignore", message="X has feature names", category=UserWarning)
        for name, other in pool_copies(X).items():
            picked = _fit(_seeded(strategy), other, labeled, estimator, y).query(n)
            np.testing.assert_array_equal(picked, direct, err_msg=f"a {name} copy of the pool gave different picks")


CHECKS = (
    check_clone_and_params,
    check_query_contract,
    check_too_many,
    check_deterministic,
    check_no_mutation,
    check_permutation_equivariant,
    check_scores,
    check_pool_types,
)


def check_query_strategy(strategy, pool=None):
    """Run every contract check on ``strategy``.

    Parameters
    ----------
    strategy : QueryStrategy
    pool : tuple (X, y, labeled, estimator), optional
        Defaults to :func:`make_pool`.

    Examples
    --------
    >>> from skal.strategies import Entropy
    >>> check_query_strategy(Entropy())
    """
    pool = make_pool() if pool is None else pool
    for check in CHECKS:
        check(strategy, pool)


def parametrize_with_checks(strategies):
    """A pytest decorator: one test per (strategy, check), like sklearn's namesake.

    Examples
    --------
    >>> from skal.strategies import Random
    >>> deco = parametrize_with_checks([Random()])
    """
    import pytest

    cases = [(s, c) for s in strategies for c in CHECKS]
    ids = [f"{s!r}-{c.__name__}" for s, c in cases]
    return pytest.mark.parametrize("strategy, check", cases, ids=ids)
