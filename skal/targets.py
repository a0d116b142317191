"""What the labels are: one small object, decided once per fit, that every layer reads.

A :class:`TargetKind` names the kind of target in scikit-learn's
:func:`~sklearn.utils.multiclass.type_of_target` vocabulary — ``"binary"``,
``"multiclass"``, ``"multilabel-indicator"`` (one 0/1 column per label, several
may be 1) or ``"continuous"`` (regression) — with the label space of a
classification target, from the labels (:meth:`TargetKind.from_labels`) or
from what an estimator fixes (:meth:`TargetKind.from_estimator`: a regressor
gives ``"continuous"``). The model adapter and the oracle's answer checks read
it; ``ActiveLearner`` does not decide one yet, and serves single-label
classification.

Query strategies say which kinds they serve (``QueryStrategy.target_kinds``):
a strategy that reads class probabilities serves ``"binary"`` and
``"multiclass"`` only, one that reads the pool's rows serves every kind.

Examples
--------
>>> TargetKind.from_labels([0.5, 1.25, 3.0]).kind
'continuous'
>>> kind = TargetKind.from_labels([[1, 0, 1], [0, 1, 0]])
>>> kind.kind, kind.n_outputs, kind.is_classification
('multilabel-indicator', 3, True)
>>> TargetKind.from_labels(["spam", "ham", "spam"]).classes.tolist()
['ham', 'spam']
"""

from dataclasses import dataclass

import numpy as np
from sklearn.utils.multiclass import type_of_target

__all__ = ["TargetKind", "KINDS", "CLASS_KINDS", "ALL_KINDS"]

#: The kinds skal serves, in scikit-learn's words.
KINDS = ("binary", "multiclass", "multilabel-indicator", "continuous")
#: One label per row from a known set: what class-probability strategies serve.
CLASS_KINDS = frozenset({"binary", "multiclass"})
#: Every kind: what a strategy that reads only the pool's rows serves.
ALL_KINDS = frozenset(KINDS)


@dataclass(frozen=True)
class TargetKind:
    """The kind of target and, for a classification target, its label space.

    Parameters
    ----------
    kind : {"binary", "multiclass", "multilabel-indicator", "continuous"}
    classes : ndarray or None
        The label space of a single-label target (sorted); for a multi-label
        target the column indices ``0..n_outputs-1``; None for a continuous
        target, or while a single-label space is not known yet.
    n_outputs : int
        1, or the number of label columns of a multi-label target.
    """

    kind: str
    classes: np.ndarray | None = None
    n_outputs: int = 1

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"target kind {self.kind!r} is not one skal serves; it serves {', '.join(KINDS)}.")

    @property
    def is_classification(self):
        return self.kind != "continuous"

    @property
    def is_multilabel(self):
        return self.kind == "multilabel-indicator"

    @classmethod
    def from_labels(cls, y, classes=None):
        """The kind of labels ``y`` (``type_of_target``), with ``classes`` as the label space when given.

        Raises
        ------
        ValueError
            For a target skal does not serve (multi-output regression or
            multi-class multi-output), naming what it does serve.
        """
        y = np.asarray(y)
        kind = type_of_target(y, input_name="y")
        if kind == "unknown" and y.ndim == 1 and y.dtype.kind == "O":  # mixed objects: let the labels decide
            kind = "multiclass"
        if kind == "continuous-multioutput" or kind == "multiclass-multioutput" or kind == "unknown":
            raise ValueError(
                f"the labels are of kind {kind!r}, which skal does not serve yet; it serves single-label "
                "classification (binary, multiclass), multi-label classification as a 0/1 indicator matrix "
                "(sklearn.preprocessing.MultiLabelBinarizer makes one) and single-output regression."
            )
        if kind == "multilabel-indicator":
            return cls(kind, np.arange(y.shape[1]), y.shape[1])
        if kind == "continuous":
            return cls(kind)
        space = np.unique(y) if classes is None else np.unique(np.asarray(classes))
        return cls("binary" if len(space) <= 2 else "multiclass", space)

    @classmethod
    def from_estimator(cls, estimator, classes=None):
        """The kind an estimator fixes, or None when the labels must decide.

        A regressor (its tags say so) gives ``"continuous"``; a skorch net
        trained with ``BCEWithLogitsLoss`` (or ``MultiLabelSoftMarginLoss``)
        gives ``"multilabel-indicator"``, with ``classes`` as its labels. A
        classifier such as ``OneVsRestClassifier`` serves single- and
        multi-label targets alike (its tags cannot tell), so its labels decide.

        Examples
        --------
        >>> from sklearn.linear_model import LogisticRegression, Ridge
        >>> TargetKind.from_estimator(Ridge()).kind, TargetKind.from_estimator(LogisticRegression())
        ('continuous', None)
        """
        from sklearn.utils import get_tags

        try:
            tags = get_tags(estimator)
        except Exception:  # not a scikit-learn estimator: its labels decide
            return None
        if tags.estimator_type == "regressor":
            return cls("continuous")
        criterion = getattr(estimator, "criterion", None)
        if getattr(criterion, "__name__", "") in ("BCEWithLogitsLoss", "MultiLabelSoftMarginLoss"):
            n = None if classes is None else len(classes)
            return cls("multilabel-indicator", None if n is None else np.arange(n), n or 1)
        return None
