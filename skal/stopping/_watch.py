"""What every criterion that watches a stop set shares: drawing it and the round model's probabilities on it."""

import numpy as np

from ..utils._adapter import ModelAdapter
from ._base import StoppingCriterion
from ._stop_set import check_stop_set, draw_stop_set, stop_set_proba

__all__ = ["StopSetCriterion"]


class StopSetCriterion(StoppingCriterion):
    """A criterion measured on the round model's probabilities over a stop set.

    Subclasses keep ``stop_set`` and ``random_state`` parameters; the stop
    set (``stop_set_``, a :class:`~skal.stopping._stop_set.StopSet`) is drawn
    in ``on_fit_begin``.
    """

    def _check_params(self):
        check_stop_set(self.stop_set)

    def _begin(self, learner):
        estimator = learner.estimator
        if not (ModelAdapter(estimator).is_net or hasattr(estimator, "predict_proba")):
            raise ValueError(
                f"{type(self).__name__} reads the model's predicted probabilities, but {type(estimator).__name__} "
                "has no predict_proba: wrap it (e.g. CalibratedClassifierCV) or use LabelBudget/ScorePlateau."
            )
        check_stop_rows(self.stop_set, learner.pool_.X)
        self.stop_set_ = draw_stop_set(self.stop_set, learner, self.random_state)

    def _proba(self, learner, record):
        """``(proba, classes, unlabeled)``: probabilities on the stop set, their columns, and its unlabeled rows."""
        proba, classes = stop_set_proba(learner, self.stop_set_, record["round"])
        return proba, classes, self.stop_set_.unlabeled(learner.pool_)


def check_stop_rows(stop_set, X_pool):
    """Rows given as the stop set must look like pool rows (same trailing shape); an int needs no check."""
    if isinstance(stop_set, (int, np.integer)):
        return
    pool_shape, rows_shape = getattr(X_pool, "shape", None), getattr(stop_set, "shape", None)
    if rows_shape is None and isinstance(stop_set, (list, tuple)):
        rows_shape = np.shape(stop_set) if pool_shape is not None else None
    if pool_shape is not None and rows_shape is not None and tuple(rows_shape[1:]) != tuple(pool_shape[1:]):
        raise ValueError(
            f"stop_set rows have shape {tuple(rows_shape)}, but pool rows are {tuple(pool_shape[1:])}: pass rows "
            "shaped like the pool's (held out of it), or a number of pool rows to draw."
        )
