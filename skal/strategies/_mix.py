"""One batch drawn from several strategies by share."""

from numbers import Real

import numpy as np
from sklearn.base import clone

from ._base import QueryStrategy

__all__ = ["Mix", "split_counts"]


def split_counts(n, shares):
    """Split ``n`` into integer counts proportional to ``shares`` (largest remainder).

    Counts sum to exactly ``n``; leftover rows go to the largest remainders,
    earlier entries first among equal remainders.

    Examples
    --------
    >>> split_counts(5, [0.5, 0.5]).tolist()
    [3, 2]
    >>> split_counts(10, [1, 1, 1]).tolist()
    [4, 3, 3]
    """
    shares = np.asarray(shares, dtype=np.float64)
    exact = n * shares / shares.sum()
    counts = np.floor(exact).astype(int)
    leftover = n - counts.sum()
    order = np.argsort(-(exact - counts), kind="stable")[:leftover]
    counts[order] += 1
    return counts


class Mix(QueryStrategy):
    """Draw one batch from several strategies, each filling its share.

    This is skal's documented reading of the "HLH hybrid" that Mohan, Manjunath,
    Arya, Basha & Cheekatla (preprint, 2026) name without defining:
    ``Mix([(HC(), 0.5), (LC(), 0.5)])`` takes half the batch by high confidence
    and half by least confidence. Strategies fill their counts in list order;
    a later strategy skips rows an earlier one already took (it is asked for
    its count plus the rows taken so far, and the taken ones are dropped).
    Should the shares leave the batch short (a member with few candidates,
    e.g. a :class:`Subsample`), the members top it up in list order.

    ``Mix`` reports the union of its members' ``requirements`` and ``needs``,
    and needs the estimator when any member does. Its ``pseudo_labels_`` after
    :meth:`query` merge the members' pseudo-labels of the rows each member
    actually contributed (None when no member gives any). It has no
    ``scores_``: members score on different scales, so there is no one
    ranking; read ``strategies_[i].scores_``.

    Parameters
    ----------
    strategies : list of (QueryStrategy, float)
        Strategies and their positive shares (normalised to sum to 1).

    Attributes
    ----------
    strategies_ : list of QueryStrategy
        Fitted clones, in order.
    pseudo_labels_ : dict {row: label} or None
        The members' pseudo-labels of the rows each one contributed to the last :meth:`query`.

    Examples
    --------
    >>> from skal.strategies import Random
    >>> import numpy as np
    >>> m = Mix([(Random(random_state=0), 0.5), (Random(random_state=1), 0.5)])
    >>> len(set(m.fit(np.zeros((20, 2))).query(10).tolist()))
    10
    """

    def __init__(self, strategies):
        self.strategies = strategies

    def _checked(self):
        pairs = list(self.strategies)
        if not pairs:
            raise ValueError("Mix needs at least one (strategy, share) pair.")
        for pair in pairs:
            if (
                not isinstance(pair, tuple)
                or len(pair) != 2
                or not isinstance(pair[0], QueryStrategy)
                or not isinstance(pair[1], Real)
                or not pair[1] > 0
            ):
                raise ValueError(
                    f"Mix takes a list of (strategy, share) pairs with a positive share, "
                    f"e.g. Mix([(HC(), 0.5), (LC(), 0.5)]); got {pair!r}."
                )
        return pairs

    def requirements(self):
        return set().union(*(s.requirements() for s, _ in self._checked()))

    def needs(self, labeled=None):
        return set().union(*(s.needs(labeled) for s, _ in self._checked()))

    def _fit(self, X, labeled, estimator, y):
        pairs = self._checked()
        self.strategies_ = [clone(s)._fit_checked(X, labeled, estimator, y) for s, _ in pairs]
        self._shares = [share for _, share in pairs]
        self.n_available_ = max(s.n_available_ for s in self.strategies_)

    def _query(self, n):
        picked = []
        taken = np.zeros(self.n_pool_, dtype=bool)
        pseudo = {}

        def take(strategy, count):
            ask = min(count + len(picked), strategy.n_available_)
            fresh = [i for i in strategy.query(ask) if not taken[i]][:count]
            taken[fresh] = True
            picked.extend(fresh)
            if strategy.pseudo_labels_:
                pseudo.update((int(i), strategy.pseudo_labels_[i]) for i in fresh if i in strategy.pseudo_labels_)

        for strategy, count in zip(self.strategies_, split_counts(n, self._shares)):
            if count:
                take(strategy, count)
        for strategy in self.strategies_:  # top up when a member had fewer candidates than its share
            if len(picked) < n:
                take(strategy, n - len(picked))
        self.pseudo_labels_ = pseudo or None
        return np.asarray(picked, dtype=np.intp)

    @property
    def scores_(self):
        raise AttributeError(
            "Mix has no scores_: its members score rows on different scales, so there is no single ranking. "
            "Read the members' scores from mix.strategies_[i].scores_."
        )
