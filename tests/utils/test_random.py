import numpy as np
import pytest
import torch
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skal.strategies import Mix, Random, Schedule
from skal.utils._random import as_generator, derive_seed, root_seed, seed_params, torch_seed


def test_derive_seed_is_stable_and_separates_purposes():
    assert derive_seed(0, 3, "train") == derive_seed(0, 3, "train")
    assert len({derive_seed(0, r, p) for r in range(20) for p in ("train", "query", "init")}) == 60


def test_root_seed():
    assert root_seed(5) == 5
    assert root_seed(np.random.RandomState(0)) == root_seed(np.random.RandomState(0))
    assert root_seed(None) != root_seed(None)


@pytest.mark.parametrize("rs", [None, 3, np.random.RandomState(1), np.random.default_rng(2)])
def test_as_generator(rs):
    assert isinstance(as_generator(rs), np.random.Generator)


def test_seed_params_fills_only_unset_nested_seeds():
    s = Schedule(Random(), Mix([(Random(random_state=9), 1.0), (Random(), 1.0), (Random(), 1.0)]))
    seed_params(s, 0)
    inner = [pair[0].random_state for pair in s.then.strategies]
    assert isinstance(s.initial.random_state, int) and inner[0] == 9
    assert isinstance(inner[1], int) and isinstance(inner[2], int) and inner[1] != inner[2]
    pipe = make_pipeline(StandardScaler(), RandomForestClassifier())
    seed_params(pipe, 0)
    assert isinstance(pipe[-1].random_state, int)


def test_torch_seed_is_reproducible_and_restores_state():
    before = torch.get_rng_state().clone()
    with torch_seed(1):
        a = torch.rand(3)
    with torch_seed(1):
        b = torch.rand(3)
    assert torch.equal(a, b) and torch.equal(torch.get_rng_state(), before)
