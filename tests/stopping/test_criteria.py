"""Every criterion inside a real ActiveLearner: values recorded, stops named, replay agreeing with the live run."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from skal.learner._pool import LabelPool
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
from skal.stopping._stop_set import _cache

from ._data import X_pool, X_val, fit, y_pool, y_val

# (criterion class, parameters met within a run on the shared data, how its reason begins)
CASES = [
    (StabilizingPredictions, {"threshold": 0.95, "window": 2}, "stabilizing predictions: mean Cohen's kappa "),
    (OverallUncertainty, {"threshold": 0.2}, "overall uncertainty: mean normalized entropy "),
    (MaxConfidence, {"threshold": 0.5}, "max confidence: largest normalized entropy "),
    (ClassificationChange, {"threshold": 0.0}, "classification change: share "),
    (Contradiction, {"threshold": 0.02, "window": 2}, "contradiction: mean absolute change "),
    (ScorePlateau, {"patience": 2}, "score plateau: score did not improve"),
    (LabelBudget, {"max_labels": 50}, "label budget: 50 labels used >= max_labels 50"),
    (CostBudget, {"max_cost": 35}, "cost budget: cost 40 spent >= max_cost 35"),
    (TimeLimit, {"max_seconds": 1e-6}, "time limit: "),
]
IDS = [case[0].__name__ for case in CASES]


@pytest.mark.parametrize("cls, params, reason", CASES, ids=IDS)
def test_a_met_criterion_stops_the_run_with_its_reason_and_replay_finds_the_same_round(cls, params, reason):
    live = cls(**params)
    learner = fit([live])
    history = learner.history_
    assert learner.stopped_
    assert learner.stop_reason_.startswith(reason)
    assert live.stopped_round_ == history[-1]["round"]
    assert first_stop(live, history) == len(history) - 1
    assert len(live.values_) == len(history)
    assert all(cls.name in record["stopping"] for record in history)
    json.dumps([record["stopping"] for record in history])  # JSON-ready: Python floats and None

    watcher = cls(**params, stop=False)
    free = fit([watcher])
    assert not free.stopped_ and len(free.history_) > len(history)
    if cls is not TimeLimit:  # the same seed asks the same rows: only the clock differs between runs
        assert first_stop(watcher, free.history_) == len(history) - 1
        assert [r["stopping"][cls.name] for r in free.history_[: len(history)]] == pytest.approx(
            [r["stopping"][cls.name] for r in history]
        )


def test_stop_false_records_every_criterion_side_by_side_and_replay_picks_any_threshold():
    names = [cls.name for cls, _, _ in CASES]
    learner = fit([cls(stop=False, **params) for cls, params, _ in CASES] + [RecordConfidence(bins=4)])
    assert not learner.stopped_
    for record in learner.history_:
        assert sorted(record["stopping"]) == sorted(names)
    values = [r["stopping"]["stabilizing_predictions"] for r in learner.history_]
    assert values[:2] == [None, None] and all(v is not None for v in values[2:])  # window 2: 3 models needed
    strict = first_stop(StabilizingPredictions(threshold=0.999, window=2), learner.history_)
    loose = first_stop(StabilizingPredictions(threshold=0.9, window=2), learner.history_)
    assert loose is not None and (strict is None or strict >= loose)
    plateau = [r["stopping"]["score_plateau"] for r in learner.history_]
    assert plateau[0] == 0.0 and all(b in (0.0, a + 1) for a, b in zip(plateau, plateau[1:]))


def test_record_confidence_writes_a_histogram_of_the_unlabeled_stop_set_rows():
    learner = fit([RecordConfidence(bins=5)])
    for record in learner.history_:
        confidence = record["confidence"]
        assert confidence["edges"] == pytest.approx(np.linspace(0, 1, 6))
        assert sum(confidence["counts"]) == len(X_pool) - record["n_labeled"]  # the pool is smaller than 2000
    assert not learner.stopped_
    json.dumps([record["confidence"] for record in learner.history_])
    assert len(_cache) == 0  # its probabilities are forgotten at the end of the fit


def test_a_stop_set_of_held_out_rows_is_watched_whole():
    uncertainty = OverallUncertainty(stop_set=X_val, stop=False)
    learner = fit([uncertainty, StabilizingPredictions(stop_set=X_val, stop=False)], n_rounds=4)
    assert uncertainty.stop_set_.X is X_val and uncertainty.stop_set_.indices is None
    assert all(r["stopping"]["overall_uncertainty"] is not None for r in learner.history_)  # no row gets labeled


def _fake_learner():
    from sklearn.linear_model import LogisticRegression

    return SimpleNamespace(seed_=0, pool_=LabelPool(X_pool), callbacks_=[], estimator=LogisticRegression())


@pytest.mark.parametrize("cls, params, reason", CASES, ids=IDS)
def test_a_round_without_a_model_measures_nothing_and_never_stops(cls, params, reason):
    criterion = cls(**params)
    criterion.on_fit_begin(_fake_learner())
    record = {"round": 0, "n_labeled": 10, "score": None, "train_seconds": None, "too_few_classes": True}
    assert criterion.on_round_end(_fake_learner(), record) is None
    assert record["stopping"] == {cls.name: None}


def test_score_plateau_follows_keras_early_stopping():
    plateau = ScorePlateau(patience=3, min_delta=0.005)
    plateau.on_fit_begin(None)
    # best 0.5; 0.6 > 0.505 improves; 0.603 and 0.604 do not beat 0.605; 0.61 does; 0.7 does
    scores = [0.5, 0.6, 0.603, 0.604, 0.61, 0.7, 0.7, 0.7, 0.7]
    answers = [plateau.on_round_end(None, {"round": i, "score": s, "train_seconds": 0.1}) for i, s in enumerate(scores)]
    assert plateau.values_ == [0, 0, 1, 2, 0, 0, 1, 2, 3]
    assert answers[:-1] == [None] * 8 and answers[-1].startswith("score plateau: score did not improve by more than")
    assert plateau.best_ == 0.7


def test_score_plateau_reads_a_named_score_and_names_the_fix_when_scores_are_missing():
    plateau = ScorePlateau(metric="f1")
    plateau.on_fit_begin(SimpleNamespace(scoring={"acc": "accuracy", "f1": "f1_macro"}))
    plateau.on_round_end(None, {"round": 0, "score": 0.9, "scores": {"acc": 0.9, "f1": 0.4}, "train_seconds": 0.1})
    assert plateau.best_ == 0.4
    with pytest.raises(ValueError, match=r"'acc', 'f1'"):
        ScorePlateau(metric="auc").on_round_end(
            None, {"round": 0, "scores": {"acc": 0.9, "f1": 0.4}, "train_seconds": 1}
        )
    from sklearn.linear_model import LogisticRegression

    from skal import ActiveLearner

    asked = []

    def person(indices, rows):
        asked.append(indices)
        return y_pool[indices]

    learner = ActiveLearner(LogisticRegression(), query_size=10, callbacks=[ScorePlateau()], random_state=0)
    with pytest.raises(ValueError, match=r"eval_set=\(X_val, y_val\)"):
        learner.fit(X_pool, person)
    learner.set_params(callbacks=[ScorePlateau(metric="f1")], scoring=["accuracy", "f1_macro"])
    with pytest.raises(ValueError, match=r"gives \['accuracy', 'f1_macro', 'score'\]"):
        learner.fit(X_pool, person, eval_set=(X_val, y_val))
    assert asked == []  # both refused before any label was asked


def test_cost_budget_reads_the_recorded_total_cost_else_counts_labels():
    budget = CostBudget(max_cost=5.0)
    budget.on_fit_begin(_fake_learner())
    trained = {"round": 1, "train_seconds": 0.1}
    assert budget.on_round_end(_fake_learner(), {**trained, "total_cost": 4.5}) is None
    assert budget.on_round_end(_fake_learner(), {**trained, "total_cost": 5.5}).startswith("cost budget: cost 5.5")
    learner = _fake_learner()
    learner.pool_.add(np.arange(7), y_pool[:7], 0)
    assert budget.on_round_end(learner, dict(trained)) == "cost budget: cost 7 spent >= max_cost 5.0"


def test_repr_shows_changed_parameters():
    assert repr(StabilizingPredictions(window=5)) == "StabilizingPredictions(window=5)"
    assert repr(LabelBudget(100)) == "LabelBudget(max_labels=100)"


def test_first_stop_replays_thresholds_only_and_refuses_another_window():
    learner = fit([StabilizingPredictions(stop=False), ScorePlateau(stop=False)], n_rounds=8)
    assert learner.history_[-1]["stopping_params"]["stabilizing_predictions"]["window"] == 3
    first_stop(StabilizingPredictions(threshold=0.5), learner.history_)  # another threshold: a replay
    first_stop(ScorePlateau(patience=1), learner.history_)  # another patience: a replay
    with pytest.raises(ValueError, match="differs in {'window': 2}"):
        first_stop(StabilizingPredictions(window=2), learner.history_)
    with pytest.raises(ValueError, match="min_delta"):
        first_stop(ScorePlateau(min_delta=0.05), learner.history_)


@pytest.mark.parametrize(
    "estimator, criterion, fix",
    [
        ("lr", OverallUncertainty(stop_set=np.zeros((10, 3))), "stop_set rows have shape"),
        ("svc", StabilizingPredictions(), "has no predict_proba"),
    ],
)
def test_a_stop_set_or_model_it_cannot_read_fails_before_any_label(estimator, criterion, fix):
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    from skal import ActiveLearner

    asked = []

    def person(indices, rows):
        asked.append(indices)
        return y_pool[indices]

    model = LogisticRegression() if estimator == "lr" else LinearSVC()
    with pytest.raises(ValueError, match=fix):
        ActiveLearner(model, query_size=10, callbacks=[criterion], random_state=0).fit(X_pool, person)
    assert asked == []
