"""BALD and DBAL: MC-dropout scores, shared samples, no dropout, seeds."""

import numpy as np
import pytest
import torch

from skal.nn import mc_dropout_stats
from skal.strategies import BALD, DBAL, bald, entropy
from skal.utils._random import as_generator

from ..nn.test_mc_dropout import X, _net


def _seed_drawn(random_state):
    """The torch seed a strategy draws from its generator (after a full-pool candidate draw, which draws nothing)."""
    return int(as_generator(random_state).integers(2**32 - 1))


def test_bald_is_nonnegative_and_matches_the_mc_statistics():
    net = _net()
    s = BALD(n_samples=8, random_state=0).fit(X, estimator=net)
    stats = mc_dropout_stats(net, X, n_samples=8, seed=_seed_drawn(0))
    np.testing.assert_allclose(s.scores_, bald(stats.mean_proba, stats.mean_entropy))
    assert (s.scores_ >= 0).all() and s.scores_.max() > 1e-3


def test_dbal_and_bald_use_the_same_samples_under_the_same_seed():
    net = _net()
    b = BALD(n_samples=8, random_state=5).fit(X, estimator=net)
    d = DBAL(n_samples=8, random_state=5).fit(X, estimator=net)
    stats = mc_dropout_stats(net, X, n_samples=8, seed=_seed_drawn(5))
    np.testing.assert_allclose(d.scores_, entropy(stats.mean_proba))
    np.testing.assert_allclose(b.scores_, d.scores_ - stats.mean_entropy, atol=1e-12)


def test_bald_is_zero_without_dropout_and_warns():
    net = _net(p=0.0)
    with pytest.warns(UserWarning, match="no dropout"):
        s = BALD(n_samples=4, random_state=0).fit(X[:20], estimator=_strip_dropout(net))
    np.testing.assert_allclose(s.scores_, 0.0, atol=1e-6)  # float32 sums of identical passes


def _strip_dropout(net):
    net.module_.drop = torch.nn.Identity()
    return net


def test_bald_picks_where_the_passes_disagree():
    # two classes; p̄ = 50/50 for both rows, but row 1's passes are confident and opposite
    mean_p = np.array([[0.5, 0.5], [0.5, 0.5]])
    mean_h = np.array([np.log(2), 0.01])
    assert bald(mean_p, mean_h).argmax() == 1


def test_global_torch_state_untouched():
    net = _net()
    torch.manual_seed(0)
    state = torch.get_rng_state()
    DBAL(random_state=1).fit(X, estimator=net)
    assert torch.equal(torch.get_rng_state(), state)
