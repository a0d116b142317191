"""Uniform random sampling."""

import numpy as np

from ..utils._random import as_generator
from ._base import QueryStrategy

__all__ = ["Random"]


class Random(QueryStrategy):
    """Pick unlabeled rows uniformly at random, without replacement.

    Parameters
    ----------
    random_state : None, int, RandomState or Generator
        Inside ``ActiveLearner`` a ``None`` is replaced each round by a seed
        derived from the learner's ``random_state``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((10, 2))
    >>> Random(random_state=0).fit(X).query(3).tolist() == Random(random_state=0).fit(X).query(3).tolist()
    True
    """

    def __init__(self, random_state=None):
        self.random_state = random_state

    def _fit(self, X, labeled, estimator, y):
        self._rng = as_generator(self.random_state)

    def _query(self, n):
        unlabeled = np.flatnonzero(~self.labeled_)
        return self._rng.choice(unlabeled, size=n, replace=False)
