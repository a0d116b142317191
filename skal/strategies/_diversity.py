"""Representation strategies: coreset, k-means (single and multi-batch), TypiClust (papers cited per class)."""

import numpy as np

from ..neighbors import kmeans, knn, min_sq_distances, resolve_backend
from ..utils._selection import group_rows
from ._features import EmbeddingStrategy

__all__ = ["Coreset", "KMeansSampling", "MultiBatchKMeans", "TypiClust", "kcenter_greedy"]


def kcenter_greedy(E, labeled, n, first=None):
    """Exact incremental k-center greedy (Sener & Savarese): ``n`` new centres, farthest first.

    ``d(u)`` = squared distance to the nearest labeled or picked row; each step
    takes ``argmax d`` (ties: lowest index) and updates ``d`` with one
    matrix-vector product. float32 maths, distances clamped at 0, labeled and
    picked rows never picked again. O(n · N · d) time, O(N) extra memory.

    Parameters
    ----------
    E : array (N, d) float32
    labeled : bool mask (N,)
    n : int
    first : int, optional
        With nothing labeled, the first centre (``Coreset`` passes a seeded random
        row). Without it, a cold start takes ``argmax`` of an all-infinite vector: row 0.
    """
    import torch

    from ..neighbors import sq_norms as _sq_norms

    X = torch.as_tensor(E)
    sq = _sq_norms(X)
    if labeled.any():
        d = torch.as_tensor(min_sq_distances(E, E[labeled], backend="torch"), dtype=torch.float32)
    else:
        d = torch.full((len(E),), float("inf"))
    d[torch.as_tensor(labeled)] = -1.0  # labeled and picked rows sit below every distance
    dist = torch.empty_like(d)
    picks = []
    for step in range(n):
        i = int(first) if step == 0 and first is not None and not labeled.any() else int(torch.argmax(d))
        picks.append(i)
        torch.mv(X, X[i], out=dist)
        dist.mul_(-2.0).add_(sq).add_(sq[i]).clamp_min_(0.0)
        torch.minimum(d, dist, out=d)
        d[i] = -1.0
    return np.asarray(picks, dtype=np.intp)


class Coreset(EmbeddingStrategy):
    """Core-set / k-center greedy (Sener & Savarese, ICLR 2018).

    Picks, one at a time, the unlabeled row farthest from every labeled and
    already-picked row, in the chosen feature space. Exact (not an index
    approximation), chunked: memory O(N) beyond the features.

    With nothing labeled the first centre is a random row (seeded), as in
    the k-center greedy of ``google/active-learning``; the rest follow greedily.

    Parameters
    ----------
    embedding : "auto", "input", layer name or callable
        ``"auto"``: a skorch net's penultimate features, else ``X`` itself.
    random_state : None, int or Generator
        Only used for the first centre on a cold start.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> Coreset().fit(X, labeled=np.array([True, False, False, False])).query(1).tolist()
    [3]
    """

    def __init__(self, embedding="auto", random_state=None):
        self.embedding = embedding
        self.random_state = random_state

    def _query(self, n):
        first = None
        if not self.labeled_.any():
            first = int(self._rng.integers(len(self.labeled_)))
        return kcenter_greedy(self._E, self.labeled_, n, first=first)


def _nearest_members(E, centroids, labels, allowed, n):
    """Per cluster, its allowed member nearest to the centroid; then top up to ``n`` by distance."""
    d = ((E - centroids[labels]) ** 2).sum(1)
    rows = np.flatnonzero(allowed)
    order = rows[np.lexsort((rows, d[rows]))]  # by distance to own centre, ties by index
    first_of_cluster = np.unique(labels[order], return_index=True)[1]
    picks = list(order[np.sort(first_of_cluster)])[:n]
    if len(picks) < n:  # empty clusters (or clusters with nothing allowed): the next nearest rows
        chosen = np.zeros(len(E), bool)
        chosen[picks] = True
        picks += [i for i in order if not chosen[i]][: n - len(picks)]
    return np.asarray(picks, dtype=np.intp)


class KMeansSampling(EmbeddingStrategy):
    """Single-batch k-means (Pourahmadi et al.'s ``kmeans``): ``n`` clusters of unlabeled rows, nearest row per centre.

    Clusters come from :func:`skal.neighbors.kmeans` (faiss by default, seeded).
    An empty cluster is topped up with the next rows nearest their centres, so
    exactly ``n`` rows come back — never centroid ids in place of row ids.
    (Pourahmadi et al., 2021, look among a centre's 200 nearest points and can return fewer.)

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.normal(c, 0.1, size=(20, 2)) for c in (0, 5, 10)])
    >>> picks = KMeansSampling(random_state=0).fit(X).query(3)
    >>> sorted(int(p) // 20 for p in picks)
    [0, 1, 2]
    """

    def __init__(self, embedding="auto", n_iter=20, backend="auto", random_state=None):
        self.embedding = embedding
        self.n_iter = n_iter
        self.backend = backend
        self.random_state = random_state

    def _query(self, n):
        rows = np.flatnonzero(~self.labeled_)
        E = self._E[rows]
        centroids, labels = kmeans(E, n, n_iter=self.n_iter, random_state=self._rng, backend=self.backend)
        return rows[_nearest_members(E, centroids, labels, np.ones(len(rows), bool), n)]


class MultiBatchKMeans(KMeansSampling):
    """Accumulated k-means (Pourahmadi et al.'s ``accu_kmeans``): cluster *all* rows into ``n``, pick unlabeled members.

    Labeled rows shape the clusters; each centre contributes its nearest
    unlabeled member. Clusters with no unlabeled member are topped up with the
    next unlabeled rows nearest their centres, to exactly ``n``.
    """

    def _query(self, n):
        centroids, labels = kmeans(self._E, n, n_iter=self.n_iter, random_state=self._rng, backend=self.backend)
        return _nearest_members(self._E, centroids, labels, ~self.labeled_, n)


def typicality(E, k, distance="euclidean", backend="auto"):
    """``1 / (mean distance to the k nearest other rows + 1e-5)`` for each row of ``E``."""
    if len(E) < 2 or k < 1:
        return np.ones(len(E))
    D, _ = knn(E, E, k + 1, backend=backend)
    D = D[:, 1:]  # drop the row itself
    if distance == "euclidean":
        D = np.sqrt(D)
    return 1.0 / (D.mean(1) + 1e-5)


class TypiClust(EmbeddingStrategy):
    """TypiClust (Hacohen, Dekel & Weinshall, ICML 2022): the most typical row of the least-covered clusters.

    ``K = min(|L| + n, max_clusters)`` k-means clusters over all rows; clusters
    of ``min_cluster_size`` rows or fewer are dropped; the rest are visited by
    (labeled members ascending, size descending) and each gives the unlabeled,
    unpicked member with the highest typicality — ``1 / (mean distance to its
    k = min(k_nn, n_c // 2) nearest remaining members + 1e-5)``. If every
    cluster runs dry, the remaining picks are the most typical unlabeled rows overall.

    Parameters
    ----------
    distance : {"euclidean", "sqeuclidean"}
        The paper's Euclidean typicality (default), or the reference code's squared
        distances (faiss ``IndexFlatL2``) for faithfulness.
    k_nn, min_cluster_size, max_clusters : int
        The reference's 20, 5 and 500.
    """

    def __init__(
        self,
        embedding="auto",
        distance="euclidean",
        k_nn=20,
        min_cluster_size=5,
        max_clusters=500,
        backend="auto",
        random_state=None,
    ):
        self.embedding = embedding
        self.distance = distance
        self.k_nn = k_nn
        self.min_cluster_size = min_cluster_size
        self.max_clusters = max_clusters
        self.backend = backend
        self.random_state = random_state

    def _query(self, n):
        if self.distance not in ("euclidean", "sqeuclidean"):
            raise ValueError(f"distance must be 'euclidean' or 'sqeuclidean'; got {self.distance!r}.")
        labeled = self.labeled_
        K = int(min(labeled.sum() + n, self.max_clusters, len(labeled)))
        _, labels = kmeans(self._E, K, random_state=self._rng, backend=self.backend)
        sizes = np.bincount(labels, minlength=K)
        existing = np.bincount(labels[labeled], minlength=K)
        clusters = [c for c in np.lexsort((np.arange(K), -sizes, existing)) if sizes[c] > self.min_cluster_size]
        groups = group_rows(labels, K)
        taken = labeled.copy()
        picks = []
        stalled = 0
        i = 0
        while len(picks) < n and clusters and stalled < len(clusters):
            c = clusters[i % len(clusters)]
            i += 1
            members = groups[c][~taken[groups[c]]]
            if len(members) == 0:
                stalled += 1
                continue
            stalled = 0
            k = min(self.k_nn, len(members) // 2)
            scores = typicality(self._E[members], k, self.distance, resolve_backend(self.backend))
            best = members[int(np.argmax(scores))]
            picks.append(best)
            taken[best] = True
        if len(picks) < n:
            rest = np.flatnonzero(~taken)
            scores = typicality(self._E[rest], min(self.k_nn, len(rest) // 2), self.distance, self.backend)
            picks += list(rest[np.argsort(-scores, kind="stable")[: n - len(picks)]])
        return np.asarray(picks, dtype=np.intp)
