"""The query-strategy contract: ``fit(X, *, labeled, estimator, y)`` then ``query(n)``."""

from abc import ABCMeta, abstractmethod

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data

from ..utils._estimator import iter_proba
from ..utils._selection import top_k
from ..utils._validation import check_labeled_mask, check_n_query

__all__ = ["QueryStrategy", "ScoringStrategy", "ProbaStrategy"]


class QueryStrategy(BaseEstimator, metaclass=ABCMeta):
    """Base class of every query strategy.

    A strategy looks at the pool ``X``, the boolean ``labeled`` mask and the
    current model in :meth:`fit`, then :meth:`query` returns exactly ``n``
    unique indices of unlabeled rows. Subclasses implement ``_fit`` (optional)
    and ``_query``.

    Class attributes
    ----------------
    _requires : frozenset of str
        What the strategy may ask of the estimator: ``"proba"``
        (``predict_proba``), ``"embedding"`` (features of a net or of X),
        ``"net"`` (an initialized skorch net: gradients, MC dropout) and
        ``"loss"`` (``predict_loss``, a :class:`skal.nn.LossPredictionNet`).
        The learner checks these before any round starts.
    _permutation_equivariant : bool
        True when permuting the pool rows permutes the picks the same way
        (deterministic scoring strategies). Checked by ``check_query_strategy``.

    Attributes
    ----------
    n_pool_ : int
        Rows in the pool seen by ``fit``.
    labeled_ : ndarray of bool, shape (n_pool_,)
        A copy of the labeled mask seen by ``fit``.
    n_available_ : int
        How many rows ``query`` can pick from.
    """

    _requires = frozenset()
    _permutation_equivariant = False

    def requirements(self):
        """What this strategy, in any round, may ask of the estimator (e.g. ``{"proba"}``)."""
        return set(self._requires)

    def needs(self, labeled=None):
        """What ``fit`` with this labeled mask will ask of the estimator: a subset of ``_requires``."""
        return set(self._requires)

    def needs_estimator(self, labeled=None):
        """Whether ``fit`` with this labeled mask will use the estimator.

        The learner asks this before round 0: a skorch net is then initialised
        with random weights (seed 000); a scikit-learn estimator cannot give
        probabilities unfitted, so a strategy needing ``"proba"`` then raises an error.
        """
        return bool(self.needs(labeled))

    def fit(self, X, y=None, *, labeled=None, estimator=None):
        """Look at the pool and the current model.

        Parameters
        ----------
        X : array-like of shape (n_pool, ...)
            The whole pool, labeled rows included. NaN/inf are refused.
        y : array of shape (n_pool,), optional
            Labels; only the entries of labeled rows are meaningful.
        labeled : array of bool, shape (n_pool,), optional
            True for rows that already have a label. None means none has.
        estimator : fitted classifier or initialized skorch net, optional
            The current model; strategies that score by predictions need it.

        Returns
        -------
        self
        """
        X = validate_data(self, X, reset=True, allow_nd=True, dtype=None, ensure_all_finite=True)
        n_pool = _num_samples(X)
        labeled = check_labeled_mask(labeled, n_pool)
        self.n_pool_ = n_pool
        self.labeled_ = labeled
        self.n_available_ = int(n_pool - labeled.sum())
        self._fit(X, labeled, estimator, y)
        return self

    def _fit(self, X, labeled, estimator, y):
        """Override to compute what ``_query`` needs; the default does nothing."""

    def query(self, n):
        """Exactly ``n`` unique indices of unlabeled pool rows.

        Raises
        ------
        NotEnoughCandidatesError
            When fewer than ``n`` candidates are left.
        """
        check_is_fitted(self, "labeled_")
        n = check_n_query(n, self.n_available_)
        return np.asarray(self._query(n), dtype=np.intp)

    @abstractmethod
    def _query(self, n):
        """Return ``n`` unique unlabeled indices (``n`` is already validated)."""


class ScoringStrategy(QueryStrategy):
    """A strategy that gives each unlabeled row a score and takes the top ``n``.

    Ties break stably: among equal scores the lower pool index is picked first.

    Attributes
    ----------
    scores_ : ndarray of shape (n_pool_,)
        Higher means picked first; NaN for labeled rows.
    """

    _permutation_equivariant = True

    def _fit(self, X, labeled, estimator, y):
        rows = self._candidates(labeled)
        scores = np.full(len(labeled), np.nan)
        if len(rows):
            scores[rows] = self._score(X, rows, estimator)
        self.scores_ = scores
        self.n_available_ = len(rows)

    def _candidates(self, labeled):
        """Pool rows to score: every unlabeled row (subclasses may draw a subset)."""
        return np.flatnonzero(~labeled)

    @abstractmethod
    def _score(self, X, rows, estimator):
        """Scores of ``X[rows]`` (higher = query first)."""

    def _query(self, n):
        return top_k(self.scores_, n)


class ProbaStrategy(ScoringStrategy):
    """A scoring strategy whose score is a pure function of ``predict_proba``."""

    _requires = frozenset({"proba"})

    @staticmethod
    @abstractmethod
    def _score_proba(proba):
        """Map probabilities ``(n, C)`` to scores ``(n,)``."""

    def _score(self, X, rows, estimator):
        scores = np.empty(len(rows))
        for positions, proba in iter_proba(estimator, X, rows, who=type(self).__name__):
            scores[positions] = self._score_proba(proba)
        return scores
