"""The neighbour and clustering backends agree with a float64 numpy reference."""

import numpy as np
import pytest

from skal.neighbors import assign, kmeans, kmeans_plusplus, knn, min_sq_distances, resolve_backend, sq_norms


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(300, 7)).astype(np.float32), rng.normal(size=(40, 7)).astype(np.float32)


def reference_sq(A, B):
    A, B = A.astype(np.float64), B.astype(np.float64)
    return ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)


@pytest.mark.parametrize("backend", ["faiss", "torch", "numpy"])
def test_min_sq_distances(data, backend):
    E, C = data
    np.testing.assert_allclose(min_sq_distances(E, C, backend=backend), reference_sq(E, C).min(1), rtol=1e-4, atol=1e-4)
    assert np.isinf(min_sq_distances(E, C[:0], backend=backend)).all()


@pytest.mark.parametrize("backend", ["faiss", "torch", "numpy"])
def test_knn(data, backend):
    E, Q = data
    D, idx = knn(E, Q, 5, backend=backend)
    ref = reference_sq(Q, E)
    np.testing.assert_array_equal(idx, np.argsort(ref, axis=1, kind="stable")[:, :5])
    np.testing.assert_allclose(D, np.sort(ref, axis=1)[:, :5], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("backend", ["faiss", "torch", "numpy"])
def test_chunked_paths_match(data, backend):
    E, C = data
    small = min_sq_distances(E, C, backend=backend, block=97)  # forces many blocks
    np.testing.assert_allclose(small, reference_sq(E, C).min(1), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("backend", ["faiss", "torch", "numpy"])
def test_kmeans_seeded_and_sensible(backend):
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(10.0 * c, 0.3, size=(50, 2)) for c in range(3)]).astype(np.float32)
    c1, l1 = kmeans(X, 3, random_state=0, backend=backend)
    c2, l2 = kmeans(X, 3, random_state=0, backend=backend)
    np.testing.assert_array_equal(l1, l2)
    assert len(set(l1[:50])) == len(set(l1[50:100])) == len(set(l1[100:])) == 1 and len(set(l1)) == 3
    with pytest.raises(ValueError, match="k must lie"):
        kmeans(X, 0, backend=backend)


def test_kmeans_plusplus_spreads():
    X = np.concatenate([np.zeros((100, 2)), np.full((1, 2), 50.0)]).astype(np.float32)
    assert (kmeans_plusplus(X, 2, seed=0) == 50).any()


def test_backend_names():
    assert resolve_backend("auto") == "faiss"
    with pytest.raises(ValueError, match="backend"):
        resolve_backend("annoy")


def test_sq_norms(data):
    import torch

    X, _ = data
    np.testing.assert_allclose(sq_norms(torch.as_tensor(X)).numpy(), (X.astype(np.float64) ** 2).sum(1), rtol=1e-5)


@pytest.mark.parametrize("backend", ["faiss", "torch", "numpy"])
def test_kmeans_trains_on_a_sample_and_assigns_every_row(backend):
    """600 rows, 3 clusters, 64 rows per centroid: centroids from a seeded 192-row sample, labels for all 600."""
    rng = np.random.default_rng(0)
    truth = rng.integers(3, size=600)
    E = (np.array([[0, 0], [20, 0], [0, 20]])[truth] + rng.normal(size=(600, 2))).astype(np.float32)
    C, labels = kmeans(E, 3, random_state=1, backend=backend)
    C2, labels2 = kmeans(E, 3, random_state=1, backend=backend)
    np.testing.assert_array_equal(labels, labels2)
    np.testing.assert_array_equal(labels, ((E[:, None, :] - C[None]) ** 2).sum(-1).argmin(1))  # nearest centroid
    assert len(set(zip(truth.tolist(), labels.tolist()))) == 3  # the three blobs, whatever their names
    _, whole = kmeans(E, 3, random_state=1, backend=backend, max_points_per_centroid=1000)
    assert len(set(zip(labels.tolist(), whole.tolist()))) == 3  # the same partition as clustering every row


@pytest.mark.parametrize("backend", ["faiss", "torch", "numpy"])
@pytest.mark.parametrize("per_centroid", [64, 1000])  # sampled, and clustered whole
def test_kmeans_on_rows_equals_kmeans_on_the_gathered_rows(backend, per_centroid, tmp_path):
    """``rows=`` clusters a memmap's rows in place: the same centroids and labels as on ``E[rows]``."""
    rng = np.random.default_rng(3)
    E = np.memmap(tmp_path / "E.f32", dtype=np.float32, mode="w+", shape=(700, 4))
    E[:] = rng.normal(size=(700, 4)) + 6 * rng.integers(3, size=(700, 1))
    rows = np.flatnonzero(rng.random(700) < 0.8)
    kw = dict(random_state=2, backend=backend, max_points_per_centroid=per_centroid)
    C, labels = kmeans(E, 3, rows=rows, **kw)
    C_ref, labels_ref = kmeans(np.asarray(E[rows]), 3, **kw)
    np.testing.assert_array_equal(C, C_ref)
    np.testing.assert_array_equal(labels, labels_ref)
    with pytest.raises(ValueError, match="k must lie in"):
        kmeans(E, 4, rows=rows[:3], backend=backend)


@pytest.mark.parametrize("backend", ["faiss", "torch", "numpy"])
@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_assign_in_chunks_is_nearest_centroid(backend, chunk):
    rng = np.random.default_rng(4)
    E, C = rng.normal(size=(50, 3)).astype(np.float32), rng.normal(size=(5, 3)).astype(np.float32)
    rows = rng.permutation(50)[:30]
    d, labels = assign(E, C, rows=rows, backend=backend, chunk=chunk)
    full = ((E[rows, None, :].astype(np.float64) - C[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(labels, full.argmin(1))
    np.testing.assert_allclose(d, full.min(1), rtol=1e-4, atol=1e-5)
