"""Ensemble least confidence, entropy and margin (ENS-LC / ENS-ME / ENS-MM): float64 loops written out by hand."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.linear_model import LogisticRegression

from skal.strategies import EnsembleEntropy, EnsembleLeastConfidence, EnsembleMargin


def _mean_row(member_rows):
    return [math.fsum(p[k] for p in member_rows) / len(member_rows) for k in range(len(member_rows[0]))]


def _ref_least_confidence(member_rows):
    return 1.0 - max(_mean_row(member_rows))


def _ref_entropy(member_rows):
    return -math.fsum(p * math.log(p) for p in _mean_row(member_rows) if p > 0)


def _ref_smallest_margin(member_rows):
    first, second = sorted(_mean_row(member_rows), reverse=True)[:2]
    return -(first - second)


REFERENCES = {
    EnsembleLeastConfidence: _ref_least_confidence,
    EnsembleEntropy: _ref_entropy,
    EnsembleMargin: _ref_smallest_margin,
}


class _Fixed:
    """A fitted 'member' that returns the probabilities it was given for the pool rows it is asked about."""

    def __init__(self, proba):
        self.proba = np.asarray(proba)
        self.classes_ = np.arange(self.proba.shape[1])

    def predict_proba(self, X):
        return self.proba[np.asarray(X)[:, 0].astype(int)]


def _pool(member_proba):
    n = member_proba.shape[1]
    return np.arange(n, dtype=np.float64)[:, None], [_Fixed(p) for p in member_proba]


@pytest.mark.parametrize("cls", list(REFERENCES))
def test_scores_and_picks_match_the_float64_loop(cls):
    rng = np.random.default_rng(0)
    member_proba = rng.dirichlet(np.ones(4), size=(3, 40))
    member_proba[:, 5] = [0.25, 0.25, 0.25, 0.25]  # the most uncertain row by every measure
    member_proba[0, 6] = [1.0, 0.0, 0.0, 0.0]  # a zero probability: 0 log 0 = 0
    X, committee = _pool(member_proba)
    labeled = np.zeros(40, bool)
    labeled[[0, 1, 2]] = True
    s = cls(committee=committee).fit(X, labeled=labeled)
    expected = np.array([REFERENCES[cls](member_proba[:, i].tolist()) for i in range(40)])
    unlabeled = np.flatnonzero(~labeled)
    np.testing.assert_allclose(s.scores_[unlabeled], expected[unlabeled], atol=1e-12)
    assert np.isnan(s.scores_[labeled]).all()
    order = unlabeled[np.lexsort((unlabeled, -np.round(expected[unlabeled], 12)))]
    picks = s.query(8).tolist()
    assert picks == order[:8].tolist()
    assert picks[0] == 5
    assert s.committee_size_ == 3


@pytest.mark.parametrize("cls", list(REFERENCES))
def test_ties_go_to_the_lower_index(cls):
    same = np.tile([0.6, 0.3, 0.1], (3, 10, 1))
    X, committee = _pool(same)
    assert cls(committee=committee).fit(X).query(4).tolist() == [0, 1, 2, 3]


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, (3, 12, 3), elements=st.floats(0.01, 1.0)))
def test_the_mean_of_the_members_is_scored_not_the_members(weights):
    """ENS-ME is the entropy of the mean: never below the members' mean entropy (concavity), equal when they agree."""
    member_proba = weights / weights.sum(-1, keepdims=True)
    X, committee = _pool(member_proba)
    ens = EnsembleEntropy(committee=committee).fit(X).scores_
    members = -(member_proba * np.log(member_proba)).sum(-1).mean(0)
    assert (ens >= members - 1e-12).all()
    agree, _ = _pool(np.repeat(member_proba[:1], 3, axis=0))
    same = EnsembleEntropy(committee=[_Fixed(member_proba[0])] * 3).fit(agree).scores_
    np.testing.assert_allclose(same, -(member_proba[0] * np.log(member_proba[0])).sum(-1), atol=1e-12)


def test_disagreeing_members_make_a_row_uncertain_that_each_is_sure_of():
    """Two members sure of opposite classes: each alone has margin 0.8, their mean has margin 0."""
    proba = np.array([[[0.9, 0.1], [0.9, 0.1]], [[0.1, 0.9], [0.88, 0.12]]])  # 2 members, 2 rows
    X, committee = _pool(proba)
    assert EnsembleMargin(committee=committee).fit(X).query(1).tolist() == [0]
    assert EnsembleLeastConfidence(committee=committee).fit(X).query(1).tolist() == [0]


@pytest.mark.parametrize("cls", list(REFERENCES))
def test_trained_committee_is_seeded_and_bootstrap_makes_a_deterministic_model_disagree(cls):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int) + (X[:, 2] > 0.8).astype(int)
    labeled = np.zeros(80, bool)
    labeled[:24] = True
    a = cls(n_members=4, bootstrap=True, random_state=0).fit(X, y, labeled=labeled, estimator=LogisticRegression())
    b = cls(n_members=4, bootstrap=True, random_state=0).fit(X, y, labeled=labeled, estimator=LogisticRegression())
    np.testing.assert_array_equal(a.scores_, b.scores_)
    single = LogisticRegression().fit(X[:24], y[:24]).predict_proba(X)
    plain = cls(random_state=0).fit(X, y, labeled=labeled, estimator=LogisticRegression())
    reference = np.array([REFERENCES[cls]([row] * 3) for row in single.tolist()])
    np.testing.assert_allclose(plain.scores_[24:], reference[24:], atol=1e-12)  # three identical fits
    assert not np.allclose(a.scores_[24:], plain.scores_[24:])


def test_scikit_learn_committee_refuses_a_first_pool_and_names_the_fix():
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="initial_strategy=Random"):
        EnsembleEntropy().fit(X, estimator=LogisticRegression())


# inside ActiveLearner on a skorch net: tests/strategies/test_query_by_committee.py
