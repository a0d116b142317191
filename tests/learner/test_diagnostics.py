"""Each round's record counts the classes picked and held; a query in one predicted class warns."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.exceptions import QuerySkewWarning
from skal.learner._diagnostics import SKEW_MIN_CLASSES, SKEW_SHARE, class_counts, skew_message
from skal.strategies import Random
from skal.strategies._base import ProbaStrategy

from ..conftest import make_blobs_pool


@given(st.lists(st.integers(0, 6), min_size=1, max_size=60))
def test_class_counts_count_every_value_most_frequent_first(values):
    counts = class_counts(np.array(values))
    assert sum(c for _, c in counts) == len(values)
    assert {k: c for k, c in counts} == {v: values.count(v) for v in set(values)}
    assert [c for _, c in counts] == sorted((c for _, c in counts), reverse=True)
    assert all(type(k) is int for k, _ in counts)  # JSON-ready, as the journal stores it


@pytest.mark.parametrize(
    "counts, n_classes, skewed",
    [
        ([[3, 31], [1, 19]], 10, True),  # 62 % in one class
        ([[3, 30], [1, 20]], 10, False),  # exactly 60 %: not over the line
        ([[3, 50]], SKEW_MIN_CLASSES - 1, False),  # too few classes for one to stand out
        ([[3, 50]], SKEW_MIN_CLASSES, True),
        ([], 10, False),
    ],
)
def test_skew_is_over_the_share_with_enough_classes(counts, n_classes, skewed):
    message = skew_message(counts, n_classes, 4, "BALD()")
    assert (message is not None) is skewed
    if skewed:
        assert "under-trained" in message and "random weights" in message and "BALD()" in message
    assert SKEW_SHARE == 0.6


class MostlyClassZero(ProbaStrategy):
    """Picks the rows the model is surest are class 0: a query in one predicted class by construction."""

    _score_proba = staticmethod(lambda proba: proba[:, 0])


def _learner(strategy, n_rounds=2):
    return ActiveLearner(LogisticRegression(max_iter=300), strategy, initial_strategy=Random(), initial_size=25,
                         query_size=10, n_rounds=n_rounds, random_state=0)  # fmt: skip


def test_records_hold_the_class_counts_of_picks_and_labels():
    X, y = make_blobs_pool(n=150, n_classes=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", QuerySkewWarning)  # Random's picks are not skewed
        learner = _learner(Random()).fit(X, y)
    first, later = learner.history_[0], learner.history_[1]
    assert first["picked_predicted"] is None  # no model scored round 0
    rows = later["queried"]
    assert later["picked_labels"] == class_counts(y[rows])
    assert later["labeled_classes"] == class_counts(learner.labels_[: later["n_labeled"]])
    model_before = LogisticRegression(max_iter=300).fit(
        X[learner.labeled_indices_[:25]], y[learner.labeled_indices_[:25]]
    )
    assert later["picked_predicted"] == class_counts(model_before.predict(X[rows]))


def test_a_query_in_one_predicted_class_warns_before_the_oracle_is_asked():
    X, y = make_blobs_pool(n=150, n_classes=5)
    asked = []

    def oracle(indices, rows):
        asked.append(len(indices))
        return y[indices]

    with pytest.warns(QuerySkewWarning, match=r"round 1: 10 of the 10 rows MostlyClassZero\(\) picked \(100%\)"):
        learner = _learner(MostlyClassZero(), n_rounds=1).fit(X, oracle)
    assert learner.history_[1]["picked_predicted"][0][1] == 10 and asked == [25, 10]


def test_a_model_that_cannot_predict_the_rows_gives_no_counts_and_no_error():
    class ProbaOnly(LogisticRegression):
        def predict_proba(self, X):
            raise RuntimeError("this model predicts only in its own pipeline")

    X, y = make_blobs_pool(n=120, n_classes=5)
    learner = _learner(Random(), n_rounds=1)
    learner.set_params(estimator=ProbaOnly(max_iter=300)).fit(X, y)
    assert learner.history_[1]["picked_predicted"] is None and len(learner.labeled_indices_) == 35
