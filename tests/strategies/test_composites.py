"""Composites behave exactly like the strategy they delegate to: picks, scores_, pseudo_labels_, needs."""

import numpy as np
import pytest
from sklearn.base import clone

import skal.strategies as S
from skal.utils._random import seed_params, torch_seed

from ..conftest import make_blobs_pool
from ..learner.test_determinism import STRATEGIES, _net, _softmax3

#: Each wraps one strategy and, for a round with labels, passes it through unchanged.
COMPOSITES = {
    "Schedule(X, X)": lambda s: S.Schedule(s, clone(s)),
    "Schedule(Random, X)": lambda s: S.Schedule(S.Random(random_state=0), s),
    "BudgetSwitch(X, X)": lambda s: S.BudgetSwitch(low=s, high=clone(s), threshold=5),
    "Mix([(X, 1.0)])": lambda s: S.Mix([(s, 1.0)]),
    "Subsample(X, None)": lambda s: S.Subsample(s, n_candidates=None, random_state=0),
}


@pytest.fixture(scope="module")
def pool():
    X, y = make_blobs_pool(n=40)
    labeled = np.zeros(len(y), dtype=bool)
    labeled[:12] = True
    with torch_seed(0):
        net = _net().fit(X[labeled], y[labeled].astype(np.int64))
    return X, y, labeled, net


def _fitted(strategy, pool):
    X, y, labeled, net = pool
    with torch_seed(1):
        return strategy.fit(X, labeled=labeled, estimator=net, y=y)


def _scores(strategy):
    try:
        return strategy.scores_
    except AttributeError:
        return None


@pytest.mark.parametrize("composite", COMPOSITES, ids=list(COMPOSITES))
@pytest.mark.parametrize("name, strategy", STRATEGIES, ids=[n for n, _ in STRATEGIES])
def test_a_composite_behaves_like_what_it_wraps(name, strategy, composite, pool):
    _, _, labeled, _ = pool
    inner = seed_params(clone(strategy), 0)
    outer = COMPOSITES[composite](clone(inner))

    if not composite.startswith("Schedule(Random"):  # a schedule of two strategies needs both
        assert outer.requirements() == inner.requirements()
        assert outer.needs(None) == inner.needs(None)
        assert outer.needs_estimator(None) == inner.needs_estimator(None)
    assert inner.requirements() <= outer.requirements()
    assert outer.needs(labeled) == inner.needs(labeled)
    assert outer.needs_estimator(labeled) == inner.needs_estimator(labeled)

    direct, wrapped = _fitted(clone(inner), pool), _fitted(outer, pool)
    assert wrapped.n_available_ == direct.n_available_
    n = min(5, direct.n_available_)
    np.testing.assert_array_equal(wrapped.query(n), direct.query(n))
    assert wrapped.pseudo_labels_ == direct.pseudo_labels_

    if composite.startswith("Mix"):  # documented: members score on different scales
        with pytest.raises(AttributeError, match="Mix has no scores_"):
            _ = wrapped.scores_
    elif _scores(direct) is None:
        assert _scores(wrapped) is None
    else:
        np.testing.assert_array_equal(wrapped.scores_, direct.scores_)


def test_subsample_maps_pseudo_labels_to_pool_rows():
    X, _ = make_blobs_pool(n=60)
    labeled = np.zeros(60, dtype=bool)
    labeled[::3] = True
    s = S.Subsample(S.PseudoLabelInitializer(_softmax3, per_class=2), n_candidates=15, random_state=0)
    picked = s.fit(X, labeled=labeled).query(4)
    assert set(s.pseudo_labels_) == set(picked.tolist()) and not labeled[picked].any()
    proba = _softmax3(X[picked])
    assert [s.pseudo_labels_[r] for r in picked.tolist()] == proba.argmax(1).tolist()


def test_mix_merges_the_pseudo_labels_of_the_rows_it_picked():
    X, _ = make_blobs_pool(n=60)
    mix = S.Mix([(S.PseudoLabelInitializer(_softmax3, per_class=3), 0.5), (S.Random(random_state=0), 0.5)])
    picked = mix.fit(X).query(6)
    from_scorer = mix.strategies_[0].pseudo_labels_
    assert set(mix.pseudo_labels_) <= set(picked.tolist())
    assert mix.pseudo_labels_ == {r: lab for r, lab in from_scorer.items() if r in set(picked.tolist())}
    assert len(mix.pseudo_labels_) >= 3
    no_labels = S.Mix([(S.Random(random_state=0), 1.0)]).fit(X)
    no_labels.query(3)
    assert no_labels.pseudo_labels_ is None


def test_the_pool_is_checked_once_however_deep_the_nesting(monkeypatch):
    import skal.strategies._base as base

    calls = []
    real = base.check_pool
    monkeypatch.setattr(base, "check_pool", lambda *a: calls.append(1) or real(*a))
    X, _ = make_blobs_pool(n=30)
    nested = S.Schedule(S.Random(), S.Mix([(S.Subsample(S.Random(), n_candidates=5), 1.0)]))
    nested.fit(X, labeled=np.arange(30) < 3).query(2)
    assert len(calls) == 1
