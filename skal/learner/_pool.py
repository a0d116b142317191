"""The label pool: the rows to label and what is known of each, in one index space."""

import numpy as np

from ..pools import pool_fingerprint
from ..pools._protocol import as_pool

__all__ = ["LabelPool"]


class LabelPool:
    """A pool of rows and their labels, rounds, skips and pseudo-labels.

    Every array is indexed by pool row. ``labeled_round[i]`` is -1 for a row
    never labeled, 0 for the initial round and ``k`` for round ``k``; the
    labels themselves are kept in labeling order (``indices``, ``labels``).

    Parameters
    ----------
    X : array-like, sparse matrix, DataFrame or list
        The pool, kept as given: rows reach the estimator in its own type.
    classes : ndarray or None
        The label space when known in advance; else it grows with the labels.

    Examples
    --------
    >>> pool = LabelPool(["a", "b", "c"])
    >>> pool.add(np.array([2]), np.array(["spam"]), round_=0)
    >>> pool.labeled_round.tolist(), pool.training_set()
    ([-1, -1, 0], (['c'], array(['spam'], dtype='<U4')))
    """

    def __init__(self, X, classes=None):
        n = len(as_pool(X))
        self.X = X
        self.n = n
        self.known_classes = classes
        self.labeled_round = np.full(n, -1, dtype=np.intp)
        self._labeled = np.zeros(n, dtype=bool)  # labeled_round >= 0, kept in step by add()
        self.indices = np.empty(0, dtype=np.intp)
        self.labels = np.empty(0, dtype=classes.dtype if classes is not None else np.float64)
        self.skipped = np.zeros(n, dtype=bool)
        self.pseudo = np.zeros(n, dtype=bool)
        self.keep_on_pickle = False
        self._fingerprint = None

    def __getstate__(self):
        # A pickled learner carries its labels, not the user's data: the rows are
        # kept only when the step API (teach after query) needs them; their
        # fingerprint goes along, so a later query can tell the same pool.
        state = self.__dict__.copy()
        if not self.keep_on_pickle and self.X is not None:
            state["_fingerprint"], state["X"] = self.fingerprint(), None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "_labeled" not in state:  # pickled before the mask was kept
            self._labeled = self.labeled_round >= 0

    def fingerprint(self):
        """SHA-256 of the pool's rows (see :func:`skal.journal.pool_fingerprint`), computed once."""
        if self._fingerprint is None:
            self._fingerprint = pool_fingerprint(self.X)
        return self._fingerprint

    @property
    def pool(self):
        """The rows as a :class:`skal.pools.Pool` (the pool ``X`` wrapped; cheap, nothing is read)."""
        return as_pool(self.X)

    @property
    def labeled(self):
        """``labeled_round >= 0`` as a read-only boolean mask (kept by :meth:`add`, not recomputed)."""
        mask = self._labeled.view()
        mask.flags.writeable = False
        return mask

    @property
    def classes(self):
        """The label space: given, else the labels seen so far (None before any)."""
        if self.known_classes is not None:
            return self.known_classes
        return np.unique(self.labels) if len(self.labels) else None

    def n_available(self):
        """Rows that can still be offered: unlabeled and not skipped."""
        return self.n - int(np.count_nonzero(self._labeled | self.skipped))

    def n_paid(self):
        """Labels that came from the oracle (pseudo-labels cost no budget)."""
        return int(np.count_nonzero(self._labeled)) - int(np.count_nonzero(self.pseudo))

    def rows(self, rows):
        """Pool rows ``rows`` in the pool's own type."""
        return self.pool.take(rows)

    def add(self, rows, labels, round_, pseudo=False):
        """Record ``labels`` for ``rows`` as labeled in ``round_``."""
        self.labeled_round[rows] = round_
        self._labeled[rows] = True
        self.indices = np.concatenate([self.indices, rows])
        self.labels = np.concatenate([self.labels, labels]) if len(self.labels) else np.asarray(labels)
        if pseudo:
            self.pseudo[rows] = True

    def relabel(self, rows, labels):
        """Replace the labels of labeled ``rows``; they stop counting as pseudo-labels."""
        position = {int(r): k for k, r in enumerate(self.indices)}
        new = self.labels.copy() if labels.dtype == self.labels.dtype else self.labels.astype(object)
        for row, label in zip(rows.tolist(), labels):
            new[position[row]] = label
        self.labels = np.asarray(new.tolist()) if new.dtype == object else new
        self.pseudo[rows] = False

    def training_set(self):
        """``(X_labeled, labels)``: what the estimator trains on, in labeling order."""
        return self.rows(self.indices), self.labels

    def offered(self):
        """What a strategy sees: ``(X, labeled, y, keep)`` without skipped rows.

        ``keep`` maps the offered rows back to pool rows (None when nothing
        was skipped, so the pool is passed without a copy); ``y`` holds the
        labels of labeled rows (None before any).
        """
        labeled = self.labeled
        y = None
        if labeled.any():
            y = np.empty(self.n, dtype=self.labels.dtype)
            y[self.indices] = self.labels
        if not self.skipped.any():
            return self.X, labeled, y, None
        keep = np.flatnonzero(~self.skipped)
        if self.pool.memmap or self.pool.kind == "rows":
            from ..pools import RowsView  # a memmap or pool object is not copied: its rows are taken on demand

            rows = RowsView(self.X, keep)
        else:
            rows = self.rows(keep)  # a torch Dataset gives a Subset, itself lazy
        return rows, labeled[keep], None if y is None else y[keep], keep
