"""Stochastic batch acquisition (Kirsch et al., TMLR 2023): the weights by hand, the sampling law, the limits."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.strategies import BALD, Coreset, Entropy, Margin, Random, Stochastic, acquisition_log_weights

from ..learner.test_determinism import _net


def _fitted(strategy, n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    labeled = np.zeros(n, bool)
    labeled[:8] = True
    model = LogisticRegression().fit(X[labeled], y[labeled])
    return strategy.fit(X, labeled=labeled, estimator=model), labeled


def test_log_weights_by_hand_in_float64():
    s = np.array([0.2, 0.0, 0.5, 0.5])
    # power, beta 2: 2 log s -> [2 ln 0.2, -inf, 2 ln 0.5, 2 ln 0.5]
    np.testing.assert_allclose(acquisition_log_weights(s, "power", 2.0), 2 * np.log([0.2, 0.0, 0.5, 0.5]))
    # softmax, beta 3: 3 s
    np.testing.assert_allclose(acquisition_log_weights(s, "softmax", 3.0), 3 * s)
    # softrank: ranks (highest first, ties averaged) 3, 4, 1.5, 1.5 -> -log rank
    np.testing.assert_allclose(acquisition_log_weights(s, "softrank", 1.0), -np.log([3, 4, 1.5, 1.5]))
    assert acquisition_log_weights(s, "softrank", 1.0).dtype == np.float64


@pytest.mark.parametrize("mode", ["power", "softmax", "softrank"])
def test_the_first_pick_follows_the_weights(mode):
    # four candidates; over 4000 seeds the first pick's frequencies match exp(w) / sum exp(w) (float64 reference)
    s = np.array([0.1, 0.2, 0.3, 0.4])
    p = np.exp(acquisition_log_weights(s, mode, 1.0))
    p /= p.sum()
    strategy = Stochastic(Entropy(), mode=mode)
    strategy.scores_, strategy._log_weights = s, acquisition_log_weights(s, mode, 1.0)
    counts = np.zeros(4)
    for seed in range(4000):
        strategy.random_state = seed
        counts[strategy._query(1)[0]] += 1
    np.testing.assert_allclose(counts / 4000, p, atol=0.025)  # 4 sigma of a binomial at n=4000 is < 0.031


def test_large_beta_is_the_inner_top_n_and_zero_beta_is_uniform():
    top = _fitted(Entropy())[0].query(6)
    cold = _fitted(Stochastic(Entropy(), beta=1e6, random_state=1))[0].query(6)
    assert set(cold) == set(top)
    firsts = [_fitted(Stochastic(Entropy(), beta=0.0, random_state=k))[0].query(1)[0] for k in range(300)]
    assert len(set(firsts)) > 25  # 32 unlabeled rows, drawn uniformly


def test_deterministic_under_random_state_and_never_labeled_rows():
    a, labeled = _fitted(Stochastic(Entropy(), random_state=3))
    b, _ = _fitted(Stochastic(Entropy(), random_state=3))
    c, _ = _fitted(Stochastic(Entropy(), random_state=4))
    assert a.query(10).tolist() == b.query(10).tolist() != c.query(10).tolist()
    assert not labeled[a.query(32)].any() and len(set(a.query(32))) == 32  # every unlabeled row, once


@pytest.mark.parametrize(
    "strategy, fix",
    [
        (Stochastic(Margin()), "mode='softrank'"),  # margin scores are negative
        (Stochastic(Entropy(), mode="greedy"), "power, softmax, softrank"),
        (Stochastic(Entropy(), beta=-1.0), "0 is uniform"),
        (Stochastic(Random()), "wrap a scoring strategy"),
        (Stochastic(Coreset()), "wrap a scoring strategy"),
    ],
)
def test_bad_input_names_the_fix(strategy, fix):
    with pytest.raises(ValueError, match=fix):
        _fitted(strategy)


def test_runs_in_active_learner_on_a_skorch_net_with_bald():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 8)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 1).astype(int)
    runs = [
        ActiveLearner(
            _net(),
            Stochastic(BALD(n_samples=4)),
            initial_strategy=Random(),
            initial_size=8,
            query_size=6,
            n_rounds=2,
            classes=[0, 1, 2],
            random_state=seed,
        ).fit(X, y)
        for seed in (0, 0, 1)
    ]
    assert runs[0].labeled_indices_.tolist() == runs[1].labeled_indices_.tolist()
    assert runs[0].labeled_indices_.tolist() != runs[2].labeled_indices_.tolist()
    assert runs[0].history_[-1]["strategy"] == "Stochastic(strategy=BALD(n_samples=4))"
