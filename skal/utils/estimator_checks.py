"""The public contract every skal query strategy passes.

``check_query_strategy(strategy)`` runs each check in turn and raises an
``AssertionError`` naming the first broken promise. ``parametrize_with_checks``
turns the same checks into pytest cases, one per (strategy, check).
A pool with a fitted skorch net, for strategies that need one, is
``skal.nn._testing.make_net_pool`` (``skal.utils`` imports nothing from ``skal.nn``).
:class:`StrategyChecker` wraps a strategy and its model in a scikit-learn
estimator, for scikit-learn's own ``check_estimator``/``parametrize_with_checks``.
"""

import sys
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted, validate_data

from ..exceptions import NotEnoughCandidatesError
from ..pools._protocol import as_pool, n_rows, take_rows
from ._compat import accepts_nan
from ._estimator import is_skorch
from ._random import root_seed, seed_params, torch_seed, torch_seed_if_loaded

__all__ = ["check_query_strategy", "make_pool", "pool_copies", "parametrize_with_checks", "CHECKS", "StrategyChecker"]


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
    if not _seeded(strategy)._pool_agnostic or is_skorch(estimator) or as_pool(X).ndarray is None or X.ndim != 2:
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


_NET_NEEDS = frozenset({"net", "loss"})


def _is_skorch_class(cls):
    skorch = sys.modules.get("skorch")
    return skorch is not None and isinstance(cls, type) and issubclass(cls, skorch.NeuralNet)


def _stack(first, second):
    """``first`` rows above ``second`` rows: an ndarray, or (when one is sparse) a matrix in a sparse one's format."""
    sparse = [part for part in (second, first) if as_pool(part).kind == "sparse"]
    if sparse:
        return sp.vstack([first, second], format=sparse[0].format)
    return np.concatenate([first, second])


class StrategyChecker(BaseEstimator):
    """A scikit-learn estimator that runs a query strategy, so scikit-learn's estimator checks exercise it.

    scikit-learn's checks call ``fit(X, y)`` alone, and a strategy that scores
    rows by a model's predictions needs ``fit(X, labeled=..., estimator=...)``.
    ``fit(X, y)`` here labels part of ``X`` (``labeled_fraction`` of the rows,
    drawn with ``random_state``, and the first row of every class), fits a
    model on the labeled rows, fits a clone of ``strategy`` on the whole pool
    (``strategy.fit(X, labeled=..., estimator=model, y=...)``) and queries
    ``n_queries`` rows (``picked_``). ``predict(X)`` asks a fresh clone of the
    strategy about the candidate rows ``X``, with the rows labeled at ``fit``
    as the labeled set: each candidate's score (``scores_``) for a strategy
    that scores rows, else 1.0 for the rows a query of ``n_queries`` picks and
    0.0 for the others. Row-order and subset invariance of ``predict`` thus
    hold exactly where the strategy's own picks have them.

    The input is checked as :class:`skal.ActiveLearner` checks a pool
    (2-D, ``n_features_in_``); NaN/inf and sparse input are refused here when
    the model refuses them, and otherwise passed on (sparse as CSR or CSC) for
    the strategy to take or refuse itself. The tags say what both take:
    ``input_tags.sparse`` and ``input_tags.allow_nan`` are the strategy's (its
    ``__sklearn_tags__``) and the model's, combined.

    Parameters
    ----------
    strategy : QueryStrategy
    estimator : None, estimator or skorch net class, default=None
        The model, cloned at each ``fit``. None picks a small one for what the
        strategy requires: a skorch ``NeuralNetClassifier`` (a one-hidden-layer
        MLP with dropout, 10 epochs) for ``"net"``, a ``LogisticRegression(solver="newton-cg")``
        otherwise. A skorch net class (e.g. :class:`skal.nn.LossPredictionNet`,
        which a ``"loss"`` strategy requires) gets that MLP, sized to the data.
    n_queries : int, default=3
        Rows to query (fewer when fewer are unlabeled).
    labeled_fraction : float, default=0.5
        Share of the rows labeled at ``fit``.
    random_state : None or int, default=0
        Seeds the labeled rows, the model, torch, and every ``random_state`` of the strategy that is None.

    Attributes
    ----------
    model_ : the model fitted on the labeled rows
    strategy_ : QueryStrategy
        The strategy fitted on the pool given to ``fit``.
    labeled_ : ndarray of bool, shape (n_samples,)
    picked_ : ndarray of int
        The rows ``strategy_`` queried.
    classes_ : ndarray
        The labels seen at ``fit``; the model and the strategy see their codes ``0..n_classes-1``.
    seed_ : int
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.utils.estimator_checks import check_estimator
    >>> from skal.strategies import Margin
    >>> X = np.random.default_rng(0).normal(size=(20, 3))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> checker = StrategyChecker(Margin(), n_queries=2).fit(X, y)
    >>> checker.picked_.shape, checker.predict(X[:4]).shape
    ((2,), (4,))
    >>> results = check_estimator(StrategyChecker(Margin()), on_skip=None)  # scikit-learn's own checks
    >>> [r["check_name"] for r in results if r["status"] == "failed"]
    []
    """

    def __init__(self, strategy, estimator=None, n_queries=3, labeled_fraction=0.5, random_state=0):
        self.strategy = strategy
        self.estimator = estimator
        self.n_queries = n_queries
        self.labeled_fraction = labeled_fraction
        self.random_state = random_state

    def _uses_net(self):
        if self.estimator is None:
            return bool(self.strategy.requirements() & _NET_NEEDS)
        return _is_skorch_class(self.estimator) or is_skorch(self.estimator)

    def _model_input_tags(self):
        if self._uses_net():
            return False, False  # sparse, allow_nan: a torch module takes dense, finite tensors
        model = LogisticRegression() if self.estimator is None else self.estimator
        return bool(get_tags(model).input_tags.sparse), accepts_nan(model)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        strategy = get_tags(self.strategy).input_tags
        sparse, allow_nan = self._model_input_tags()
        tags.input_tags.sparse = strategy.sparse and sparse
        tags.input_tags.allow_nan = strategy.allow_nan and allow_nan
        tags.target_tags.required = True
        return tags

    def _check_input(self, X, y="no_validation", reset=True):
        sparse, allow_nan = self._model_input_tags()  # what the model refuses is refused here, with a clear message
        return validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse=("csr", "csc") if sparse else False,
            dtype=np.float32 if self._uses_net() else None,
            ensure_all_finite=not allow_nan,
        )

    def _make_model(self, n_features, n_classes):
        if self.estimator is not None and not isinstance(self.estimator, type):
            return clone(self.estimator)
        if not self._uses_net():
            return LogisticRegression(solver="newton-cg")
        if self.estimator is None and "loss" in self.strategy.requirements():
            raise ValueError(
                f"{type(self.strategy).__name__} needs a loss-prediction net: pass "
                "estimator=skal.nn.LossPredictionNet (the class; a small MLP is built for it)."
            )
        return small_net(n_features, n_classes, net_class=self.estimator, max_epochs=10)

    def _torch_seed(self):
        """Torch's global generator seeded (a net draws its weights, dropout masks and batches from it)."""
        return torch_seed(self.seed_) if self._uses_net() else torch_seed_if_loaded(self.seed_)

    def _fitted_strategy(self, X, labeled, y):
        strategy = seed_params(clone(self.strategy), self.seed_)
        with self._torch_seed():
            return strategy.fit(X, labeled=labeled, estimator=self.model_, y=y)

    def fit(self, X, y):
        """Label part of ``X``, fit the model on it, then fit the strategy on all of ``X`` and query.

        Returns
        -------
        self
        """
        X, y = self._check_input(X, y)
        self.seed_ = root_seed(self.random_state)
        self.classes_, codes = np.unique(y, return_inverse=True)
        n = X.shape[0]
        labeled = np.zeros(n, dtype=bool)
        labeled[np.random.default_rng(self.seed_).permutation(n)[: int(round(self.labeled_fraction * n))]] = True
        labeled[np.unique(codes, return_index=True)[1]] = True  # every class has a labeled row
        rows = np.flatnonzero(labeled)
        self._X_labeled, self._y_labeled = take_rows(X, rows), codes[rows].astype(np.int64)
        with self._torch_seed():  # a net's weights are drawn when its module is built
            model = seed_params(self._make_model(X.shape[1], len(self.classes_)), self.seed_)
            self.model_ = model.fit(self._X_labeled, self._y_labeled)
        self.labeled_ = labeled
        self.strategy_ = self._fitted_strategy(X, labeled, codes.astype(np.int64))
        k = min(self.n_queries, self.strategy_.n_available_)
        with self._torch_seed():
            self.picked_ = self.strategy_.query(k) if k else np.empty(0, dtype=np.intp)
        return self

    def predict(self, X):
        """The strategy's verdict on each candidate row of ``X``, the rows labeled at ``fit`` being labeled.

        Returns
        -------
        ndarray of float, shape (n_samples,)
            Each row's score (``scores_``; NaN for a row the strategy did not score), or, for a strategy that
            picks without scoring, 1.0 for the rows a query of ``n_queries`` picks and 0.0 for the others.
        """
        check_is_fitted(self)
        X = self._check_input(X, reset=False)
        n_labeled = len(self._y_labeled)
        pool = _stack(self._X_labeled, X)
        labeled = np.arange(n_rows(pool)) < n_labeled
        y = np.concatenate([self._y_labeled, np.resize(self._y_labeled, n_rows(X))])
        strategy = self._fitted_strategy(pool, labeled, y)
        scores = getattr(strategy, "scores_", None)
        if scores is not None:
            return np.asarray(scores, dtype=np.float64)[n_labeled:]
        picked = np.zeros(len(labeled))
        k = min(self.n_queries, strategy.n_available_)
        if k:
            with self._torch_seed():
                picked[strategy.query(k)] = 1.0
        return picked[n_labeled:]


def small_net(n_features, n_classes, net_class=None, max_epochs=10):
    """An unfitted skorch classifier over a 16-unit MLP with dropout: the model the checks train for net strategies.

    ``net_class`` is ``skorch.NeuralNetClassifier`` by default, or another
    class taking the same arguments (:class:`skal.nn.LossPredictionNet`).
    Its module draws its weights from torch's global generator: seed it first.
    """
    import torch
    from skorch import NeuralNetClassifier

    module = torch.nn.Sequential(
        torch.nn.Linear(n_features, 16), torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(16, n_classes)
    )
    return (net_class or NeuralNetClassifier)(
        module,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=0.02,
        max_epochs=max_epochs,
        batch_size=16,
        train_split=None,
        verbose=0,
    )
