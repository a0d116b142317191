"""BatchBALD: joint entropies against enumeration in float64, BALD at n = 1, no near-duplicates, seeds."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from skal.nn import mc_dropout_log_proba
from skal.strategies import BALD, BatchBALD, bald, batchbald_select
from skal.strategies._batchbald import (
    _sample_configs,
    conditional_entropy,
    joint_entropy_exact,
    joint_entropy_sampled,
)
from skal.utils._random import as_generator

from ..nn.test_mc_dropout import X, _net


def _log_proba(seed, n=8, K=5, C=3, concentration=0.7):
    return np.log(np.random.default_rng(seed).dirichlet(np.full(C, concentration), size=(n, K)))


def _joint_entropy_by_enumeration(proba, rows):
    """H(y_rows) with p(y) = (1/K) Σ_k Π_j p_k(y_j), summing over all C^m label configurations."""
    _, K, C = proba.shape
    h = 0.0
    for config in itertools.product(range(C), repeat=len(rows)):
        p = np.mean([np.prod([proba[r, k, c] for r, c in zip(rows, config)]) for k in range(K)])
        h -= p * np.log(p) if p > 0 else 0.0
    return h


def _greedy_reference(proba, n):
    """Greedy max of I(y_batch; w) = H(y_batch) − Σ_j E_k H(y_j | w_k), every joint entropy enumerated."""
    cond = -(proba * np.log(proba)).sum(2).mean(1)
    picks, mis = [], []
    for _ in range(n):
        gains = [
            -np.inf if i in picks else _joint_entropy_by_enumeration(proba, picks + [i]) - cond[picks + [i]].sum()
            for i in range(len(proba))
        ]
        picks.append(int(np.argmax(gains)))
        mis.append(max(gains))
    return picks, mis


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_greedy_batch_matches_enumerated_joint_entropies(seed):
    lp = _log_proba(seed)
    picks, mi = batchbald_select(lp, 4, n_configs=10_000)
    ref_picks, ref_mi = _greedy_reference(np.exp(lp), 4)
    assert picks.tolist() == ref_picks
    np.testing.assert_allclose(mi, ref_mi, rtol=1e-10)


def test_exact_joint_entropy_of_one_candidate_is_the_entropy_of_the_mean():
    lp = _log_proba(3)
    p = np.exp(lp)
    h = joint_entropy_exact(np.ones((p.shape[1], 1)), p)
    np.testing.assert_allclose(h, -(p.mean(1) * np.log(p.mean(1))).sum(1))


@pytest.mark.parametrize("seed", range(4))
def test_a_batch_of_one_is_balds_top_row(seed):
    lp = _log_proba(seed, n=40)
    p = np.exp(lp)
    picks, mi = batchbald_select(lp, 1)
    scores = bald(p.mean(1), conditional_entropy(lp))
    assert picks[0] == np.argmax(scores)
    np.testing.assert_allclose(mi[0], scores.max())


def test_sampled_joint_entropy_is_close_to_the_exact_one():
    p = np.exp(_log_proba(5, n=6, K=10))
    batch = p[:3]
    configs = np.ones((10, 1))
    for j in range(3):
        configs = (configs[:, :, None] * batch[j][:, None, :]).reshape(10, -1)
    exact = joint_entropy_exact(configs, p[3:])
    sampled = joint_entropy_sampled(_sample_configs(batch, 100_000, np.random.default_rng(0)), p[3:])
    np.testing.assert_allclose(sampled, exact, rtol=0.01)


def test_sampled_configurations_have_the_batchs_probabilities():
    """Each sampled configuration's (M, K) row is Π_j p_k(ŷ_j), checked against a direct product."""
    p = np.exp(_log_proba(6, n=3, K=4))
    rng = np.random.default_rng(1)
    got = np.exp(_sample_configs(p, 40, rng))
    assert got.shape == (40, 4)
    # every row must be the product for some configuration; enumerate all 27
    table = np.array(
        [
            [np.prod([p[j, k, c] for j, c in enumerate(cfg)]) for k in range(4)]
            for cfg in itertools.product(range(3), repeat=3)
        ]
    )
    for row in got:
        assert np.isclose(table, row, rtol=1e-10).all(1).any()


def test_the_sampled_estimate_works_in_logs_where_products_underflow():
    """800 rows of 10 classes: p(ŷ) underflows to 0 for most configurations; the estimate stays finite, in range."""
    p = np.exp(_log_proba(11, n=801, K=8, C=10))
    batch, candidate = p[:800], p[800:]
    log_configs = _sample_configs(batch, 400, np.random.default_rng(0))
    assert (np.exp(log_configs).mean(axis=1) == 0).mean() > 0.5
    h = joint_entropy_sampled(log_configs, candidate)
    assert np.isfinite(h).all() and 0 < h[0] < 801 * np.log(10)


def test_linear_and_log_space_estimates_agree():
    """The log-space form equals the paper's −(1/M) Σ p(ŷ, c) / p(ŷ) log p(ŷ, c) where nothing underflows."""
    p = np.exp(_log_proba(12, n=8, K=6))
    log_configs = _sample_configs(p[:3], 600, np.random.default_rng(2))
    q = np.exp(log_configs)  # (M, K)
    joint = np.einsum("mk,nkc->nmc", q, p[3:]) / 6
    linear = -np.einsum("nmc,m->n", joint * np.log(joint), 1 / q.mean(1)) / len(q)
    np.testing.assert_allclose(joint_entropy_sampled(log_configs, p[3:]), linear, rtol=1e-10)


def test_non_finite_log_probabilities_are_refused():
    lp = _log_proba(0, n=10)
    lp[3, 0, 0] = np.nan
    with pytest.raises(FloatingPointError, match="not finite"):
        batchbald_select(lp, 2)


def test_sampled_mode_is_seeded_and_estimates_the_batch_mi():
    """C = 4: exact for five picks (4^5 = 1024 configurations), sampled from 4000 for the sixth."""
    lp = _log_proba(7, n=20, K=8, C=4)
    a = batchbald_select(lp, 6, n_configs=4000, rng=np.random.default_rng(3))
    b = batchbald_select(lp, 6, n_configs=4000, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a[0], b[0])
    assert len(set(a[0].tolist())) == 6
    p = np.exp(lp)
    picks = a[0].tolist()
    exact_mi = _joint_entropy_by_enumeration(p, picks) - conditional_entropy(lp)[picks].sum()
    np.testing.assert_allclose(a[1][-1], exact_mi, rtol=0.03)


def test_repeated_rows_are_not_picked_together_as_bald_does():
    """Ten points, each three times (Repeated MNIST in miniature): BALD's top 6 are two triples, BatchBALD's are not."""
    base = _log_proba(8, n=10, K=20, C=4, concentration=0.3)
    lp = np.repeat(base, 3, axis=0)
    p = np.exp(lp)
    bald_top = np.argsort(-bald(p.mean(1), conditional_entropy(lp)), kind="stable")[:6]
    picks, _ = batchbald_select(lp, 6)
    assert len(set((bald_top // 3).tolist())) == 2
    assert len(set((picks // 3).tolist())) >= 5


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 5), C=st.integers(2, 4))
def test_picks_are_unique_and_exact_mi_never_falls(seed, n, C):
    lp = _log_proba(seed, n=12, K=6, C=C)
    picks, mi = batchbald_select(lp, n, n_configs=10_000)
    assert len(set(picks.tolist())) == n
    assert np.all(np.diff(mi) >= -1e-10)
    assert np.all(mi >= -1e-10)


def test_bad_parameters_name_the_fix():
    with pytest.raises(ValueError, match="n_configs"):
        batchbald_select(_log_proba(0), 2, n_configs=0)
    with pytest.raises(ValueError, match="n must be"):
        batchbald_select(_log_proba(0), 99)
    with pytest.raises(ValueError, match="n_configs"):
        BatchBALD(n_configs=0).fit(X, estimator=_net())


def _seed_drawn(random_state):
    return int(as_generator(random_state).integers(2**32 - 1))


def test_strategy_scores_the_pool_under_consistent_masks():
    net = _net()
    s = BatchBALD(n_samples=8, random_state=0).fit(X, estimator=net)
    lp = mc_dropout_log_proba(net, X, n_samples=8, seed=_seed_drawn(0))
    np.testing.assert_allclose(s.bald_scores_, bald(np.exp(lp.astype(np.float64)).mean(1), conditional_entropy(lp)))
    assert s.query(1)[0] == np.nanargmax(s.bald_scores_)
    batch = s.query(5)
    assert len(set(batch.tolist())) == 5 and batch[0] == np.nanargmax(s.bald_scores_)


def test_labeled_rows_are_never_picked_and_have_no_score():
    labeled = np.zeros(len(X), bool)
    labeled[::2] = True
    s = BatchBALD(n_samples=4, random_state=1).fit(X, labeled=labeled, estimator=_net())
    assert not labeled[s.query(10)].any()
    assert np.isnan(s.bald_scores_[labeled]).all() and np.isfinite(s.bald_scores_[~labeled]).all()


def test_a_scikit_learn_model_is_refused_with_the_fix():
    est = LogisticRegression().fit(X, np.arange(len(X)) % 3)
    with pytest.raises(TypeError, match="skorch"):
        BatchBALD().fit(X, estimator=est)


def test_agrees_with_bald_scores_from_the_same_kind_of_passes():
    """BALD (independent masks per row) and BatchBALD's first step rank rows alike on a trained net."""
    from skal.nn._testing import make_net_pool

    Xp, _, labeled, net = make_net_pool(n_pool=80)
    ours = BatchBALD(n_samples=200, random_state=0).fit(Xp, labeled=labeled, estimator=net).bald_scores_
    theirs = BALD(n_samples=200, random_state=0).fit(Xp, labeled=labeled, estimator=net).scores_
    u = ~labeled
    assert np.corrcoef(ours[u], theirs[u])[0, 1] > 0.8
