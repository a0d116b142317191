"""Finding 6: ``query()`` stores nothing, and a fitted learner does not keep (or pickle) its pool.

Fails until the learner redesign lands: today a fitted learner keeps the pool as ``_X`` (so it is pickled
with the learner).
"""

import copy
import pickle

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.strategies import Entropy, Margin, Random

from ..conftest import make_blobs_pool


def learner(strategy=None, **kw):
    params = dict(initial_strategy=Random(), initial_size=12, query_size=8, n_rounds=2, random_state=0)
    params.update(kw)
    return ActiveLearner(LogisticRegression(max_iter=300), Margin() if strategy is None else strategy, **params)


FITTED = ["classes_", "labeled_indices_", "labels_", "labeled_round_", "history_", "pseudo_labeled_", "skipped_"]


def public_state(al):
    """The documented fitted attributes (estimator_ is compared by identity), deep-copied."""
    return {k: copy.deepcopy(getattr(al, k)) for k in FITTED}


def assert_same_state(before, al):
    after = public_state(al)
    assert set(after) == set(before)
    for key, value in before.items():
        if key == "history_":
            assert len(after[key]) == len(value)
            for old, new in zip(value, after[key]):
                assert set(old) == set(new)
                for field in old:
                    if isinstance(old[field], np.ndarray):
                        np.testing.assert_array_equal(new[field], old[field])
                    else:
                        assert new[field] == old[field] or (old[field] != old[field] and new[field] != new[field])
        elif isinstance(value, np.ndarray):
            np.testing.assert_array_equal(after[key], value)
        else:
            assert after[key] == value, key


@pytest.mark.parametrize("strategy", [Margin(), Entropy(), Random()], ids=["margin", "entropy", "random"])
@pytest.mark.parametrize("n", [None, 5])
def test_query_on_a_fitted_learner_stores_nothing(strategy, n):
    """Finding 6: two query() calls on a fitted learner return the same rows and change no fitted state."""
    X, y = make_blobs_pool()
    al = learner(strategy).fit(X, y)
    before = public_state(al)
    model = al.estimator_
    coef = model.coef_.copy()
    blob = pickle.dumps(al)

    first = np.asarray(al.query(X, n=n))
    second = np.asarray(al.query(X, n=n))

    np.testing.assert_array_equal(first, second)
    assert len(first) == (al.query_size if n is None else n)
    assert not (al.labeled_round_[first] >= 0).any()  # only unlabeled rows are offered
    assert al.estimator_ is model
    np.testing.assert_array_equal(al.estimator_.coef_, coef)
    np.testing.assert_array_equal(al.labeled_indices_, before["labeled_indices_"])
    np.testing.assert_array_equal(al.labels_, before["labels_"])
    np.testing.assert_array_equal(al.labeled_round_, before["labeled_round_"])
    assert len(al.history_) == len(before["history_"]) == 3
    assert_same_state(before, al)
    assert pickle.dumps(al) == blob  # nothing at all was stored, not even privately


@pytest.mark.parametrize("random_state", [0, None])
def test_first_query_on_an_unfitted_learner_starts_a_run_without_training(random_state):
    """Finding 6: the first query() of an unfitted learner starts a run but trains nothing; a repeat gives the
    same rows (with random_state=None too: the run's seed is drawn once, at the start)."""
    X, _ = make_blobs_pool()
    al = learner(random_state=random_state)
    first = np.asarray(al.query(X))
    assert not hasattr(al, "estimator_")
    second = np.asarray(al.query(X))
    assert not hasattr(al, "estimator_")
    np.testing.assert_array_equal(first, second)
    assert len(first) == len(np.unique(first)) == al.initial_size
    assert not getattr(al, "labeled_indices_", np.empty(0)).size


def test_pickled_fitted_learner_does_not_hold_the_pool():
    """Finding 6: after fit, pickle.dumps(learner) is much smaller than the pool and holds none of its rows."""
    rng = np.random.default_rng(7)
    n, d = 2000, 100
    y = np.arange(n) % 3
    X = rng.normal(size=(n, d)) + 4 * np.eye(3, d)[y]
    X[:, -1] = np.pi * 1e6 + np.arange(n)  # a distinctive column: its bytes are easy to spot in a pickle
    al = learner(initial_size=30, query_size=20, n_rounds=2).fit(X, y)
    assert len(al.labeled_indices_) == 70

    blob = pickle.dumps(al)
    # per-row bookkeeping (labeled_round_, masks) is a few bytes a row; a pool row here is 800 bytes
    assert len(blob) < X.nbytes / 10, (len(blob), X.nbytes)
    unlabeled = np.flatnonzero(al.labeled_round_ < 0)
    for row in unlabeled[:5]:
        assert X[row].tobytes() not in blob
    restored = pickle.loads(blob)
    np.testing.assert_array_equal(restored.labeled_indices_, al.labeled_indices_)
    np.testing.assert_array_equal(restored.predict(X[:50]), al.predict(X[:50]))
