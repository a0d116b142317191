"""FrozenFeatures: torchvision and timm backbones with random weights, checkpoints read back, the disk cache."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skal import ActiveLearner
from skal.nn import FrozenFeatures
from skal.strategies import KMeansSampling, Random, TypiClust


def _images(n=12, seed=0):
    return np.random.default_rng(seed).random((n, 3, 32, 32), dtype=np.float32)


def _penultimate(module, X):
    """The input of the last Linear, by a hook written out here (the reference for the default layer)."""
    seen = []
    last = [m for m in module.modules() if isinstance(m, torch.nn.Linear)][-1]
    handle = last.register_forward_hook(lambda m, i, o: seen.append(i[0]))
    with torch.no_grad():
        module.eval()(torch.as_tensor(X))
    handle.remove()
    return seen[0].numpy()


@pytest.fixture
def checkpoint(tmp_path):
    import torchvision

    torch.manual_seed(7)
    model = torchvision.models.resnet18(num_classes=1000)
    path = tmp_path / "resnet18.pt"
    torch.save(model.state_dict(), path)
    return path, model


def test_a_checkpoint_written_and_read_back_gives_the_model_s_penultimate_features(checkpoint):
    path, model = checkpoint
    X = _images()
    F = FrozenFeatures("resnet18", weights=path, batch_size=5).fit_transform(X)
    assert F.shape == (12, 512) and F.dtype == np.float32
    np.testing.assert_allclose(F, _penultimate(model, X), rtol=1e-5, atol=1e-6)
    # batching does not change a row's features
    np.testing.assert_allclose(FrozenFeatures("resnet18", weights=path, batch_size=12).fit_transform(X), F, atol=1e-6)


def test_random_weights_are_seeded_by_torch_and_the_state_dict_wrapper_is_read(checkpoint, tmp_path):
    path, model = checkpoint
    wrapped = tmp_path / "wrapped.pt"
    torch.save({"state_dict": model.state_dict(), "epoch": 3}, wrapped)
    X = _images(4)
    a = FrozenFeatures("resnet18", weights=path).fit_transform(X)
    np.testing.assert_array_equal(FrozenFeatures("resnet18", weights=wrapped).fit_transform(X), a)


def test_a_named_layer_and_a_module_and_a_preprocess(checkpoint):
    path, model = checkpoint
    X = _images(6)
    fmap = FrozenFeatures(model, layer="layer3").fit_transform(X)  # (6, 256, 2, 2) averaged over positions
    with torch.no_grad():
        m = model.eval()
        h = m.layer3(m.layer2(m.layer1(m.maxpool(m.relu(m.bn1(m.conv1(torch.as_tensor(X))))))))
    np.testing.assert_allclose(fmap, h.mean(dim=(2, 3)).numpy(), rtol=1e-5, atol=1e-6)
    doubled = FrozenFeatures(model, preprocess=lambda x: 2 * x).fit_transform(X)
    np.testing.assert_allclose(doubled, _penultimate(model, 2 * X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["mobilenet_v3_small", "vit_b_32"])
def test_other_torchvision_models_by_name(name):
    X = np.random.default_rng(0).random((2, 3, 224, 224), dtype=np.float32) if name == "vit_b_32" else _images(2)
    F = FrozenFeatures(name).fit_transform(X)
    assert F.shape[0] == 2 and np.isfinite(F).all()


def test_a_timm_model_by_name():
    pytest.importorskip("timm")
    F = FrozenFeatures("resnet10t").fit_transform(_images(3))
    assert F.shape == (3, 512) and np.isfinite(F).all()


def test_the_cache_is_hit_on_a_second_run_and_never_reused_for_other_weights(checkpoint, tmp_path):
    path, model = checkpoint
    X = _images()
    cache = tmp_path / "cache"
    first = FrozenFeatures("resnet18", weights=path, cache=cache)
    F1 = first.fit_transform(X)
    assert first.n_embedded_ == 12 and first.cache_file_.exists()
    second = FrozenFeatures("resnet18", weights=path, cache=cache)
    F2 = second.fit_transform(X)
    assert second.n_embedded_ == 0 and isinstance(F2, np.memmap)
    np.testing.assert_array_equal(np.asarray(F2), F1)  # bit for bit
    # other weights: a stale cache is never reused
    torch.manual_seed(8)
    import torchvision

    other = tmp_path / "other.pt"
    torch.save(torchvision.models.resnet18().state_dict(), other)
    third = FrozenFeatures("resnet18", weights=other, cache=cache)
    F3 = third.fit_transform(X)
    assert third.n_embedded_ == 12 and third.cache_file_ != first.cache_file_ and not np.allclose(F3, F1)
    # another pool, another layer: embedded again
    fourth = FrozenFeatures("resnet18", weights=path, cache=cache)
    fourth.fit_transform(X[:6])
    assert fourth.n_embedded_ == 6
    fifth = FrozenFeatures("resnet18", weights=path, layer="layer4", cache=cache)
    fifth.fit_transform(X)
    assert fifth.n_embedded_ == 12


def test_every_pool_kind_gives_the_same_features(checkpoint, tmp_path):
    from torch.utils.data import TensorDataset

    path, _ = checkpoint
    X = _images(9)
    mm = np.lib.format.open_memmap(tmp_path / "pool.npy", mode="w+", dtype=np.float32, shape=X.shape)
    mm[:] = X
    mm.flush()
    ref = FrozenFeatures("resnet18", weights=path, batch_size=4).fit_transform(X)
    for pool in (np.load(tmp_path / "pool.npy", mmap_mode="r"), TensorDataset(torch.as_tensor(X), torch.zeros(9))):
        np.testing.assert_allclose(FrozenFeatures("resnet18", weights=path, batch_size=4).fit_transform(pool), ref)


def test_as_embedding_of_a_strategy_and_first_step_of_a_pipeline(checkpoint):
    path, _ = checkpoint
    rng = np.random.default_rng(0)
    X = rng.random((40, 3, 32, 32), dtype=np.float32)
    y = (X[:, 0].mean((1, 2)) > 0.5).astype(int)
    picks = TypiClust(embedding=FrozenFeatures("resnet18", weights=path), random_state=0).fit(X).query(5)
    assert len(set(picks.tolist())) == 5
    pipe = make_pipeline(
        FrozenFeatures("resnet18", weights=path),
        ActiveLearner(
            LogisticRegression(max_iter=500),
            KMeansSampling(),
            initial_strategy=Random(),
            initial_size=10,
            query_size=5,
            n_rounds=2,
            random_state=0,
        ),
    )
    pipe.fit(X, y)
    assert pipe.predict_proba(X).shape == (40, 2) and len(pipe[-1].labeled_indices_) == 20


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"model": "no_such_net"}, ValueError, "unknown model 'no_such_net'"),
        ({"model": 3}, TypeError, "torchvision or timm model name"),
        ({"weights": "/nonexistent.pt"}, FileNotFoundError, "skal downloads nothing"),
        ({"layer": "nope"}, ValueError, "no layer named 'nope'"),
        ({"batch_size": 0}, ValueError, "batch_size must be a positive int"),
        ({"preprocess": "resize"}, TypeError, "preprocess must be a callable"),
    ],
)
def test_bad_input_names_the_fix(kwargs, error, match):
    with pytest.raises(error, match=match):
        FrozenFeatures(**{"model": "resnet18", **kwargs}).fit()


def test_weights_that_do_not_fit_name_the_model(tmp_path):
    path = tmp_path / "w.pt"
    torch.save(torch.nn.Linear(2, 2).state_dict(), path)
    with pytest.raises(ValueError, match="do not fit ResNet"):
        FrozenFeatures("resnet18", weights=path).fit()


def test_mixed_precision_gives_float32_features_close_to_full_precision(checkpoint):
    path, _ = checkpoint
    X = _images(4)
    full = FrozenFeatures("resnet18", weights=path).fit_transform(X)
    mixed = FrozenFeatures("resnet18", weights=path, mixed_precision=True).fit_transform(X)
    assert mixed.dtype == np.float32 and not np.array_equal(mixed, full)  # bfloat16 on the CPU did run
    cos = (mixed * full).sum(1) / np.linalg.norm(mixed, axis=1) / np.linalg.norm(full, axis=1)
    assert (cos > 0.99).all()


def test_the_cache_tells_random_weights_precision_and_shapes_apart(tmp_path):
    """Found in review: the key held the model's name only, so another random draw got the first one's features."""
    X = _images(4)
    cache = tmp_path / "c"
    torch.manual_seed(1)
    a = FrozenFeatures("resnet18", cache=cache)
    Fa = a.fit_transform(X)
    torch.manual_seed(2)
    b = FrozenFeatures("resnet18", cache=cache)
    Fb = b.fit_transform(X)
    assert b.n_embedded_ == 4 and not np.allclose(Fa, Fb)
    torch.manual_seed(1)
    mixed = FrozenFeatures("resnet18", cache=cache, mixed_precision=True)
    mixed.fit_transform(X)
    assert mixed.n_embedded_ == 4  # bfloat16 features are not the float32 ones
    with pytest.raises(ValueError, match="repr"):
        FrozenFeatures("resnet18", cache=cache, preprocess=lambda x: 2 * x).fit_transform(X)


def test_a_model_without_a_head_is_refused_and_a_timm_model_gives_its_pre_logits():
    body = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Flatten(2), torch.nn.Linear(900, 5))
    with pytest.raises(ValueError, match="no classifier head there. Pass layer="):
        FrozenFeatures(body).fit_transform(_images(2))
    timm = pytest.importorskip("timm")
    headless = timm.create_model("vit_tiny_patch16_224", pretrained=False, num_classes=0)
    X = np.random.default_rng(0).random((2, 3, 224, 224), dtype=np.float32)
    assert FrozenFeatures(headless).fit_transform(X).shape == (2, 192)


def test_a_module_given_is_not_changed_and_a_tensor_dataset_of_one_tensor_is_read():
    from torch.utils.data import TensorDataset

    module = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 6), torch.nn.ReLU(), torch.nn.Linear(6, 2))
    module.train()
    X = np.random.default_rng(0).random((5, 3, 2, 2), dtype=np.float32)
    F = FrozenFeatures(module).fit_transform(X)
    assert module.training and all(p.requires_grad for p in module.parameters())
    np.testing.assert_allclose(FrozenFeatures(module).fit_transform(TensorDataset(torch.as_tensor(X))), F)
