"""Stochastic batch acquisition: sample a batch from a scoring strategy's scores instead of taking its top ``n``.

Kirsch, Farquhar, Atighehchian, Jesson, Branchaud-Charron & Gal, "Stochastic Batch Acquisition: A Simple
Baseline for Deep Active Learning", TMLR 2023. Top-``n`` picks of a score computed once per round crowd into
near-duplicates; drawing the batch in proportion to a sharpened score keeps the high scorers likely and spreads
the rest, at no extra cost.
"""

from numbers import Real

import numpy as np
from scipy.stats import rankdata
from sklearn.base import clone

from ..utils._random import as_generator
from ._base import QueryStrategy, inner_scores

__all__ = ["Stochastic", "acquisition_log_weights"]

MODES = ("power", "softmax", "softrank")


def acquisition_log_weights(scores, mode="power", beta=1.0):
    """Log of the unnormalized probability of picking each row first, from its score (float64).

    ``softmax``: ``beta * s``; ``power``: ``beta * log(s)`` (scores must be >= 0; a score of 0 is
    never drawn while another row can be); ``softrank``: ``-beta * log(rank)``, rank 1 for the highest
    score (ties share their mean rank). ``beta=0`` gives uniform weights.

    Examples
    --------
    >>> acquisition_log_weights([1.0, 2.0, 4.0], "power", beta=1.0).round(4).tolist()
    [0.0, 0.6931, 1.3863]
    >>> acquisition_log_weights([0.1, 0.5, 0.3], "softrank", beta=1.0).round(4).tolist()
    [-1.0986, -0.0, -0.6931]
    """
    scores = np.asarray(scores, dtype=np.float64)
    if mode == "softmax":
        return beta * scores
    if mode == "softrank":
        return -beta * np.log(rankdata(-scores, method="average"))
    if (scores < 0).any():
        raise ValueError(
            f"mode='power' needs scores >= 0, and this strategy gave {scores.min():.3g}: use mode='softrank' "
            "(any scores) or mode='softmax'."
        )
    with np.errstate(divide="ignore"):
        return beta * np.log(scores)


class Stochastic(QueryStrategy):
    """Draw each batch at random, in proportion to a sharpened score of ``strategy`` (Kirsch et al., TMLR 2023).

    The inner strategy scores the unlabeled rows once (its ``scores_``); the
    batch of ``n`` is then sampled without replacement with probabilities
    proportional to ``exp(acquisition_log_weights(scores, mode, beta))``,
    drawn exactly with the Gumbel-top-k trick (the ``n`` largest of
    ``log weight + Gumbel noise``). Larger ``beta`` approaches the inner
    strategy's top ``n``; ``beta=0`` is uniform sampling.

    Parameters
    ----------
    strategy : ScoringStrategy
        Any strategy with ``scores_`` (higher = query first): Entropy, BALD,
        Margin, a ``Subsample`` of one...
    mode : {"power", "softmax", "softrank"}, default="power"
        ``power`` needs non-negative scores (entropy, BALD, least confidence);
        ``softrank`` works with any scores (Margin's are negative).
    beta : float >= 0, default=1.0
        The paper's coldness; its experiments use 1.
    random_state : None, int, RandomState or Generator

    Attributes
    ----------
    strategy_ : QueryStrategy
        The fitted inner strategy.
    scores_ : ndarray of shape (n_pool_,)
        The inner strategy's scores (NaN for rows it did not score).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal.strategies import Entropy
    >>> X = np.random.default_rng(0).normal(size=(60, 2)); y = (X[:, 0] > 0).astype(int)
    >>> labeled = np.zeros(60, bool); labeled[:10] = True
    >>> model = LogisticRegression().fit(X[:10], y[:10])
    >>> s = Stochastic(Entropy(), random_state=0).fit(X, labeled=labeled, estimator=model)
    >>> picks = s.query(5)
    >>> len(set(picks)), bool(labeled[picks].any())
    (5, False)
    """

    def __init__(self, strategy, mode="power", beta=1.0, random_state=None):
        self.strategy = strategy
        self.mode = mode
        self.beta = beta
        self.random_state = random_state

    def requirements(self):
        return self.strategy.requirements()

    def needs(self, labeled=None):
        return self.strategy.needs(labeled)

    def _check_params(self):
        if not isinstance(self.strategy, QueryStrategy):
            raise ValueError(f"Stochastic wraps a query strategy, not {self.strategy!r}: e.g. Stochastic(BALD()).")
        if self.mode not in MODES:
            raise ValueError(f"mode={self.mode!r}: use one of {', '.join(MODES)}.")
        if not isinstance(self.beta, Real) or isinstance(self.beta, bool) or not np.isfinite(self.beta):
            raise ValueError(f"beta={self.beta!r}: pass a finite number >= 0 (the paper uses 1).")
        if self.beta < 0:
            raise ValueError(f"beta={self.beta!r}: pass a number >= 0 (0 is uniform sampling; the paper uses 1).")

    def _fit(self, X, labeled, estimator, y):
        self._check_params()
        self.strategy_ = clone(self.strategy)._fit_checked(X, labeled, estimator, y)
        try:
            scores = np.asarray(inner_scores(self, self.strategy_), dtype=np.float64)
        except AttributeError:
            raise ValueError(
                f"Stochastic samples from a strategy's scores, and {type(self.strategy).__name__} gives none: wrap "
                "a scoring strategy (Entropy, BALD, Margin, LeastConfidence...)."
            ) from None
        scores = scores.copy()
        scores[labeled] = np.nan
        self.scores_ = scores
        self._log_weights = np.full(len(scores), np.nan)
        finite = np.flatnonzero(np.isfinite(scores))
        self._log_weights[finite] = acquisition_log_weights(scores[finite], self.mode, self.beta)
        self.n_available_ = len(finite)

    def _query(self, n):
        rows = np.flatnonzero(~np.isnan(self._log_weights))
        noise = as_generator(self.random_state).gumbel(size=len(rows))
        keys = self._log_weights[rows] + noise
        # rows of weight 0 (log -inf) come after every other, in the order of their own Gumbel draws
        order = np.lexsort((-np.where(np.isfinite(keys), keys, noise), ~np.isfinite(keys)))
        return rows[order[:n]]
