"""Pools that are not in-memory arrays: an ImageFolder Dataset, a numpy.memmap, a Parquet table (issue 13)."""

import inspect
import tracemalloc

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from skorch import NeuralNetClassifier

import skal.strategies as S
from skal import ActiveLearner
from skal.journal import pool_fingerprint
from skal.pools._protocol import n_rows, take_rows

from ..conftest import make_blobs_pool
from ..learner.test_determinism import STRATEGIES


class Flat(torch.nn.Module):
    def __init__(self, n_in=192, n_out=3):
        super().__init__()
        self.hidden = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(n_in, 16), torch.nn.ReLU())
        self.out = torch.nn.Linear(16, n_out)

    def forward(self, x):
        return self.out(self.hidden(x))


def _net(**kwargs):
    return NeuralNetClassifier(
        Flat,
        criterion=torch.nn.CrossEntropyLoss,
        lr=0.01,
        optimizer=torch.optim.Adam,
        max_epochs=3,
        batch_size=16,
        train_split=None,
        verbose=0,
        **kwargs,
    )


class NoTargets(torch.utils.data.Dataset):
    """Reads a dataset's inputs only; fails if its targets are asked for through __getitem__'s tuple."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        return self.dataset[i][0]


@pytest.mark.parametrize("strategy", [S.Random(), S.Entropy(), S.Margin(), S.HC()], ids=repr)
def test_image_folder_pool_runs_and_matches_the_tensor_pool(image_folder, strategy):
    dataset, y = image_folder
    kwargs = dict(initial_size=6, query_size=6, n_rounds=2, random_state=0, classes=[0, 1, 2])
    learner = ActiveLearner(_net(), strategy, **kwargs).fit(dataset, y)
    assert len(learner.labeled_indices_) >= 18  # more when a first pool held one class (min_classes=2)
    np.testing.assert_array_equal(learner.labels_, y[learner.labeled_indices_])
    assert learner.predict(dataset).shape == (60,)
    X = np.stack([x.numpy() for x, _ in dataset]).astype(np.float32)
    twin = ActiveLearner(_net(), strategy, **kwargs).fit(X, y)
    np.testing.assert_array_equal(learner.labeled_indices_, twin.labeled_indices_)


def test_a_dataset_of_inputs_only_and_the_step_api(image_folder):
    dataset, y = image_folder
    pool = NoTargets(dataset)
    learner = ActiveLearner(_net(), S.Entropy(), initial_size=6, query_size=4, random_state=1, classes=[0, 1, 2])
    rows = learner.query(pool)
    learner.teach(rows, y[rows])
    again = learner.query(pool)
    assert len(again) == 4 and not set(again) & set(rows)
    assert n_rows(pool) == 60 and len(take_rows(pool, [3, 1])) == 2


def test_representation_strategies_embed_a_dataset(image_folder):
    dataset, y = image_folder
    for strategy in (S.Coreset(), S.KMeansSampling()):
        learner = ActiveLearner(_net(), strategy, initial_size=6, query_size=6, n_rounds=1, random_state=0)
        learner.set_params(classes=[0, 1, 2]).fit(dataset, y)
        assert len(learner.labeled_indices_) == 12


def test_dataset_fingerprint_reads_no_item(image_folder, monkeypatch):
    dataset, _ = image_folder
    first = pool_fingerprint(dataset)
    monkeypatch.setattr(type(dataset), "__getitem__", lambda *a: pytest.fail("an item was read"))
    assert pool_fingerprint(dataset) == first
    assert pool_fingerprint(torch.utils.data.Subset(dataset, [0, 1])) != first


# ------------------------------------------------------------------ memmap
def _memmap(tmp_path, X, mode="r"):
    path = tmp_path / "pool.dat"
    out = np.memmap(path, dtype=X.dtype, mode="w+", shape=X.shape)
    out[:] = X
    out.flush()
    del out
    return np.memmap(path, dtype=X.dtype, mode=mode, shape=X.shape)


def test_memmap_pool_gives_the_rows_of_the_array(tmp_path):
    X, y = make_blobs_pool(n=120)
    mm = _memmap(tmp_path, X)
    kwargs = dict(initial_strategy=S.Random(), initial_size=10, query_size=8, n_rounds=3, random_state=0)
    a = ActiveLearner(LogisticRegression(), S.Entropy(), **kwargs).fit(mm, y)
    b = ActiveLearner(LogisticRegression(), S.Entropy(), **kwargs).fit(X, y)
    np.testing.assert_array_equal(a.labeled_indices_, b.labeled_indices_)
    assert a.pool_.X is mm


def _applies_to_logistic(name, strategy):
    needs = strategy.requirements()
    return not ({"net", "loss"} & needs) and name not in {"SelfSupervisedLoss"}


@pytest.mark.parametrize(
    "name,strategy",
    [(n, s) for n, s in STRATEGIES if _applies_to_logistic(n, s)],
    ids=[n for n, _ in STRATEGIES if _applies_to_logistic(n, _)],
)
def test_every_strategy_that_applies_runs_on_a_memmap(tmp_path, name, strategy):
    X, y = make_blobs_pool(n=90)
    mm = _memmap(tmp_path, X)
    kwargs = dict(initial_strategy=S.Random(), initial_size=8, query_size=6, n_rounds=2, random_state=3)
    a = ActiveLearner(LogisticRegression(), strategy, **kwargs).fit(mm, y)
    b = ActiveLearner(LogisticRegression(), strategy, **kwargs).fit(X, y)
    np.testing.assert_array_equal(a.labeled_indices_, b.labeled_indices_)


def test_float64_memmap_for_a_float32_net_is_cast_per_chunk(tmp_path):
    X, y = make_blobs_pool(n=90)
    mm = _memmap(tmp_path, X.astype(np.float64))
    net = NeuralNetClassifier(
        torch.nn.Sequential(torch.nn.Linear(X.shape[1], 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)),
        criterion=torch.nn.CrossEntropyLoss,
        max_epochs=2,
        train_split=None,
        verbose=0,
    )
    kwargs = dict(initial_size=8, query_size=6, n_rounds=2, random_state=0, classes=[0, 1, 2])
    a = ActiveLearner(net, S.Margin(), **kwargs).fit(mm, y)
    b = ActiveLearner(net, S.Margin(), **kwargs).fit(X.astype(np.float32), y)
    np.testing.assert_array_equal(a.labeled_indices_, b.labeled_indices_)
    assert a.predict(mm).shape == (90,)


def test_a_memmap_is_never_copied_whole(tmp_path):
    rng = np.random.default_rng(0)
    n, d = 200_000, 64
    path = tmp_path / "big.dat"
    mm = np.memmap(path, dtype=np.float32, mode="w+", shape=(n, d))
    for start in range(0, n, 20_000):
        mm[start : start + 20_000] = rng.normal(size=(20_000, d)).astype(np.float32)
    mm.flush()
    del mm
    pool = np.memmap(path, dtype=np.float32, mode="r", shape=(n, d))
    y = (np.asarray(pool[:, 0]) > 0).astype(int)  # 800 kB
    learner = ActiveLearner(
        LogisticRegression(max_iter=50), S.Entropy(), initial_strategy=S.Random(), initial_size=50, query_size=50
    )
    learner.set_params(n_rounds=2, random_state=0)
    tracemalloc.start()
    try:
        learner.fit(pool, y)
        pool_fingerprint(pool)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20e6, f"peak {peak / 1e6:.1f} MB for a {pool.nbytes / 1e6:.0f} MB pool"
    assert len(learner.labeled_indices_) == 150


# ----------------------------------------------------------------- parquet
@pytest.mark.parametrize(
    "strategy",
    [S.Entropy(), S.Margin(), S.Random(), S.KMeansSampling(embedding="input"), S.Coreset(embedding="input")],
    ids=repr,
)
def test_parquet_pool_gives_the_rows_of_the_array(parquet_pool, strategy):
    pool, X, y = parquet_pool
    kwargs = dict(initial_strategy=S.Random(), initial_size=10, query_size=8, n_rounds=2, random_state=0)
    a = ActiveLearner(LogisticRegression(), strategy, **kwargs).fit(pool, y)
    b = ActiveLearner(LogisticRegression(), strategy, **kwargs).fit(X, y)
    np.testing.assert_array_equal(a.labeled_indices_, b.labeled_indices_)
    np.testing.assert_array_equal(a.predict(pool), b.predict(X))


def test_parquet_pool_rows_fingerprint_and_step_api(parquet_pool):
    pool, X, y = parquet_pool
    np.testing.assert_array_equal(take_rows(pool, [119, 0, 41]), X[[119, 0, 41]])
    assert n_rows(pool) == 120 and pool.shape == X.shape
    assert pool_fingerprint(pool) == pool.fingerprint()
    learner = ActiveLearner(LogisticRegression(), S.Random(), initial_size=10, random_state=0)
    rows = learner.query(pool)
    learner.teach(rows, y[rows])
    assert len(learner.query(pool, 5)) == 5


def test_parquet_pool_refuses_unknown_columns(parquet_pool):
    from skal.pools import ParquetPool

    pool, _, _ = parquet_pool
    with pytest.raises(ValueError, match="no column"):
        ParquetPool(pool.dataset_, columns=["nope"])


def test_lazy_pool_objects_are_not_array_like():
    from skal.pools import is_pool_object

    assert not is_pool_object(np.zeros(3)) and not is_pool_object(torch.zeros(3)) and not is_pool_object([1])
    assert inspect.isclass(S.Entropy)
