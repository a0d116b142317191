"""RayPool: the same picks as the in-memory pool, scored by an actor pool on a local Ray cluster."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import skal.strategies as strategies
from skal import ActiveLearner
from skal.nn._testing import make_net_pool
from skal.strategies import QueryStrategy, Random

pytestmark = pytest.mark.xdist_group("ray")  # one cluster per test process: keep these tests on one worker


def _exported_strategies():
    """Every exported strategy that is built without arguments (the ones a user picks by name)."""
    found = []
    for name in strategies.__all__:
        cls = getattr(strategies, name)
        if isinstance(cls, type) and issubclass(cls, QueryStrategy) and name == cls.__name__:
            try:
                cls()
            except TypeError:
                continue
            found.append(cls)
    return found


def _build(cls):
    if cls is strategies.VAAL:  # its default model trains for 100 epochs (the paper's): a small one, same code path
        from skal.nn import AdversarialVAE

        return cls(AdversarialVAE(latent=4, hidden=(16,), discriminator_width=16, max_epochs=1), random_state=0)
    return cls(random_state=0) if "random_state" in cls().get_params() else cls()


@pytest.fixture(scope="module")
def net_pool():
    """9,000 rows (two chunks of unlabeled rows), 5 % labeled, a LossPredictionNet: every strategy applies."""
    return make_net_pool(n_pool=9000, labeled_fraction=0.05, seed=0, loss_prediction=True)


def test_importing_skal_distributed_does_not_import_ray():
    code = "import sys, skal.distributed; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_a_print_patched_by_ray_progress_bars_does_not_stop_a_skorch_net(ray_cluster, net_pool, monkeypatch):
    """Ray Data's bars swap builtins.print for their safe_print; a net (PrintLog holds print) must still pickle."""
    import builtins

    from ray.experimental import tqdm_ray

    from skal.distributed import RayPool

    X, y, labeled, net = net_pool
    monkeypatch.setattr(builtins, "print", tqdm_ray.safe_print)
    picks = strategies.Entropy().fit(RayPool(X, num_workers=2), y, labeled=labeled, estimator=net).query(5)
    assert builtins.print is tqdm_ray._print
    np.testing.assert_array_equal(picks, strategies.Entropy().fit(X, y, labeled=labeled, estimator=net).query(5))


@pytest.mark.parametrize("cls", _exported_strategies(), ids=lambda c: c.__name__)
def test_same_picks_as_the_in_memory_pool(ray_cluster, net_pool, cls):
    from skal.distributed import RayPool

    X, y, labeled, net = net_pool
    local = _build(cls).fit(X, y, labeled=labeled, estimator=net)
    remote = _build(cls).fit(RayPool(X, num_workers=2), y, labeled=labeled, estimator=net)
    np.testing.assert_array_equal(remote.query(25), local.query(25))
    if hasattr(local, "scores_"):
        # A float32 forward pass may round the rows of a chunk's last, partial batch differently in another
        # process (the thread count picks the matrix kernel); the picks above are exact, the scores within 1e-5.
        np.testing.assert_allclose(remote.scores_, local.scores_, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("cls", [strategies.Entropy, strategies.BALD, strategies.Coreset], ids=lambda c: c.__name__)
def test_memmap_pool_reaches_the_workers_as_its_file(ray_cluster, net_pool, tmp_path, cls):
    from skal.distributed import RayPool
    from skal.distributed._ray import _MemmapHandle, _portable

    X, _, labeled, net = net_pool
    mm = np.lib.format.open_memmap(tmp_path / "pool.npy", mode="w+", dtype=X.dtype, shape=X.shape)
    mm[:] = X
    mm.flush()
    pool = np.load(tmp_path / "pool.npy", mmap_mode="r")
    assert isinstance(_portable(pool), _MemmapHandle)
    local = _build(cls).fit(X, labeled=labeled, estimator=net).query(25)
    remote = _build(cls).fit(RayPool(pool), labeled=labeled, estimator=net).query(25)
    np.testing.assert_array_equal(remote, local)


def test_subsample_prefilter_embeds_only_the_candidates_on_the_workers(ray_cluster, net_pool):
    """Subsample(Coreset()): the two-stage prefilter; the candidate rows stay a RayPool and give the local picks."""
    from skal.distributed import RayPool

    X, y, labeled, net = net_pool
    pool = RayPool(X)
    assert isinstance(pool.subset(np.arange(10)), RayPool)

    def picks(P):
        return strategies.Subsample(strategies.Coreset(), n_candidates=2000, random_state=0).fit(
            P, labeled=labeled, estimator=net
        )

    local, remote = picks(X), picks(pool)
    assert isinstance(remote.strategy_._E, np.ndarray) and len(remote.strategy_._E) == 2000 + labeled.sum()
    np.testing.assert_array_equal(remote.query(20), local.query(20))


def test_image_folder_pool(ray_cluster, image_folder):
    """A torch Dataset travels pickled (its file paths); a small conv-free net scores it like the array."""
    import torch
    from skorch import NeuralNetClassifier

    from skal.distributed import RayPool

    dataset, y = image_folder
    X = np.stack([dataset[i][0].numpy() for i in range(len(dataset))])
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(192, 16), torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(16, 3)
    )
    net = NeuralNetClassifier(module, criterion=torch.nn.CrossEntropyLoss, max_epochs=3, train_split=None, verbose=0)
    net.fit(X[:30], y[:30].astype(np.int64))
    labeled = np.zeros(len(y), bool)
    labeled[:30] = True
    for cls in (strategies.Entropy, strategies.BALD):
        local = _build(cls).fit(X, labeled=labeled, estimator=net).query(10)
        remote = _build(cls).fit(RayPool(dataset), labeled=labeled, estimator=net).query(10)
        np.testing.assert_array_equal(remote, local)


def test_parquet_pool(ray_cluster, parquet_pool):
    from skal.distributed import RayPool

    pool, X, y = parquet_pool
    clf = LogisticRegression().fit(X[::4], y[::4])
    labeled = np.zeros(len(y), bool)
    labeled[::4] = True
    local = strategies.Margin().fit(X, labeled=labeled, estimator=clf)
    remote = strategies.Margin().fit(RayPool(pool), labeled=labeled, estimator=clf)
    np.testing.assert_array_equal(remote.scores_, local.scores_)


@pytest.fixture(scope="module")
def ray_dataset_pool(ray_cluster, net_pool):
    """The net pool's rows as a ray.data.Dataset of 4 blocks, one column per feature."""
    X = net_pool[0]
    table = {f"x{k}": X[:, k] for k in range(X.shape[1])}
    return ray_cluster.data.from_items([{c: float(v[i]) for c, v in table.items()} for i in range(len(X))]).repartition(
        4, shuffle=False
    )


def test_ray_dataset_take_returns_rows_in_the_order_asked(ray_dataset_pool, net_pool):
    from skal.distributed import RayPool

    X = net_pool[0]
    pool = RayPool(ray_dataset_pool, columns=[f"x{k}" for k in range(X.shape[1])])
    rows = np.array([8999, 0, 4500, 3, 4499])
    assert len(pool) == len(X)
    np.testing.assert_allclose(pool.take(rows), X[rows].astype(np.float64), rtol=1e-6)


@pytest.mark.parametrize(
    "cls",
    [strategies.Entropy, strategies.Margin, strategies.GradNorm, strategies.LearningLoss],
    ids=lambda c: c.__name__,
)
def test_ray_dataset_pool_same_picks(ray_dataset_pool, net_pool, cls):
    """Deterministic point-wise scores do not depend on the block layout: the picks equal the array's."""
    from skal.distributed import RayPool

    X, _, labeled, net = net_pool
    pool = RayPool(ray_dataset_pool, columns=[f"x{k}" for k in range(X.shape[1])], dtype=np.float32)
    assert pool.take([0]).dtype == np.float32  # the dataset holds float64 columns
    local = _build(cls).fit(X, labeled=labeled, estimator=net).query(25)
    remote = _build(cls).fit(pool, labeled=labeled, estimator=net).query(25)
    np.testing.assert_array_equal(remote, local)


def test_learner_on_a_ray_pool_labels_the_same_rows(ray_cluster):
    from skal.distributed import RayPool

    rng = np.random.default_rng(1)
    X = rng.normal(size=(12000, 6)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)

    def labeled_rows(pool):
        learner = ActiveLearner(
            LogisticRegression(),
            strategy=strategies.Entropy(),
            initial_strategy=Random(),
            initial_size=20,
            query_size=30,
            n_rounds=2,
            random_state=0,
        ).fit(pool, y)
        return learner.labeled_round_

    np.testing.assert_array_equal(labeled_rows(RayPool(X)), labeled_rows(X))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_workers": 0}, "num_workers must be a positive int"),
        ({"columns": ["a"]}, "columns= and dtype= are for a ray.data"),
    ],
)
def test_bad_parameters_are_refused(ray_cluster, kwargs, match):
    from skal.distributed import RayPool

    with pytest.raises(ValueError, match=match):
        RayPool(np.zeros((3, 2)), **kwargs)
