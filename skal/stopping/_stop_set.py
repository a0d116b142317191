"""The stop set: rows the model-based criteria watch, and the round model's probabilities on them.

A stop set is either a random sample of pool rows (``stop_set`` an int,
drawn once per fit from the learner's seed) or rows the user holds out
(``stop_set`` array-like). Several criteria on the same round and stop set
share one ``predict_proba`` through a cache of at most two entries.
"""

from collections import OrderedDict
from numbers import Integral

import numpy as np

from ..pools._protocol import n_rows
from ..utils._adapter import ModelAdapter
from ..utils._random import derive_seed, root_seed

__all__ = ["StopSet", "draw_stop_set", "stop_set_proba", "align_columns"]

_CACHE_SIZE = 2
_cache = OrderedDict()  # (id(model), round, stop-set key) -> (proba, classes)


class StopSet:
    """Rows of a fit's stop set.

    Parameters
    ----------
    indices : ndarray of int or None
        Pool rows, when the stop set is drawn from the pool.
    X : array-like or None
        The user's own rows, when held out of the pool.
    key : tuple
        Names this stop set in the probability cache.

    Examples
    --------
    >>> s = StopSet(indices=np.array([1, 3]), key=("pool", 0))
    >>> s.n
    2
    """

    def __init__(self, indices=None, X=None, key=None):
        self.indices, self.X, self.key = indices, X, key

    @property
    def n(self):
        return len(self.indices) if self.indices is not None else n_rows(self.X)

    def rows(self, pool):
        """The stop set's rows, in the pool's own type for pool rows."""
        return pool.rows(self.indices) if self.indices is not None else self.X

    def unlabeled(self, pool):
        """Per stop-set row: True when it holds no label (always, for rows held out of the pool)."""
        if self.indices is None:
            return np.ones(self.n, dtype=bool)
        return ~np.asarray(pool.labeled)[self.indices]


def check_stop_set(stop_set):
    """Raise ValueError unless ``stop_set`` is a positive int or rows (array-like with at least one row)."""
    if isinstance(stop_set, Integral) and not isinstance(stop_set, bool):
        if stop_set < 1:
            raise ValueError(f"stop_set={stop_set}: pass a positive number of pool rows, e.g. 2000, or your rows.")
        return
    try:
        n = n_rows(stop_set)
    except TypeError:
        n = None
    if isinstance(stop_set, (bool, str)) or not n:
        raise ValueError(
            f"stop_set={stop_set!r:.60}: pass a positive number of pool rows to draw (e.g. 2000) or an "
            "array-like of at least one row held out of the pool."
        )


def draw_stop_set(stop_set, learner, random_state=None):
    """The fit's :class:`StopSet`: ``stop_set`` pool rows drawn from the learner's seed, or the rows given.

    The draw is seeded by ``derive_seed(learner.seed_, "stop_set")``, mixed
    with ``random_state`` when given, so a seeded fit draws the same rows and
    every criterion of the fit with the same parameters watches the same rows.
    A pool smaller than ``stop_set`` is taken whole.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from skal.learner._pool import LabelPool
    >>> learner = SimpleNamespace(seed_=0, pool_=LabelPool(np.zeros((10, 2))))
    >>> draw_stop_set(4, learner).indices.tolist() == draw_stop_set(4, learner).indices.tolist()
    True
    >>> draw_stop_set(50, learner).n
    10
    """
    check_stop_set(stop_set)
    pool = learner.pool_
    if not isinstance(stop_set, Integral):
        return StopSet(X=stop_set, key=("rows", id(stop_set), n_rows(stop_set)))
    keys = ("stop_set",) if random_state is None else ("stop_set", root_seed(random_state))
    seed = derive_seed(learner.seed_, *keys)
    size = min(int(stop_set), pool.n)
    indices = np.sort(np.random.default_rng(seed).choice(pool.n, size=size, replace=False))
    return StopSet(indices=indices, key=("pool", id(pool), seed, size))


def stop_set_proba(learner, stop_set, round_):
    """``(proba, classes)`` of ``learner.estimator_`` on the stop set, computed once per model, round and stop set.

    Columns follow ``learner.pool_.classes`` (the label space of the round).
    """
    model, pool = learner.estimator_, learner.pool_
    key = (id(model), int(round_), stop_set.key)
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    classes = np.asarray(pool.classes)
    proba = np.asarray(ModelAdapter(learner.estimator).predict_proba(model, stop_set.rows(pool), classes))
    _cache[key] = (proba.astype(np.float64, copy=False), classes)
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return _cache[key]


def clear_cache():
    """Forget every cached probability (a fit's end)."""
    _cache.clear()


def align_columns(p, classes_p, q, classes_q):
    """``(p, q)`` with columns over the union of both label spaces (zeros for a class one model did not know).

    Examples
    --------
    >>> p, q = align_columns(np.array([[0.3, 0.7]]), np.array([0, 1]), np.array([[0.2, 0.2, 0.6]]), np.array([0, 1, 2]))
    >>> p.tolist(), q.tolist()
    ([[0.3, 0.7, 0.0]], [[0.2, 0.2, 0.6]])
    """
    if len(classes_p) == len(classes_q) and np.array_equal(classes_p, classes_q):
        return p, q
    union = np.union1d(classes_p, classes_q)
    return _widen(p, classes_p, union), _widen(q, classes_q, union)


def _widen(proba, classes, union):
    full = np.zeros((proba.shape[0], len(union)))
    full[:, np.searchsorted(union, classes)] = proba
    return full
