"""What every criterion that watches a stop set shares: drawing it and the round model's probabilities on it."""

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
        self.stop_set_ = draw_stop_set(self.stop_set, learner, self.random_state)

    def _proba(self, learner, record):
        """``(proba, classes, unlabeled)``: probabilities on the stop set, their columns, and its unlabeled rows."""
        proba, classes = stop_set_proba(learner, self.stop_set_, record["round"])
        return proba, classes, self.stop_set_.unlabeled(learner.pool_)
