"""Criteria on how uncertain the model still is about the unlabeled stop-set rows, and a confidence histogram."""

import numpy as np
from sklearn.base import BaseEstimator

from ..callbacks import Callback
from ._base import check_count, check_real, untrained
from ._measures import normalized_entropy
from ._stop_set import check_stop_set, clear_cache, draw_stop_set, stop_set_proba
from ._watch import StopSetCriterion

__all__ = ["OverallUncertainty", "MaxConfidence", "RecordConfidence"]


class _Uncertainty(StopSetCriterion):
    def __init__(self, threshold=0.1, stop_set=2000, random_state=None, stop=True):
        self.threshold = threshold
        self.stop_set = stop_set
        self.random_state = random_state
        self.stop = stop

    def _check_params(self):
        check_real("threshold", self.threshold, 0.0, 1.0, fix="Normalized entropy lies in [0, 1].")
        super()._check_params()

    def _measure(self, learner, record):
        proba, _, unlabeled = self._proba(learner, record)
        if not unlabeled.any():
            return None
        return self._summary(normalized_entropy(proba[unlabeled]))

    def met(self, value):
        return value <= self.threshold


class OverallUncertainty(_Uncertainty):
    """Stop when the model is certain on average: mean normalized entropy of the unlabeled stop-set rows <= threshold.

    Zhu, Wang & Hovy, "Multi-criteria-based strategy to stop active learning
    for data annotation" (COLING 2008), overall uncertainty. Entropy is
    divided by ``log(n_classes)`` (:func:`~skal.stopping.normalized_entropy`),
    so the value lies in [0, 1] whatever the number of classes: 0 when every
    row is predicted with certainty, 1 when every row is uniform. The default
    threshold 0.1 is skal's choice on this normalized scale, not the paper's
    (which thresholds raw entropy). A stop set with no unlabeled row left
    measures nothing.

    Parameters
    ----------
    threshold : float in [0, 1], default=0.1
    stop_set : int or array-like, default=2000
        An int draws that many pool rows once per fit (the whole pool when
        smaller); array-like: your own rows, held out of the pool.
    random_state : int, RandomState, Generator or None, default=None
        Mixed into the stop set's draw.
    stop : bool, default=True
        False only records the value (``record["stopping"]["overall_uncertainty"]``).
    """

    name = "overall_uncertainty"

    def __init__(self, threshold=0.1, stop_set=2000, random_state=None, stop=True):
        super().__init__(threshold, stop_set, random_state, stop)

    @staticmethod
    def _summary(entropy):
        return float(entropy.mean())

    def reason(self, value):
        return (
            f"overall uncertainty: mean normalized entropy {value:.3f} of the unlabeled stop-set rows <= "
            f"{self.threshold} (Zhu, Wang & Hovy, COLING 2008)"
        )


class MaxConfidence(_Uncertainty):
    """Stop when even the most uncertain unlabeled stop-set row is nearly certain: its normalized entropy <= threshold.

    Zhu, Wang & Hovy (COLING 2008), max-confidence: stop when the example
    uncertainty sampling would pick next, the most uncertain one left, is
    classified with enough confidence. skal measures it as the largest
    normalized entropy (entropy / ``log(n_classes)``, in [0, 1]) among the
    unlabeled stop-set rows, whatever the strategy. The default threshold 0.5
    is skal's choice, not the paper's: the maximum over thousands of rows is
    an extreme, and a tight value (0.1: a two-class row at p >= 0.987) would
    almost never stop. For two classes, 0.5 means every row left is predicted
    at p >= 0.89.

    Parameters
    ----------
    threshold : float in [0, 1], default=0.5
    stop_set : int or array-like, default=2000
        See :class:`OverallUncertainty`.
    random_state : int, RandomState, Generator or None, default=None
    stop : bool, default=True
        False only records the value (``record["stopping"]["max_confidence"]``).
    """

    name = "max_confidence"

    def __init__(self, threshold=0.5, stop_set=2000, random_state=None, stop=True):
        super().__init__(threshold, stop_set, random_state, stop)

    @staticmethod
    def _summary(entropy):
        return float(entropy.max())

    def reason(self, value):
        return (
            f"max confidence: largest normalized entropy {value:.3f} among the unlabeled stop-set rows <= "
            f"{self.threshold} (Zhu, Wang & Hovy, COLING 2008)"
        )


class RecordConfidence(Callback, BaseEstimator):
    """Not a stopping rule: a histogram of the model's confidence on the unlabeled stop-set rows, for plots.

    Each trained round gets ``record["confidence"] = {"edges": [...], "counts": [...]}``:
    ``bins + 1`` equal-width edges from 0 to 1 and, per bin, how many
    unlabeled stop-set rows have their largest predicted probability in it.
    A round without a trained model gets ``record["confidence"] = None``. It
    never stops the run.

    Parameters
    ----------
    bins : int >= 1, default=10
    stop_set : int or array-like, default=2000
        See :class:`OverallUncertainty`.
    random_state : int, RandomState, Generator or None, default=None
    """

    name = "confidence"

    def __init__(self, bins=10, stop_set=2000, random_state=None):
        self.bins = bins
        self.stop_set = stop_set
        self.random_state = random_state

    def __repr__(self):
        return BaseEstimator.__repr__(self)

    def on_fit_begin(self, learner, planned_rounds=None, **kwargs):
        check_count("bins", self.bins)
        check_stop_set(self.stop_set)
        self.stop_set_ = draw_stop_set(self.stop_set, learner, self.random_state)

    def on_round_end(self, learner, record, **kwargs):
        if untrained(record) or record.get("replayed"):
            record["confidence"] = None
            return None
        proba, _ = stop_set_proba(learner, self.stop_set_, record["round"])
        top = proba[self.stop_set_.unlabeled(learner.pool_)].max(axis=1) if proba.shape[1] else np.empty(0)
        counts, edges = confidence_histogram(top, self.bins)
        record["confidence"] = {"edges": edges, "counts": counts}
        return None

    def on_fit_end(self, learner, **kwargs):
        clear_cache()


def confidence_histogram(confidence, bins):
    """``(counts, edges)`` as lists: ``bins`` equal-width bins over [0, 1], the last one closed.

    Examples
    --------
    >>> confidence_histogram(np.array([0.45, 0.95, 1.0]), 2)
    ([1, 2], [0.0, 0.5, 1.0])
    """
    counts, edges = np.histogram(np.asarray(confidence, dtype=np.float64), bins=bins, range=(0.0, 1.0))
    return [int(c) for c in counts], [float(e) for e in edges]
