"""The query-strategy contract: ``fit(X, *, labeled, estimator, y)`` then ``query(n)``."""

from abc import ABCMeta, abstractmethod
from contextlib import nullcontext
from functools import partial

import numpy as np
from sklearn import config_context, get_config
from sklearn.base import BaseEstimator
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted

from ..pools._protocol import as_pool, n_rows
from ..pools._scoring import as_net_input, map_rows
from ..targets import ALL_KINDS, CLASS_KINDS
from ..utils._estimator import require_proba
from ..utils._selection import top_k
from ..utils._validation import check_labeled_mask, check_n_query, check_proba

__all__ = ["QueryStrategy", "ScoringStrategy", "ProbaStrategy", "check_pool", "inner_scores", "proba_scores"]


def _inner_strategies(strategy):
    """The strategies ``strategy`` holds as parameters (also inside lists of ``(strategy, share)`` pairs)."""
    for value in strategy.get_params(deep=False).values():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            for inner in item if isinstance(item, tuple) else (item,):
                if isinstance(inner, QueryStrategy):
                    yield inner


def inner_scores(composite, inner):
    """``inner.scores_`` for a composite that delegates to ``inner``, or an AttributeError naming both."""
    try:
        return inner.scores_
    except AttributeError:
        raise AttributeError(
            f"{type(composite).__name__} has no scores_ this round: its active strategy {type(inner).__name__} "
            "picks rows without scoring them."
        ) from None


def check_pool(X, labeled=None, y=None):
    """Count the pool's rows and check ``labeled`` and ``y`` against them; ``X`` is left as it is.

    The pool may be an ndarray of any dtype, a scipy sparse matrix, a pandas
    DataFrame or a list of texts or other objects: it is neither copied,
    converted nor scanned. NaN and inf are not refused here (whether the model
    takes them is the model's business; representation strategies refuse
    non-finite features themselves).

    Returns
    -------
    n_pool : int
    labeled : ndarray of bool, shape (n_pool,)
        A copy of the mask (all False when ``labeled`` is None).

    Examples
    --------
    >>> check_pool(["a text", "another"], labeled=np.array([True, False]))
    (2, array([ True, False]))
    """
    try:
        n_pool = n_rows(X)
    except TypeError as exc:
        raise TypeError(
            f"the pool X must be array-like with one entry per row (an ndarray, a scipy sparse matrix, a pandas "
            f"DataFrame, or a list of texts or objects); got {type(X).__name__}."
        ) from exc
    if n_pool == 0:
        raise ValueError("the pool X is empty; pass at least one row.")
    if getattr(getattr(X, "dtype", None), "kind", "") == "c":
        raise ValueError("Complex data not supported: pass the real and imaginary parts as separate features.")
    labeled = check_labeled_mask(labeled, n_pool)
    if y is not None and n_rows(y) != n_pool:
        raise ValueError(
            f"y must have one entry per pool row ({n_pool}); got {n_rows(y)}. Pass the labels of the whole pool "
            "(only the entries of labeled rows are read)."
        )
    return n_pool, labeled


class QueryStrategy(BaseEstimator, metaclass=ABCMeta):
    """Base class of every query strategy.

    A strategy looks at the pool ``X``, the boolean ``labeled`` mask and the
    current model in :meth:`fit`, then :meth:`query` returns exactly ``n``
    unique indices of unlabeled rows. Subclasses implement ``_fit`` (optional)
    and ``_query``.

    The pool may be of any type a scikit-learn estimator takes: an ndarray of
    any dtype, a scipy sparse matrix, a pandas DataFrame, a list of texts or
    objects. Strategies keep its type: rows are taken with
    :func:`skal.utils._compat.take_rows` and handed to the estimator as they are.

    Class attributes
    ----------------
    _requires : frozenset of str
        What the strategy may ask of the estimator: ``"proba"``
        (``predict_proba``), ``"model"`` (the round's model, used by the
        strategy's own code: :class:`ScoreFunction`), ``"embedding"`` (features of a net or of X),
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
    pseudo_labels_ : dict {row: label} or None
        Labels the strategy proposes for the rows :meth:`query` returned (pool
        indices), e.g. :class:`PseudoLabelInitializer`'s zero-shot labels.
        ``fit`` sets it to None; a strategy that proposes labels sets it in
        ``query``, and composites pass their inner strategies' on, mapped to
        pool rows. :class:`skal.ActiveLearner` reads it after ``query``.
    """

    _requires = frozenset()
    _permutation_equivariant = False
    #: True when the strategy models the pool's rows itself (VAAL's VAE): NaN in a row is then not for it.
    _reads_rows = False

    def __sklearn_tags__(self):
        """``input_tags``: whether the strategy itself takes a sparse pool (``sparse``) and NaN/inf (``allow_nan``).

        A strategy passes the pool on as given, so both are the estimator's to accept or refuse. One that
        measures the rows' features (an ``"embedding"`` in ``_requires``) works on dense, finite features: no
        NaN, and sparse only through an ``embedding=`` transformer whose tags take it; one that models the rows
        (``_reads_rows``) takes no NaN. Composites take what all their inner strategies take, in every round.
        """
        tags = super().__sklearn_tags__()
        parts = self._parts() if hasattr(self, "_parts") else ()  # a schedule's parts, its defaults included
        inner = [get_tags(s).input_tags for s in (*_inner_strategies(self), *parts)]
        features = "embedding" in self._requires
        embedding = getattr(self, "embedding", None)
        transformer = hasattr(embedding, "fit") and hasattr(embedding, "transform") and hasattr(embedding, "get_params")
        sparse = not features or (transformer and get_tags(embedding).input_tags.sparse)
        tags.input_tags.sparse = bool(sparse) and all(t.sparse for t in inner)
        tags.input_tags.allow_nan = not (features or self._reads_rows) and all(t.allow_nan for t in inner)
        return tags

    @property
    def _pool_agnostic(self):
        """True when the picks depend only on the model's predictions, not on how the pool is stored.

        A dense pool and its sparse, DataFrame or list copy then give the same
        picks (checked by ``check_query_strategy``). Strategies that read the
        rows themselves (a representation, a user's model or scorer) are not.
        """
        return self.requirements() <= {"proba"} and all(s._pool_agnostic for s in _inner_strategies(self))

    def requirements(self):
        """What this strategy, in any round, may ask of the estimator (e.g. ``{"proba"}``)."""
        return set(self._requires)

    def target_kinds(self):
        """The target kinds (:mod:`skal.targets`) this strategy serves.

        A strategy that reads class probabilities, a net's class outputs or
        its loss serves single-label classification (``"binary"``,
        ``"multiclass"``); one that reads only the pool's rows (``Random``, the
        representation strategies) serves every kind, regression and
        multi-label included. (``ActiveLearner`` does not read target kinds
        yet: it serves single-label classification.)
        """
        return set(CLASS_KINDS) if self.requirements() & {"proba", "net", "loss"} else set(ALL_KINDS)

    def needs(self, labeled=None):
        """What ``fit`` with this labeled mask will ask of the estimator: a subset of :meth:`requirements`.

        ``labeled=None`` means nothing is labeled yet (the first pool). ``"labels"`` in the answer means the
        strategy cannot pick from this mask at all (it learns from labeled rows): the learner then refuses it
        for the first pool and names the fix.
        """
        return set(self._requires)

    def needs_estimator(self, labeled=None):
        """Whether ``fit`` with this labeled mask will use the estimator: ``bool(self.needs(labeled))``.

        The learner asks this before round 0: a skorch net is then initialised
        with random weights; a scikit-learn estimator cannot give probabilities
        unfitted, so a strategy needing ``"proba"`` then raises an error.
        Override :meth:`needs`, not this.
        """
        return bool(self.needs(labeled))

    def fit(self, X, y=None, *, labeled=None, estimator=None):
        """Look at the pool and the current model.

        Parameters
        ----------
        X : array-like of shape (n_pool, ...), sparse matrix, DataFrame or list
            The whole pool, labeled rows included, in any type the estimator
            takes; it is not converted or copied. NaN/inf are not refused here.
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
        _, labeled = check_pool(X, labeled, y)
        return self._fit_checked(X, labeled, estimator, y)

    def _fit_checked(self, X, labeled, estimator, y):
        """``fit`` on a pool already checked by :func:`check_pool` (``labeled`` a bool mask of its rows).

        Composites fit their inner strategies through this, so the pool is
        checked once, at the top-level ``fit``, however deep the nesting.
        """
        self.n_pool_ = len(labeled)
        self.labeled_ = labeled
        self.n_available_ = int(self.n_pool_ - labeled.sum())
        self.pseudo_labels_ = None
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
    #: True when ``_score(X, None, estimator)`` scores every row of an array pool in pool order and a row's
    #: score does not depend on the other rows scored with it (a deterministic model).
    _scores_whole_pool = False

    def _fit(self, X, labeled, estimator, y):
        if self._whole_pool(X, labeled):
            scores = np.asarray(self._score(X, None, estimator)).astype(np.float64, copy=False)
            scores[np.flatnonzero(labeled)] = np.nan
            self.scores_ = scores
            return
        rows = self._candidates(labeled)
        scores = np.full(len(labeled), np.nan)
        if len(rows):
            scores[rows] = self._score(X, rows, estimator)
        self.scores_ = scores
        self.n_available_ = len(rows)

    def _whole_pool(self, X, labeled):
        """Whether to score the whole pool in order and blank the labeled rows after.

        For an array or memmap pool with at most a fifth of its rows labeled,
        scoring every row costs at most 1.25x the candidates' work and saves
        the index of candidates, its scatter and a gather per chunk.
        """
        return (
            self._scores_whole_pool
            and type(self)._candidates is ScoringStrategy._candidates
            and as_pool(X).ndarray is not None
            and X.ndim >= 1
            and len(labeled) <= 1.25 * self.n_available_
        )

    def _candidates(self, labeled):
        """Pool rows to score: every unlabeled row (subclasses may draw a subset)."""
        return np.flatnonzero(~labeled)

    @abstractmethod
    def _score(self, X, rows, estimator):
        """Scores of the pool rows ``rows`` (higher = query first); take them with ``take_rows(X, rows)``.

        ``rows`` is None, for a strategy with ``_scores_whole_pool``, to score every pool row in order.
        """

    def _query(self, n):
        return top_k(self.scores_, n)


class ProbaStrategy(ScoringStrategy):
    """A scoring strategy whose score is a pure function of ``predict_proba``."""

    _requires = frozenset({"proba"})
    _scores_whole_pool = True

    @staticmethod
    @abstractmethod
    def _score_proba(proba):
        """Map probabilities ``(n, C)`` to scores ``(n,)``."""

    def _score(self, X, rows, estimator):
        require_proba(estimator, type(self).__name__)
        # scikit-learn's assume_finite goes along as a value: a Ray worker does not see this thread's config.
        fn = partial(proba_scores, score=type(self)._score_proba, assume_finite=get_config()["assume_finite"])
        return map_rows(X, rows, fn, estimator, contiguous_ok=True)


def proba_scores(estimator, inputs, start, *, score, assume_finite=False):
    """``score(proba)`` of the model's validated class probabilities for ``inputs`` (one chunk of the pool).

    ``score`` gets float64 probabilities; skal's own score functions (``FLOAT64_SCORES``) take the model's
    float32 ones as they are and compute in float64 themselves, without a converted copy. With
    ``assume_finite``, ``predict_proba`` runs under ``sklearn.config_context(assume_finite=True)``: the
    pool was checked once (:class:`skal.ActiveLearner` does at ``fit``), not again for every chunk.
    """
    from ._scores import FLOAT64_SCORES

    with config_context(assume_finite=assume_finite) if assume_finite else nullcontext():
        proba = estimator.predict_proba(as_net_input(inputs))
    proba = check_proba(proba, estimator=estimator)
    if proba.dtype != np.float64 and not (proba.dtype.kind == "f" and score in FLOAT64_SCORES):
        proba = proba.astype(np.float64)
    return score(proba)
