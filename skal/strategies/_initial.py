"""Cluster-balanced initial pools (Chandra et al., 2021)."""

import numpy as np

from ..neighbors import kmeans
from ..utils._selection import group_rows
from ._features import EmbeddingStrategy

__all__ = ["ClusterBalanced"]


class ClusterBalanced(EmbeddingStrategy):
    """K k-means clusters, then ``n / K`` random unlabeled rows from each (or proportional to cluster size).

    The clustering initial pool of Chandra et al. (2021): floors can leave the batch short (and a
    small cluster may have fewer rows than its quota), so the rest is topped up
    at random from the unpicked unlabeled rows — exactly ``n`` come back.

    Parameters
    ----------
    n_clusters : int
        K; Chandra et al. use the number of classes.
    proportional : bool
        False: ``⌊n / K⌋`` per cluster; True: ``⌊|C_j| · n / N⌋`` (the paper's variant).
    embedding : "auto", "input", layer name or callable
    random_state : None, int or Generator
    """

    def __init__(self, n_clusters=10, proportional=False, embedding="auto", backend="auto", random_state=None):
        self.n_clusters = n_clusters
        self.proportional = proportional
        self.embedding = embedding
        self.backend = backend
        self.random_state = random_state

    def _query(self, n):
        K = int(min(self.n_clusters, len(self._E)))
        _, labels = kmeans(self._E, K, random_state=self._rng, backend=self.backend)
        free = ~self.labeled_
        sizes = np.bincount(labels, minlength=K)
        quota = np.floor(sizes * n / len(labels)).astype(int) if self.proportional else np.full(K, n // K)
        picks = []
        for c, rows in enumerate(group_rows(labels, K)):
            members = rows[free[rows]]
            picks.extend(self._rng.permutation(members)[: quota[c]].tolist())
        picks = picks[:n]
        if len(picks) < n:
            rest = np.setdiff1d(np.flatnonzero(free), picks)
            picks.extend(self._rng.permutation(rest)[: n - len(picks)].tolist())
        return np.asarray(picks, dtype=np.intp)
