"""Cold start without labels: self-supervised difficulty, binning, zero-shot pseudo-labels.

Self-supervised difficulty and binning follow Chandra, Desai, Devaguptapu & Balasubramanian, "On Initial Pools for
Deep Active Learning" (NeurIPS 2020 Pre-registration Workshop, PMLR 148, 2021); zero-shot pseudo-labels follow
Petersen's CLIP-predicted label initialization (DTU 02456 Deep Learning project report).
"""

from numbers import Integral

import numpy as np
from sklearn.base import clone

from ..pools._protocol import take_rows
from ..utils._random import as_generator, seed_params
from ..utils._selection import group_rows, top_k
from ..utils._validation import check_proba
from ._base import QueryStrategy

__all__ = ["SelfSupervisedLoss", "PseudoLabelInitializer", "binning_select"]

_MAX_SEED = 2**32 - 1


def binning_select(scores, n, n_bins, rng):
    """The hard/easy binning of Chandra et al. (2021).

    Rows sorted hardest first into ``n_bins`` equal bins; ``n // n_bins`` drawn at random from each of the top
    ``n_bins − 1`` bins plus the ``n // n_bins`` easiest rows of the last bin; the remainder topped up at random
    from rows not yet picked. Returns ``n`` unique positions.

    Examples
    --------
    >>> picks = binning_select(np.arange(100.0), 10, 5, np.random.default_rng(0))
    >>> sorted(int(p) // 20 for p in picks)  # two from every fifth of the ranking
    [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    """
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")  # hardest first
    bins = np.array_split(order, n_bins)
    per_bin = n // n_bins
    picks = [rng.choice(b, size=min(per_bin, len(b)), replace=False) for b in bins[:-1]]
    picks.append(bins[-1][::-1][:per_bin])  # the easiest of the last bin
    chosen = np.concatenate(picks) if picks else np.empty(0, np.intp)
    if len(chosen) < n:
        rest = np.setdiff1d(order, chosen)
        chosen = np.concatenate([chosen, rng.choice(rest, size=n - len(chosen), replace=False)])
    return chosen.astype(np.intp)


class SelfSupervisedLoss(QueryStrategy):
    """Pick rows by how hard a self-supervised model trained on the pool finds them (Chandra et al., 2021).

    ``model`` (e.g. :class:`skal.nn.SimCLR` or :class:`skal.nn.VAE`, or any
    estimator with ``fit(X)`` and ``score_samples(X)``, higher = harder) is
    cloned and trained on the whole pool, labels unused, then:

    - ``mode="hard"``: the ``n`` highest scores (Chandra et al.'s SimCLR- and VAE-loss pools);
    - ``mode="easy"``: the ``n`` lowest;
    - ``mode="binning"``: the paper's mix (:func:`binning_select`): ``n/n_bins``
      at random from each of the hardest ``n_bins − 1`` bins plus the
      ``n/n_bins`` easiest, topped up at random to exactly ``n``.

    Parameters
    ----------
    model : estimator with fit and score_samples
    mode : "hard", "easy" or "binning", default="hard"
    n_bins : int, default=5
        (The paper tries 2, 5 and 10.)
    random_state : None, int or Generator
        Seeds the model's training (its ``random_state``) and the binning draws.

    Attributes
    ----------
    scores_ : ndarray (n_pool_,)
        The model's score for each unlabeled row; NaN for labeled rows.
    model_ : the fitted model

    Examples
    --------
    >>> from skal.nn import VAE
    >>> X = np.random.default_rng(0).random((60, 6, 6)).astype(np.float32)
    >>> s = SelfSupervisedLoss(VAE(latent=2, hidden=8, max_epochs=1), random_state=0).fit(X)
    >>> s.query(5).shape
    (5,)
    """

    _pool_agnostic = False  # the rows go to the user's model

    def __init__(self, model, mode="hard", n_bins=5, random_state=None):
        self.model = model
        self.mode = mode
        self.n_bins = n_bins
        self.random_state = random_state

    def _fit(self, X, labeled, estimator, y):
        if self.mode not in ("hard", "easy", "binning"):
            raise ValueError(f"mode must be 'hard', 'easy' or 'binning'; got {self.mode!r}.")
        if not (isinstance(self.n_bins, Integral) and self.n_bins >= 1):
            raise ValueError(f"n_bins must be a positive int; got {self.n_bins!r}.")
        if not (hasattr(self.model, "fit") and hasattr(self.model, "score_samples")):
            raise TypeError(
                f"model must have fit(X) and score_samples(X) (skal.nn.SimCLR, skal.nn.VAE); got {self.model!r}."
            )
        self._rng = as_generator(self.random_state)
        model = clone(self.model)
        if "random_state" in model.get_params() and model.get_params()["random_state"] is None:
            seed_params(model, int(self._rng.integers(_MAX_SEED)))
        self.model_ = model.fit(X)
        rows = np.flatnonzero(~labeled)
        scores = np.full(len(labeled), np.nan)
        if len(rows):
            scores[rows] = np.asarray(self.model_.score_samples(take_rows(X, rows)), dtype=np.float64)
        self.scores_ = scores
        self._rows = rows

    def _query(self, n):
        if self.mode == "hard":
            return top_k(self.scores_, n)
        if self.mode == "easy":
            return top_k(-self.scores_, n)
        return self._rows[binning_select(self.scores_[self._rows], n, self.n_bins, self._rng)]


class PseudoLabelInitializer(QueryStrategy):
    """A zero-shot first pool: the rows a scorer is most confident about, per predicted class, with its labels.

    ``scorer(X) -> probabilities (n, C)`` is any callable — CLIP through
    open_clip or transformers with weights you have on disk, a model trained
    elsewhere... Each unlabeled row gets the scorer's argmax as a pseudo-label;
    the ``per_class`` most confident rows of each predicted class are picked.
    Inside :class:`skal.ActiveLearner` the picks are labeled with these
    pseudo-labels, never by the oracle: they are recorded as pseudo-labels
    (``pseudo_labeled_``, ``history_[k]["pseudo"]``, oracle ``"pseudo"`` in the
    journal) so they can be checked or replaced by real labels later.

    Parameters
    ----------
    scorer : callable X -> (n, C) probabilities
    per_class : int, default=1
        Rows per predicted class (a class the scorer never predicts gives none;
        the pool is topped up with the most confident remaining rows to exactly n).
    classes : array-like, optional
        The label of each scorer column; default ``0..C-1``.

    Attributes
    ----------
    pseudo_labels_ : dict {row: label}
        The pseudo-label of every row :meth:`query` returned.

    Examples
    --------
    >>> X = np.array([[0.9], [0.6], [0.2], [0.05]])
    >>> s = PseudoLabelInitializer(lambda X: np.hstack([X, 1 - X]), classes=["cat", "dog"]).fit(X)
    >>> rows = s.query(2)
    >>> rows.tolist(), [str(s.pseudo_labels_[r]) for r in rows]
    ([3, 0], ['dog', 'cat'])
    """

    _pool_agnostic = False  # the rows go to the user's model

    def __init__(self, scorer, per_class=1, classes=None):
        self.scorer = scorer
        self.per_class = per_class
        self.classes = classes

    def _fit(self, X, labeled, estimator, y):
        if not callable(self.scorer):
            raise TypeError("scorer must be a callable X -> class probabilities of shape (n, C).")
        rows = np.flatnonzero(~labeled)
        proba = (
            check_proba(np.asarray(self.scorer(take_rows(X, rows)), dtype=np.float64))
            if len(rows)
            else np.empty((0, 0))
        )
        classes = np.arange(proba.shape[1]) if self.classes is None else np.asarray(self.classes)
        if len(rows) and len(classes) != proba.shape[1]:
            raise ValueError(f"classes has {len(classes)} entries but the scorer gives {proba.shape[1]} columns.")
        self._rows, self._pred, self._conf, self._classes = rows, proba.argmax(1), proba.max(1), classes

    def _query(self, n):
        by_confidence = np.argsort(-self._conf, kind="stable")
        # the per_class surest rows of each predicted class: one stable grouping of the confidence order
        groups = group_rows(self._pred[by_confidence], len(self._classes))
        best = np.concatenate([by_confidence[g[: self.per_class]] for g in groups])
        picked = best[np.argsort(-self._conf[best], kind="stable")][:n]
        if len(picked) < n:  # top up with the most confident of the rest
            taken = np.zeros(len(self._conf), dtype=bool)
            taken[picked] = True
            picked = np.concatenate([picked, by_confidence[~taken[by_confidence]][: n - len(picked)]])
        picked = picked.astype(np.intp)
        self.pseudo_labels_ = {int(self._rows[i]): self._classes[self._pred[i]] for i in picked}
        return self._rows[picked]
