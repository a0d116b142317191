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


# --- consistent masks (BatchBALD, EPIG) ---------------------------------------------------------------------------


def _masks_of(layer, x, n_samples, seed=0):
    """The outputs of ``layer`` alone under each consistent mask: the masks themselves for x = 1."""
    from skal.nn import consistent_dropout

    module = torch.nn.Sequential(layer)
    outs = []
    with consistent_dropout(module, seed) as masks, torch.no_grad():
        for k in range(n_samples):
            masks.sample = k
            outs.append(module(x))
    return torch.stack(outs)


def test_consistent_masks_are_shared_by_every_row_and_unbiased():
    masks = _masks_of(torch.nn.Dropout(0.3), torch.ones(4, 500), n_samples=50).double()
    assert torch.equal(masks, masks[:, :1].expand_as(masks))  # the same mask for all 4 rows
    values = set(np.round(masks.unique().numpy(), 6).tolist())
    assert values == {0.0, round(1 / 0.7, 6)}
    assert abs(float((masks[:, 0] == 0).double().mean()) - 0.3) < 0.02  # 25,000 Bernoulli draws
    assert not torch.equal(masks[0], masks[1])  # each sample its own mask


def test_consistent_masks_depend_only_on_seed_layer_and_sample():
    x = torch.ones(3, 64)
    np.testing.assert_array_equal(
        _masks_of(torch.nn.Dropout(0.5), x, 4, seed=1), _masks_of(torch.nn.Dropout(0.5), x, 4, 1)
    )
    assert not torch.equal(
        _masks_of(torch.nn.Dropout(0.5), x, 4, seed=1), _masks_of(torch.nn.Dropout(0.5), x, 4, seed=2)
    )


def test_consistent_dropout2d_drops_whole_channels():
    masks = _masks_of(torch.nn.Dropout2d(0.5), torch.ones(2, 16, 3, 3), n_samples=5)
    per_channel = masks.reshape(5, 2, 16, 9)
    assert torch.equal(per_channel, per_channel[..., :1].expand_as(per_channel))
    assert torch.equal(masks[:, 0], masks[:, 1])


def test_alpha_dropout_is_refused_with_the_fix():
    from skal.nn import consistent_dropout

    with pytest.raises(TypeError, match="Replace them with nn.Dropout"):
        consistent_dropout(torch.nn.Sequential(torch.nn.AlphaDropout(0.2)), 0)


def test_log_proba_is_the_same_in_any_batching_and_leaves_the_net_as_it_was():
    from skal.nn import mc_dropout_log_proba

    net = _net()
    net.module_.train()
    state = torch.get_rng_state()
    whole = mc_dropout_log_proba(net, X, n_samples=5, seed=4, batch_size=len(X))
    for batch_size in (1, 7):
        np.testing.assert_allclose(
            mc_dropout_log_proba(net, X, n_samples=5, seed=4, batch_size=batch_size), whole, atol=1e-6
        )
    assert torch.equal(torch.get_rng_state(), state)
    assert all(m.training for m in net.module_.modules())  # flags restored
    assert not net.module_.drop._forward_hooks  # hooks removed
    assert whole.shape == (30, 5, 3) and whole.dtype == np.float32
    np.testing.assert_allclose(np.exp(whole).sum(axis=2), 1.0, atol=1e-5)
    assert np.ptp(whole, axis=1).max() > 1e-3  # the samples differ


def test_log_proba_matches_a_float64_replay_of_the_masks():
    """Row i, sample k: fc2(mask_k * relu(bn(fc1(x_i)))) with BatchNorm in eval mode, computed by hand."""
    from skal.nn import mc_dropout_log_proba
    from skal.nn._mc_dropout import _mask_seed

    net = _net()
    m = net.module_
    got = mc_dropout_log_proba(net, X, n_samples=3, seed=9)
    with torch.no_grad():
        h = torch.relu(m.bn.eval()(m.fc1(torch.as_tensor(X)))).double()
        for k in range(3):
            gen = torch.Generator().manual_seed(_mask_seed(9, 0, k))
            mask = (torch.rand(32, generator=gen, dtype=torch.float64) >= 0.5).double() / 0.5
            logits = (h * mask) @ m.fc2.weight.double().T + m.fc2.bias.double()
            np.testing.assert_allclose(got[:, k], torch.log_softmax(logits, 1).numpy(), atol=1e-5)


class TwiceDropped(torch.nn.Module):
    """One dropout module used at two places of the forward pass (a common transformer pattern)."""

    def __init__(self):
        super().__init__()
        self.drop = torch.nn.Dropout(0.5)

    def forward(self, x):
        return torch.cat([self.drop(x), self.drop(x)], dim=1)


def test_a_layer_used_twice_draws_two_masks_the_same_in_every_forward():
    from skal.nn import consistent_dropout

    module, x = TwiceDropped(), torch.ones(3, 200)
    with consistent_dropout(module, 0) as masks, torch.no_grad():
        first = module(x)
        again = module(x[:1])
        masks.sample = 1
        other = module(x)
    assert not torch.equal(first[:, :200], first[:, 200:])  # two uses, two masks
    assert torch.equal(again, first[:1])  # the count restarts with each forward pass
    assert not torch.equal(other, first)


@pytest.mark.parametrize(
    "layer, shape", [(torch.nn.Dropout1d(0.5), (2, 8, 5)), (torch.nn.Dropout3d(0.5), (2, 8, 2, 3, 3))]
)
def test_consistent_dropout1d_and_3d_drop_whole_channels(layer, shape):
    masks = _masks_of(layer, torch.ones(shape), n_samples=3)
    flat = masks.reshape(3, shape[0], shape[1], -1)
    assert torch.equal(flat, flat[..., :1].expand_as(flat)) and torch.equal(masks[:, 0], masks[:, 1])
    assert set(flat.unique().tolist()) == {0.0, 2.0}


def test_hooks_and_flags_are_restored_when_the_forward_pass_raises():
    from skal.nn import consistent_dropout

    module = torch.nn.Sequential(torch.nn.Dropout(0.5), torch.nn.Linear(3, 2))
    module.train()
    with pytest.raises(RuntimeError), consistent_dropout(module, 0):
        module(torch.ones(2, 5))  # wrong width
    assert module.training and module[0].training and not module[0]._forward_hooks and not module._forward_pre_hooks
