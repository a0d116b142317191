"""Schedules: one strategy for the first pool, another afterwards (seed 000's HCLC family)."""

from sklearn.base import clone

from ._base import QueryStrategy
from ._random import Random
from ._uncertainty import HighConfidence, LeastConfidence

__all__ = ["Schedule", "HCLC", "LCHC", "RHC", "RLC"]


class Schedule(QueryStrategy):
    """Use ``initial`` while nothing is labeled and ``then`` afterwards.

    Parameters
    ----------
    initial : QueryStrategy
        Picks the first pool (no labels yet). A strategy that needs predictions
        scores a randomly initialised skorch net here.
    then : QueryStrategy
        Picks every later batch.

    Attributes
    ----------
    active_ : QueryStrategy
        The fitted clone of whichever strategy this round used.

    Examples
    --------
    >>> from skal.strategies import Random, Entropy
    >>> s = Schedule(Random(random_state=0), Entropy())
    >>> s.needs_estimator(labeled=None), s.requirements()
    (False, {'proba'})
    """

    def __init__(self, initial, then):
        self.initial = initial
        self.then = then

    def _parts(self):
        return self.initial, self.then

    def _pick(self, labeled):
        initial, then = self._parts()
        return initial if labeled is None or not labeled.any() else then

    def requirements(self):
        initial, then = self._parts()
        return initial.requirements() | then.requirements()

    def needs_estimator(self, labeled=None):
        return self._pick(labeled).needs_estimator(labeled)

    @property
    def _permutation_equivariant(self):
        initial, then = self._parts()
        return initial._permutation_equivariant and then._permutation_equivariant

    def _fit(self, X, labeled, estimator, y):
        self.active_ = clone(self._pick(labeled)).fit(X, labeled=labeled, estimator=estimator, y=y)

    def _query(self, n):
        return self.active_.query(n)

    @property
    def scores_(self):
        """The active strategy's scores (only for scoring strategies)."""
        return self.active_.scores_


class HCLC(Schedule):
    """High confidence for the first pool (random weights), least confidence after (seed 000 ``--exp 2``)."""

    def __init__(self):
        pass

    def _parts(self):
        return HighConfidence(), LeastConfidence()


class LCHC(Schedule):
    """Least confidence for the first pool (random weights), high confidence after (seed 000 ``--exp 4``)."""

    def __init__(self):
        pass

    def _parts(self):
        return LeastConfidence(), HighConfidence()


class RHC(Schedule):
    """A random first pool, then high confidence (seed 000's random-start ablation).

    Parameters
    ----------
    random_state : None, int, RandomState or Generator
        Seeds the random first pool.
    """

    def __init__(self, random_state=None):
        self.random_state = random_state

    def _parts(self):
        return Random(random_state=self.random_state), HighConfidence()


class RLC(Schedule):
    """A random first pool, then least confidence (seed 000's random-start ablation).

    Parameters
    ----------
    random_state : None, int, RandomState or Generator
        Seeds the random first pool.
    """

    def __init__(self, random_state=None):
        self.random_state = random_state

    def _parts(self):
        return Random(random_state=self.random_state), LeastConfidence()
