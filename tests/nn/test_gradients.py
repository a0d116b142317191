"""Per-sample gradient norms: torch.func against a plain per-sample backward() loop."""

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier

from skal.nn import per_sample_grad_norms, select_parameters


class ConvBN(torch.nn.Module):
    """Conv + BatchNorm + dropout + an unused head: the parts the reference code has."""

    def __init__(self, n_classes=4):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, 3)
        self.bn = torch.nn.BatchNorm2d(4)
        self.drop = torch.nn.Dropout(0.5)
        # the unused head of Wang et al.'s GradNorm code (xulabs/aitom al_gradnorm): no gradient, skipped
        self.unused = torch.nn.Linear(3, 3)
        self.fc = torch.nn.Linear(4 * 6 * 6, n_classes)  # registered last: the "last" layer

    def forward(self, x):
        return self.fc(self.drop(torch.relu(self.bn(self.conv(x)))).flatten(1))


def _net(criterion=torch.nn.CrossEntropyLoss, module=ConvBN, seed=0):
    torch.manual_seed(seed)
    net = NeuralNetClassifier(module, criterion=criterion).initialize()
    with torch.no_grad():  # non-trivial running statistics, so eval vs train mode matters
        net.module_.bn.running_mean.uniform_(-0.5, 0.5)
        net.module_.bn.running_var.uniform_(0.5, 2.0)
    return net


def _pool(n=12, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 1, 8, 8)).astype(np.float32)


def reference_norms(net, X, loss, norm, names=None):
    """The reference procedure: batch of one, eval mode, zero_grad, backward, norm per parameter tensor."""
    module = net.module_
    module.eval()
    out = []
    for i in range(len(X)):
        module.zero_grad(set_to_none=True)
        logits = module(torch.as_tensor(X[i : i + 1]))
        p = torch.softmax(logits, 1)[0] if isinstance(net.criterion_, torch.nn.CrossEntropyLoss) else logits[0]
        if loss == "entropy":
            value = torch.distributions.Categorical(probs=p).entropy()
        else:  # the reference's expected loss: Σ_i p_i CE(f(x), i), p not detached
            value = sum(p[c] * -torch.log(p[c]) for c in range(len(p)))
        value.backward()
        tensors = [
            (n, prm.grad.double().norm().item())
            for n, prm in module.named_parameters()
            if prm.grad is not None and (names is None or n in names)
        ]
        vals = np.array([t for _, t in tensors])
        out.append(vals.sum() if norm == "sum_of_tensor_norms" else np.sqrt((vals**2).sum()))
    return np.array(out)


@pytest.mark.parametrize("norm", ["sum_of_tensor_norms", "global"])
@pytest.mark.parametrize("loss", ["entropy", "expected"])
@pytest.mark.parametrize("method", ["vmap", "loop"])
def test_equals_a_per_sample_backward_loop(norm, loss, method):
    net, X = _net(), _pool()
    expected = reference_norms(net, X, loss, norm)
    got = per_sample_grad_norms(net, X, loss=loss, norm=norm, method=method, batch_size=5)
    np.testing.assert_allclose(got, expected, rtol=1e-4)
    assert len(np.unique(got.round(6))) == len(X)  # the scores really differ between rows


def test_norms_are_not_the_same_quantity():
    net, X = _net(), _pool()
    total = per_sample_grad_norms(net, X, norm="sum_of_tensor_norms")
    overall = per_sample_grad_norms(net, X, norm="global")
    assert (total > overall).all()  # Σ‖g_j‖ ≥ √Σ‖g_j‖², strictly with several non-zero tensors


def test_expected_scheme_is_the_entropy_in_disguise():
    net, X = _net(), _pool()
    np.testing.assert_allclose(
        per_sample_grad_norms(net, X, loss="expected"), per_sample_grad_norms(net, X, loss="entropy"), rtol=1e-5
    )


def test_nll_criterion_with_probability_outputs():
    class SoftmaxOut(ConvBN):
        def forward(self, x):
            return torch.softmax(super().forward(x), 1)

    net, X = _net(torch.nn.NLLLoss, SoftmaxOut), _pool()
    np.testing.assert_allclose(
        per_sample_grad_norms(net, X), reference_norms(net, X, "entropy", "sum_of_tensor_norms"), rtol=1e-3
    )


@pytest.mark.parametrize(
    "selector, expected",
    [
        ("last", ["fc.weight", "fc.bias"]),
        ("conv", ["conv.weight", "conv.bias"]),
        (["bn.weight", "fc"], ["bn.weight", "fc.weight", "fc.bias"]),
        (lambda name: name.endswith("bias"), ["conv.bias", "bn.bias", "unused.bias", "fc.bias"]),
    ],
)
def test_parameter_selection(selector, expected):
    net, X = _net(), _pool(6)
    assert select_parameters(net.module_, selector) == expected
    names = set(expected)
    np.testing.assert_allclose(
        per_sample_grad_norms(net, X, parameters=selector),
        reference_norms(net, X, "entropy", "sum_of_tensor_norms", names),
        rtol=1e-4,
    )


def test_leaves_module_state_alone():
    net, X = _net(), _pool(4)
    net.module_.train()
    before = {k: v.clone() for k, v in net.module_.state_dict().items()}
    per_sample_grad_norms(net, X)
    assert net.module_.training and net.module_.bn.training
    for k, v in net.module_.state_dict().items():
        torch.testing.assert_close(v, before[k])  # BatchNorm statistics untouched: scored in eval mode
    assert all(p.grad is None for p in net.module_.parameters())


def test_batch_size_does_not_change_scores():
    net, X = _net(), _pool(9)
    np.testing.assert_allclose(
        per_sample_grad_norms(net, X, batch_size=1), per_sample_grad_norms(net, X, batch_size=4), rtol=1e-5
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(loss="hinge"), "loss must be"),
        (dict(norm="l1"), "norm must be"),
        (dict(method="jit"), "method must be"),
        (dict(parameters="nothing_here"), "selects no trainable parameter"),
        (dict(parameters=3), "parameters must be"),
    ],
)
def test_bad_arguments_name_the_fix(kwargs, match):
    with pytest.raises(ValueError, match=match):
        per_sample_grad_norms(_net(), _pool(2), **kwargs)


def test_other_criteria_are_refused():
    net = NeuralNetClassifier(ConvBN, criterion=torch.nn.MSELoss).initialize()
    with pytest.raises(TypeError, match="CrossEntropyLoss"):
        per_sample_grad_norms(net, _pool(2))


class SharedAndSequence(torch.nn.Module):
    """A Linear applied twice (shared weights) and one applied to a sequence: no outer-product shortcut there."""

    def __init__(self):
        super().__init__()
        self.shared = torch.nn.Linear(6, 6)
        self.token = torch.nn.Linear(3, 5)  # input (1, 2, 3): a sum of outer products per sample
        self.fc = torch.nn.Linear(6 + 5, 4, bias=False)

    def forward(self, x):
        h = torch.tanh(self.shared(torch.tanh(self.shared(x))))
        t = torch.tanh(self.token(x[:, :6].reshape(-1, 2, 3))).mean(1)
        return self.fc(torch.cat([h, t], 1))


@pytest.mark.parametrize("parameters", ["all", ["fc.weight"], ["shared.bias", "token"]])
def test_linear_shortcut_matches_the_loop_where_it_applies_and_is_skipped_where_not(parameters):
    torch.manual_seed(0)
    net = NeuralNetClassifier(SharedAndSequence, criterion=torch.nn.CrossEntropyLoss).initialize()
    X = np.random.default_rng(1).normal(size=(7, 6)).astype(np.float32)
    names = set(select_parameters(net.module_, parameters))
    expected = reference_norms(net, X, "entropy", "global", names)
    np.testing.assert_allclose(per_sample_grad_norms(net, X, norm="global", parameters=parameters), expected, rtol=1e-4)
    from skal.nn._gradients import _shortcut_layers

    assert list(_shortcut_layers(net.module_, select_parameters(net.module_), X, "cpu")) == ["fc"]


class ConvZoo(torch.nn.Module):
    """Convolutions of every shape the batched path handles: strided, dilated, padded, grouped, an in-place ReLU
    after a BatchNorm, a 1-D BatchNorm, and a 4 × 4 map where the ghost norm applies."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(2, 6, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(6)
        self.relu = torch.nn.ReLU(inplace=True)
        self.strided = torch.nn.Conv2d(6, 8, 3, stride=2, dilation=2, padding=2, bias=False)
        self.grouped = torch.nn.Conv2d(8, 8, 3, padding=(1, 0), groups=4)
        self.wide = torch.nn.Conv2d(8, 32, 3)  # 2 × 2 output positions: P² < O·C·k², the ghost norm
        self.bn1 = torch.nn.BatchNorm1d(32)
        self.fc = torch.nn.Linear(32, 3)

    def forward(self, x):
        h = self.relu(self.bn(self.stem(x)))
        h = torch.tanh(self.grouped(torch.tanh(self.strided(h))))
        h = self.wide(h).mean((2, 3))
        return self.fc(torch.relu(self.bn1(h)))


def _zoo_net():
    torch.manual_seed(0)
    net = NeuralNetClassifier(ConvZoo, criterion=torch.nn.CrossEntropyLoss).initialize()
    with torch.no_grad():
        for bn in (net.module_.bn, net.module_.bn1):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.uniform_(0.5, 1.5)
    net.module_.eval()  # per_sample_grad_norms runs it so; the shape probe below needs it too
    return net


@pytest.mark.parametrize("norm", ["sum_of_tensor_norms", "global"])
@pytest.mark.parametrize("batch_size", [None, 3, 40])
def test_batched_path_matches_the_loop_on_every_conv_shape(norm, batch_size):
    from skal.nn import _gradients

    net = _zoo_net()
    X = np.random.default_rng(2).normal(size=(40, 2, 12, 12)).astype(np.float32)
    names = select_parameters(net.module_)
    assert set(_gradients._shortcut_layers(net.module_, names, X, "cpu")) == {
        "stem", "bn", "strided", "grouped", "wide", "bn1", "fc"
    }  # fmt: skip
    expected = reference_norms(net, X, "entropy", norm)
    got = per_sample_grad_norms(net, X, norm=norm, batch_size=batch_size)
    np.testing.assert_allclose(got, expected, rtol=1e-4)


def test_conv_weight_norms_equal_the_formed_gradients_in_both_branches():
    from skal.nn._gradients import _conv_weight_norms

    gen = torch.Generator().manual_seed(0)
    for conv, size in [(torch.nn.Conv2d(3, 5, 3, stride=2, padding=1), 9), (torch.nn.Conv2d(16, 64, 3), 4)]:
        a = torch.randn(70, conv.in_channels, size, size, generator=gen, dtype=torch.float64)
        out_shape = conv(a[:1].float()).shape[1:]
        g = torch.randn(70, *out_shape, generator=gen, dtype=torch.float64)
        expected = []
        for i in range(len(a)):  # the weight gradient of row i alone, by autograd in float64
            w = conv.weight.detach().double().requires_grad_()
            out = torch.nn.functional.conv2d(a[i : i + 1], w, None, conv.stride, conv.padding)
            (gw,) = torch.autograd.grad((out * g[i : i + 1]).sum(), w)
            expected.append(gw.norm().item())
        np.testing.assert_allclose(_conv_weight_norms(conv.double(), a, g).numpy(), expected, rtol=1e-10)


class MixesRows(torch.nn.Module):
    """Subtracts the batch mean: a row's output depends on the other rows, so one batched backward would be wrong."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(5, 6)
        self.fc2 = torch.nn.Linear(6, 3)

    def forward(self, x):
        h = torch.tanh(self.fc1(x))
        return self.fc2(h - h.mean(0, keepdim=True) + h)


def test_a_module_that_mixes_rows_is_scored_one_row_at_a_time():
    from skal.nn._gradients import _rows_independent

    torch.manual_seed(0)
    net = NeuralNetClassifier(MixesRows, criterion=torch.nn.CrossEntropyLoss).initialize()
    X = np.random.default_rng(3).normal(size=(9, 5)).astype(np.float32)
    assert not _rows_independent(net.module_, X, net)
    plain = _net()
    plain.module_.eval()  # dropout off, as per_sample_grad_norms runs it
    assert _rows_independent(plain.module_, _pool(), plain)
    np.testing.assert_allclose(
        per_sample_grad_norms(net, X), reference_norms(net, X, "entropy", "sum_of_tensor_norms"), rtol=1e-4
    )
