"""Criteria on how much consecutive models disagree: stabilizing predictions, classification change, contradiction."""

import numpy as np

from ._base import check_count, check_real
from ._measures import changed_share, kappa, mean_abs_change
from ._stop_set import align_columns
from ._watch import StopSetCriterion

__all__ = ["StabilizingPredictions", "ClassificationChange", "Contradiction"]


class _Consecutive(StopSetCriterion):
    """Compares each trained round's model with the previous one on the stop set.

    A round that trained no model breaks the chain: the next model has
    nothing to be compared with. The value is the mean of the last
    ``window`` comparisons (None until there are that many).
    """

    window = 1

    def _begin(self, learner):
        super()._begin(learner)
        self.changes_, self._previous = [], None

    def _skip(self):
        self._previous = None

    def _measure(self, learner, record):
        proba, classes, unlabeled = self._proba(learner, record)
        previous, self._previous = self._previous, (proba, classes)
        if previous is None:
            return None
        change = self._compare(previous, (proba, classes), unlabeled)
        if change is None or not np.isfinite(change):
            return None
        self.changes_.append(change)
        if len(self.changes_) < self.window:
            return None
        return float(np.mean(self.changes_[-self.window :]))


def _labels(proba, classes):
    return np.asarray(classes)[proba.argmax(axis=1)]


class StabilizingPredictions(_Consecutive):
    """Stop when consecutive models agree on the stop set: mean Cohen's kappa of the last rounds >= ``threshold``.

    Bloodgood & Vijay-Shanker, "A method for stopping active learning based
    on stabilizing predictions and the need for user-adjustable stopping"
    (CoNLL 2009): after each round, Cohen's kappa between the predictions of
    the new model and of the previous one on a *stop set* of rows that need no
    labels; stop once the mean of the last ``window`` kappas reaches
    ``threshold``. Their defaults are kept: ``window=3``, ``threshold=0.99``.
    Every stop-set row counts (labeled ones too), so the compared vectors stay
    the same rows round after round. Identical predictions give kappa 1 (also
    when both models predict one class everywhere).

    Parameters
    ----------
    threshold : float in (-1, 1], default=0.99
        Stop when the windowed mean kappa is at least this; lower stops sooner.
    window : int >= 1, default=3
        Kappas averaged (each compares two consecutive trained models).
    stop_set : int or array-like, default=2000
        An int draws that many pool rows once per fit (the whole pool when
        smaller), from the learner's seed mixed with ``random_state``;
        array-like: your own rows, held out of the pool.
    random_state : int, RandomState, Generator or None, default=None
        Mixed into the stop set's draw.
    stop : bool, default=True
        False only records the value (``record["stopping"]["stabilizing_predictions"]``).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skal import ActiveLearner
    >>> from skal.stopping import first_stop
    >>> X, y = make_classification(n_samples=300, random_state=0)
    >>> sp = StabilizingPredictions(threshold=0.9, window=2)
    >>> learner = ActiveLearner(LogisticRegression(), query_size=10, callbacks=[sp], random_state=0).fit(X, y)
    >>> learner.stopped_, first_stop(sp, learner.history_) == len(learner.history_) - 1
    (True, True)
    """

    name = "stabilizing_predictions"

    def __init__(self, threshold=0.99, window=3, stop_set=2000, random_state=None, stop=True):
        self.threshold = threshold
        self.window = window
        self.stop_set = stop_set
        self.random_state = random_state
        self.stop = stop

    def _check_params(self):
        check_real("threshold", self.threshold, -1.0, 1.0, low_open=True, fix="Cohen's kappa lies in [-1, 1].")
        check_count("window", self.window)
        super()._check_params()

    def _compare(self, previous, current, unlabeled):
        return kappa(_labels(*previous), _labels(*current))

    def met(self, value):
        return value >= self.threshold

    def reason(self, value):
        return (
            f"stabilizing predictions: mean Cohen's kappa {value:.3f} over the last {self.window} rounds >= "
            f"{self.threshold} (Bloodgood & Vijay-Shanker, CoNLL 2009)"
        )


class ClassificationChange(_Consecutive):
    """Stop when (almost) no unlabeled stop-set row changes its predicted class between consecutive models.

    Zhu, Wang & Hovy, "Multi-criteria-based strategy to stop active learning
    for data annotation" (COLING 2008), classification change: the share of
    the unlabeled rows of the stop set whose predicted class differs between
    the previous trained model and this round's; stop when it is at most
    ``threshold`` (default 0: no row changed). Rows labeled meanwhile are left
    out; a stop set with no unlabeled row left measures nothing.

    Parameters
    ----------
    threshold : float in [0, 1], default=0.0
        The largest share of changed rows that still stops.
    stop_set : int or array-like, default=2000
        See :class:`StabilizingPredictions`.
    random_state : int, RandomState, Generator or None, default=None
    stop : bool, default=True
        False only records the value (``record["stopping"]["classification_change"]``).
    """

    name = "classification_change"

    def __init__(self, threshold=0.0, stop_set=2000, random_state=None, stop=True):
        self.threshold = threshold
        self.stop_set = stop_set
        self.random_state = random_state
        self.stop = stop

    def _check_params(self):
        check_real("threshold", self.threshold, 0.0, 1.0, fix="It is a share of rows.")
        super()._check_params()

    def _compare(self, previous, current, unlabeled):
        if not unlabeled.any():
            return None
        return changed_share(_labels(*previous)[unlabeled], _labels(*current)[unlabeled])

    def met(self, value):
        return value <= self.threshold

    def reason(self, value):
        return (
            f"classification change: share {value:.3f} of unlabeled stop-set rows changed their predicted class "
            f"<= {self.threshold} (Zhu, Wang & Hovy, COLING 2008)"
        )


class Contradiction(_Consecutive):
    """Stop when the predicted probabilities on the stop set barely move between consecutive models.

    The value is the mean absolute change of the probabilities between the
    previous trained model and this round's, over the stop set: the mean over
    rows of ``sum_c |p_t - p_{t-1}| / 2`` (:func:`mean_abs_change`, in [0, 1]
    for any number of classes), averaged over the last ``window`` rounds; stop
    when it is at most ``threshold``. This is the "the model stopped
    contradicting itself" family of rules found in active-learning toolkits;
    the default threshold is skal's choice, from its evaluation on every
    benchmark suite (``benchmarks/results/stopping.md``). A
    class that appears between two rounds counts as probability 0 for the
    model that did not know it.

    Parameters
    ----------
    threshold : float in [0, 1], default=0.01
    window : int >= 1, default=1
    stop_set : int or array-like, default=2000
        See :class:`StabilizingPredictions`.
    random_state : int, RandomState, Generator or None, default=None
    stop : bool, default=True
        False only records the value (``record["stopping"]["contradiction"]``).
    """

    name = "contradiction"

    def __init__(self, threshold=0.01, window=1, stop_set=2000, random_state=None, stop=True):
        self.threshold = threshold
        self.window = window
        self.stop_set = stop_set
        self.random_state = random_state
        self.stop = stop

    def _check_params(self):
        check_real("threshold", self.threshold, 0.0, 1.0, fix="A change of probabilities lies in [0, 1].")
        check_count("window", self.window)
        super()._check_params()

    def _compare(self, previous, current, unlabeled):
        p, q = align_columns(previous[0], previous[1], current[0], current[1])
        return mean_abs_change(p, q)

    def met(self, value):
        return value <= self.threshold

    def reason(self, value):
        return (
            f"contradiction: mean absolute change of predicted probabilities {value:.4f} over the last "
            f"{self.window} rounds <= {self.threshold}"
        )
