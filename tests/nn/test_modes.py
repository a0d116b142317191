"""eval_mode: every submodule's training flag set for the block and restored exactly, also after an exception.

embed, mc_dropout_stats and per_sample_grad_norms all go through it: a module with mixed flags comes back as it went in.
"""

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier

from skal.nn import embed, eval_mode, mc_dropout_stats, only_dropout_active, per_sample_grad_norms


class Mixed(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.BatchNorm1d(16), torch.nn.ReLU())
        self.drop = torch.nn.Dropout(0.5)
        self.head = torch.nn.Linear(16, 3)

    def forward(self, x):
        return self.head(self.drop(self.body(x)))


def _mixed_net():
    """A net whose module is in train mode with its BatchNorm and head in eval mode (a partly frozen model)."""
    torch.manual_seed(0)
    net = NeuralNetClassifier(Mixed, criterion=torch.nn.CrossEntropyLoss, batch_size=8).initialize()
    net.module_.train()
    net.module_.body[1].eval()
    net.module_.head.eval()
    return net


def _flags(module):
    return {name: m.training for name, m in module.named_modules()}


def _watch(module):
    """Record every submodule's flags at each forward pass of ``module``."""
    seen = []
    module.register_forward_pre_hook(lambda m, args: seen.append(_flags(m)))
    return seen


X = np.random.default_rng(0).normal(size=(12, 5)).astype(np.float32)
CALLS = {
    "embed": lambda net, X: embed(net, X),
    "mc_dropout_stats": lambda net, X: mc_dropout_stats(net, X, n_samples=3, seed=0),
    "per_sample_grad_norms-vmap": lambda net, X: per_sample_grad_norms(net, X),
    "per_sample_grad_norms-loop": lambda net, X: per_sample_grad_norms(net, X, method="loop"),
}


@pytest.mark.parametrize("name", CALLS)
def test_mixed_flags_come_back_exactly(name):
    net = _mixed_net()
    before = _flags(net.module_)
    assert len(set(before.values())) == 2  # really mixed
    seen = _watch(net.module_)
    CALLS[name](net, X)
    assert _flags(net.module_) == before
    dropout_on = name == "mc_dropout_stats"
    assert seen and all(flags == {n: dropout_on and n == "drop" for n in before} for flags in seen)


@pytest.mark.parametrize("name", CALLS)
def test_mixed_flags_come_back_when_the_body_raises(name):
    net = _mixed_net()
    before = _flags(net.module_)
    with pytest.raises(RuntimeError):
        CALLS[name](net, X[:, :4])  # the first Linear takes 5 features: the forward pass raises
    assert _flags(net.module_) == before


def test_eval_mode_sets_and_restores_every_flag():
    net = _mixed_net()
    module, before = net.module_, _flags(net.module_)
    with eval_mode(module) as inside:
        assert inside is module and not any(_flags(module).values())
    assert _flags(module) == before
    with pytest.raises(ValueError, match="boom"), eval_mode(module, train=(torch.nn.Dropout, torch.nn.BatchNorm1d)):
        assert _flags(module) == {n: n in ("drop", "body.1") for n in before}
        raise ValueError("boom")
    assert _flags(module) == before
    with only_dropout_active(module):
        assert [n for n, on in _flags(module).items() if on] == ["drop"]
    assert _flags(module) == before
