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

    This is skal's documented reading of seed 000's undefined "HLH hybrid":
    ``Mix([(HC(), 0.5), (LC(), 0.5)])`` takes half the batch by high confidence
    and half by least confidence. Strategies fill their counts in list order;
    a later strategy skips rows an earlier one already took (it is asked for
    its count plus the rows taken so far, and the taken ones are dropped).

    Parameters
    ----------
    strategies : list of (QueryStrategy, float)
        Strategies and their positive shares (normalised to sum to 1).

    Attributes
    ----------
    strategies_ : list of QueryStrategy
        Fitted clones, in order.

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
        self.strategies_ = [clone(s).fit(X, labeled=labeled, estimator=estimator, y=y) for s, _ in pairs]
        self._shares = [share for _, share in pairs]

    def _query(self, n):
        picked = []
        taken = np.zeros(self.n_pool_, dtype=bool)
        for strategy, count in zip(self.strategies_, split_counts(n, self._shares)):
            if count == 0:
                continue
            ask = min(count + len(picked), strategy.n_available_)
            fresh = [i for i in strategy.query(ask) if not taken[i]][:count]
            taken[fresh] = True
            picked.extend(fresh)
        return np.asarray(picked, dtype=np.intp)
