"""scikit-learn estimators and skorch nets behind one interface.

The learner, the committee strategies and the benchmark runner all need the
same few things of a model: a fresh seeded clone, training on labels under a
seed, probabilities with one column per class of the label space, and a net
with random weights for a first pool. :class:`ModelAdapter` is the one place
that knows how a skorch net differs from a scikit-learn estimator.
"""

import numpy as np
from sklearn.base import clone

from ..pools._protocol import as_pool
from ._compat import accepts_nan
from ._estimator import CHUNK_ROWS, is_skorch
from ._random import seed_params, torch_seed

__all__ = ["ModelAdapter", "balanced_weights"]


def balanced_weights(codes, n_classes):
    """``n / (k · n_c)`` per class for the ``k`` classes present in ``codes``; 1 for absent ones.

    Examples
    --------
    >>> balanced_weights(np.array([0, 0, 0, 1]), 3).tolist()
    [0.6666666666666666, 2.0, 1.0]
    """
    counts = np.bincount(codes, minlength=n_classes).astype(np.float64)
    seen = counts > 0
    weights = np.ones(n_classes)
    weights[seen] = counts.sum() / (seen.sum() * counts[seen])
    return weights


class ModelAdapter:
    """One interface over a scikit-learn classifier or a skorch ``NeuralNetClassifier``.

    A skorch net is trained on encoded labels ``0..C-1`` (its ``classes`` set
    to ``arange(C)``), under a forked torch generator; a scikit-learn estimator
    on the labels themselves, with its ``random_state`` parameters seeded.
    Probabilities always come back with one column per entry of the label
    space, in its order.

    Parameters
    ----------
    estimator : classifier or skorch net
        The user's unfitted model; never changed (every model is a clone).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> adapter = ModelAdapter(LogisticRegression())
    >>> X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    >>> model = adapter.train(adapter.new(seed=0), X, y, classes=np.array([0, 1, 2]), seed=0)
    >>> adapter.predict_proba(model, X, np.array([0, 1, 2])).shape
    (4, 3)
    """

    def __init__(self, estimator, target=None):
        self.estimator = estimator
        self.is_net = is_skorch(estimator)
        self.target = target  # a skal.targets.TargetKind; None: single-label classification

    @property
    def single_label(self):
        """True for single-label classification: labels encoded as codes, probabilities one column per class."""
        return self.target is None or self.target.kind in ("binary", "multiclass")

    @property
    def name(self):
        return type(self.estimator).__name__

    def has(self, attr):
        """Whether the wrapped model offers ``attr`` (``predict_proba``, ``predict_loss``...)."""
        return hasattr(self.estimator, attr)

    def accepts_nan(self):
        """Whether NaN may reach the model (its tags say ``allow_nan``; a net never)."""
        return not self.is_net and accepts_nan(self.estimator)

    def input_dtype(self, model=None):
        """The numpy dtype a net's module computes in (its first parameter's), None for a scikit-learn model."""
        if not self.is_net:
            return None
        if model is None or not getattr(model, "initialized_", False):
            with torch_seed(0):  # a throwaway module, built without touching the user's torch stream
                model = clone(self.estimator).initialize()
        parameter = next(model.module_.parameters(), None)
        if parameter is None:
            return None
        import torch

        return torch.empty(0, dtype=parameter.dtype).numpy().dtype

    def as_input(self, X, model=None):
        """``X`` as a net takes it: a numeric array cast to the module's dtype (float64, uint8... → float32).

        Integers are cast, not scaled: scale images to [0, 1] yourself if the
        net expects it. A ``numpy.memmap`` is never cast whole: it becomes a
        :class:`skal.pools.CastRows` view whose rows are cast as they are
        taken. Other pools (a torch ``Dataset``: its transform decides the
        dtype) and scikit-learn models get ``X`` as is.
        """
        pool = as_pool(X)
        if not self.is_net or pool.ndarray is None or X.dtype.kind not in "fiub":
            return X
        dtype = self.input_dtype(model)
        if dtype is None or X.dtype == dtype:
            return X
        if pool.memmap:
            from ..pools import CastRows

            return CastRows(X, dtype)
        return X.astype(dtype)

    def _net_input(self, X, model=None):
        """What a net's ``predict_proba`` takes: a Dataset's items as ``(x, 0)``, a pool object's rows cast."""
        X = self.as_input(X, model)
        if as_pool(X).kind == "dataset":
            from ..pools._torch import InputRows

            return InputRows(X)
        return X

    def _proba(self, model, X):
        """``model.predict_proba(X)``; a pool object (not a Dataset) is scored chunk by chunk."""
        X = self._net_input(X, model) if self.is_net else X
        pool = as_pool(X)
        if pool.kind == "rows":
            parts = pool.batches(batch_rows=CHUNK_ROWS)
            return np.concatenate([np.asarray(model.predict_proba(part)) for _, part in parts])
        return np.asarray(model.predict_proba(X))

    def new(self, n_classes=None, seed=None, warm_start=False):
        """A fresh clone: a net told its ``n_classes`` codes; ``random_state`` parameters seeded from ``seed``."""
        model = clone(self.estimator)
        if self.is_net and n_classes is not None and "classes" in model.get_params():
            model.set_params(classes=np.arange(n_classes))
        if seed is not None:
            seed_params(model, seed)
        if warm_start and not self.is_net and "warm_start" in model.get_params():
            model.set_params(warm_start=True)
        return model

    def random_weights(self, n_classes, seed):
        """A net initialised with random weights from ``seed``, untrained (scores a first pool)."""
        model = self.new(n_classes)
        with torch_seed(seed):
            model.initialize()
        return model

    def set_class_weight(self, model, class_weight, classes, labels):
        """Weight training by class: ``"balanced"`` from ``labels``, or a dict ``{class: weight}``."""
        if class_weight is None:
            return model
        if not self.is_net:
            return model.set_params(class_weight=class_weight)
        import torch

        if isinstance(class_weight, dict):
            weights = np.array([float(class_weight.get(c, 1.0)) for c in classes.tolist()])
        else:
            weights = balanced_weights(self.encode(labels, classes), len(classes))
        return model.set_params(criterion__weight=torch.as_tensor(weights, dtype=torch.float32))

    @staticmethod
    def encode(labels, classes):
        """Labels as codes ``0..C-1`` into ``classes``."""
        return np.searchsorted(classes, labels).astype(np.int64)

    def train(self, model, X, labels, classes, seed, *, partial=False):
        """Fit ``model`` on ``(X, labels)`` under ``seed`` and return it (``partial`` continues a net)."""
        if not self.is_net:
            return model.fit(X, labels)
        codes = self.encode(labels, classes) if self.single_label else self._net_targets(labels)
        with torch_seed(seed):
            fit = model.partial_fit if partial else model.fit
            if as_pool(X).kind == "dataset":  # skorch trains on the targets a dataset yields: the oracle's, as codes
                from ..pools._torch import LabeledRows

                return fit(LabeledRows(X, codes), None)
            return fit(X, codes)

    def _net_targets(self, labels):
        """A regression or multi-label net's targets: float32, a column per output (``(n, 1)`` for regression)."""
        values = np.asarray(labels, dtype=np.float32)
        return values.reshape(len(values), -1)

    def predict_proba(self, model, X, classes):
        """Probabilities with one column per entry of ``classes`` (zeros for classes the model never saw).

        A multi-label target gives one column per label: the probability that
        the label applies (a ``MultiOutputClassifier``'s per-label pairs are
        reduced to their positive column).
        """
        if self.target is not None and self.target.is_multilabel:
            return self._label_proba(model, X)
        proba = self._proba(model, X)
        if self.is_net:
            return proba
        columns = np.searchsorted(classes, model.classes_)
        if len(columns) == len(classes):
            return proba
        full = np.zeros((proba.shape[0], len(classes)), dtype=proba.dtype)
        full[:, columns] = proba
        return full

    def _label_proba(self, model, X):
        """``(n, n_labels)`` probabilities that each label applies."""
        X = self._net_input(X, model) if self.is_net else X
        proba = model.predict_proba(X)
        if isinstance(proba, list):  # MultiOutputClassifier: one (n, k) array per label
            return np.column_stack([_positive_column(p, c) for p, c in zip(proba, model.classes_)])
        return np.asarray(proba)

    def predict(self, model, X, classes):
        """Labels from ``classes``; a regression model's values; a multi-label model's 0/1 rows."""
        if self.is_net and not self.single_label:
            if self.target.is_multilabel:  # skorch's predict takes the argmax; a label applies past 0.5
                return (self._label_proba(model, X) > 0.5).astype(np.int64)
            values = np.asarray(model.predict(self._net_input(X, model)))
            return values.reshape(len(values)) if values.ndim == 2 and values.shape[1] == 1 else values
        if self.is_net:
            return classes[self._proba(model, X).argmax(axis=1)]
        if as_pool(X).lazy:
            return self._predict_chunks(model, X)
        return model.predict(X)

    @staticmethod
    def _predict_chunks(model, X):
        return np.concatenate([model.predict(part) for _, part in as_pool(X).batches(batch_rows=CHUNK_ROWS)])


def _positive_column(proba, classes):
    """The probability of class 1 from one label's ``(n, k)`` probabilities (0 when the label was never seen)."""
    proba, classes = np.asarray(proba), np.asarray(classes)
    hit = np.flatnonzero(classes == 1)
    return proba[:, hit[0]] if hit.size else np.zeros(len(proba))
