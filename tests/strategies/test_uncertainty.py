"""Uncertainty strategies pick what a float64 reference picks; ties go to the lower index."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from skal.exceptions import ProbabilityError
from skal.strategies import HC, LC, Entropy, HighConfidence, LeastConfidence, Margin
from skal.utils.estimator_checks import make_pool


class FixedProba:
    """A stand-in model returning given probabilities for given rows."""

    def __init__(self, proba):
        self.proba = np.asarray(proba, dtype=float)
        self.classes_ = np.arange(self.proba.shape[1])

    def fit(self, X, y):
        return self

    def predict_proba(self, X):
        return self.proba[np.asarray(X[:, 0], dtype=int)]


def _reference_pick(proba, labeled, key, n):
    rows = [i for i in range(len(proba)) if not labeled[i]]
    return sorted(rows, key=lambda i: (-key(proba[i]), i))[:n]


REFERENCE_KEYS = {
    LeastConfidence: lambda p: 1 - max(p),
    HighConfidence: lambda p: max(p),
    Margin: lambda p: -(sorted(p)[-1] - sorted(p)[-2]),
    Entropy: lambda p: -sum(v * np.log(v) for v in p if v > 0),
}


@pytest.mark.parametrize("cls", list(REFERENCE_KEYS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_picks_match_float64_reference(cls, seed):
    X, y, labeled, est = make_pool(n_pool=50, seed=seed)
    proba = est.predict_proba(X).astype(np.float64)
    picked = cls().fit(X, labeled=labeled, estimator=est).query(7)
    assert picked.tolist() == _reference_pick(proba, labeled, REFERENCE_KEYS[cls], 7)


@pytest.mark.parametrize("cls", list(REFERENCE_KEYS))
def test_ties_go_to_lower_index(cls):
    proba = np.tile([[0.6, 0.3, 0.1]], (6, 1))
    X = np.arange(6, dtype=float)[:, None]
    labeled = np.array([False, True, False, False, False, False])
    picked = cls().fit(X, labeled=labeled, estimator=FixedProba(proba)).query(3)
    assert picked.tolist() == [0, 2, 3]


def test_scores_are_nan_for_labeled_rows_only():
    X, y, labeled, est = make_pool()
    s = Entropy().fit(X, labeled=labeled, estimator=est)
    assert np.isnan(s.scores_[labeled]).all() and np.isfinite(s.scores_[~labeled]).all()


def test_hc_and_lc_are_opposite_ends():
    X, y, labeled, est = make_pool(n_pool=80)
    hc = HC().fit(X, labeled=labeled, estimator=est)
    lc = LC().fit(X, labeled=labeled, estimator=est)
    conf = est.predict_proba(X).max(axis=1)
    assert conf[hc.query(5)].min() >= conf[lc.query(5)].max()


def test_only_unlabeled_rows_are_scored():
    calls = []

    class Spy(FixedProba):
        def predict_proba(self, X):
            calls.append(np.asarray(X[:, 0], dtype=int).tolist())
            return super().predict_proba(X)

    X = np.arange(5, dtype=float)[:, None]
    labeled = np.array([True, False, True, False, False])
    Entropy().fit(X, labeled=labeled, estimator=Spy(np.full((5, 2), 0.5)))
    assert sum(calls, []) == [1, 3, 4]


def test_missing_estimator_is_a_clear_error():
    X, _, labeled, _ = make_pool()
    with pytest.raises(ValueError, match="pass estimator="):
        Entropy().fit(X, labeled=labeled)


def test_estimator_without_predict_proba_names_the_fix():
    X, y, labeled, _ = make_pool()
    svc = LinearSVC().fit(X[labeled], y[labeled])
    with pytest.raises(TypeError, match="CalibratedClassifierCV"):
        Margin().fit(X, labeled=labeled, estimator=svc)


def test_unfitted_sklearn_estimator_names_random_start():
    X, _, labeled, _ = make_pool()
    with pytest.raises(Exception, match=r"initial_strategy=Random\(\)"):
        LC().fit(X, labeled=labeled, estimator=LogisticRegression())


@pytest.mark.parametrize("bad", [[[2.0, -1.0]], [[0.3, 0.3]], [[np.nan, 1.0]]])
def test_non_probabilities_are_refused(bad):
    X = np.zeros((1, 1))
    with pytest.raises(ProbabilityError, match="CrossEntropyLoss"):
        Entropy().fit(X, estimator=FixedProba(bad))


class _CandidatesOnly:
    """Mixin: score only the candidate rows, never the whole pool (the path for a mostly labeled pool)."""

    _scores_whole_pool = False


@pytest.mark.parametrize("cls", list(REFERENCE_KEYS))
@settings(max_examples=25, deadline=None)
@given(n_pool=st.integers(1, 120), data=st.data())
def test_whole_pool_scoring_gives_the_candidates_scores(cls, n_pool, data):
    labeled = np.asarray(data.draw(st.lists(st.booleans(), min_size=n_pool, max_size=n_pool)), dtype=bool)
    if labeled.all():
        labeled[0] = False
    proba = np.random.default_rng(n_pool).dirichlet(np.ones(3), size=n_pool).astype(np.float32)
    X, model = np.arange(n_pool, dtype=float)[:, None], FixedProba(proba)
    whole = cls().fit(X, labeled=labeled, estimator=model)
    only = type("Only" + cls.__name__, (_CandidatesOnly, cls), {})().fit(X, labeled=labeled, estimator=model)
    np.testing.assert_array_equal(whole.scores_, only.scores_)  # NaN for labeled rows in both
    assert whole.n_available_ == only.n_available_ == (~labeled).sum()


def test_a_mostly_unlabeled_array_pool_is_scored_whole_in_slices():
    seen = []

    class Spy(FixedProba):
        def predict_proba(self, X):
            seen.append((np.shares_memory(X, pool), np.asarray(X[:, 0], dtype=int).tolist()))
            return super().predict_proba(X)

    pool = np.arange(10, dtype=float)[:, None]
    labeled = np.zeros(10, dtype=bool)
    labeled[[2, 7]] = True  # a fifth of the pool: scoring the 2 labeled rows too is the cheaper pass
    s = Entropy().fit(pool, labeled=labeled, estimator=Spy(np.full((10, 2), 0.5)))
    assert seen == [(True, list(range(10)))]  # one view of the pool, no gathered copy
    assert np.isnan(s.scores_[labeled]).all() and s.query(8).tolist() == [0, 1, 3, 4, 5, 6, 8, 9]


@pytest.mark.parametrize("assume_finite", [False, True])
def test_proba_scores_carries_assume_finite_to_the_model(assume_finite):
    import sklearn

    from skal.strategies._base import proba_scores
    from skal.strategies._scores import entropy

    seen = []

    class Spy(FixedProba):
        def predict_proba(self, X):
            seen.append(sklearn.get_config()["assume_finite"])
            return super().predict_proba(X)

    proba_scores(Spy([[0.5, 0.5]]), np.zeros((1, 1)), 0, score=entropy, assume_finite=assume_finite)
    assert seen == [assume_finite] and sklearn.get_config()["assume_finite"] is False
