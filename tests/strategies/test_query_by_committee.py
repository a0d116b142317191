"""QueryByCommittee: vote entropy and consensus KL against float64 loops; every committee strategy in a learner."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.strategies import (
    EnsembleEntropy,
    EnsembleLeastConfidence,
    EnsembleMargin,
    QueryByCommittee,
    Random,
    consensus_kl,
    vote_entropy,
)

from ..learner.test_determinism import _net


def _reference_vote_entropy(votes):
    out = []
    for row in votes:
        t = sum(row)
        out.append(-sum((v / t) * np.log(v / t) for v in row if v))
    return np.array(out)


def _reference_kl(member_proba):
    member_proba = np.asarray(member_proba, dtype=np.float64)
    mean = member_proba.mean(axis=0)
    out = []
    for i in range(member_proba.shape[1]):
        kls = [sum(p * np.log(p / q) for p, q in zip(m[i], mean[i]) if p > 0) for m in member_proba]
        out.append(np.mean(kls))
    return np.array(out)


def test_measures_match_the_loops():
    votes = np.array([[3, 0, 0], [2, 1, 0], [1, 1, 1], [0, 2, 2]])
    np.testing.assert_allclose(vote_entropy(votes), _reference_vote_entropy(votes))
    assert vote_entropy(votes)[2] == pytest.approx(np.log(3))
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(4), size=(5, 30))  # 5 members, 30 rows, 4 classes
    p[0, 0] = [1.0, 0.0, 0.0, 0.0]  # a zero probability: 0 log 0 = 0
    np.testing.assert_allclose(consensus_kl(p), _reference_kl(p), atol=1e-12)


def _committee_pool():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int) + (X[:, 2] > 0.8).astype(int)
    labeled = np.zeros(80, bool)
    labeled[:24] = True
    committee = [LogisticRegression(C=c).fit(X[:24], y[:24]) for c in (0.01, 1.0, 100.0)]
    return X, y, labeled, committee


@pytest.mark.parametrize("measure", ["vote_entropy", "kl"])
def test_picks_are_the_top_reference_scores_with_ties_to_the_lower_index(measure):
    X, y, labeled, committee = _committee_pool()
    s = QueryByCommittee(measure, committee=committee).fit(X, y, labeled=labeled)
    probas = np.stack([m.predict_proba(X) for m in committee])
    if measure == "kl":
        expected = _reference_kl(probas)
    else:
        votes = np.zeros(probas.shape[1:], dtype=int)
        for p in probas:
            votes[np.arange(len(X)), p.argmax(1)] += 1
        expected = _reference_vote_entropy(votes)
    unlabeled = np.flatnonzero(~labeled)
    np.testing.assert_allclose(s.scores_[unlabeled], expected[unlabeled], atol=1e-12)
    tie = -(probas.mean(axis=0) * np.log(probas.mean(axis=0))).sum(axis=1) if measure == "vote_entropy" else 0 * y
    order = unlabeled[np.lexsort((unlabeled, -tie[unlabeled], -np.round(expected[unlabeled], 12)))]
    assert s.query(10).tolist() == order[:10].tolist()


def test_by_default_a_deterministic_model_disagrees_through_bagging():
    X, y, labeled, _ = _committee_pool()
    plain = QueryByCommittee(bootstrap=False, random_state=0).fit(X, y, labeled=labeled, estimator=LogisticRegression())
    bagged = QueryByCommittee(random_state=0).fit(X, y, labeled=labeled, estimator=LogisticRegression())
    assert np.nanmax(plain.scores_) == 0.0  # three identical fits: no vote ever differs
    assert np.nanmax(bagged.scores_) > 0.0


def test_bad_measure_names_the_choices():
    X, y, labeled, committee = _committee_pool()
    with pytest.raises(ValueError, match="'vote_entropy' or 'kl'"):
        QueryByCommittee("jensen", committee=committee).fit(X, y, labeled=labeled)


@pytest.mark.parametrize(
    "strategy",
    [
        QueryByCommittee("kl"),
        EnsembleLeastConfidence(n_members=2),
        EnsembleEntropy(n_members=2),
        EnsembleMargin(n_members=2),
    ],
    ids=lambda s: type(s).__name__,
)
def test_a_skorch_committee_in_active_learner_is_deterministic(strategy):
    """Every strategy on VariationRatio's committee machinery, inside ActiveLearner on a skorch net."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 8)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 1).astype(int)

    def run(seed):
        learner = ActiveLearner(
            _net(),
            clone(strategy),
            initial_strategy=Random(),
            initial_size=8,
            query_size=6,
            n_rounds=2,
            classes=[0, 1, 2],
            random_state=seed,
        )
        return learner.fit(X, y).labeled_indices_.tolist()

    first = run(0)
    assert len(set(first)) == 20
    assert first == run(0) != run(1)
