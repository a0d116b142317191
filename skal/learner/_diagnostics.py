"""What a round picked: class counts of its rows and of the labeled set, and a warning when one class dominates.

A query whose rows the model mostly assigns to one class is the signature of
a model that cannot rank yet (an under-trained net, random weights): BALD on
a net trained for a few epochs on 50 labels can put most of a round in one
class and end far below Random. The learner's built-in callback
:class:`RoundDiagnostics` records the counts in each round's ``history_``
record and warns before the oracle is asked.
"""

import warnings
from contextlib import nullcontext

import numpy as np
from sklearn import config_context

from ..callbacks import Callback
from ..exceptions import QuerySkewWarning
from ..utils._random import derive_seed
from ..utils._random import torch_seed_if_loaded as torch_seed

__all__ = [
    "RoundDiagnostics",
    "class_counts",
    "per_class_accuracy",
    "predicted_counts",
    "skew_message",
    "warn_if_skewed",
    "SKEW_SHARE",
    "SKEW_MIN_CLASSES",
]

#: A round is skewed when more than this share of its picks fall in one predicted class...
SKEW_SHARE = 0.6
#: ...and the label space has at least this many classes.
SKEW_MIN_CLASSES = 5


class RoundDiagnostics(Callback):
    """The learner's built-in callback for what a round picked and how its model does per class.

    ``on_query`` counts the predicted classes of the picks (with the model
    that describes them; the counts become the record's ``picked_predicted``)
    and warns (:class:`~skal.exceptions.QuerySkewWarning`) when one class
    dominates, before the oracle is asked; ``on_record`` adds
    ``picked_predicted``, ``picked_labels`` and ``labeled_classes``;
    ``on_train_end`` adds ``per_class_accuracy`` on ``eval_set``.

    Parameters
    ----------
    adapter : ModelAdapter
        How the learner's models predict.
    eval_set : tuple (X_val, y_val) or None
        The fit's (or ``teach``'s) evaluation set.
    pool_finite : bool, default=False
        The pool was checked for NaN/inf before the run: predicting its rows
        need not check them again (as the strategies' scoring does not).
    """

    def __init__(self, adapter, eval_set=None, pool_finite=False):
        self.adapter = adapter
        self.eval_set = eval_set
        self.pool_finite = pool_finite
        self.picked_ = None  # (round, predicted counts) of the last query

    def on_query(self, learner, round, rows, strategy, model=None, **kwargs):
        pool, counts = learner.pool_, None
        if model is not None and pool.classes is not None:
            # under the round's scoring seed: a skorch net's loader draws from torch's generator
            finite = config_context(assume_finite=True) if self.pool_finite else nullcontext()
            with torch_seed(derive_seed(learner.seed_, round, "score")), finite:
                counts = predicted_counts(self.adapter, model, pool.rows(rows), pool.classes)
        self.picked_ = (round, counts)
        if counts is not None:
            warn_if_skewed(counts, len(pool.classes), round, strategy)

    def on_record(self, learner, record, rows, labels, **kwargs):
        picked = self.picked_
        record["picked_predicted"] = picked[1] if picked is not None and picked[0] == record["round"] else None
        record["picked_labels"] = class_counts(labels)
        record["labeled_classes"] = class_counts(learner.pool_.labels)

    def on_train_end(self, learner, record, model, **kwargs):
        if self.eval_set is not None:
            record["per_class_accuracy"] = per_class_accuracy(
                self.adapter, model, *self.eval_set, learner.pool_.classes
            )


def class_counts(values):
    """``[[class, count], ...]`` of ``values``, most frequent first (ties by class); JSON-ready Python values.

    Examples
    --------
    >>> class_counts(np.array([2, 0, 2, 1, 2]))
    [[2, 3], [0, 1], [1, 1]]
    >>> class_counts(["cat", "dog", "cat"])
    [['cat', 2], ['dog', 1]]
    """
    classes, counts = np.unique(np.asarray(values), return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return [[_plain(classes[k]), int(counts[k])] for k in order]


def _plain(value):
    """A numpy scalar as the Python value it holds (JSON-ready); other values as they are."""
    return value.item() if isinstance(value, np.generic) else value


def predicted_counts(adapter, model, X_rows, classes):
    """:func:`class_counts` of the model's predicted classes for the picked rows ``X_rows``, or None.

    The predicted class is the most probable one (``predict_proba``, as the
    strategies see the model), else ``predict``. A diagnostic never ends a
    fit: a model that cannot predict these rows gives None.
    """
    classes = np.asarray(classes)
    try:
        if adapter.is_net or hasattr(model, "predict_proba"):
            return class_counts(classes[adapter.predict_proba(model, X_rows, classes).argmax(axis=1)])
        return class_counts(adapter.predict(model, X_rows, classes))
    except Exception:  # e.g. a model whose predict needs other input than the pool's rows
        return None


def per_class_accuracy(adapter, model, X_val, y_val, classes):
    """``[[class, accuracy], ...]`` of the model on ``(X_val, y_val)``, per class present in ``y_val``, or None.

    The accuracy of class c is the share of its rows predicted as c (its
    recall). A diagnostic never ends a fit: a model that cannot predict these
    rows gives None.
    """
    try:
        predicted = np.asarray(adapter.predict(model, X_val, np.asarray(classes)))
    except Exception:  # e.g. an eval_set in a type only the scorer understands
        return None
    return accuracy_by_class(y_val, predicted)


def accuracy_by_class(y_true, y_pred):
    """``[[class, share of its rows predicted right], ...]`` for each class in ``y_true``, in class order.

    Examples
    --------
    >>> accuracy_by_class([0, 0, 1, 1, 1], [0, 1, 1, 1, 0])
    [[0, 0.5], [1, 0.6666666666666666]]
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return [[_plain(c), float(np.mean(y_pred[y_true == c] == c))] for c in np.unique(y_true)]


def skew_message(counts, n_classes, round_, strategy):
    """The warning for a skewed query, or None: one predicted class holds over ``SKEW_SHARE`` of the picks.

    Examples
    --------
    >>> skew_message([[3, 38], [1, 12]], 10, 2, "BALD()")[:60]
    'round 2: 38 of the 50 rows BALD() picked (76%) are predicted'
    >>> skew_message([[3, 5], [1, 5]], 10, 2, "BALD()") is None
    True
    """
    if not counts or n_classes < SKEW_MIN_CLASSES:
        return None
    top, n_top = counts[0]
    total = sum(c for _, c in counts)
    if n_top <= SKEW_SHARE * total:
        return None
    return (
        f"round {round_}: {n_top} of the {total} rows {strategy} picked ({n_top / total:.0%}) are predicted as "
        f"class {top!r}, one of {n_classes} classes. The model most likely cannot rank rows yet: it is "
        "under-trained (few labels or epochs) or has random weights. Consider more epochs or a larger "
        "initial pool, a representation strategy for the first rounds (TypiClust, KMeansSampling), or mixing "
        "in Random (skal.strategies.Mix). history_[k]['picked_predicted'] holds the counts."
    )


def warn_if_skewed(counts, n_classes, round_, strategy):
    """Emit :class:`~skal.exceptions.QuerySkewWarning` when :func:`skew_message` finds the picks skewed."""
    message = skew_message(counts, n_classes, round_, strategy)
    if message is not None:
        warnings.warn(message, QuerySkewWarning, stacklevel=3)
