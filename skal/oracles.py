"""Oracles answer ``label(indices, X_rows)`` with one label per queried row.

The learner reads labels only through an oracle, and only for rows it queried.
"""

import numpy as np
from sklearn.utils import column_or_1d

from .utils._random import as_generator

__all__ = ["Oracle", "SimulatedOracle", "CallableOracle", "NoisyOracle", "as_oracle"]


class Oracle:
    """Base class. Subclasses implement ``_answer(indices, X_rows)``.

    Attributes
    ----------
    classes : array or None
        The label space, when the oracle knows it (the options an annotator
        chooses from). The learner validates every answer against it.
    n_served : int
        Labels this oracle has returned so far.
    """

    classes = None

    def __init__(self):
        self.n_served = 0

    def label(self, indices, X_rows=None):
        """Labels for pool rows ``indices`` (``X_rows`` are those rows, for oracles that show them)."""
        indices = np.asarray(indices, dtype=np.intp)
        labels = self._answer(indices, X_rows)
        self.n_served += len(indices)
        return labels

    __call__ = label

    def _answer(self, indices, X_rows):  # pragma: no cover - abstract
        raise NotImplementedError


class SimulatedOracle(Oracle):
    """Answers from known labels ``y`` (one per pool row): the usual AL simulation.

    Only the queried entries of ``y`` are read (``y[indices]``, or ``y.iloc``
    for pandas). ``classes`` is the label space: given, or ``np.unique(y)``
    when asked for — a simulation knows the options an annotator would choose
    from, never a row's label before it is queried.

    Examples
    --------
    >>> o = SimulatedOracle(np.array([3, 1, 2]))
    >>> o.label([2, 0]).tolist(), o.n_served
    ([2, 3], 2)
    """

    def __init__(self, y, classes=None):
        super().__init__()
        self.y = np.asarray(y) if isinstance(y, (list, tuple)) else y
        self._classes = None if classes is None else np.asarray(classes)

    def __len__(self):
        return len(self.y)

    @property
    def classes(self):
        if self._classes is None:
            self._classes = np.unique(np.asarray(self.y))
        return self._classes

    def _answer(self, indices, X_rows):
        if hasattr(self.y, "iloc"):
            return np.asarray(self.y.iloc[indices])
        return np.asarray(self.y[indices])


class CallableOracle(Oracle):
    """Wraps ``fn(indices, X_rows) -> labels``: a person, a service, a script.

    Examples
    --------
    >>> o = CallableOracle(lambda idx, rows: [int(i) % 2 for i in idx], classes=[0, 1])
    >>> o.label([3, 4])
    [1, 0]
    """

    def __init__(self, fn, classes=None):
        super().__init__()
        self.fn = fn
        self.classes = None if classes is None else np.asarray(classes)

    def _answer(self, indices, X_rows):
        return self.fn(indices, X_rows)


class NoisyOracle(SimulatedOracle):
    """A simulated annotator who gives a wrong label with probability ``noise``.

    A wrong answer is drawn uniformly from the other classes. Each row's fate is
    fixed by ``random_state`` and the row index, so a row gets the same answer
    whatever order rows are asked in.

    Examples
    --------
    >>> y = np.arange(1000) % 4
    >>> o = NoisyOracle(y, noise=0.2, random_state=0)
    >>> 0.15 < float(np.mean(o.label(np.arange(1000)) != y)) < 0.25
    True
    """

    def __init__(self, y, noise, random_state=None, classes=None):
        if not 0.0 <= noise <= 1.0:
            raise ValueError(f"noise must lie in [0, 1]; got {noise}.")
        super().__init__(y, classes=classes)
        self.noise = noise
        self.random_state = random_state
        self._draws = None

    def _answer(self, indices, X_rows):
        truth = super()._answer(indices, X_rows)
        classes = self.classes
        if len(classes) < 2 or self.noise == 0:
            return truth
        if self._draws is None:
            rng = as_generator(self.random_state)
            n = len(self.y)
            self._draws = (rng.random(n) < self.noise, rng.integers(0, len(classes) - 1, size=n))
        flip, shift = self._draws[0][indices], self._draws[1][indices]
        codes = np.searchsorted(classes, truth)
        wrong = classes[(codes + 1 + shift) % len(classes)]
        return np.where(flip, wrong, truth)


def as_oracle(oracle, n_pool):
    """An :class:`Oracle` from an Oracle, a callable or an array of labels."""
    if isinstance(oracle, Oracle):
        found = oracle
    elif callable(oracle) and not hasattr(oracle, "__len__"):
        found = CallableOracle(oracle)
    elif oracle is None:
        raise ValueError(
            "ActiveLearner requires y to be passed, but the target y is None. y is the oracle: "
            "an array of labels (a simulation), a callable fn(indices, X_rows) -> labels, "
            "or an skal.oracles.Oracle."
        )
    else:
        if not (hasattr(oracle, "__len__") and hasattr(oracle, "__getitem__")):
            oracle = np.asarray(oracle)
        if isinstance(oracle, np.ndarray) and oracle.ndim == 2 and oracle.shape[1] == 1:
            oracle = column_or_1d(oracle, warn=True)
        found = SimulatedOracle(oracle)
    if isinstance(found, SimulatedOracle) and len(found) != n_pool:
        raise ValueError(
            f"the label array has {len(found)} entries but the pool has {n_pool} rows; "
            "a simulated oracle needs one label per pool row."
        )
    return found
