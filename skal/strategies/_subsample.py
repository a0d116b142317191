"""Score only a random candidate subset of the unlabeled pool (seed 002's |S|)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone

from ..utils._random import as_generator
from ._base import QueryStrategy

__all__ = ["Subsample"]


class Subsample(QueryStrategy):
    """Run ``strategy`` on a random subset of the unlabeled rows.

    Learning Loss, GradNorm and LPLgrad score a random subset S of the pool
    (shuffle U, take the first |S|) and label the top ``n`` inside it; the rest
    of S returns to the pool. The inner strategy sees the labeled rows and the
    candidates, so representation strategies still know the labeled set.

    Parameters
    ----------
    strategy : QueryStrategy
    n_candidates : int or float
        Size of S: a count, or a fraction in (0, 1] of the unlabeled rows.
        Capped at the number of unlabeled rows.
    random_state : None, int, RandomState or Generator

    Attributes
    ----------
    candidates_ : ndarray of int
        Pool indices of S, sorted.
    strategy_ : QueryStrategy
        The inner strategy, fitted on the labeled rows and S.

    Examples
    --------
    >>> import numpy as np
    >>> from skal.strategies import Random
    >>> s = Subsample(Random(random_state=0), n_candidates=5, random_state=0).fit(np.zeros((100, 2)))
    >>> set(s.query(3)) <= set(s.candidates_)
    True
    """

    def __init__(self, strategy, n_candidates=10_000, random_state=None):
        self.strategy = strategy
        self.n_candidates = n_candidates
        self.random_state = random_state

    def requirements(self):
        return self.strategy.requirements()

    def needs(self, labeled=None):
        return self.strategy.needs(labeled)

    def _n_subset(self, n_unlabeled):
        size = self.n_candidates
        if isinstance(size, Integral) and not isinstance(size, bool) and size > 0:
            return min(int(size), n_unlabeled)
        if isinstance(size, Real) and not isinstance(size, bool) and 0 < size <= 1:
            return max(1, int(np.floor(size * n_unlabeled))) if n_unlabeled else 0
        raise ValueError(f"n_candidates must be a positive int or a fraction in (0, 1]; got {size!r}.")

    def _fit(self, X, labeled, estimator, y):
        unlabeled = np.flatnonzero(~labeled)
        n_subset = self._n_subset(len(unlabeled))
        rng = as_generator(self.random_state)
        self.candidates_ = np.sort(rng.permutation(unlabeled)[:n_subset])
        self._rows = np.union1d(np.flatnonzero(labeled), self.candidates_)
        self.n_available_ = len(self.candidates_)
        self.strategy_ = clone(self.strategy).fit(
            X[self._rows],
            labeled=labeled[self._rows],
            estimator=estimator,
            y=None if y is None else np.asarray(y)[self._rows],
        )

    def _query(self, n):
        return self._rows[self.strategy_.query(n)]

    @property
    def scores_(self):
        """Inner scores mapped back to the pool; NaN outside the subset."""
        scores = np.full(self.n_pool_, np.nan)
        scores[self._rows] = self.strategy_.scores_
        return scores
