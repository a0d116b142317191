"""Query by committee: variation ratio, vote entropy and the uncertainty of an ensemble's mean probabilities.

The ensemble variation ratio (ENS-varR) of Chandra, Desai, Devaguptapu & Balasubramanian, "On Initial Pools for
Deep Active Learning" (NeurIPS 2020 Pre-registration Workshop, PMLR 148, 2021), and the ensemble least confidence,
entropy and margin (ENS-LC, ENS-ME, ENS-MM) of the toolkit it builds on (Munjal, Hayat, Hayat, Sourati & Khan, "Towards
Robust and Reproducible Active Learning Using Neural Networks", CVPR 2022); query by committee after Seung, Opper &
Sompolinsky (COLT 1992) and McCallum & Nigam (ICML 1998).
"""

import numpy as np

from ..pools._protocol import take_rows
from ..utils._adapter import ModelAdapter
from ..utils._estimator import predict_proba_rows
from ..utils._random import as_generator
from ._base import QueryStrategy
from ._scores import consensus_kl, entropy, least_confidence, margin, variation_ratio, vote_entropy
from ._subsample import draw_candidates

__all__ = ["VariationRatio", "QueryByCommittee", "EnsembleLeastConfidence", "EnsembleEntropy", "EnsembleMargin"]

_MAX_SEED = 2**32 - 1


class VariationRatio(QueryStrategy):
    """Variation ratio ``1 − f_mode / T`` of a committee's votes, with a documented tie-break.

    The committee is ``n_members`` copies of the learner's estimator, each
    trained on the labeled rows from its own seed (Chandra et al. use three ResNet-18s
    that differ by initialisation), or the fitted ``committee`` you pass. Each
    member votes with its most probable class.

    With T members the score takes at most T distinct values, so ties are the
    rule: ``tie_break="entropy"`` (default) orders tied rows by the entropy of
    the committee's mean probabilities (higher first), then by pool index;
    ``"index"`` by pool index alone.

    Parameters
    ----------
    n_members : int, default=3
        T, when the committee is trained here (Chandra et al. use 3).
    committee : list of fitted estimators, optional
        Use these members as they are instead of training copies (their
        ``predict_proba`` columns must be the same classes in the same order).
    bootstrap : bool, default=False
        Train each member on a bootstrap resample of the labeled rows, drawn
        within each class (query by bagging) — diversity for estimators
        without random initialisation.
    tie_break : "entropy" or "index", default="entropy"
    n_candidates : None, int or float, default=None
        Score a random subset of the unlabeled rows (all by default, as in Chandra et al.'s code, acl21/init-pools-dal).
    random_state : None, int or Generator
        Seeds each member's training (torch initialisation and shuffling for a
        skorch net, ``random_state`` for a scikit-learn estimator), the
        bootstrap and the subset.

    Notes
    -----
    Before anything is labeled, a skorch committee is T nets with different
    random weights (the random-weight idea of Mohan et al., preprint 2026); a scikit-learn committee
    cannot vote untrained.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2)); y = (X[:, 0] > 0).astype(int)
    >>> labeled = np.zeros(60, bool); labeled[:20] = True
    >>> s = VariationRatio(bootstrap=True, random_state=0)
    >>> s.fit(X, y, labeled=labeled, estimator=DecisionTreeClassifier()).query(5).shape
    (5,)
    """

    _requires = frozenset({"proba"})

    def __init__(
        self, n_members=3, committee=None, bootstrap=False, tie_break="entropy", n_candidates=None, random_state=None
    ):
        self.n_members = n_members
        self.committee = committee
        self.bootstrap = bootstrap
        self.tie_break = tie_break
        self.n_candidates = n_candidates
        self.random_state = random_state

    def requirements(self):
        return set(self._requires) if self.committee is None else set()  # a given committee needs no estimator

    @property
    def _pool_agnostic(self):
        # members trained here fit the pool's rows in their own type (a sparse copy fits a slightly different
        # model); only a committee given ready-made sees every copy of the pool the same way
        return self.committee is not None and super()._pool_agnostic

    def needs(self, labeled=None):
        return self.requirements()

    def _fit(self, X, labeled, estimator, y):
        if self.tie_break not in ("entropy", "index"):
            raise ValueError(f"tie_break must be 'entropy' or 'index'; got {self.tie_break!r}.")
        rows, votes, mean_proba, probas = self._committee_outputs(X, labeled, estimator, y)
        self._set_scores(labeled, rows, variation_ratio(votes) if len(rows) else [], len(probas))
        use_entropy = self.tie_break == "entropy" and len(rows)
        self._tie = entropy(mean_proba) if use_entropy else np.zeros(len(rows))

    def _committee_outputs(self, X, labeled, estimator, y):
        """``(rows, votes, mean_proba, probas)``: the candidates, the members' vote counts (n, C), their mean
        probabilities and each member's probabilities, for the committee given or trained here."""
        who = type(self).__name__
        rng = as_generator(self.random_state)
        rows = draw_candidates(labeled, self.n_candidates, rng)
        members = (
            list(self.committee) if self.committee is not None else self._train_members(X, labeled, estimator, y, rng)
        )
        if not members:
            raise ValueError(f"{who} needs a committee member; pass n_members >= 1 or committee=[...].")
        probas = [predict_proba_rows(member, X, rows, who=who) for member in members]
        if len({p.shape for p in probas}) > 1:
            columns = sorted({p.shape[1] for p in probas})
            raise ValueError(
                f"{who}: committee members give probabilities over different classes ({columns} columns); train "
                "them on the same labels."
            )
        votes = np.zeros(probas[0].shape, dtype=np.int64)
        for proba in probas:
            if len(proba):  # no candidate left (every row labeled): no votes
                votes[np.arange(len(proba)), proba.argmax(1)] += 1
        return rows, votes, np.mean(probas, axis=0), probas

    def _set_scores(self, labeled, rows, row_scores, n_members):
        scores = np.full(len(labeled), np.nan)
        scores[rows] = row_scores
        self.scores_, self._rows = scores, rows
        self.n_available_ = len(rows)
        self.committee_size_ = n_members

    def _train_members(self, X, labeled, estimator, y, rng):
        if estimator is None:
            raise ValueError("VariationRatio trains its committee from the estimator: pass estimator= to fit.")
        n_members = int(self.n_members)
        seeds = [int(s) for s in rng.integers(_MAX_SEED, size=max(n_members, 0))]
        adapter = ModelAdapter(estimator)
        if not labeled.any():
            if adapter.is_net:
                return [adapter.random_weights(None, seed) for seed in seeds]
            raise ValueError(
                "VariationRatio trains its committee on the labeled rows and none is labeled yet; a scikit-learn "
                "committee cannot vote untrained. Pick the first pool with initial_strategy=Random()."
            )
        if y is None:
            raise ValueError("VariationRatio trains its committee on the labeled rows: pass y to fit.")
        rows = np.flatnonzero(labeled)
        y_l = np.asarray(y)[rows]
        classes, codes = np.unique(y_l, return_inverse=True)
        members = []
        for seed in seeds:
            take = rows
            if self.bootstrap:  # resampled within each class, so every member sees every labeled class
                boot = np.random.default_rng(seed)
                per_class = [rows[codes == c] for c in range(len(classes))]
                take = np.sort(np.concatenate([boot.choice(r, size=len(r)) for r in per_class]))
            member = adapter.new(seed=seed)
            members.append(adapter.train(member, take_rows(X, take), y_l[np.searchsorted(rows, take)], classes, seed))
        return members

    def _query(self, n):
        rows = self._rows
        order = np.lexsort((rows, -self._tie, -self.scores_[rows]))
        return rows[order[:n]]


class QueryByCommittee(VariationRatio):
    """Query by committee: the rows a committee disagrees on most, by vote entropy or consensus KL.

    Seung, Opper & Sompolinsky (COLT 1992); the two disagreement measures of
    McCallum & Nigam (ICML 1998): ``"vote_entropy"``, the entropy of the
    members' vote shares (Dagan & Engelson, ICML 1995), and ``"kl"``, the
    mean KL divergence of each member's probabilities from the committee's
    mean (:func:`~skal.strategies.consensus_kl`). The committee is trained
    as :class:`VariationRatio`'s is, but on bootstrap resamples by default
    (query by bagging, Abe & Mamitsuka, ICML 1998): copies of a deterministic
    scikit-learn model trained on the same rows agree everywhere. Vote
    entropy takes few distinct values; its ties go to the higher entropy of
    the committee's mean probabilities, then to the lower pool index.

    Parameters
    ----------
    measure : {"vote_entropy", "kl"}, default="vote_entropy"
    bootstrap : bool, default=True
        Train each member on a bootstrap resample of the labeled rows (within each class).
    n_members, committee, n_candidates, random_state
        As for :class:`VariationRatio`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2)); y = (X[:, 0] > 0).astype(int)
    >>> labeled = np.zeros(60, bool); labeled[:20] = True
    >>> s = QueryByCommittee("kl", bootstrap=True, random_state=0)
    >>> s.fit(X, y, labeled=labeled, estimator=DecisionTreeClassifier()).query(5).shape
    (5,)
    """

    def __init__(
        self, measure="vote_entropy", n_members=3, committee=None, bootstrap=True, n_candidates=None, random_state=None
    ):
        self.measure = measure
        self.n_members = n_members
        self.committee = committee
        self.bootstrap = bootstrap
        self.n_candidates = n_candidates
        self.random_state = random_state

    def _fit(self, X, labeled, estimator, y):
        if self.measure not in ("vote_entropy", "kl"):
            raise ValueError(f"measure={self.measure!r}: use 'vote_entropy' or 'kl'.")
        rows, votes, mean_proba, probas = self._committee_outputs(X, labeled, estimator, y)
        if not len(rows):
            row_scores = []
        elif self.measure == "kl":
            row_scores = consensus_kl(np.stack(probas))
        else:
            row_scores = vote_entropy(votes)
        self._set_scores(labeled, rows, row_scores, len(probas))
        by_mean = self.measure == "vote_entropy" and len(rows)
        self._tie = entropy(mean_proba) if by_mean else np.zeros(len(rows))


class _EnsembleUncertainty(VariationRatio):
    """An uncertainty score of the committee's mean probabilities; ties go to the lower pool index."""

    @staticmethod
    def _score_mean(mean_proba):  # pragma: no cover - abstract
        raise NotImplementedError

    def __init__(self, n_members=3, committee=None, bootstrap=False, n_candidates=None, random_state=None):
        self.n_members = n_members
        self.committee = committee
        self.bootstrap = bootstrap
        self.n_candidates = n_candidates
        self.random_state = random_state

    def _fit(self, X, labeled, estimator, y):
        rows, _, mean_proba, probas = self._committee_outputs(X, labeled, estimator, y)
        self._set_scores(labeled, rows, type(self)._score_mean(mean_proba) if len(rows) else [], len(probas))
        self._tie = np.zeros(len(rows))


_ENSEMBLE_PARAMETERS = """
    Parameters
    ----------
    n_members : int, default=3
        Members trained here, each from its own seed (Chandra et al. use three ResNet-18s).
    committee : list of fitted estimators, optional
        Use these members as they are (their ``predict_proba`` columns must be the same classes in the same order).
    bootstrap : bool, default=False
        Train each member on a bootstrap resample of the labeled rows, within each class (for estimators
        without random initialisation, whose copies would otherwise agree).
    n_candidates : None, int or float, default=None
        Score a random subset of the unlabeled rows (all by default).
    random_state : None, int or Generator
        Seeds the members' training, the bootstrap and the subset.

    Attributes
    ----------
    scores_ : ndarray of shape (n_pool_,)
        Higher is picked first; NaN for labeled rows and rows not scored.
    committee_size_ : int

    References
    ----------
    Munjal, Hayat, Hayat, Sourati & Khan, "Towards Robust and Reproducible Active Learning Using Neural Networks",
    CVPR 2022 (the toolkit); Chandra, Desai, Devaguptapu & Balasubramanian, "On Initial Pools for Deep Active
    Learning", NeurIPS 2020 Pre-registration Workshop (PMLR 148, 2021).
"""


class EnsembleLeastConfidence(_EnsembleUncertainty):
    __doc__ = (
        """Least confidence of a committee's mean probabilities, ``1 − max_k p̄_k`` (ENS-LC).

    ``p̄`` is the mean of the members' ``predict_proba``; the committee is
    trained as :class:`VariationRatio`'s is (``n_members`` copies of the
    estimator, each from its own seed), or given.
"""
        + _ENSEMBLE_PARAMETERS
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2)); y = (X[:, 0] > 0).astype(int)
    >>> labeled = np.zeros(60, bool); labeled[:20] = True
    >>> s = EnsembleLeastConfidence(bootstrap=True, random_state=0)
    >>> s.fit(X, y, labeled=labeled, estimator=DecisionTreeClassifier()).query(5).shape
    (5,)
    """
    )

    _score_mean = staticmethod(least_confidence)


class EnsembleEntropy(_EnsembleUncertainty):
    __doc__ = (
        """Entropy of a committee's mean probabilities, ``−Σ_k p̄_k log p̄_k`` (ENS-ME, max-entropy).

    ``p̄`` is the mean of the members' ``predict_proba``; the committee is
    trained as :class:`VariationRatio`'s is, or given. (BALD subtracts the
    members' mean entropy from this; ENS-ME does not.)
"""
        + _ENSEMBLE_PARAMETERS
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[-2.0], [-0.1], [0.05], [2.0]]); y = np.array([0, 0, 1, 1])
    >>> committee = [LogisticRegression(C=c).fit(X, y) for c in (0.1, 1.0, 10.0)]
    >>> EnsembleEntropy(committee=committee).fit(X).query(2).tolist()
    [2, 1]
    """
    )

    _score_mean = staticmethod(entropy)


def _smallest_margin_first(mean_proba):
    return -margin(mean_proba)


class EnsembleMargin(_EnsembleUncertainty):
    __doc__ = (
        """Smallest margin of a committee's mean probabilities first, score ``−(p̄_(1) − p̄_(2))`` (ENS-MM).

    ``p̄`` is the mean of the members' ``predict_proba``; the committee is
    trained as :class:`VariationRatio`'s is, or given. Needs two or more classes.
"""
        + _ENSEMBLE_PARAMETERS
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[-2.0], [-0.1], [0.05], [2.0]]); y = np.array([0, 0, 1, 1])
    >>> committee = [LogisticRegression(C=c).fit(X, y) for c in (0.1, 1.0, 10.0)]
    >>> EnsembleMargin(committee=committee).fit(X).query(2).tolist()
    [2, 1]
    """
    )

    _score_mean = staticmethod(_smallest_margin_first)
