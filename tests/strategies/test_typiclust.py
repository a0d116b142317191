import numpy as np
import pytest

from skal.strategies import BudgetSwitch, Entropy, Random, TypiClust
from skal.strategies._diversity import typicality
from skal.utils.estimator_checks import make_pool


def dense_core_blobs(seed=0):
    """Three clusters, each a tight core plus a loose halo; the core rows are 0..9 of each cluster."""
    rng = np.random.default_rng(seed)
    parts = []
    for c in range(3):
        centre = np.array([30.0 * c, 0.0])
        parts += [rng.normal(centre, 0.05, size=(10, 2)), rng.normal(centre, 3.0, size=(30, 2))]
    X = np.concatenate(parts)
    core = np.zeros(len(X), bool)
    for c in range(3):
        core[40 * c : 40 * c + 10] = True
    return X, core


def test_picks_from_the_dense_core_of_each_cluster():
    X, core = dense_core_blobs()
    picks = TypiClust(max_clusters=3, random_state=0).fit(X).query(3)
    assert core[picks].all()
    assert sorted(np.round(X[picks, 0] / 30).tolist()) == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("distance", ["euclidean", "sqeuclidean"])
def test_typicality_matches_numpy_reference(distance):
    E = np.random.default_rng(1).normal(size=(30, 4)).astype(np.float32)
    k = 5
    D = ((E[:, None, :].astype(np.float64) - E[None, :, :]) ** 2).sum(-1)
    D = np.sort(D, axis=1)[:, 1 : k + 1]
    if distance == "euclidean":
        D = np.sqrt(D)
    np.testing.assert_allclose(typicality(E, k, distance), 1 / (D.mean(1) + 1e-5), rtol=1e-4)


def test_euclidean_and_squared_can_disagree():
    # one row close to two neighbours, one at a medium distance from both: means differ in order
    E = np.array([[0.0], [0.1], [3.0], [3.1], [1.6]])
    a = typicality(E, 2, "euclidean")
    b = typicality(E, 2, "sqeuclidean")
    assert np.argsort(a).tolist() != np.argsort(b).tolist() or not np.allclose(a, b)


def test_small_clusters_and_exhaustion_still_give_n():
    X = np.concatenate([np.zeros((3, 2)), np.ones((3, 2)) * 5])  # every cluster is below min_cluster_size
    picks = TypiClust(random_state=0).fit(X).query(6)
    assert sorted(picks.tolist()) == list(range(6))
    with pytest.raises(ValueError, match="distance"):
        TypiClust(distance="cosine").fit(X).query(1)


def test_budget_switch():
    X, y, labeled, est = make_pool(n_pool=80)
    few = np.zeros(80, bool)
    few[:3] = True
    s = BudgetSwitch(low=Random(random_state=0), high=Entropy(), threshold=10)
    assert type(s.fit(X, labeled=few, estimator=est).active_) is Random
    assert type(s.fit(X, labeled=labeled, estimator=est).active_) is Entropy
    assert BudgetSwitch().needs(None) == {"embedding"} and "proba" in BudgetSwitch().requirements()
