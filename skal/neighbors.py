"""Distances, nearest neighbours and k-means for the representation strategies.

Everything is chunked: no function builds an N×N matrix. Backends:

* ``"faiss"`` — faiss (``IndexFlatL2``, ``faiss.Kmeans``); faiss-gpu and CUDA are used when present;
* ``"torch"`` — chunked matmul (GPU when CUDA is present);
* ``"numpy"`` — chunked numpy / scikit-learn (float64 where it matters; the reference path).

``backend="auto"`` picks faiss when it imports, else torch. Squared distances
use ``|a|² + |b|² - 2 a·b`` and are clamped at 0.
"""

import numpy as np

__all__ = [
    "resolve_backend",
    "min_sq_distances",
    "knn",
    "kmeans",
    "kmeans_plusplus",
    "assign",
    "pairwise_sq_chunks",
    "sq_norms",
]

#: Rows × columns of one distance block (4 M floats, 16 MiB in float32): small enough that
#: the temporaries stay far below the size of the features, large enough for fast matmuls.
BLOCK = 1 << 22


def resolve_backend(backend="auto"):
    """``"faiss"`` if it imports (for ``"auto"``), else ``"torch"``; explicit names are checked."""
    if backend == "auto":
        try:
            import faiss  # noqa: F401

            return "faiss"
        except ImportError:  # pragma: no cover - faiss-cpu is a dependency
            return "torch"
    if backend not in ("faiss", "torch", "numpy"):
        raise ValueError(f"backend must be 'auto', 'faiss', 'torch' or 'numpy'; got {backend!r}.")
    return backend


def _device():
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def sq_norms(T):
    """Squared row norms of a torch matrix, without an N×d temporary.

    Parameters
    ----------
    T : torch.Tensor of shape (n, d)

    Returns
    -------
    torch.Tensor of shape (n,)

    Examples
    --------
    >>> import torch
    >>> sq_norms(torch.tensor([[3.0, 4.0], [1.0, 0.0]])).tolist()
    [25.0, 1.0]
    """
    import torch

    return torch.linalg.vector_norm(T, dim=1).square_()


def pairwise_sq_chunks(A, B, block=BLOCK):
    """Yield ``(start, D)``: squared distances of a block of ``A`` rows to all of ``B`` (numpy, float64)."""
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    b2 = np.einsum("ij,ij->i", B, B)
    step = max(1, block // max(len(B), 1))
    for start in range(0, len(A), step):
        a = A[start : start + step]
        D = np.einsum("ij,ij->i", a, a)[:, None] + b2[None, :] - 2.0 * a @ B.T
        yield start, np.maximum(D, 0.0)


def min_sq_distances(E, C, backend="auto", block=BLOCK):
    """For each row of ``E``, the squared distance to its nearest row of ``C``; ``+inf`` if ``C`` is empty."""
    E = np.asarray(E)
    C = np.asarray(C)
    if len(C) == 0:
        return np.full(len(E), np.inf)
    backend = resolve_backend(backend)
    if backend == "numpy":
        out = np.empty(len(E))
        for start, D in pairwise_sq_chunks(E, C, block):
            out[start : start + len(D)] = D.min(1)
        return out
    if backend == "faiss":
        return knn(C, E, 1, backend="faiss")[0][:, 0].astype(np.float64)
    import torch

    dev = _device()
    Et = torch.as_tensor(np.ascontiguousarray(E, dtype=np.float32), device=dev)
    Ct = torch.as_tensor(np.ascontiguousarray(C, dtype=np.float32), device=dev)
    e2, c2 = sq_norms(Et), sq_norms(Ct)
    out = torch.full((len(E),), float("inf"), device=dev)
    rows = max(1, min(len(E), block // max(len(C), 1)))
    cols = min(len(C), block // rows)
    for r in range(0, len(E), rows):
        for c in range(0, len(C), cols):
            D = torch.addmm(
                e2[r : r + rows, None] + c2[None, c : c + cols], Et[r : r + rows], Ct[c : c + cols].T, alpha=-2.0
            )
            torch.minimum(out[r : r + rows], D.min(1).values, out=out[r : r + rows])
    return out.clamp_min_(0).cpu().numpy().astype(np.float64)


def knn(data, queries, k, backend="auto", block=BLOCK):
    """Squared distances and indices of the ``k`` nearest rows of ``data`` for each query (exact search)."""
    data = np.ascontiguousarray(data, dtype=np.float32)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    k = min(k, len(data))
    backend = resolve_backend(backend)
    if backend == "faiss":
        import faiss

        index = faiss.IndexFlatL2(data.shape[1])
        index = _to_gpu(index)
        index.add(data)
        D, idx = index.search(queries, k)
        return np.maximum(D, 0.0), idx
    if backend == "numpy":
        Ds, Is = [], []
        for _, D in pairwise_sq_chunks(queries, data, block):
            idx = np.argsort(D, axis=1, kind="stable")[:, :k]
            Is.append(idx)
            Ds.append(np.take_along_axis(D, idx, 1))
        return np.concatenate(Ds), np.concatenate(Is)
    import torch

    dev = _device()
    X = torch.as_tensor(data, device=dev)
    x2 = sq_norms(X)
    Ds, Is = [], []
    rows = max(1, block // max(len(data), 1))
    for r in range(0, len(queries), rows):
        Q = torch.as_tensor(queries[r : r + rows], device=dev)
        D = torch.addmm(sq_norms(Q)[:, None] + x2[None, :], Q, X.T, alpha=-2.0).clamp_min_(0)
        values, idx = torch.topk(D, k, dim=1, largest=False, sorted=True)
        Ds.append(values.cpu().numpy())
        Is.append(idx.cpu().numpy())
    return np.concatenate(Ds), np.concatenate(Is)


def _to_gpu(index):
    import faiss

    if hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0:  # pragma: no cover - needs a GPU
        return faiss.index_cpu_to_gpu(faiss.StandardGpuResources(), 0, index)
    return index


#: k-means trains on at most this many rows per centroid (a seeded sample), then assigns every row.
MAX_POINTS_PER_CENTROID = 64


def kmeans(E, k, *, rows=None, n_iter=20, n_init=1, random_state=0, backend="auto", max_points_per_centroid=None):
    """Cluster ``E`` (or the rows ``rows`` of it) into ``k`` groups; return ``(centroids, labels)``.

    faiss uses ``faiss.Kmeans(seed=random_state)``; numpy uses scikit-learn's
    ``KMeans(random_state=...)``; torch runs Lloyd's iterations from a seeded
    k-means++ start. Every path is deterministic for a fixed ``random_state``.

    With more than ``max_points_per_centroid · k`` rows (default
    :data:`MAX_POINTS_PER_CENTROID`, 64) the centroids are trained on a seeded
    sample of that many rows, and every row is then assigned to its nearest
    centroid in one pass: the centroids of 300 clusters over 100,000 rows come
    from 19,200 of them, as faiss itself samples (its default is 256 per
    centroid). Smaller pools are clustered whole.

    Parameters
    ----------
    E : array of shape (N, d)
        Features; a ``numpy.memmap`` is read, never copied whole: only the
        training sample is gathered, and rows are assigned in chunks.
    k : int
        Number of clusters.
    rows : array of int or bool mask, optional
        Cluster only these rows of ``E`` (all by default); ``labels[i]`` is then
        the cluster of row ``rows[i]`` (of the i-th True row for a mask).

    Examples
    --------
    >>> X = np.array([[0.0], [0.1], [5.0], [5.1]], dtype=np.float32)
    >>> _, labels = kmeans(X, 2, random_state=0, backend="numpy")
    >>> bool(labels[0] == labels[1] != labels[2] == labels[3])
    True
    >>> _, labels = kmeans(X, 2, rows=[0, 2, 3], random_state=0, backend="numpy")
    >>> bool(labels[1] == labels[2] != labels[0])
    True
    """
    if rows is not None:
        rows = np.asarray(rows)
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows.astype(np.intp, copy=False)
    n = len(E) if rows is None else len(rows)
    if not 1 <= k <= n:
        raise ValueError(f"k must lie in [1, {n}] (the number of points); got {k}.")
    seed = int(np.random.default_rng(random_state).integers(2**31 - 1))
    backend = resolve_backend(backend)
    per_centroid = MAX_POINTS_PER_CENTROID if max_points_per_centroid is None else int(max_points_per_centroid)
    if n > per_centroid * k:
        sample = np.sort(np.random.default_rng(seed).choice(n, per_centroid * k, replace=False))
        train = _gather(E, sample if rows is None else rows[sample])
        centroids, _ = _kmeans_all(train, k, n_iter, n_init, seed, backend)
        return centroids, assign(E, centroids, rows=rows, backend=backend)[1]
    return _kmeans_all(_gather(E, rows), k, n_iter, n_init, seed, backend)


#: Rows read at a time when a pool is assigned to centroids (a multiple of faiss's 4,096-query block).
ASSIGN_CHUNK = 1 << 16


def _gather(E, rows):
    """``E[rows]`` (all of ``E`` when ``rows`` is None) as a C-contiguous float32 array."""
    return np.ascontiguousarray(E if rows is None else E[rows], dtype=np.float32)


def assign(E, centroids, *, rows=None, backend="auto", chunk=ASSIGN_CHUNK):
    """Squared distance to, and index of, the nearest centroid for each row of ``E`` (or of ``E[rows]``).

    Rows are read ``chunk`` at a time, so a memory-mapped ``E`` is never copied whole.

    Returns
    -------
    sq_distances : float32 array of shape (n,)
    labels : int64 array of shape (n,)

    Examples
    --------
    >>> d, labels = assign(np.array([[0.0], [4.0]]), np.array([[1.0], [5.0]]), backend="numpy")
    >>> d.tolist(), labels.tolist()
    ([1.0, 1.0], [0, 1])
    """
    n = len(E) if rows is None else len(rows)
    distances, labels = np.empty(n, dtype=np.float32), np.empty(n, dtype=np.int64)
    for start in range(0, n, chunk):
        part = slice(start, min(start + chunk, n))
        D, idx = knn(centroids, _gather(E, part if rows is None else rows[part]), 1, backend=backend)
        distances[part], labels[part] = D[:, 0], idx[:, 0]
    return distances, labels


def _kmeans_all(E, k, n_iter, n_init, seed, backend):
    """k-means on every row of ``E``."""
    if backend == "faiss":
        import faiss

        km = faiss.Kmeans(
            E.shape[1],
            k,
            niter=n_iter,
            nredo=n_init,
            seed=seed,
            verbose=False,
            min_points_per_centroid=1,
            max_points_per_centroid=max(256, 2 * len(E) // k + 1),
            gpu=hasattr(faiss, "get_num_gpus") and faiss.get_num_gpus() > 0,
        )
        # k-means++ seeding (faiss starts from random rows, which can put two centres in one blob)
        km.train(E, init_centroids=kmeans_plusplus(E, k, seed, backend="torch"))
        centroids = km.centroids
        labels = knn(centroids, E, 1, backend="faiss")[1][:, 0]
        return centroids, labels
    if backend == "numpy":
        from sklearn.cluster import KMeans

        km = KMeans(n_clusters=k, n_init=n_init, max_iter=max(n_iter, 1), random_state=seed).fit(E)
        return km.cluster_centers_.astype(np.float32), km.labels_
    return _torch_kmeans(E, k, n_iter, seed)


def kmeans_plusplus(E, k, seed, backend="torch"):
    """k-means++ seeds (Arthur & Vassilvitskii): rows drawn ∝ D², from a seeded generator. Returns ``(k, d)``."""
    import torch

    dev = _device()
    X = torch.as_tensor(np.ascontiguousarray(E, dtype=np.float32), device=dev)
    sq = sq_norms(X)
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    first = int(torch.randint(len(X), (1,), generator=gen))
    centers = [first]
    d2 = (sq + sq[first] - 2.0 * (X @ X[first])).clamp_min_(0)
    for _ in range(1, k):
        total = float(d2.sum())
        probs = (d2 / total).cpu() if total > 0 else torch.full((len(X),), 1.0 / len(X))
        nxt = int(torch.multinomial(probs.double(), 1, generator=gen))
        centers.append(nxt)
        d2 = torch.minimum(d2, (sq + sq[nxt] - 2.0 * (X @ X[nxt])).clamp_min_(0))
    return E[centers].astype(np.float32)


def _torch_kmeans(E, k, n_iter, seed):
    import torch

    dev = _device()
    X = torch.as_tensor(E, device=dev)
    C = torch.as_tensor(kmeans_plusplus(E, k, seed), device=dev)
    for _ in range(n_iter):
        labels = torch.as_tensor(knn(C.cpu().numpy(), E, 1, backend="torch")[1][:, 0], device=dev)
        sums = torch.zeros_like(C).index_add_(0, labels, X)
        counts = torch.bincount(labels, minlength=k).float()
        keep = counts > 0
        C[keep] = sums[keep] / counts[keep, None]
    labels = knn(C.cpu().numpy(), E, 1, backend="torch")[1][:, 0]
    return C.cpu().numpy(), labels
