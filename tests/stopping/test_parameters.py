"""Bad parameters are refused with the fix named, before the oracle is asked for any label."""

import re

import pytest
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.stopping import (
    ClassificationChange,
    Contradiction,
    CostBudget,
    LabelBudget,
    MaxConfidence,
    OverallUncertainty,
    RecordConfidence,
    ScorePlateau,
    StabilizingPredictions,
    TimeLimit,
    first_stop,
)

from ._data import X_pool, y_pool

BAD = [
    (StabilizingPredictions(threshold=1.5), "threshold=1.5"),
    (StabilizingPredictions(threshold=-1), "kappa lies in"),
    (StabilizingPredictions(window=0), "window=0: pass an int >= 1"),
    (StabilizingPredictions(window=2.5), "window=2.5"),
    (StabilizingPredictions(stop_set=0), "stop_set=0"),
    (StabilizingPredictions(stop_set="rows"), "stop_set='rows'"),
    (StabilizingPredictions(stop="yes"), "stop='yes': pass True or False"),
    (OverallUncertainty(threshold=-0.1), "Normalized entropy lies in"),
    (MaxConfidence(threshold=2), "threshold=2"),
    (MaxConfidence(threshold=float("nan")), "threshold=nan"),
    (ClassificationChange(threshold=1.1), "share of rows"),
    (Contradiction(window=0), "window=0"),
    (Contradiction(threshold="low"), "threshold='low'"),
    (ScorePlateau(patience=0), "patience=0"),
    (ScorePlateau(min_delta=-1), "min_delta=-1"),
    (ScorePlateau(metric=3), "metric=3"),
    (LabelBudget(0), "max_labels=0: pass a number > 0"),
    (CostBudget(-5), "max_cost=-5"),
    (TimeLimit(float("inf")), "max_seconds=inf"),
    (RecordConfidence(bins=0), "bins=0"),
]


@pytest.mark.parametrize("criterion, message", BAD, ids=[repr(c) for c, _ in BAD])
def test_a_bad_parameter_fails_before_any_label_is_asked(criterion, message):
    asked = []

    def oracle(indices, X_rows):
        asked.append(len(indices))
        return y_pool[indices]

    learner = ActiveLearner(LogisticRegression(), callbacks=[criterion], random_state=0)
    with pytest.raises(ValueError, match=re.escape(message)):
        learner.fit(X_pool, oracle)
    assert asked == []


def test_two_criteria_recording_under_one_name_are_refused():
    asked = []
    learner = ActiveLearner(
        LogisticRegression(), callbacks=[OverallUncertainty(), OverallUncertainty(threshold=0.2)], random_state=0
    )
    with pytest.raises(ValueError, match="first_stop"):
        learner.fit(X_pool, lambda indices, X_rows: asked.append(1) or y_pool[indices])
    assert asked == []


@pytest.mark.parametrize("criterion", [c for c, _ in BAD[:3]], ids=["threshold", "kappa", "window"])
def test_first_stop_refuses_a_bad_criterion(criterion):
    with pytest.raises(ValueError):
        first_stop(criterion, [{"stopping": {criterion.name: 1.0}}])
