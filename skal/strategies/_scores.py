"""Pure score functions of class probabilities, shape ``(n_samples, n_classes)``.

They are numerically safe (``0 log 0 = 0`` as in ``scipy.special.xlogy`` for
entropy, ``np.partition`` for the margin) and have no side effects, so they
are tested on their own.
"""

import numpy as np

from ..utils._validation import row_sums

__all__ = [
    "least_confidence",
    "high_confidence",
    "margin",
    "entropy",
    "bald",
    "variation_ratio",
    "vote_entropy",
    "consensus_kl",
]

_LOG_SMALLEST = np.log(np.nextafter(0.0, 1.0))  # log of the smallest positive float64, about -744.4


def _as_proba(proba):
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2:
        raise ValueError(f"proba must be 2-D (n_samples, n_classes); got shape {proba.shape}.")
    return proba


def least_confidence(proba):
    """``1 - max_k p_k``: higher means less confident.

    Examples
    --------
    >>> least_confidence([[0.9, 0.1], [0.5, 0.5]]).tolist()
    [0.09999999999999998, 0.5]
    """
    return 1.0 - _as_proba(proba).max(axis=1)


def high_confidence(proba):
    """``max_k p_k``: higher means more confident (HC of Mohan et al., 2026, picks these first).

    Examples
    --------
    >>> high_confidence([[0.9, 0.1], [0.5, 0.5]]).tolist()
    [0.9, 0.5]
    """
    return _as_proba(proba).max(axis=1)


def margin(proba):
    """The margin ``p_(1) - p_(2)`` between the two largest probabilities, in [0, 1].

    Margin sampling queries the *smallest* margins first. Needs at least two classes.

    Examples
    --------
    >>> margin([[0.7, 0.2, 0.1], [0.4, 0.4, 0.2]]).round(6).tolist()
    [0.5, 0.0]
    """
    proba = _as_proba(proba)
    if proba.shape[1] < 2:
        raise ValueError("margin needs at least two classes (proba with two or more columns).")
    top2 = np.partition(proba, proba.shape[1] - 2, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def entropy(proba):
    """Shannon entropy ``-sum_k p_k log p_k`` in nats; 0 log 0 is 0.

    Examples
    --------
    >>> float(entropy([[0.5, 0.5]])[0]) == float(np.log(2))
    True
    >>> entropy([[1.0, 0.0]]).tolist()
    [0.0]
    """
    proba = np.asarray(proba)
    if proba.dtype.kind != "f":
        proba = _as_proba(proba)
    elif proba.ndim != 2:
        raise ValueError(f"proba must be 2-D (n_samples, n_classes); got shape {proba.shape}.")
    with np.errstate(divide="ignore", invalid="ignore"):
        # p log p in float64 (float32 p is read as float64, not copied first). log(0) = -inf is raised to
        # log(5e-324), below the log of any p > 0, so that 0 log 0 is 0 as in xlogy; NaN (from a NaN or
        # negative p) stays NaN, as in xlogy.
        plogp = np.log(proba, dtype=np.float64)
        np.maximum(plogp, _LOG_SMALLEST, out=plogp)
        plogp *= proba
    h = row_sums(plogp, negate=True)
    return np.maximum(h, 0.0, out=h)


#: Score functions that compute in float64 from probabilities of any float dtype: they need no float64 copy.
FLOAT64_SCORES = frozenset({least_confidence, high_confidence, margin, entropy})


def bald(mean_proba, mean_entropy):
    """BALD mutual information ``H(p̄) − (1/T) Σ_t H(p_t)`` in nats, clipped at 0.

    ``mean_proba`` is p̄ over T stochastic passes and ``mean_entropy`` the mean
    of their entropies (what :func:`skal.nn.mc_dropout_stats` accumulates). By
    Jensen's inequality the value is ≥ 0; rounding can make it −1e-17, hence
    the clip. It is 0 when every pass agrees (a net without dropout).

    Examples
    --------
    >>> p = np.array([[0.5, 0.5]])
    >>> bald(p, np.array([0.0])).round(6).tolist()  # passes sure of opposite classes
    [0.693147]
    >>> bald(p, entropy(p)).tolist()  # every pass says 50/50
    [0.0]
    """
    mean_entropy = np.asarray(mean_entropy, dtype=np.float64)
    return np.maximum(entropy(mean_proba) - mean_entropy, 0.0)


def variation_ratio(votes):
    """``1 − f_mode / T`` from per-class vote counts ``(n, C)`` of T committee members.

    Examples
    --------
    >>> variation_ratio([[3, 0, 0], [1, 1, 1], [2, 1, 0]]).round(4).tolist()
    [0.0, 0.6667, 0.3333]
    """
    votes = np.asarray(votes)
    if votes.ndim != 2:
        raise ValueError(f"votes must be 2-D (n_samples, n_classes); got shape {votes.shape}.")
    total = votes.sum(axis=1)
    return 1.0 - votes.max(axis=1) / np.maximum(total, 1)


def vote_entropy(votes):
    """Entropy of the committee's vote shares ``V_c / T`` in nats, from per-class vote counts ``(n, C)``.

    Dagan & Engelson (ICML 1995); the vote-entropy query by committee of McCallum & Nigam (ICML 1998).

    Examples
    --------
    >>> vote_entropy([[3, 0, 0], [2, 1, 0]]).round(4).tolist()  # 0; -(2/3 ln 2/3 + 1/3 ln 1/3)
    [0.0, 0.6365]
    """
    votes = np.asarray(votes, dtype=np.float64)
    if votes.ndim != 2:
        raise ValueError(f"votes must be 2-D (n_samples, n_classes); got shape {votes.shape}.")
    return entropy(votes / np.maximum(votes.sum(axis=1, keepdims=True), 1.0))


def consensus_kl(member_proba):
    """Mean over members of ``KL(p_m || p_mean)`` in nats: how far each member is from the consensus.

    ``member_proba`` has shape ``(T, n, C)``. McCallum & Nigam (ICML 1998), "KL divergence to the mean". It
    equals ``H(p_mean) - mean_m H(p_m)`` (the same form as BALD's mutual information, over members).

    Examples
    --------
    >>> p = [[[0.9, 0.1], [0.5, 0.5]], [[0.1, 0.9], [0.5, 0.5]]]  # two members, two rows
    >>> consensus_kl(p).round(4).tolist()  # ln 2 - H(0.9, 0.1) = 0.6931 - 0.3251; identical members: 0
    [0.368, 0.0]
    """
    member_proba = np.asarray(member_proba, dtype=np.float64)
    if member_proba.ndim != 3:
        raise ValueError(f"member_proba must be 3-D (n_members, n_samples, n_classes); got {member_proba.shape}.")
    mean = member_proba.mean(axis=0)
    mean_member_entropy = np.mean([entropy(p) for p in member_proba], axis=0)
    return np.maximum(entropy(mean) - mean_member_entropy, 0.0)
