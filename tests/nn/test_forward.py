"""skal.nn's one forward pass: a module whose ``forward(input_ids, attention_mask)`` takes a dict pool.

Every nn helper (MC dropout, gradient norms, features) and the strategies built on them run such a module through
skorch's ``infer``, and each result is checked against the same quantity computed by hand.
"""

import copy

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier
from skorch.dataset import Dataset

from skal.nn import embed, eval_mode, mc_dropout_log_proba, mc_dropout_stats, per_sample_grad_norms
from skal.nn._batches import iter_batches
from skal.nn._forward import OUTPUTS, batch_rows, forward, slice_rows, to_device
from skal.nn._mc_dropout import consistent_dropout, only_dropout_active
from skal.strategies import BADGE, BALD, EPIG, BatchBALD, Entropy, GradNorm

N_ROWS, LENGTH, VOCAB, N_CLASSES = 48, 7, 30, 3


class TinyTransformer(torch.nn.Module):
    """Embedding → masked mean pool → projection → dropout → linear head, as a text classifier is shaped."""

    def __init__(self, vocab=VOCAB, dim=8, n_classes=N_CLASSES, seed=0):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.embedding = torch.nn.Embedding(vocab, dim, padding_idx=0)
        self.proj = torch.nn.Linear(dim, dim)
        self.dropout = torch.nn.Dropout(0.3)
        self.head = torch.nn.Linear(dim, n_classes)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=gen) * 0.5)

    def forward(self, input_ids, attention_mask):
        mask = attention_mask.unsqueeze(-1).to(self.embedding.weight.dtype)
        pooled = (self.embedding(input_ids) * mask).sum(1) / mask.sum(1).clamp_min(1)
        return self.head(self.dropout(torch.tanh(self.proj(pooled))))


def _pool(seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, LENGTH + 1, N_ROWS)
    mask = (np.arange(LENGTH)[None, :] < lengths[:, None]).astype(np.int64)
    ids = rng.integers(1, VOCAB, (N_ROWS, LENGTH)) * mask
    y = (np.where(mask, ids, 0).sum(1) / lengths % N_CLASSES).astype(np.int64)
    return {"input_ids": ids.astype(np.int64), "attention_mask": mask}, y


@pytest.fixture(scope="module")
def fitted():
    X, y = _pool()
    net = NeuralNetClassifier(
        TinyTransformer,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=0.05,
        max_epochs=3,
        batch_size=16,
        train_split=None,
        iterator_train__shuffle=False,
        verbose=0,
    )
    with torch.random.fork_rng():  # training dropout draws from a seeded stream; the caller's state is kept
        torch.manual_seed(0)
        net.fit(X, y)
    return net, X, y


def _tensors(X):
    return {key: torch.as_tensor(value) for key, value in X.items()}


def _pooled(module, X):
    t = _tensors(X)
    mask = t["attention_mask"].unsqueeze(-1).to(module.embedding.weight.dtype)
    return (module.embedding(t["input_ids"]) * mask).sum(1) / mask.sum(1).clamp_min(1)


def _entropy_of(log_p):
    return -(log_p.exp() * log_p).sum(-1)


# --- the forward function -----------------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["raw", "logits", "mean", "log_proba", "proba", "proba_sigmoid"])
def test_forward_outputs_are_those_of_the_module_called_with_keywords(fitted, output):
    net, X, _ = fitted
    module = net.module_
    with eval_mode(module), torch.no_grad():
        got = forward(net, X, output)
        logits = module(**_tensors(X))  # by hand: the dict's entries as keywords
        reference64 = copy.deepcopy(module).double()(**_tensors(X))
    expected, expected64 = {
        "raw": (logits, reference64),
        "logits": (logits, reference64),
        "mean": (logits, reference64),
        "log_proba": (torch.log_softmax(logits, -1), torch.log_softmax(reference64, -1)),
        "proba": (torch.softmax(logits, -1), torch.softmax(reference64, -1)),
        "proba_sigmoid": (torch.sigmoid(logits), torch.sigmoid(reference64)),
    }[output]
    assert torch.equal(got, expected)
    np.testing.assert_allclose(got.double().numpy(), expected64.numpy(), rtol=1e-5, atol=1e-6)
    if output == "proba":  # skorch's own predict_proba of the dict pool
        np.testing.assert_allclose(got.numpy(), net.predict_proba(X), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("layer_input", [False, True])
@pytest.mark.parametrize("layer", ["proj", "head"])
def test_forward_features_are_the_hooked_layer_by_hand(fitted, layer, layer_input):
    net, X, _ = fitted
    module = net.module_
    with eval_mode(module), torch.no_grad():
        got = forward(net, X, "features", layer=layer, layer_input=layer_input)
        pooled = _pooled(module, X)
        hidden = torch.tanh(module.proj(pooled))
        expected = {
            ("proj", True): pooled,
            ("proj", False): module.proj(pooled),
            ("head", True): hidden,
            ("head", False): module.head(hidden),
        }[layer, layer_input]
        both = forward(net, X, ("features", "log_proba"), layer=layer, layer_input=layer_input)
    torch.testing.assert_close(got, expected, rtol=1e-6, atol=1e-6)
    assert torch.equal(both[0], got)
    assert torch.equal(both[1], forward(net, X, "log_proba"))


def test_forward_features_stop_at_the_layer(fitted):
    net, X, _ = fitted
    calls = []
    handle = net.module_.head.register_forward_hook(lambda *args: calls.append(1))
    try:
        with torch.no_grad():
            forward(net, X, "features", layer="proj")
            assert calls == []  # the layers after proj were not run
            forward(net, X, ("features", "logits"), layer="proj")
            assert calls == [1]
    finally:
        handle.remove()


def test_forward_errors_name_the_fix(fitted):
    net, X, _ = fitted
    with pytest.raises(ValueError, match="output must be one of"):
        forward(net, X, "probability")
    with pytest.raises(ValueError, match="needs layer= one of"):
        forward(net, X, "features", layer="nope")
    assert set(OUTPUTS) >= {"log_proba", "proba_sigmoid", "mean", "features"}


def test_a_bare_module_and_a_tuple_input_are_called_as_skorch_calls_them():
    class Pair(torch.nn.Module):
        def forward(self, xs):
            a, b = xs
            return a - b

    a, b = torch.arange(6.0).view(3, 2), torch.ones(3, 2)
    assert torch.equal(forward(Pair(), [a, b], "raw"), a - b)  # a list of tensors: one argument, as skorch passes it
    module = TinyTransformer().eval()
    X, _ = _pool()
    with torch.no_grad():
        assert torch.equal(forward(module, X, "logits"), module(**_tensors(X)))


def test_batch_helpers_keep_the_structure():
    X, _ = _pool()
    xb = to_device(X, "cpu")
    assert batch_rows(xb) == batch_rows(X) == N_ROWS
    part = slice_rows(xb, slice(2, 5))
    assert sorted(part) == ["attention_mask", "input_ids"]
    assert torch.equal(part["input_ids"], torch.as_tensor(X["input_ids"][2:5]))


@pytest.mark.parametrize("batch_size", [1, 5, 100])
def test_iter_batches_of_a_dict_pool_are_dicts_of_its_rows_in_order(batch_size):
    X, _ = _pool()
    batches = list(iter_batches(X, batch_size))
    assert all(isinstance(b, dict) and torch.is_tensor(b["input_ids"]) for b in batches)
    assert [batch_rows(b) for b in batches] == [min(batch_size, N_ROWS - s) for s in range(0, N_ROWS, batch_size)]
    for key in X:
        np.testing.assert_array_equal(np.concatenate([b[key].numpy() for b in batches]), X[key])


# --- the nn helpers on a dict pool, against hand computations -----------------------------------------------


@pytest.mark.parametrize("batch_size", [7, 64])
def test_mc_dropout_stats_of_a_dict_pool_are_the_passes_run_by_hand(fitted, batch_size):
    net, X, _ = fitted
    module = net.module_
    stats = mc_dropout_stats(net, X, n_samples=4, seed=3, batch_size=batch_size)
    again = mc_dropout_stats(net, X, n_samples=4, seed=3, batch_size=batch_size)
    np.testing.assert_array_equal(stats.mean_proba, again.mean_proba)
    # by hand: one seeded stream, batch after batch, T passes each, dict entries as keywords
    probas, entropies = [], []
    with torch.random.fork_rng(), only_dropout_active(module), torch.no_grad():
        torch.manual_seed(3)
        for start in range(0, N_ROWS, batch_size):
            rows = {k: torch.as_tensor(v[start : start + batch_size]) for k, v in X.items()}
            log_p = torch.stack([torch.log_softmax(module(**rows), -1) for _ in range(4)])
            probas.append(log_p.exp().double().mean(0))
            entropies.append(_entropy_of(log_p.double()).mean(0))
    np.testing.assert_allclose(stats.mean_proba, torch.cat(probas).numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(stats.mean_entropy, torch.cat(entropies).numpy(), rtol=1e-5, atol=1e-7)
    assert not np.allclose(stats.mean_proba, net.predict_proba(X))  # dropout was on
    assert stats.votes.sum() == 4 * N_ROWS


def test_mc_dropout_log_proba_of_a_dict_pool_uses_fixed_masks(fitted):
    net, X, _ = fitted
    lp = mc_dropout_log_proba(net, X, n_samples=5, seed=1, batch_size=64)
    np.testing.assert_array_equal(lp, mc_dropout_log_proba(net, X, n_samples=5, seed=1, batch_size=64))
    np.testing.assert_allclose(lp, mc_dropout_log_proba(net, X, n_samples=5, seed=1, batch_size=5), atol=1e-6)
    expected = []
    with consistent_dropout(net.module_, 1) as masks, torch.no_grad():
        for k in range(5):
            masks.sample = k
            expected.append(torch.log_softmax(net.module_(**_tensors(X)), -1))
    np.testing.assert_allclose(lp, torch.stack(expected, 1).numpy(), rtol=1e-6, atol=1e-6)
    assert lp.shape == (N_ROWS, 5, N_CLASSES)
    assert np.ptp(lp, axis=1).max() > 1e-3  # the masks differ


def _hand_grad_norms(net, X, parameters):
    """Per-row entropy gradient norms (sum of tensor norms), one backward per row, in float64."""
    module = copy.deepcopy(net.module_).double().eval()
    params = [p for name, p in module.named_parameters() if parameters == "all" or name.startswith("head.")]
    norms = []
    for i in range(N_ROWS):
        row = {k: torch.as_tensor(v[i : i + 1]) for k, v in X.items()}
        loss = _entropy_of(torch.log_softmax(module(**row), -1))[0]
        grads = torch.autograd.grad(loss, params)
        norms.append(sum(torch.linalg.vector_norm(g).item() for g in grads))
    return np.array(norms)


@pytest.mark.parametrize("parameters", ["all", "last"])
@pytest.mark.parametrize("method", ["vmap", "loop"])
def test_grad_norms_of_a_dict_pool_are_those_of_one_backward_per_row(fitted, method, parameters):
    net, X, _ = fitted
    flags = [m.training for m in net.module_.modules()]
    got = per_sample_grad_norms(net, X, method=method, parameters=parameters, batch_size=10)
    np.testing.assert_allclose(got, _hand_grad_norms(net, X, parameters), rtol=1e-4, atol=1e-7)
    assert [m.training for m in net.module_.modules()] == flags  # restored


@pytest.mark.parametrize("layer", [None, "proj"])
def test_embed_of_a_dict_pool_is_the_hooked_layer_by_hand(fitted, layer):
    net, X, _ = fitted
    E, P = embed(net, X, layer=layer, batch_size=10, return_proba=True)
    module = net.module_
    with eval_mode(module), torch.no_grad():
        pooled = _pooled(module, X)
        expected = torch.tanh(module.proj(pooled)) if layer is None else module.proj(pooled)
    np.testing.assert_allclose(E, expected.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(embed(net, X, layer=layer, batch_size=10), E)
    np.testing.assert_allclose(P, net.predict_proba(X), rtol=1e-6, atol=1e-7)


# --- strategies on a dict pool ------------------------------------------------------------------------------


def _labeled(n=N_ROWS):
    labeled = np.zeros(n, dtype=bool)
    labeled[::6] = True
    return labeled


STRATEGIES = {
    "Entropy": lambda: Entropy(),
    "BALD": lambda: BALD(n_samples=6, random_state=0),
    "BatchBALD": lambda: BatchBALD(n_samples=8, n_configs=200, random_state=0),
    "GradNorm": lambda: GradNorm(),
    "BADGE": lambda: BADGE(random_state=0),
    "EPIG": lambda: EPIG(n_samples=8, n_targets=20, random_state=0),
}


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_strategies_pick_valid_deterministic_rows_of_a_dict_pool(fitted, name):
    net, X, y = fitted
    labeled = _labeled()
    picks = STRATEGIES[name]().fit(X, labeled=labeled, estimator=net).query(5)
    again = STRATEGIES[name]().fit(X, labeled=labeled, estimator=net).query(5)
    np.testing.assert_array_equal(picks, again)
    assert len(picks) == len(set(picks.tolist())) == 5
    assert not labeled[picks].any() and picks.min() >= 0 and picks.max() < N_ROWS
    # the same rows as a skorch Dataset of dicts (a torch Dataset pool) give the same picks
    np.testing.assert_array_equal(STRATEGIES[name]().fit(Dataset(X), labeled=labeled, estimator=net).query(5), picks)


def test_entropy_and_grad_norm_scores_of_a_dict_pool_are_computed_by_hand(fitted):
    net, X, _ = fitted
    labeled = _labeled()
    with torch.no_grad():
        log_p = torch.log_softmax(copy.deepcopy(net.module_).double().eval()(**_tensors(X)), -1)
    entropy = Entropy().fit(X, labeled=labeled, estimator=net)
    np.testing.assert_allclose(entropy.scores_[~labeled], _entropy_of(log_p).numpy()[~labeled], rtol=1e-5)
    grad_norm = GradNorm().fit(X, labeled=labeled, estimator=net)
    np.testing.assert_allclose(grad_norm.scores_[~labeled], _hand_grad_norms(net, X, "all")[~labeled], rtol=1e-4)
