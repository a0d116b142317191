import numpy as np
import pytest

from skal.strategies import ClusterBalanced, KMeansSampling, MultiBatchKMeans


def blobs(k=4, per=30, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.arange(k)[:, None] * 20.0 + np.zeros((k, 3))
    X = np.concatenate([rng.normal(c, 0.5, size=(per, 3)) for c in centers])
    return X, np.repeat(np.arange(k), per)


@pytest.mark.parametrize("backend", ["faiss", "torch", "numpy"])
@pytest.mark.parametrize("cls", [KMeansSampling, MultiBatchKMeans])
def test_one_row_per_well_separated_blob(cls, backend):
    X, blob = blobs()
    picks = cls(backend=backend, random_state=0).fit(X).query(4)
    assert sorted(blob[picks].tolist()) == [0, 1, 2, 3]


def test_pick_is_nearest_to_its_centre():
    X, blob = blobs(k=2)
    picks = KMeansSampling(random_state=0).fit(X).query(2)
    for p in picks:
        members = X[blob == blob[p]]
        centre = members.mean(0)
        assert np.isclose(((X[p] - centre) ** 2).sum(), ((members - centre) ** 2).sum(1).min(), rtol=1e-4)


def test_multibatch_picks_unlabeled_members_of_covered_clusters():
    X, blob = blobs(k=3)
    labeled = np.zeros(len(X), bool)
    labeled[blob == 0] = True  # a fully labeled cluster cannot contribute
    picks = MultiBatchKMeans(random_state=0).fit(X, labeled=labeled).query(3)
    assert len(set(picks.tolist())) == 3 and not labeled[picks].any()
    assert set(blob[picks].tolist()) == {1, 2}  # topped up from the other clusters


def test_duplicates_exactly_n():
    X = np.repeat(np.eye(3), 10, axis=0)  # 3 distinct points: most of 8 clusters are empty
    for cls in (KMeansSampling, MultiBatchKMeans):
        picks = cls(random_state=0).fit(X).query(8)
        assert len(set(picks.tolist())) == 8


def test_seeded():
    X, _ = blobs(k=5, per=40)
    a = KMeansSampling(random_state=3).fit(X).query(7)
    b = KMeansSampling(random_state=3).fit(X).query(7)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("proportional, expected", [(False, [5, 5, 5, 5]), (True, [8, 4, 4, 4])])
def test_cluster_balanced_quotas(proportional, expected):
    rng = np.random.default_rng(0)
    sizes = [80, 40, 40, 40]
    X = np.concatenate([rng.normal(20.0 * c, 0.5, size=(s, 2)) for c, s in enumerate(sizes)])
    blob = np.repeat(np.arange(4), sizes)
    picks = ClusterBalanced(n_clusters=4, proportional=proportional, random_state=0).fit(X).query(20)
    assert len(set(picks.tolist())) == 20
    assert np.bincount(blob[picks], minlength=4).tolist() == expected


def test_cluster_balanced_tops_up_short_quotas():
    X, blob = blobs(k=3, per=10)
    picks = ClusterBalanced(n_clusters=3, random_state=0).fit(X).query(10)  # 3 per cluster + 1 top-up
    assert len(set(picks.tolist())) == 10 and sorted(np.bincount(blob[picks]).tolist())[:2] == [3, 3]
