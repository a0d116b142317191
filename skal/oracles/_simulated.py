"""Oracles that answer a batch at once: known labels, noisy labels, a user's function."""

import numpy as np
from sklearn.utils import column_or_1d

from ..utils._random import as_generator
from ..utils._validation import is_missing
from ._base import Oracle, row_at

__all__ = ["SimulatedOracle", "NoisyOracle", "CallableOracle", "as_oracle"]


class SimulatedOracle(Oracle):
    """Answers from known labels ``y`` (one per pool row): the usual active-learning simulation.

    Only the queried entries of ``y`` are read (``y[indices]``, or ``y.iloc``
    for pandas). ``classes`` is the label space: given, or ``np.unique(y)``
    when asked for — a simulation knows the options an annotator would choose
    from, never a row's label before it is queried. The whole batch is one
    chunk of :meth:`~Oracle.stream`.

    Parameters
    ----------
    y : array-like of shape (n_pool,)
        One label per pool row.
    classes : array-like, optional
        The label space; default ``np.unique(y)``.

    Examples
    --------
    >>> o = SimulatedOracle(np.array([3, 1, 2]))
    >>> o.label([2, 0]).tolist(), o.n_served
    ([2, 3], 2)
    >>> [(p.tolist(), [int(a) for a in answers]) for p, answers in o.stream([1, 2])]
    [([0, 1], [1, 2])]
    """

    def __init__(self, y, classes=None):
        super().__init__()
        self.y = np.asarray(y) if isinstance(y, (list, tuple)) else y
        self._classes = None if classes is None else np.asarray(classes)

    def __len__(self):
        return len(self.y)

    @property
    def classes(self):
        if self._classes is None:  # rows never queried may hold no label (NaN, None): not a class
            values = np.asarray(self.y)
            self._classes = np.unique(values[~is_missing(values)])
        return self._classes

    def _stream(self, indices, X_rows):
        yield np.arange(len(indices)), list(self._labels(indices))

    def _labels(self, indices):
        """The known labels of pool rows ``indices``."""
        if hasattr(self.y, "iloc"):
            return np.asarray(self.y.iloc[indices])
        return np.asarray(self.y[indices])


class NoisyOracle(SimulatedOracle):
    """A simulated annotator who gives a wrong label with probability ``noise``.

    A wrong answer is drawn uniformly from the other classes. Each row's fate is
    fixed by ``random_state`` and the row index, so a row gets the same answer
    whatever order rows are asked in.

    Parameters
    ----------
    y : array-like of shape (n_pool,)
        The true label of every pool row.
    noise : float in [0, 1]
        Probability of a wrong answer.
    random_state : int, Generator or None
    classes : array-like, optional

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

    def _labels(self, indices):
        truth = super()._labels(indices)
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


class CallableOracle(Oracle):
    """Wraps ``fn(indices, X_rows) -> labels``: a person, a service, a script.

    The batch is one chunk of :meth:`~Oracle.stream`. With ``per_row=True`` it
    calls ``fn(index, row)`` once per row (``row`` as :func:`row_at` gives it:
    an ndarray row, a text, a pandas Series, a sparse ``1 × d`` row) and each
    answer is its own chunk, so answers given before a failure are journaled
    and kept. Any answer may be :data:`SKIP` or :data:`STOP`.

    Parameters
    ----------
    fn : callable
        ``fn(indices, X_rows)`` returning one label per row, or with
        ``per_row=True`` ``fn(index, row)`` returning one label.
    classes : array-like, optional
        The label space, when known.
    per_row : bool, default False

    Examples
    --------
    >>> o = CallableOracle(lambda idx, rows: [int(i) % 2 for i in idx], classes=[0, 1])
    >>> o.label([3, 4])
    array([1, 0])
    >>> [(p.tolist(), a) for p, a in CallableOracle(lambda i, row: i % 2, per_row=True).stream([3, 4])]
    [([0], [1]), ([1], [0])]
    """

    def __init__(self, fn, classes=None, per_row=False):
        super().__init__()
        self.fn = fn
        self.classes = None if classes is None else np.asarray(classes)
        self.per_row = per_row

    def _stream(self, indices, X_rows):
        if not self.per_row:
            yield np.arange(len(indices)), self.fn(indices, X_rows)
            return
        for k, i in enumerate(indices):
            yield np.array([k]), [self.fn(int(i), row_at(X_rows, k))]


def as_oracle(oracle, n_pool):
    """An :class:`Oracle` from an Oracle, a callable or an array of labels.

    Parameters
    ----------
    oracle : Oracle, callable or array-like of shape (n_pool,)
        A callable becomes a :class:`CallableOracle`, labels a :class:`SimulatedOracle`.
    n_pool : int
        Rows in the pool: a label array must have one entry per row.

    Examples
    --------
    >>> type(as_oracle([0, 1, 0], 3)).__name__, type(as_oracle(lambda idx, rows: [0] * len(idx), 3)).__name__
    ('SimulatedOracle', 'CallableOracle')
    """
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
        found = SimulatedOracle(_label_array(oracle))
    if isinstance(found, SimulatedOracle) and len(found) != n_pool:
        raise ValueError(
            f"the label array has {len(found)} entries but the pool has {n_pool} rows; "
            "a simulated oracle needs one label per pool row."
        )
    return found


def _label_array(y):
    """Labels, one per pool row: a one-column array or DataFrame is flattened with a warning, as scikit-learn does."""
    if isinstance(y, (dict, str, bytes)):
        raise TypeError(
            f"y must be the oracle: an array of labels (one per pool row), a callable fn(indices, X_rows) -> labels "
            f"or an skal.oracles.Oracle; got a {type(y).__name__}."
        )
    if not (hasattr(y, "__len__") and hasattr(y, "__getitem__")):
        y = np.asarray(y)
    shape = getattr(y, "shape", None)
    if shape is not None and len(shape) == 2 and shape[1] == 1:
        return column_or_1d(y, warn=True)
    if shape is not None and len(shape) != 1:
        raise ValueError(
            f"y must hold one label per pool row (1-D); got shape {tuple(shape)}. Multi-output labels are not "
            "supported: pass one column, e.g. y[:, 0] or df['label']."
        )
    return y
