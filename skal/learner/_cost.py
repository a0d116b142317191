"""Annotation cost: what each label cost, from the learner's ``cost`` parameter.

``cost`` is None (each label costs 1), a number (each label costs it), a
dict (cost per class), a callable of one pool row (its cost), or ``"time"``
(the seconds the oracle took to answer the round: a person's real time).
:func:`check_cost` turns it into ``cost_of(take_rows, labels, label_seconds)``
before the run starts, so a bad cost fails before any label is asked; the
learner's built-in callback :class:`AnnotationCost` records it each round.
"""

from numbers import Real

import numpy as np

from ..callbacks import Callback
from ..pools._protocol import n_rows, take_rows

__all__ = ["AnnotationCost", "check_cost"]


class AnnotationCost(Callback):
    """The learner's built-in callback for ``cost=``: each round's ``record["cost"]`` and ``"total_cost"``.

    A new record carries the total of the rounds before it; the round's
    labels add their cost (pseudo-labels cost nothing; the paid rows are read
    only by a cost of the row).

    Parameters
    ----------
    cost_of : callable
        ``cost_of(take_rows, labels, label_seconds) -> float``, from :func:`check_cost`.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from skal.learner import LabelPool
    >>> pool = LabelPool(np.zeros((4, 1)))
    >>> record = {"label_seconds": 0.0, "cost": 0.0, "total_cost": 5.0}
    >>> AnnotationCost(check_cost(2.0)).on_record(SimpleNamespace(pool_=pool), record, np.array([0, 3]), [1, 0])
    >>> record["cost"], record["total_cost"]
    (4.0, 9.0)
    """

    def __init__(self, cost_of):
        self.cost_of = cost_of

    def on_record(self, learner, record, rows, labels, **kwargs):
        pool = learner.pool_
        paid = ~pool.pseudo[rows]
        take = lambda: pool.rows(rows[paid])  # noqa: E731 - read only by a cost of the row
        cost = self.cost_of(take, np.asarray(labels)[paid], record["label_seconds"]) if paid.any() else 0.0
        record["cost"], record["total_cost"] = cost, record["total_cost"] + cost


def check_cost(cost, classes=None):
    """``cost_of(take_rows, labels, label_seconds) -> float``, the cost of one round's labels.

    ``take_rows()`` returns the labeled rows; it is called only by a callable
    cost (a pool on disk is not read for a constant one).

    Examples
    --------
    >>> cost_of = check_cost({"cat": 2.0, "dog": 0.5})
    >>> cost_of(None, ["cat", "dog", "dog"], 0.0)
    3.0
    >>> check_cost(None)(None, [1, 2], 0.0), check_cost("time")(None, [1, 2], 12.5)
    (2.0, 12.5)
    """
    if cost is None:
        return lambda take, labels, seconds: float(len(labels))
    if isinstance(cost, str):
        if cost != "time":
            raise ValueError(f"cost={cost!r}: the only named cost is 'time' (the oracle's answer seconds).")
        return lambda take, labels, seconds: float(seconds)
    if isinstance(cost, Real) and not isinstance(cost, bool):
        _non_negative(cost, "cost")
        return lambda take, labels, seconds: float(cost) * len(labels)
    if isinstance(cost, dict):
        for label, value in cost.items():
            _non_negative(value, f"cost[{label!r}]")
        if classes is not None:
            missing = [c for c in np.asarray(classes).tolist() if c not in cost]
            if missing:
                raise ValueError(f"cost has no entry for the classes {missing}; give every class a cost.")
        return lambda take, labels, seconds: _per_class(cost, labels)
    if callable(cost):
        return lambda take, labels, seconds: _per_row(cost, take())
    raise ValueError(
        f"cost={cost!r}: use None (1 per label), a number per label, a dict class -> cost, "
        "a callable of one pool row, or 'time'."
    )


def _non_negative(value, name):
    if not isinstance(value, Real) or isinstance(value, bool) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name}={value!r}: a cost is a finite number >= 0.")


def _per_class(cost, labels):
    labels = np.asarray(labels).tolist()
    unknown = sorted({label for label in labels if label not in cost}, key=repr)
    if unknown:
        raise ValueError(
            f"cost has no entry for the classes {unknown} the oracle answered; give every class a cost "
            "(the labels are kept: fit again with labeled_indices=learner.labeled_indices_, labels=learner.labels_)."
        )
    return float(sum(cost[label] for label in labels))


def _per_row(cost, X_rows):
    total = 0.0
    for i in range(n_rows(X_rows)):
        value = cost(take_rows(X_rows, [i])[0])
        _non_negative(value, "cost(row)")
        total += float(value)
    return total
