"""The stop set: its draw, its unlabeled rows, and one predict_proba per round however many criteria watch it."""

from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.learner._pool import LabelPool
from skal.stopping import ClassificationChange, MaxConfidence, OverallUncertainty, StabilizingPredictions
from skal.stopping._stop_set import _cache, draw_stop_set, stop_set_proba

from ._data import X_pool, y_pool


def _learner(seed=0, n=100):
    return SimpleNamespace(seed_=seed, pool_=LabelPool(np.arange(2 * n, dtype=float).reshape(n, 2)))


def test_the_draw_follows_the_learner_seed_and_random_state():
    a, b = draw_stop_set(10, _learner()), draw_stop_set(10, _learner())
    assert a.indices.tolist() == b.indices.tolist()
    assert len(set(a.indices.tolist())) == 10 and (np.diff(a.indices) > 0).all()
    assert draw_stop_set(10, _learner(seed=1)).indices.tolist() != a.indices.tolist()
    assert draw_stop_set(10, _learner(), random_state=3).indices.tolist() != a.indices.tolist()
    assert draw_stop_set(500, _learner()).indices.tolist() == list(range(100))  # a small pool is taken whole


def test_unlabeled_rows_follow_the_pool_and_held_out_rows_are_all_unlabeled():
    learner = _learner()
    stop = draw_stop_set(100, learner)
    learner.pool_.add(np.array([3, 7]), np.array([0, 1]), 0)
    assert np.flatnonzero(~stop.unlabeled(learner.pool_)).tolist() == [3, 7]
    held = draw_stop_set(np.zeros((5, 2)), learner)
    assert held.n == 5 and held.unlabeled(learner.pool_).all()


class CountingLR(LogisticRegression):
    """Counts the rows it is asked probabilities for, per call size."""

    calls = []

    def predict_proba(self, X):
        CountingLR.calls.append(len(X))
        return super().predict_proba(X)


def test_probabilities_are_computed_once_per_round_for_every_criterion_on_the_stop_set():
    watchers = [OverallUncertainty, MaxConfidence, ClassificationChange, StabilizingPredictions]
    stop_set = 37  # a size no other predict_proba of the run asks for
    CountingLR.calls = []
    learner = ActiveLearner(
        CountingLR(), query_size=10, n_rounds=3, random_state=0, callbacks=[cls(stop_set=stop_set) for cls in watchers]
    ).fit(X_pool, y_pool)
    assert CountingLR.calls.count(stop_set) == len(learner.history_)
    assert len(_cache) == 0  # forgotten at the end of the fit


def test_the_cache_keeps_at_most_two_entries():
    learner = _learner()
    learner.pool_.add(np.arange(10), np.array([0, 1] * 5), 0)
    learner.estimator = LogisticRegression()
    learner.estimator_ = LogisticRegression().fit(learner.pool_.X[:10], [0, 1] * 5)
    stop = draw_stop_set(20, learner)
    first = stop_set_proba(learner, stop, 0)
    assert stop_set_proba(learner, stop, 0) is first
    for round_ in (1, 2, 3):
        stop_set_proba(learner, stop, round_)
    assert len(_cache) == 2
    proba, classes = first
    assert proba.shape == (20, 2) and classes.tolist() == [0, 1]
    _cache.clear()


@pytest.mark.parametrize("stop_set", [0, -5, "rows", True, np.zeros((0, 2)), None])
def test_a_bad_stop_set_is_refused(stop_set):
    with pytest.raises(ValueError, match="stop_set"):
        draw_stop_set(stop_set, _learner())
