"""Schedules switch strategy once something is labeled (HC/LC schedules and RHC/RLC of Mohan et al., 2026)."""

import numpy as np
import pytest

from skal.strategies import HC, HCLC, LC, LCHC, RHC, RLC, Entropy, HighConfidence, LeastConfidence, Random, Schedule
from skal.utils.estimator_checks import make_pool


@pytest.mark.parametrize(
    "schedule, first, later",
    [
        (HCLC(), HighConfidence, LeastConfidence),
        (LCHC(), LeastConfidence, HighConfidence),
        (RHC(random_state=0), Random, HighConfidence),
        (RLC(random_state=0), Random, LeastConfidence),
        (Schedule(Random(), Entropy()), Random, Entropy),
    ],
)
def test_switches_on_first_label(schedule, first, later):
    X, y, labeled, est = make_pool()
    cold = schedule.fit(X, labeled=None, estimator=est)
    assert type(cold.active_) is first
    warm = schedule.fit(X, labeled=labeled, estimator=est)
    assert type(warm.active_) is later


def test_hclc_picks_equal_its_parts():
    X, y, labeled, est = make_pool(n_pool=70)
    np.testing.assert_array_equal(HCLC().fit(X, estimator=est).query(6), HC().fit(X, estimator=est).query(6))
    np.testing.assert_array_equal(
        HCLC().fit(X, labeled=labeled, estimator=est).query(6), LC().fit(X, labeled=labeled, estimator=est).query(6)
    )


def test_needs_estimator_follows_the_round():
    labeled = np.array([True, False])
    assert HCLC().needs_estimator(None) and HCLC().needs_estimator(labeled)
    assert not RHC().needs_estimator(None) and RHC().needs_estimator(labeled)
    assert RLC().requirements() == {"proba"}


def test_presets_clone_and_expose_scores():
    from sklearn.base import clone

    X, y, labeled, est = make_pool()
    s = clone(HCLC()).fit(X, labeled=labeled, estimator=est)
    assert s.scores_.shape == (len(X),)
    assert clone(RHC(random_state=5)).get_params() == {"random_state": 5}
