"""LossPredictionNet and the pair ranking loss of Learning Loss."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone

from skal.nn import CifarResNet18, LossPredictionNet, ranking_loss


def reference_ranking_loss(pred, true, margin=1.0):
    """Pairs (i, 2B-1-i) for i < B, written out by hand."""
    n = len(pred) - len(pred) % 2
    terms = []
    for i in range(n // 2):
        j = n - 1 - i
        s = 1.0 if true[i] - true[j] > 0 else -1.0
        terms.append(max(0.0, margin - s * (pred[i] - pred[j])))
    return float(np.mean(terms)) if terms else 0.0


@pytest.mark.parametrize("n", [0, 1, 2, 5, 8])
@pytest.mark.parametrize("margin", [1.0, 0.3])
def test_ranking_loss_matches_hand_computed_pairs(n, margin):
    rng = np.random.default_rng(n)
    pred, true = rng.normal(size=n), rng.normal(size=n)
    true[: n // 4] = true[n - 1 : n - 1 - n // 4 : -1] if n >= 4 else true[: n // 4]  # some ties
    got = float(ranking_loss(torch.tensor(pred), torch.tensor(true), margin))
    assert got == pytest.approx(reference_ranking_loss(pred, true, margin), abs=1e-12)


def test_ranking_loss_tie_counts_as_minus_one_and_target_is_detached():
    pred = torch.tensor([0.0, 0.0], requires_grad=True)
    true = torch.tensor([1.0, 1.0], requires_grad=True)
    loss = ranking_loss(pred, true, margin=1.0)
    assert float(loss.detach()) == 1.0  # s = -1: max(0, 1 + (0 - 0))
    loss.backward()
    assert true.grad is None and pred.grad is not None


def _data(n=64, d=6, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = (rng.normal(size=(n, d)) + y[:, None]).astype(np.float32)
    return X, y.astype(np.int64)


def _module():
    return torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))


def test_behaves_as_a_skorch_classifier():
    X, y = _data()
    net = LossPredictionNet(_module(), max_epochs=5, lr=0.1, batch_size=15, train_split=None, verbose=0)
    twin = clone(net)
    assert twin.get_params()["lpm_margin"] == 1.0 and not hasattr(twin, "module_")
    torch.manual_seed(0)
    net.fit(X, y)  # 64 rows in batches of 15: an odd last batch
    proba = net.predict_proba(X)
    assert proba.shape == (64, 3) and np.allclose(proba.sum(1), 1, atol=1e-5)
    assert (net.predict(X) == proba.argmax(1)).all()
    assert net.predict_loss(X).shape == (64,)
    assert {"module", "lossnet"} <= set(net._modules)
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_allclose(restored.predict_loss(X), net.predict_loss(X))
    net.partial_fit(X, y)


def test_lpm_learns_to_rank_losses():
    X, y = _data(200)
    torch.manual_seed(0)
    net = LossPredictionNet(_module(), max_epochs=60, lr=0.05, batch_size=32, train_split=None, verbose=0)
    net.fit(X, y)
    true = -np.log(net.predict_proba(X)[np.arange(len(y)), y])
    pred = net.predict_loss(X)
    ranks = lambda a: np.argsort(np.argsort(a))  # noqa: E731
    assert np.corrcoef(ranks(pred), ranks(true))[0, 1] > 0.5


def _backbone_grads(lpm_weight, detach_epoch, epoch):
    X, y = _data(16)
    torch.manual_seed(0)
    net = LossPredictionNet(
        _module(), lpm_weight=lpm_weight, lpm_detach_epoch=detach_epoch, batch_size=16, train_split=None, verbose=0
    ).initialize()
    net.lpm_epoch_ = epoch
    net.optimizer_.zero_grad()
    net.train_step_single((torch.as_tensor(X), torch.as_tensor(y)))
    return [p.grad.clone() for p in net.module_.parameters()]


def test_detach_epoch_stops_the_ranking_loss_reaching_the_backbone():
    ce_only = _backbone_grads(0.0, 120, epoch=0)
    joint_early = _backbone_grads(5.0, 120, epoch=120)  # epoch > 120 is false: not detached yet
    joint_late = _backbone_grads(5.0, 120, epoch=121)
    assert any(not torch.allclose(a, b) for a, b in zip(ce_only, joint_early))
    for a, b in zip(ce_only, joint_late):
        torch.testing.assert_close(a, b)


def test_taps_named_resnet_stages():
    X = np.random.default_rng(0).normal(size=(8, 3, 32, 32)).astype(np.float32)
    net = LossPredictionNet(
        CifarResNet18,
        lpm_layers=["net.layer1", "net.layer2", "net.layer3", "net.layer4"],
        max_epochs=1,
        batch_size=4,
        train_split=None,
        verbose=0,
    )
    net.fit(X, np.arange(8) % 10)
    assert net.predict_loss(X).shape == (8,)
    assert len(net.lossnet_.branches) == 4
    assert net.lossnet_.branches[3][0].in_features == 512  # inferred from the stage's channels


def test_unknown_layer_is_named():
    with pytest.raises(ValueError, match="lpm_layers"):
        LossPredictionNet(_module(), lpm_layers=["layer9"]).initialize()


def test_criterion_settings_reach_the_per_sample_loss():
    X, y = _data(16)
    net = LossPredictionNet(_module(), train_split=None, verbose=0).initialize()
    out = net.module_(torch.as_tensor(X))
    plain = net._per_sample_loss(out, torch.as_tensor(y))
    net.set_params(criterion__weight=torch.tensor([1.0, 0.0, 0.0]), criterion__label_smoothing=0.0)
    weighted = net._per_sample_loss(out, torch.as_tensor(y))
    assert (weighted[y != 0] == 0).all() and torch.allclose(weighted[y == 0], plain[y == 0])
