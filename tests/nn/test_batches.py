"""Forward passes over a pool read batch by batch: an array, a torch Dataset and a pool object give the same values.

MC dropout, per-sample gradient norms, predicted losses and embeddings stream
their input through :func:`skal.nn._batches.iter_batches`; a pool object is
never asked for more than a batch of rows, and a Dataset is read without
touching the global torch random state.
"""

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier

from skal.nn import LossPredictionNet, embed, mc_dropout_stats, per_sample_grad_norms
from skal.nn._batches import first_row, iter_batches, resolve_batch_size


class Items(torch.utils.data.Dataset):
    """Items ``(x, 0)`` of an array; ``draw=True`` also draws from the global torch generator on every read."""

    def __init__(self, X, draw=False):
        self.X, self.draw, self.reads = X, draw, 0

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        self.reads += 1
        if self.draw:
            torch.rand(())  # a random transform would
        return torch.from_numpy(self.X[i]), 0


class Rows:
    """A pool object: ``__len__`` and ``take(rows)``; records the largest take."""

    def __init__(self, X):
        self.X, self.largest = X, 0

    def __len__(self):
        return len(self.X)

    def take(self, rows):
        rows = np.asarray(rows)
        self.largest = max(self.largest, len(rows))
        return self.X[rows]


class ConvDrop(torch.nn.Module):
    """Convolution (a shortcut layer), BatchNorm in eval mode, dropout, a Linear head (another shortcut)."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(4)
        self.drop = torch.nn.Dropout(0.4)
        self.fc = torch.nn.Linear(4 * 6 * 6, 3)

    def forward(self, x):
        return self.fc(self.drop(torch.relu(self.bn(self.conv(x)))).flatten(1))


X = np.random.default_rng(0).normal(size=(23, 3, 6, 6)).astype(np.float32)


def _net(cls=NeuralNetClassifier, batch_size=8):
    torch.manual_seed(0)
    net = cls(ConvDrop, criterion=torch.nn.CrossEntropyLoss, batch_size=batch_size).initialize()
    with torch.no_grad():
        net.module_.bn.running_mean.uniform_(-0.5, 0.5)
    return net


def _pools(draw=False):
    return {"dataset": Items(X, draw=draw), "pool object": Rows(X)}


def _same(a, b, pool=""):
    np.testing.assert_array_equal(a, b, strict=True, err_msg=pool)


@pytest.mark.parametrize("batch_size", [1, 5, 23, 40])
def test_iter_batches_gives_the_rows_in_order_in_batches_of_batch_size(batch_size):
    expected = [X[s : s + batch_size] for s in range(0, len(X), batch_size)]
    for pool in [X, *_pools().values()]:
        got = [np.asarray(b) for b in iter_batches(pool, batch_size)]
        assert [len(b) for b in got] == [len(b) for b in expected]
        _same(np.concatenate(got), X)
    rows = Rows(X)
    list(iter_batches(rows, batch_size))
    assert rows.largest == min(batch_size, len(X))


def test_first_row_reads_one_row_and_batch_sizes_resolve():
    dataset = Items(X)
    _same(np.asarray(first_row(dataset)), X[:1])
    assert dataset.reads == 1
    _same(first_row(Rows(X)), X[:1])
    with pytest.raises(ValueError, match="no row"):
        first_row(X[:0])
    with pytest.raises(ValueError, match="positive"):
        next(iter_batches(X, 0))
    net = _net(batch_size=-1)
    assert resolve_batch_size(None, net, X) == 23 and resolve_batch_size(4, net, X) == 4
    assert resolve_batch_size(None, None, X) == 256


def test_reading_a_dataset_leaves_the_global_torch_state_alone():
    torch.manual_seed(5)
    before = torch.get_rng_state()
    for _ in iter_batches(Items(X), 4):
        pass
    assert torch.equal(torch.get_rng_state(), before)


@pytest.mark.parametrize("batch_size", [7, None, -1])
def test_mc_dropout_stats_of_a_dataset_or_pool_object_are_those_of_the_array(batch_size):
    net = _net()
    expected = mc_dropout_stats(net, X, n_samples=4, seed=3, batch_size=batch_size)
    # a Dataset whose reads draw random numbers: the dropout masks do not move
    for name, pool in _pools(draw=True).items():
        got = mc_dropout_stats(net, pool, n_samples=4, seed=3, batch_size=batch_size)
        for a, b in zip(got, expected):
            _same(np.asarray(a), np.asarray(b), name)
    rows = Rows(X)
    mc_dropout_stats(net, rows, n_samples=2, seed=3, batch_size=7)
    assert rows.largest == 7


@pytest.mark.parametrize("method", ["vmap", "loop"])
@pytest.mark.parametrize("parameters", ["all", "last"])
@pytest.mark.parametrize("batch_size", [5, None])
def test_grad_norms_of_a_dataset_or_pool_object_are_those_of_the_array(method, parameters, batch_size):
    net = _net()
    options = dict(method=method, parameters=parameters, batch_size=batch_size)
    expected = per_sample_grad_norms(net, X, **options)
    for name, pool in _pools().items():
        _same(per_sample_grad_norms(net, pool, **options), expected, name)
    rows = Rows(X)
    per_sample_grad_norms(net, rows, method=method, batch_size=5)
    assert rows.largest == 5


def test_predict_loss_and_embed_of_a_dataset_or_pool_object_are_those_of_the_array():
    y = np.arange(len(X)) % 3
    torch.manual_seed(0)
    net = LossPredictionNet(ConvDrop, max_epochs=2, batch_size=8, train_split=None, verbose=0).fit(X, y)
    losses, (features, proba) = net.predict_loss(X), embed(net, X, return_proba=True)
    for name, pool in _pools().items():
        _same(net.predict_loss(pool), losses, name)
        got_features, got_proba = embed(net, pool, return_proba=True)
        _same(got_features, features, name)
        _same(got_proba, proba, name)
    rows = Rows(X)
    net.predict_loss(rows)
    assert rows.largest == 8


def test_a_net_batch_size_of_minus_one_means_every_row_at_once():
    net = _net(batch_size=-1)
    assert embed(net, X).shape == (len(X), 4 * 6 * 6)
    rows = Rows(X)
    assert mc_dropout_stats(net, rows, n_samples=2).mean_proba.shape == (len(X), 3)
    assert rows.largest == len(X)
