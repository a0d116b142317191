"""Schedules: one strategy for the first pool, another afterwards.

The HCLC family is from Mohan, Manjunath, Arya, Basha & Cheekatla, "Are Candidate Models Really Needed for Active
Learning?" (preprint, 2026): confidence sampling from a randomly initialised network for the first pool.
"""

from numbers import Real

import numpy as np
from sklearn.base import clone

from ._base import QueryStrategy, inner_scores
from ._random import Random
from ._uncertainty import HighConfidence, LeastConfidence

__all__ = ["Schedule", "HCLC", "LCHC", "RHC", "RLC", "BudgetSwitch", "TypicalThenMargin", "labels_per_class"]


class Schedule(QueryStrategy):
    """Use ``initial`` while nothing is labeled and ``then`` afterwards.

    While labels exist but no model does (a learner trains none while its labels
    hold a single class), a ``then`` that needs predictions waits: ``initial``
    picks again.

    A schedule behaves exactly like the strategy it delegates to in a round:
    the same picks, ``scores_``, ``pseudo_labels_`` and ``needs``;
    ``requirements`` is the union over both.

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
    scores_ : ndarray of shape (n_pool_,)
        ``active_.scores_``; an AttributeError when the active strategy gives no scores.
    pseudo_labels_ : dict {row: label} or None
        ``active_.pseudo_labels_`` after :meth:`query`.

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

    def _pick(self, labeled, y=None):
        initial, then = self._parts()
        return initial if labeled is None or not labeled.any() else then

    def requirements(self):
        initial, then = self._parts()
        return initial.requirements() | then.requirements()

    def needs(self, labeled=None):
        return self._pick(labeled).needs(labeled)

    @property
    def _permutation_equivariant(self):
        initial, then = self._parts()
        return initial._permutation_equivariant and then._permutation_equivariant

    def _fit(self, X, labeled, estimator, y):
        part = self._pick(labeled, y)
        initial = self._parts()[0]
        if estimator is None and "proba" in part.needs(labeled) and "proba" not in initial.needs(None):
            # labels exist but no model yet (the learner trains none while they hold one class): stay with initial
            part = initial
        self.active_ = clone(part)._fit_checked(X, labeled, estimator, y)
        self.n_available_ = self.active_.n_available_

    def _query(self, n):
        picked = self.active_.query(n)
        self.pseudo_labels_ = self.active_.pseudo_labels_
        return picked

    @property
    def scores_(self):
        """The active strategy's scores (only when it is a scoring strategy)."""
        return inner_scores(self, self.active_)


class HCLC(Schedule):
    """High confidence for the first pool (random weights), least confidence after.

    Mohan, Manjunath, Arya, Basha & Cheekatla, "Are Candidate Models Really Needed for Active Learning?"
    (preprint, 2026).
    """

    def __init__(self):
        pass

    def _parts(self):
        return HighConfidence(), LeastConfidence()


class LCHC(Schedule):
    """Least confidence for the first pool (random weights), high confidence after: the reverse of :class:`HCLC`."""

    def __init__(self):
        pass

    def _parts(self):
        return LeastConfidence(), HighConfidence()


class RHC(Schedule):
    """A random first pool, then high confidence (the random-start ablation of :class:`HCLC`).

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
    """A random first pool, then least confidence (the random-start ablation of :class:`HCLC`).

    Parameters
    ----------
    random_state : None, int, RandomState or Generator
        Seeds the random first pool.
    """

    def __init__(self, random_state=None):
        self.random_state = random_state

    def _parts(self):
        return Random(random_state=self.random_state), LeastConfidence()


class BudgetSwitch(Schedule):
    """``low`` while fewer than ``threshold`` rows are labeled, ``high`` from then on.

    Hacohen, Dekel & Weinshall (ICML 2022) find that opposite strategies suit low
    and high budgets: typical, diverse rows first, uncertain ones later. Where the
    crossover lies depends on the data (they report tens of labels per class);
    ``threshold`` is a count of labels.

    Parameters
    ----------
    low, high : QueryStrategy, optional
        Default ``TypiClust(random_state=random_state)`` and ``Entropy()``.
    threshold : int
    random_state : None, int or Generator
        Seeds the default ``low`` strategy (strategies you pass carry their own).
    """

    def __init__(self, low=None, high=None, threshold=200, random_state=None):
        self.low = low
        self.high = high
        self.threshold = threshold
        self.random_state = random_state

    def _parts(self):
        from ._diversity import TypiClust
        from ._uncertainty import Entropy

        low = TypiClust(random_state=self.random_state) if self.low is None else self.low
        return low, (Entropy() if self.high is None else self.high)

    def _pick(self, labeled, y=None):
        low, high = self._parts()
        n_labeled = 0 if labeled is None else int(np.sum(labeled))
        return low if n_labeled < self.threshold else high


def labels_per_class(labeled, y):
    """Mean labels per class seen so far: ``labeled.sum() / #distinct labels`` (0.0 when nothing is labeled).

    Examples
    --------
    >>> labels_per_class(np.array([True, True, True, False]), np.array([0, 0, 1, -1]))
    1.5
    """
    if labeled is None or not np.any(labeled):
        return 0.0
    n_classes = len(np.unique(np.asarray(y, dtype=object)[labeled].astype(str))) if y is not None else 1
    return float(np.sum(labeled)) / max(n_classes, 1)


class TypicalThenMargin(Schedule):
    """skal's default: TypiClust while labels are few per class, Margin from then on.

    Typical, diverse rows help most when a model has seen only a few examples
    of each class, and uncertain rows help most once it has seen enough
    (Hacohen, Dekel & Weinshall, ICML 2022); margin is the uncertainty measure
    that is rarely worse than random sampling across many tabular sets (Bahri
    et al., 2022). This schedule picks with :class:`TypiClust` until the
    labeled set holds ``per_class`` labels per class seen so far, then with
    :class:`Margin`. ``ActiveLearner`` uses it when no ``strategy`` is given.
    ``benchmarks/README.md`` ("The default strategy") has its evaluation against
    Random and Margin on every suite.

    Parameters
    ----------
    per_class : float, default=10
        Mean labels per seen class at which Margin takes over. Chosen a priori
        from Hacohen et al.'s low-budget regime, not tuned on the benchmark suites.
    embedding : "auto", "input", str, callable or transformer, default="auto"
        TypiClust's features: a skorch net's penultimate layer, otherwise the
        pool's own columns (see :class:`~skal.strategies.EmbeddingStrategy`).
    random_state : None, int or Generator
        Seeds TypiClust's k-means.

    Attributes
    ----------
    active_ : QueryStrategy
        The fitted TypiClust or Margin of this round.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.random.default_rng(0).normal(size=(60, 2))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> s = TypicalThenMargin(per_class=2, random_state=0).fit(X)
    >>> type(s.active_).__name__, len(s.query(4))
    ('TypiClust', 4)
    >>> labeled = np.zeros(60, bool); labeled[:6] = True
    >>> model = LogisticRegression().fit(X[labeled], y[labeled])
    >>> type(TypicalThenMargin(per_class=2).fit(X, y, labeled=labeled, estimator=model).active_).__name__
    'Margin'
    """

    def __init__(self, per_class=10, embedding="auto", random_state=None):
        self.per_class = per_class
        self.embedding = embedding
        self.random_state = random_state

    def _parts(self):
        from ._diversity import TypiClust
        from ._uncertainty import Margin

        return TypiClust(embedding=self.embedding, random_state=self.random_state), Margin()

    def _pick(self, labeled, y=None):
        if isinstance(self.per_class, bool) or not isinstance(self.per_class, Real) or not self.per_class > 0:
            raise ValueError(
                f"TypicalThenMargin(per_class=...) must be a positive number of labels per class; "
                f"got {self.per_class!r}. Use e.g. per_class=10 (the default)."
            )
        low, high = self._parts()
        return low if labels_per_class(labeled, y) < self.per_class else high

    def needs(self, labeled=None):
        # Which part runs depends on the labels, which ``needs`` does not see: once anything is labeled,
        # ask for whatever either part may need.
        low, high = self._parts()
        if labeled is None or not np.any(labeled):
            return low.needs(labeled)
        return low.needs(labeled) | high.needs(labeled)
