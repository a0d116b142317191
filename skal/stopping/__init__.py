"""Stopping criteria: callbacks that tell when active learning has done enough.

Each criterion is a :class:`~skal.callbacks.Callback` for
``ActiveLearner(callbacks=[...])``. Every trained round it writes its value
into the round's record, ``record["stopping"][criterion.name]`` (a float, or
None when not measurable yet), and, with ``stop=True``, ends the run after the
round once met; ``learner.stop_reason_`` then names the criterion, its value
and threshold. With ``stop=False`` it only records, and
:func:`first_stop` replays the recorded values of a run to find the round at
which any threshold would have stopped it.

Model-based criteria watch a *stop set*: a random sample of pool rows drawn
once per fit (``stop_set=2000``) or rows you hold out (``stop_set=X_stop``).
The round model's probabilities on it are computed once per round, however
many criteria watch the same stop set.

Examples
--------
>>> from sklearn.datasets import make_classification
>>> from sklearn.linear_model import LogisticRegression
>>> from skal import ActiveLearner
>>> X, y = make_classification(n_samples=300, random_state=0)
>>> watch = [StabilizingPredictions(stop=False), OverallUncertainty(stop=False), LabelBudget(60)]
>>> learner = ActiveLearner(LogisticRegression(), query_size=10, callbacks=watch, random_state=0).fit(X, y)
>>> learner.stopped_, learner.history_[-1]["n_labeled"]
(True, 62)
>>> sorted(learner.history_[-1]["stopping"])
['label_budget', 'overall_uncertainty', 'stabilizing_predictions']
"""

from ._agreement import ClassificationChange, Contradiction, StabilizingPredictions
from ._base import StoppingCriterion, first_stop
from ._budgets import CostBudget, LabelBudget, TimeLimit
from ._measures import changed_share, kappa, mean_abs_change, normalized_entropy
from ._plateau import ScorePlateau
from ._uncertainty import MaxConfidence, OverallUncertainty, RecordConfidence

__all__ = [
    "StoppingCriterion",
    "first_stop",
    "StabilizingPredictions",
    "ClassificationChange",
    "Contradiction",
    "OverallUncertainty",
    "MaxConfidence",
    "ScorePlateau",
    "LabelBudget",
    "CostBudget",
    "TimeLimit",
    "RecordConfidence",
    "normalized_entropy",
    "kappa",
    "mean_abs_change",
    "changed_share",
]
