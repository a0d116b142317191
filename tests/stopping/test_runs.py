"""Model-based criteria across the run's odd cases: a skorch net, a resumed journal, a label space that grows."""

from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.learner._pool import LabelPool
from skal.stopping import Contradiction, OverallUncertainty, StabilizingPredictions, mean_abs_change

from ..conftest import make_net
from ._data import X_pool, fit


def test_a_skorch_net_is_watched_through_the_model_adapter(pool):
    X, y = pool
    watchers = [StabilizingPredictions(stop=False, window=1), OverallUncertainty(stop=False)]
    learner = ActiveLearner(make_net(max_epochs=2), query_size=12, n_rounds=2, callbacks=watchers, random_state=0)
    learner.fit(X, y)
    values = [r["stopping"] for r in learner.history_]
    assert values[0]["stabilizing_predictions"] is None and values[1]["stabilizing_predictions"] is not None
    assert all(0.0 <= v["overall_uncertainty"] <= 1.0 for v in values)


def test_rounds_replayed_from_a_journal_measure_nothing_then_measuring_resumes(tmp_path):
    journal = tmp_path / "run.db"
    first = fit([StabilizingPredictions(window=1, stop=False)], n_rounds=2, journal=journal)
    resumed = fit([StabilizingPredictions(window=1, stop=False)], n_rounds=4, journal=journal)
    values = [r["stopping"]["stabilizing_predictions"] for r in resumed.history_]
    replayed = [bool(r.get("replayed")) for r in resumed.history_]
    assert replayed[: len(first.history_)] == [True] * len(first.history_)
    assert all(v is None for v, again in zip(values, replayed) if again)  # the model may be an earlier round's
    assert values[-1] is not None


def test_contradiction_compares_models_over_a_label_space_that_grew():
    rows = np.array([0, 1, 2, 3, 4, 5])
    learner = SimpleNamespace(seed_=0, pool_=LabelPool(X_pool), callbacks_=[], estimator=LogisticRegression())
    contradiction = Contradiction(threshold=0.0, stop_set=40)
    contradiction.on_fit_begin(learner)
    learner.pool_.add(rows, np.array([0, 1, 0, 1, 0, 1]), 0)  # two classes known in round 0
    learner.estimator_ = before = LogisticRegression().fit(X_pool[rows], [0, 1, 0, 1, 0, 1])
    contradiction.on_round_end(learner, {"round": 0, "train_seconds": 0.1})
    learner.pool_.add(np.array([6, 7]), np.array([2, 2]), 1)  # a third arrives in round 1
    labels = [0, 1, 0, 1, 0, 1, 2, 2]
    learner.estimator_ = after = LogisticRegression().fit(X_pool[:8], labels)
    record = {"round": 1, "train_seconds": 0.1}
    contradiction.on_round_end(learner, record)
    stop_rows = X_pool[contradiction.stop_set_.indices]
    old = np.column_stack([before.predict_proba(stop_rows), np.zeros(40)])  # the earlier model: p(class 2) = 0
    expected = mean_abs_change(old, after.predict_proba(stop_rows))
    assert record["stopping"]["contradiction"] == pytest.approx(expected)
