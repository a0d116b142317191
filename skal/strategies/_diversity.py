"""Representation strategies: coreset, k-means (single and multi-batch), TypiClust (papers cited per class)."""

import numpy as np

from ..neighbors import kmeans, knn, resolve_backend
from ..utils._selection import group_rows
from ._features import EmbeddingStrategy

__all__ = ["Coreset", "KMeansSampling", "MultiBatchKMeans", "TypiClust", "kcenter_greedy"]


#: A row is skipped only when ``‖c − c_j‖² > PRUNE_SLACK · 4 d(x)``: a margin over float32 rounding.
PRUNE_SLACK = 1.001
#: Rows of the pool to gather and update when pruning leaves fewer than this fraction (else one full pass).
GATHER_FRACTION = 0.5


#: Rows per chunk of the direct ‖x − c‖² (a chunk's difference stays in cache).
DIFF_ROWS = 4096


def _sq_dist(X, c, out=None):
    """``‖x − c‖²`` for every row of ``X``, from differences in float32, a chunk at a time.

    The expansion ``‖x‖² + ‖c‖² − 2 x·c`` loses every digit of a small distance
    between two rows far from the origin (near-duplicates in a cluster), and
    k-center greedy then picks another row than exact arithmetic would.
    """
    import torch

    out = torch.empty(len(X), dtype=X.dtype) if out is None else out
    for start in range(0, len(X), DIFF_ROWS):
        torch.linalg.vector_norm(X[start : start + DIFF_ROWS] - c, dim=1, out=out[start : start + DIFF_ROWS])
    return out.square_()


def _nearest_labeled(X, sq, labeled_rows, block=2**22, pairs=2**16):
    """``(d², index into labeled_rows)``: each row's nearest labeled row and its direct squared distance.

    The expansion trick (one matrix product per chunk) keeps, for each row, the
    labeled rows within its rounding bound of the smallest value; those
    candidates are measured from differences (:func:`_sq_dist`'s arithmetic) and
    the nearest is kept (ties: the lower index). Far from the origin the
    expansion alone picks the wrong labeled row.
    """
    import torch

    L = X[labeled_rows]
    l2 = sq[labeled_rows]
    tol = 2.0 * (X.shape[1] + 4) * 2.0**-24
    near = torch.empty(len(X), dtype=torch.int64)
    d = torch.empty(len(X), dtype=X.dtype)
    rows = max(1, block // max(len(labeled_rows), 1))
    for r in range(0, len(X), rows):
        sq_r = sq[r : r + rows]
        D = torch.addmm(sq_r[:, None] + l2[None, :], X[r : r + rows], L.T, alpha=-2.0)
        slack = 2.0 * tol * (sq_r + l2.max())  # covers the error of the smallest entry and of any candidate
        rr, jj = torch.nonzero(D <= (D.min(dim=1).values + slack)[:, None], as_tuple=True)
        exact = torch.empty(len(rr), dtype=X.dtype)
        for p0 in range(0, len(rr), pairs):
            part = slice(p0, p0 + pairs)
            torch.linalg.vector_norm(X[r + rr[part]] - L[jj[part]], dim=1, out=exact[part])
        exact.square_()
        best = torch.full((len(sq_r),), float("inf"), dtype=X.dtype).scatter_reduce_(0, rr, exact, "amin")
        first = torch.where(exact == best[rr], jj, len(labeled_rows))
        near[r : r + rows] = torch.full((len(sq_r),), len(labeled_rows)).scatter_reduce_(0, rr, first, "amin")
        d[r : r + rows] = best
    return d, near


#: Rows within this relative distance of the farthest one are measured again in float64 before a pick.
RECHECK_WINDOW = 1e-5


def _farthest(d, X, centres64, max_rows=1024):
    """``argmax d`` as exact arithmetic would take it (ties: lowest index).

    float32 distances are right to about 1e-7 relatively, so the rows within
    ``RECHECK_WINDOW`` of the largest are measured again in float64 against
    every centre; over 30,000 rows two distances that close are common.
    """
    import torch

    if len(d) < 2:
        return int(torch.argmax(d))
    values, index = torch.topk(d, 2)  # one pass: the farthest row and the runner-up
    top = values[0]
    threshold = top - top.abs() * RECHECK_WINDOW
    if not torch.isfinite(top) or len(centres64) == 0 or values[1] < threshold:
        return int(torch.argmax(d)) if values[1] == top else int(index[0])  # argmax: the lowest index of ties
    i = int(torch.argmax(d))
    window = torch.nonzero(d >= threshold).squeeze(1)
    if len(window) < 2:
        return i
    d64 = torch.full((len(window),), float("inf"), dtype=torch.float64)
    for w0 in range(0, len(window), max_rows):  # a large window is measured in parts, not skipped
        rows = X[window[w0 : w0 + max_rows]].double()
        for start in range(0, len(centres64), 256):
            block = centres64[start : start + 256]
            part = d64[w0 : w0 + max_rows]
            torch.minimum(part, ((rows[:, None, :] - block[None]) ** 2).sum(-1).min(1).values, out=part)
    return int(window[int(torch.argmax(d64))])


def kcenter_greedy(E, labeled, n, first=None, prune=True, stats=None):
    """Exact incremental k-center greedy (Sener & Savarese): ``n`` new centres, farthest first.

    ``d(u)`` = squared distance to the nearest labeled or picked row; each step
    takes ``argmax d`` (ties: lowest index) and lowers ``d`` where the new
    centre is nearer. Distances are float32 differences ``‖x − c‖²``: the
    expansion ``‖x‖² + ‖c‖² − 2x·c`` (one fast matrix-vector product) only
    finds the rows that may come nearer, within its rounding bound, because it
    loses small distances far from the origin. Labeled and picked rows are
    never picked again. O(n · N · d) time at worst, O(N) extra memory.

    Each row remembers its nearest centre ``c_j``. A new centre ``c`` cannot
    come nearer to a row ``x`` when ``‖c − c_j‖ ≥ 2 √d(x)`` (triangle inequality:
    ``‖x − c‖ ≥ ‖c − c_j‖ − ‖x − c_j‖ ≥ √d(x)``), so such rows are skipped
    without reading their features: the test reads one number per row, not
    ``d``. On clustered embeddings most rows are skipped after the first picks;
    on isotropic noise few are, and the step is one pass over the features as
    without pruning. The picks are the same.

    Parameters
    ----------
    E : array (N, d) float32
    labeled : bool mask (N,)
    n : int
    first : int, optional
        With nothing labeled, the first centre (``Coreset`` passes a seeded random
        row). Without it, a cold start takes ``argmax`` of an all-infinite vector: row 0.
    prune : bool, default=True
        Skip the groups the new centre cannot reach (False: read every row each step).
    stats : dict, optional
        Filled with ``rows_read``, the rows whose distance was computed over all steps.

    Examples
    --------
    >>> E = np.array([[0.0], [1.0], [10.0], [11.0], [20.0]], dtype=np.float32)
    >>> kcenter_greedy(E, np.array([True, False, False, False, False]), 2).tolist()
    [4, 2]
    """
    import torch

    from ..neighbors import sq_norms as _sq_norms

    X = torch.as_tensor(np.ascontiguousarray(E, dtype=np.float32))
    rows_read = 0
    N, dim = X.shape
    sq = _sq_norms(X)
    labeled_rows = np.flatnonzero(labeled)
    n_centres = len(labeled_rows)
    centres = torch.empty((n_centres + n, dim), dtype=X.dtype)  # c_j, labeled rows first, then the picks
    if n_centres:
        d, assign = _nearest_labeled(X, sq, torch.as_tensor(labeled_rows))
        centres[:n_centres] = X[labeled_rows]
    else:
        d = torch.full((N,), float("inf"))
        assign = torch.full((N,), -1, dtype=torch.int64)  # no centre yet: nothing can be skipped
    d[torch.as_tensor(labeled)] = -float("inf")  # labeled and picked rows sit below every distance
    dist = torch.empty_like(d)
    tol = 2.0 * (dim + 4) * 2.0**-24
    # ‖x‖² + ‖c‖² − 2x·c < d + tol(‖x‖² + ‖c‖²)  ⟺  x·c > t + ((1 − tol)/2)‖c‖², with t = ((1 − tol)‖x‖² − d)/2
    # kept per row: a row may come nearer only if its dot product with the new centre clears its own threshold
    t = ((1.0 - tol) * sq - d) / 2.0
    backoff, next_check = 1, 0  # pruning checks back off while they find nothing to skip (isotropic features)
    picks = []
    centres64 = torch.empty((n_centres + n, dim), dtype=torch.float64)
    centres64[:n_centres] = centres[:n_centres]
    for step in range(n):
        if step == 0 and first is not None and not labeled.any():
            i = int(first)
        else:
            i = _farthest(d, X, centres64[:n_centres])
        picks.append(i)
        c = X[i]
        j_new = n_centres
        rows = None  # None: every row
        if n_centres and prune and step >= next_check:
            # each row's own bound: a pass over N numbers, not N × d (a group's largest radius, the weaker
            # test, left 60 % of a CNN's CIFAR-10 features to read where this leaves 5-10 %)
            gap2 = ((centres[:n_centres] - c) ** 2).sum(1)
            active = gap2.index_select(0, assign.clamp_min(0)) <= PRUNE_SLACK * 4.0 * d.clamp_min(0.0)
            if int(active.sum()) < GATHER_FRACTION * N:
                rows = torch.nonzero(active).squeeze(1)
            backoff = 1 if rows is not None else min(2 * backoff, 16)
            next_check = step + backoff
        Xs, ts = (X, t) if rows is None else (X.index_select(0, rows), t.index_select(0, rows))
        # the expansion trick finds, in one matrix-vector product, every row that may come nearer (its error is
        # below tol, the floating-point bound of a dim-term dot product); only those are measured exactly
        dots = torch.mv(Xs, c, out=dist[: len(Xs)])
        maybe = torch.nonzero(dots > ts + float((1.0 - tol) / 2.0 * sq[i])).squeeze(1)
        exact = _sq_dist(Xs.index_select(0, maybe), c)
        moved = maybe if rows is None else rows.index_select(0, maybe)
        closer = exact < d.index_select(0, moved)
        moved = moved[closer]
        d[moved] = exact[closer]
        t[moved] = ((1.0 - tol) * sq[moved] - d[moved]) / 2.0
        assign[moved] = j_new
        rows_read += len(Xs)
        centres[j_new] = c
        centres64[j_new] = c
        n_centres += 1
        d[i] = -float("inf")
        t[i] = float("inf")
        assign[i] = j_new
    if stats is not None:
        stats["rows_read"] = rows_read
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


def _nearest_members(E, centroids, labels, allowed, n, rows=None):
    """Per cluster, its allowed member nearest to the centroid; then top up to ``n`` by distance.

    ``labels[i]`` is the cluster of row ``rows[i]`` of ``E`` (of row ``i`` when
    ``rows`` is None); the picks are positions in ``labels``. ``E`` is read in
    chunks (a memory-mapped pool is never copied whole).
    """
    d = np.empty(len(labels), dtype=np.result_type(E.dtype, centroids.dtype))
    for start in range(0, len(labels), 65536):  # chunks: two N × d temporaries were 1 GB at 1M × 128
        part = slice(start, start + 65536)
        d[part] = ((E[part if rows is None else rows[part]] - centroids[labels[part]]) ** 2).sum(1)
    members = np.flatnonzero(allowed)
    order = members[np.lexsort((members, d[members]))]  # by distance to own centre, ties by index
    first_of_cluster = np.unique(labels[order], return_index=True)[1]
    picks = list(order[np.sort(first_of_cluster)])[:n]
    if len(picks) < n:  # empty clusters (or clusters with nothing allowed): the next nearest rows
        chosen = np.zeros(len(labels), bool)
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
        rows = np.flatnonzero(~self.labeled_)  # clustered in place: a memory-mapped pool is not gathered
        centroids, labels = kmeans(
            self._E, n, rows=rows, n_iter=self.n_iter, random_state=self._rng, backend=self.backend
        )
        return rows[_nearest_members(self._E, centroids, labels, np.ones(len(rows), bool), n, rows=rows)]


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
