"""Class-imbalanced and class-subset versions of a dataset.

Cui et al.'s exponential long tail, the linear profile of Mohan et al. (2026) and the class subsets of
Petersen (DTU 02456 project report).
"""

import numpy as np

from ..utils._random import as_generator

__all__ = ["class_counts_profile", "make_imbalanced", "make_class_subset"]


def class_counts_profile(n_max, n_classes, profile, ratio):
    """Per-class counts, largest first, with ``ratio`` = smallest / largest.

    ``"exponential"``: Cui et al.'s long tail, ``int(n_max * ratio ** (i / (C - 1)))``.
    ``"linear"``: evenly spaced from ``n_max`` down to ``n_max * ratio`` (Mohan et al., 2026: 5000 → 500).

    Examples
    --------
    >>> class_counts_profile(5000, 10, "exponential", 0.02).tolist()
    [5000, 3237, 2096, 1357, 878, 568, 368, 238, 154, 100]
    >>> class_counts_profile(5000, 10, "linear", 0.1).tolist()
    [5000, 4500, 4000, 3500, 3000, 2500, 2000, 1500, 1000, 500]
    """
    if not 0 < ratio <= 1:
        raise ValueError(f"ratio is the smallest class size over the largest and must lie in (0, 1]; got {ratio}.")
    i = np.arange(n_classes)
    if profile == "exponential":
        counts = [int(n_max * ratio ** (k / max(n_classes - 1, 1))) for k in i]
    elif profile == "linear":
        counts = np.rint(np.linspace(n_max, n_max * ratio, n_classes)).astype(int)
    else:
        raise ValueError(f"profile must be 'exponential' or 'linear'; got {profile!r}.")
    return np.asarray(counts, dtype=int)


def make_imbalanced(X, y, profile="exponential", ratio=0.02, random_state=None, n_max=None):
    """Subsample ``(X, y)`` so class sizes follow a long-tail profile.

    Classes are taken in sorted order, the first the largest. Within each class
    a random subset (seeded) is kept; rows keep their original relative order.

    Parameters
    ----------
    X, y : arrays
    profile : {"exponential", "linear"}
    ratio : float
        Smallest class size over the largest (0.02 = Cui et al.'s IF 50; 0.1 = the 10:1 of Mohan et al., 2026).
    random_state : None, int or Generator
    n_max : int, optional
        Size of the largest class; default the smallest class size present, so every
        class can supply its count.

    Returns
    -------
    X_imb, y_imb
    """
    y = np.asarray(y)
    classes, sizes = np.unique(y, return_counts=True)
    n_max = int(sizes.min()) if n_max is None else int(n_max)
    counts = class_counts_profile(n_max, len(classes), profile, ratio)
    if (counts > sizes).any():
        raise ValueError(f"n_max={n_max} asks for more rows than some class has ({sizes.tolist()}).")
    rng = as_generator(random_state)
    keep = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:k] for c, k in zip(classes, counts)])
    keep.sort()
    return X[keep], y[keep]


def make_class_subset(X, y, fraction, rare_classes=None, rare_fraction=0.01, random_state=None):
    """Petersen's (DTU 02456) class subsets: every class at ``fraction``, optionally some at ``rare_fraction``.

    ``make_class_subset(X, y, 0.5, rare_classes=[8, 9])`` keeps 50 % of eight classes and 1 % of two.

    Examples
    --------
    >>> y = np.repeat(np.arange(10), 100)
    >>> _, ys = make_class_subset(y[:, None], y, 0.5, rare_classes=[8, 9], random_state=0)
    >>> np.bincount(ys).tolist()
    [50, 50, 50, 50, 50, 50, 50, 50, 1, 1]
    """
    y = np.asarray(y)
    rare = set(np.atleast_1d(rare_classes).tolist()) if rare_classes is not None else set()
    rng = as_generator(random_state)
    keep = []
    for c in np.unique(y):
        rows = np.flatnonzero(y == c)
        share = rare_fraction if c in rare else fraction
        keep.append(rng.permutation(rows)[: max(1, int(round(share * len(rows))))])
    keep = np.sort(np.concatenate(keep))
    return X[keep], y[keep]
