"""Score only a random candidate subset S of the unlabeled pool.

As in "LPLgrad: Optimizing Active Learning Through Gradient Norm Sample Selection and Auxiliary Model Training"
(preprint; code sgchr273/LPLgrad) and Yoo & Kweon's Learning Loss (CVPR 2019).
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone

from ..pools._protocol import take_rows
from ..utils._random import as_generator
from ._base import QueryStrategy, ScoringStrategy, inner_scores

__all__ = ["Subsample", "CandidateScoringStrategy", "subset_size", "draw_candidates"]


def subset_size(n_candidates, n_unlabeled):
    """|S| for ``n_candidates`` (a count, a fraction in (0, 1], or None for all rows), capped at ``n_unlabeled``."""
    size = n_candidates
    if size is None:
        return n_unlabeled
    if isinstance(size, Integral) and not isinstance(size, bool) and size > 0:
        return min(int(size), n_unlabeled)
    if isinstance(size, Real) and not isinstance(size, bool) and 0 < size <= 1:
        return max(1, int(np.floor(size * n_unlabeled))) if n_unlabeled else 0
    raise ValueError(f"n_candidates must be None, a positive int or a fraction in (0, 1]; got {size!r}.")


def draw_candidates(labeled, n_candidates, rng):
    """Sorted pool indices of S: shuffle the unlabeled rows, keep the first |S| (all of them when None)."""
    unlabeled = np.flatnonzero(~labeled)
    size = subset_size(n_candidates, len(unlabeled))
    if size == len(unlabeled):
        return unlabeled
    return np.sort(rng.permutation(unlabeled)[:size])


class CandidateScoringStrategy(ScoringStrategy):
    """A scoring strategy that scores only a random candidate subset S of the unlabeled rows.

    Subclasses take ``n_candidates`` and ``random_state`` parameters and
    implement ``_score(X, rows, estimator)``; ``self._rng`` (a Generator from
    ``random_state``) is ready when ``_score`` runs, after S was drawn from it.
    ``scores_`` is NaN outside S and ``n_available_`` is |S|.
    """

    @property
    def _permutation_equivariant(self):
        return self.n_candidates is None and self._deterministic_scores

    #: True when the scores do not depend on the random state (set False for MC sampling).
    _deterministic_scores = True

    def _candidates(self, labeled):
        self._rng = as_generator(self.random_state)
        return draw_candidates(labeled, self.n_candidates, self._rng)


def _subset(X, rows):
    """Rows ``rows`` of the pool: a pool that scores elsewhere (``RayPool.subset``) stays there."""
    subset = getattr(X, "subset", None)
    return subset(rows) if callable(subset) else take_rows(X, rows)


class Subsample(QueryStrategy):
    """Run ``strategy`` on a random subset of the unlabeled rows.

    Learning Loss, GradNorm and LPLgrad score a random subset S of the pool
    (shuffle U, take the first |S|) and label the top ``n`` inside it; the rest
    of S returns to the pool. The inner strategy sees the labeled rows and the
    candidates, so representation strategies still know the labeled set.
    Everything the inner strategy reports is mapped back to pool rows: its
    picks, ``scores_`` (NaN outside the labeled rows and S) and
    ``pseudo_labels_``; ``requirements``, ``needs`` and ``needs_estimator``
    are the inner strategy's. With ``n_candidates=None`` S is every unlabeled
    row and ``Subsample`` behaves exactly like ``strategy``.

    It is also the two-stage prefilter for representation strategies on pools
    whose embeddings do not fit: ``Subsample(Coreset(), n_candidates=200_000)``
    embeds only the labeled rows and S (on the workers of a
    :class:`skal.distributed.RayPool`).

    Parameters
    ----------
    strategy : QueryStrategy
    n_candidates : None, int or float
        Size of S: a count, or a fraction in (0, 1] of the unlabeled rows, or
        None for all of them. Capped at the number of unlabeled rows.
    random_state : None, int, RandomState or Generator

    Attributes
    ----------
    candidates_ : ndarray of int
        Pool indices of S, sorted.
    strategy_ : QueryStrategy
        The inner strategy, fitted on the labeled rows and S.
    scores_ : ndarray of shape (n_pool_,)
        The inner scores mapped to the pool (only when the inner strategy scores).
    pseudo_labels_ : dict {row: label} or None
        The inner pseudo-labels, keyed by pool row, after :meth:`query`.

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

    @property
    def _permutation_equivariant(self):
        return self.n_candidates is None and self.strategy._permutation_equivariant

    def _fit(self, X, labeled, estimator, y):
        self.candidates_ = draw_candidates(labeled, self.n_candidates, as_generator(self.random_state))
        self._rows = np.union1d(np.flatnonzero(labeled), self.candidates_)
        if len(self._rows) < len(labeled):  # S is a strict subset: the inner strategy sees only its rows
            X, labeled = _subset(X, self._rows), labeled[self._rows]
            y = None if y is None else take_rows(y, self._rows)
        self.strategy_ = clone(self.strategy)._fit_checked(X, labeled, estimator, y)
        self.n_available_ = self.strategy_.n_available_

    def _query(self, n):
        picked = self.strategy_.query(n)
        inner = self.strategy_.pseudo_labels_
        self.pseudo_labels_ = None if inner is None else {int(self._rows[r]): lab for r, lab in inner.items()}
        return self._rows[picked]

    @property
    def scores_(self):
        """Inner scores mapped back to the pool; NaN outside the subset."""
        inner = inner_scores(self, self.strategy_)
        scores = np.full(self.n_pool_, np.nan)
        scores[self._rows] = inner
        return scores
