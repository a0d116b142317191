"""Stop when a resource is spent: labels, annotation cost, wall time.

Each stops *after* the round that reaches its limit (the round's labels are
kept and trained on), so a round may overshoot it; ``ActiveLearner(budget=...)``
caps the number of labels exactly.
"""

import time

from ._base import StoppingCriterion, check_real

__all__ = ["LabelBudget", "CostBudget", "TimeLimit"]


class _Limit(StoppingCriterion):
    uses_model = False
    limit = ""  # the parameter holding the limit: the one first_stop may change when it replays

    @property
    def replay_params(self):
        return (self.limit,)

    def _check_params(self):
        check_real(self.limit, getattr(self, self.limit), 0.0, low_open=True)

    def met(self, value):
        return value >= getattr(self, self.limit)


class LabelBudget(_Limit):
    """Stop once ``max_labels`` labels are used (the value: labels from the oracle, pseudo-labels excluded).

    Parameters
    ----------
    max_labels : int or float > 0
    stop : bool, default=True
        False only records the value (``record["stopping"]["label_budget"]``).

    Examples
    --------
    >>> LabelBudget(100).met(120.0), LabelBudget(100).reason(120.0)
    (True, 'label budget: 120 labels used >= max_labels 100')
    """

    name = "label_budget"
    limit = "max_labels"

    def __init__(self, max_labels, stop=True):
        self.max_labels = max_labels
        self.stop = stop

    def _measure(self, learner, record):
        return learner.pool_.n_paid()

    def reason(self, value):
        return f"label budget: {value:.0f} labels used >= max_labels {self.max_labels}"


class CostBudget(_Limit):
    """Stop once the annotation cost spent reaches ``max_cost``.

    The value is ``record["total_cost"]`` (the cumulative annotation cost the
    learner records); without it, each label from the oracle costs 1.

    Parameters
    ----------
    max_cost : float > 0
    stop : bool, default=True
        False only records the value (``record["stopping"]["cost_budget"]``).
    """

    name = "cost_budget"
    limit = "max_cost"

    def __init__(self, max_cost, stop=True):
        self.max_cost = max_cost
        self.stop = stop

    def _measure(self, learner, record):
        cost = record.get("total_cost")
        return learner.pool_.n_paid() if cost is None else float(cost)

    def reason(self, value):
        return f"cost budget: cost {value:.4g} spent >= max_cost {self.max_cost}"


class TimeLimit(_Limit):
    """Stop once ``max_seconds`` of wall time passed since the fit began (``time.monotonic``).

    The value is the seconds elapsed at the end of each round: labeling,
    querying and training all count.

    Parameters
    ----------
    max_seconds : float > 0
    stop : bool, default=True
        False only records the value (``record["stopping"]["time_limit"]``).
    """

    name = "time_limit"
    limit = "max_seconds"

    def __init__(self, max_seconds, stop=True):
        self.max_seconds = max_seconds
        self.stop = stop

    def _begin(self, learner):
        self.start_ = time.monotonic()

    def _measure(self, learner, record):
        return time.monotonic() - self.start_

    def reason(self, value):
        return f"time limit: {value:.1f} s elapsed >= max_seconds {self.max_seconds}"
