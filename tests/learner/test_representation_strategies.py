"""Representation strategies inside ActiveLearner: on a skorch net (its features) and on plain features."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.strategies import (
    BADGE,
    BudgetSwitch,
    ClusterBalanced,
    Coreset,
    Entropy,
    KMeansSampling,
    MultiBatchKMeans,
    Random,
    TypiClust,
)

from ..conftest import make_net

STRATEGIES = [
    Coreset(),
    KMeansSampling(),
    MultiBatchKMeans(),
    TypiClust(),
    BADGE(),
    ClusterBalanced(n_clusters=3),
    BudgetSwitch(low=TypiClust(), high=Entropy(), threshold=15),
]


@pytest.mark.parametrize("strategy", STRATEGIES, ids=repr)
def test_on_a_skorch_net_from_zero_labels(pool, strategy):
    X, y = pool
    runs = [
        ActiveLearner(make_net(), strategy, initial_size=10, query_size=8, n_rounds=2, random_state=0).fit(X, y)
        for _ in range(2)
    ]
    assert [r["n_labeled"] for r in runs[0].history_] == [10, 18, 26]
    assert len(set(runs[0].labeled_indices_.tolist())) == 26
    np.testing.assert_array_equal(runs[0].labeled_indices_, runs[1].labeled_indices_)  # same seed, same picks


@pytest.mark.parametrize("strategy", STRATEGIES, ids=repr)
def test_on_plain_features_with_sklearn(pool, strategy):
    X, y = pool
    needs_proba_first = "proba" in strategy.needs(None)
    learner = ActiveLearner(
        LogisticRegression(max_iter=300),
        strategy,
        initial_strategy=Random() if needs_proba_first else None,
        initial_size=10,
        query_size=8,
        n_rounds=2,
        random_state=0,
    ).fit(X, y)
    assert [r["n_labeled"] for r in learner.history_] == [10, 18, 26]


def test_coreset_cold_start_on_features_covers_the_blobs(pool):
    X, y = pool
    learner = ActiveLearner(
        LogisticRegression(max_iter=300), Coreset(embedding="input"), initial_size=3, n_rounds=0, random_state=0
    ).fit(X, y)
    assert len(set(y[learner.labeled_indices_].tolist())) == 3  # three well-separated blobs, one pick each
