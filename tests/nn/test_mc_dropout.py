"""MC dropout: only dropout active, seeded, accumulated without a (T, n, C) tensor."""

import numpy as np
import pytest
import torch
from scipy.special import xlogy
from skorch import NeuralNetClassifier

from skal.nn import dropout_modules, mc_dropout_stats, only_dropout_active


class DropBN(torch.nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.fc1 = torch.nn.Linear(5, 32)
        self.bn = torch.nn.BatchNorm1d(32)
        self.drop = torch.nn.Dropout(p)
        self.fc2 = torch.nn.Linear(32, 3)

    def forward(self, x):
        return self.fc2(self.drop(torch.relu(self.bn(self.fc1(x)))))


def _net(p=0.5):
    torch.manual_seed(0)
    net = NeuralNetClassifier(DropBN, module__p=p, criterion=torch.nn.CrossEntropyLoss, batch_size=8).initialize()
    with torch.no_grad():
        net.module_.bn.running_mean.uniform_(-1, 1)
    return net


X = np.random.default_rng(0).normal(size=(30, 5)).astype(np.float32)


def test_matches_stored_passes_in_float64():
    """The streaming accumulators equal statistics computed from all T stored passes."""
    net, T = _net(), 6
    stats = mc_dropout_stats(net, X, n_samples=T, seed=3, batch_size=8)
    # replay the same passes (same seed, same batch order) and keep them all
    passes = np.empty((T, len(X), 3))
    with torch.random.fork_rng(), only_dropout_active(net.module_), torch.no_grad():
        torch.manual_seed(3)
        for start in range(0, len(X), 8):
            xb = torch.as_tensor(X[start : start + 8])
            for t in range(T):
                passes[t, start : start + 8] = torch.softmax(net.module_(xb).double(), 1).numpy()
    np.testing.assert_allclose(stats.mean_proba, passes.mean(0), rtol=1e-5)  # float32 forward
    np.testing.assert_allclose(stats.mean_entropy, (-xlogy(passes, passes).sum(2)).mean(0), rtol=1e-5)
    np.testing.assert_array_equal(stats.votes, np.stack([np.bincount(a, minlength=3) for a in passes.argmax(2).T]))
    assert (stats.votes.sum(1) == T).all()
    assert not np.allclose(passes[0], passes[1])  # dropout really was on


def test_batchnorm_stays_in_eval_mode():
    net = _net()
    net.module_.train()
    before = net.module_.bn.running_mean.clone()
    with only_dropout_active(net.module_):
        assert not net.module_.bn.training and net.module_.drop.training and not net.module_.training
    mc_dropout_stats(net, X, n_samples=3, seed=0)
    torch.testing.assert_close(net.module_.bn.running_mean, before)
    assert net.module_.training and net.module_.bn.training  # flags restored


def test_same_seed_same_passes_and_global_rng_untouched():
    net = _net()
    torch.manual_seed(123)
    state = torch.get_rng_state()
    a = mc_dropout_stats(net, X, n_samples=4, seed=1)
    assert torch.equal(torch.get_rng_state(), state)
    b = mc_dropout_stats(net, X, n_samples=4, seed=1)
    c = mc_dropout_stats(net, X, n_samples=4, seed=2)
    np.testing.assert_array_equal(a.mean_proba, b.mean_proba)
    assert not np.allclose(a.mean_proba, c.mean_proba)


def test_without_dropout_every_pass_agrees():
    net = _net(p=0.0)
    stats = mc_dropout_stats(net, X, n_samples=5, seed=0)
    np.testing.assert_allclose(stats.mean_proba, net.predict_proba(X), rtol=1e-5)
    assert set(np.unique(stats.votes)) <= {0, 5}


def test_finds_every_dropout_kind():
    m = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Dropout2d(0.1), torch.nn.AlphaDropout(0.1), torch.nn.ReLU())
    assert len(dropout_modules(m)) == 3


def test_bad_n_samples():
    with pytest.raises(ValueError, match="n_samples"):
        mc_dropout_stats(_net(), X, n_samples=0)


def test_whole_data_set_batch_size():
    net = _net()
    net.set_params(batch_size=-1)
    stats = mc_dropout_stats(net, X, n_samples=2, seed=0)
    assert stats.mean_proba.shape == (30, 3)
