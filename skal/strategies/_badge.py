"""BADGE: gradient embeddings and k-means++ seeding (Ash et al., ICLR 2020)."""

from functools import partial

import numpy as np

from ..pools._scoring import map_rows
from ..utils._estimator import is_skorch, predict_proba_rows
from ..utils._random import as_generator
from ._base import QueryStrategy
from ._features import net_features, pool_features

__all__ = ["BADGE", "gradient_embedding_sq_distances", "badge_select"]


def gradient_embedding_sq_distances(A, H, a, h, own=None):
    """Squared distances between the gradient embeddings ``A[i] ⊗ H[i]`` and ``a ⊗ h``, never forming them.

    ``‖a_i⊗h_i − a⊗h‖² = ‖a_i‖²‖h_i‖² + ‖a‖²‖h‖² − 2 (a_i·a)(h_i·h)`` (the
    upstream factorisation; the copy bundled with the code of Mohan et al. (2026) used a concatenated-vector
    distance instead, which is not this). ``own`` may hold the precomputed
    ``‖a_i‖²‖h_i‖²``.
    """
    if own is None:
        own = np.einsum("ij,ij->i", A, A) * np.einsum("ij,ij->i", H, H)
    return np.maximum(own + (a @ a) * (h @ h) - 2.0 * (A @ a) * (H @ h), 0.0)


def badge_select(A, H, n, rng):
    """k-means++ seeding on gradient embeddings: first the largest norm, then ∝ D². Exactly ``n`` unique rows.

    Works in float32 (the factors are O(N·(C + d)); the sampling weights are
    normalised in float64).
    """
    A = np.ascontiguousarray(A, dtype=np.float32)
    H = np.ascontiguousarray(H, dtype=np.float32)
    own = np.einsum("ij,ij->i", A, A) * np.einsum("ij,ij->i", H, H)
    first = int(np.argmax(own))
    picks = [first]
    chosen = np.zeros(len(A), bool)
    chosen[first] = True
    D2 = gradient_embedding_sq_distances(A, H, A[first], H[first], own)
    D2[chosen] = 0.0
    while len(picks) < n:
        total = D2.sum(dtype=np.float64)
        if total > 0:
            i = int(rng.choice(len(A), p=D2 / total))
        else:  # every remaining row duplicates a centre: uniform among the unchosen
            i = int(rng.choice(np.flatnonzero(~chosen)))
        picks.append(i)
        chosen[i] = True
        np.minimum(D2, gradient_embedding_sq_distances(A, H, A[i], H[i], own), out=D2)
        D2[chosen] = 0.0
    return np.asarray(picks, dtype=np.intp)


class BADGE(QueryStrategy):
    """Batch Active learning by Diverse Gradient Embeddings (Ash et al., ICLR 2020).

    Each unlabeled row's gradient embedding is ``(e_ŷ − p) ⊗ h``: the gradient of
    the cross-entropy at the predicted label with respect to the last linear
    layer (sign flipped, bias left out), with ``h`` the penultimate features of
    a skorch net (or ``X`` itself for a scikit-learn linear model). k-means++
    seeding picks the batch — first the largest gradient norm, then rows drawn
    with probability ∝ D², D the distance to the nearest chosen row. Distances
    use the factorised form, so memory is O(N·(C + d)), never O(N·C·d).

    Parameters
    ----------
    embedding : "auto", "input", layer name or callable
    random_state : None, int or Generator
        Seeds the D² sampling (a numpy Generator, not the global state).
    """

    _requires = frozenset({"proba", "embedding"})

    def __init__(self, embedding="auto", random_state=None):
        self.embedding = embedding
        self.random_state = random_state

    def _fit(self, X, labeled, estimator, y):
        rows = np.flatnonzero(~labeled)
        if is_skorch(estimator) and self.embedding == "auto":
            H, P = map_rows(X, rows, partial(net_features, return_proba=True), estimator)
        else:
            H = pool_features(self.embedding, estimator, X, "BADGE")[rows]
            P = predict_proba_rows(estimator, X, rows, who="BADGE")
        A = -P
        A[np.arange(len(rows)), P.argmax(1)] += 1.0
        self._rows, self._A, self._H = rows, A, H
        self._rng = as_generator(self.random_state)

    def _query(self, n):
        return self._rows[badge_select(self._A, self._H, n, self._rng)]
