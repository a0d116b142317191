"""What a round records: annotation cost, per-class accuracy, readable strategy names, a callback's stop reason."""

import time

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.callbacks import Callback, ProgressBar, round_line
from skal.learner._cost import check_cost
from skal.learner._diagnostics import accuracy_by_class
from skal.strategies import Entropy, Margin, Mix, Random, Schedule

from ..conftest import make_blobs_pool


def learner(**kw):
    params = dict(strategy=Entropy(), initial_strategy=Random(), initial_size=12, query_size=10, random_state=0)
    params.update(kw)
    return ActiveLearner(LogisticRegression(max_iter=300), **params)


@pytest.mark.parametrize(
    "cost, expected",
    [
        (None, lambda rows, y, X: float(len(rows))),
        (2.5, lambda rows, y, X: 2.5 * len(rows)),
        ({0: 1.0, 1: 3.0, 2: 10.0}, lambda rows, y, X: float(np.array([1.0, 3.0, 10.0])[y[rows]].sum())),
        (lambda row: abs(float(row[0])), lambda rows, y, X: float(np.abs(X[rows, 0]).sum())),
    ],
    ids=["none", "constant", "per-class", "per-row"],
)
def test_each_round_records_its_cost_and_the_running_total(cost, expected):
    X, y = make_blobs_pool()
    al = learner(cost=cost, n_rounds=3).fit(X, y)
    total = 0.0
    for record in al.history_:
        assert record["cost"] == pytest.approx(expected(record["queried"], y, X))
        total += record["cost"]
        assert record["total_cost"] == pytest.approx(total)


def test_time_cost_is_the_seconds_the_oracle_took():
    X, y = make_blobs_pool()

    def slow_person(indices, rows):
        time.sleep(0.05)
        return y[indices]

    al = learner(cost="time", n_rounds=1).fit(X, slow_person)
    for record in al.history_:
        assert record["cost"] == record["label_seconds"] >= 0.05


@pytest.mark.parametrize(
    "cost, fix",
    [(-1.0, "cost"), ("hours", "time"), ({0: 1.0, 1: 1.0}, "give every class a cost"), ({0: -2, 1: 1, 2: 1}, ">= 0")],
)
def test_a_bad_cost_fails_before_any_label_is_asked(cost, fix):
    X, y = make_blobs_pool()
    asked = []

    def oracle(indices, rows):
        asked.append(indices)
        return y[indices]

    with pytest.raises(ValueError, match=fix):
        learner(cost=cost, classes=[0, 1, 2]).fit(X, oracle)
    assert asked == []


def test_check_cost_per_class_names_an_unknown_class_and_keeps_labels_hint():
    with pytest.raises(ValueError, match="labels are kept"):
        check_cost({"cat": 1.0})(None, ["dog"], 0.0)


def test_eval_set_rounds_record_per_class_accuracy():
    X, y = make_blobs_pool(n=200)
    al = learner(n_rounds=2).fit(X[:150], y[:150], eval_set=(X[150:], y[150:]))
    last = al.history_[-1]
    predicted = al.predict(X[150:])
    assert last["per_class_accuracy"] == accuracy_by_class(y[150:], predicted)
    assert [c for c, _ in last["per_class_accuracy"]] == [0, 1, 2]


def test_accuracy_by_class_by_hand():
    # class 0: rows 0,1 -> predicted 0,1: 1/2; class 2: rows 2,3,4 -> 2,0,2: 2/3
    assert accuracy_by_class([0, 0, 2, 2, 2], [0, 1, 2, 0, 2]) == [[0, 0.5], [2, pytest.approx(2 / 3)]]


def test_strategy_names_are_as_given_on_one_line_without_round_seeds():
    X, y = make_blobs_pool()
    mix = Mix([(Random(), 0.5), (Margin(), 0.25), (Entropy(), 0.25)])
    al = learner(strategy=Schedule(Random(), mix), n_rounds=3).fit(X, y)
    names = [r["strategy"] for r in al.history_]
    assert names[0] == "Random()"
    expected = "Schedule(initial=Random(), then=Mix(strategies=[(Random(), 0.5), (Margin(), 0.25), (Entropy(), 0.25)]))"
    assert names[1:] == [expected + " -> Mix"] * 3


class _StopWithReason(Callback):
    def on_round_end(self, learner, record, **kwargs):
        return f"enough at {record['n_labeled']} labels" if record["round"] == 1 else None


class _StopTrue(Callback):
    def on_round_end(self, learner, record, **kwargs):
        return True


@pytest.mark.parametrize(
    "callbacks, reason, rounds",
    [
        ([_StopWithReason()], "enough at 22 labels", 2),
        ([_StopTrue()], "a callback asked to stop (on_round_end)", 1),
        ([Callback(), _StopWithReason(), _StopTrue()], "enough at 22 labels", 1),
    ],
)
def test_a_callback_string_is_the_stop_reason(callbacks, reason, rounds):
    X, y = make_blobs_pool()
    al = learner(n_rounds=5, callbacks=callbacks).fit(X, y)
    assert al.stopped_ and len(al.history_) == rounds
    if rounds == 1:  # _StopTrue stops round 0; the first truthy answer in callback order wins
        reason = "a callback asked to stop (on_round_end)"
    assert al.stop_reason_ == reason


def test_round_line_names_labels_budget_score_stopping_and_seconds():
    record = {
        "round": 2,
        "n_labeled": 40,
        "score": 0.5,
        "query_seconds": 0.004,
        "label_seconds": None,
        "train_seconds": 12.25,
        "stopping": {"contradiction": 0.0123, "score_plateau": None},
        "total_cost": 80.0,
    }
    assert round_line(record, budget=100) == (
        "round 2: 40/100 labels, cost 80, score 0.500, contradiction 0.0123; query 0.00 s, label -, train 12.2 s"
    )


def test_verbose_two_prints_a_line_per_round(capsys):
    X, y = make_blobs_pool()
    learner(n_rounds=2, verbose=2, budget=40).fit(X, y)
    err = capsys.readouterr()
    lines = [line for line in (err.out + err.err).splitlines() if line.startswith("round ")]
    assert [line.split(":")[0] for line in lines] == ["round 0", "round 1", "round 2"]
    assert "12/40 labels" in lines[0] and "train" in lines[0]
    assert ProgressBar(lines=True).lines


def test_a_resumed_run_keeps_the_measured_time_cost_of_replayed_rounds(tmp_path):
    X, y = make_blobs_pool()

    def slow_person(indices, rows):
        time.sleep(0.02)
        return y[indices]

    journal = tmp_path / "labels.db"
    first = learner(cost="time", n_rounds=2).fit(X, slow_person, journal=journal)
    again = learner(cost="time", n_rounds=4).fit(X, slow_person, journal=journal)
    assert [r["total_cost"] for r in again.history_[:3]] == pytest.approx([r["total_cost"] for r in first.history_])
    assert all(r["cost"] >= 0.02 for r in again.history_)  # replayed rounds too: the person's seconds, not ~0
    for before, record in zip(again.history_, again.history_[1:]):
        assert record["total_cost"] == pytest.approx(before["total_cost"] + record["cost"])


def test_teach_refuses_a_class_without_a_cost_before_recording_anything():
    X, y = make_blobs_pool()
    al = learner(cost={0: 1.0, 1: 2.0})  # no label space given: a class without a cost shows up in teach()
    rows = al.query(X)
    with pytest.raises(ValueError, match="no entry for the classes"):
        al.teach(rows, np.full(len(rows), 2))
    assert len(al.labeled_indices_) == 0 and al.history_ == []
    al.teach(rows, np.zeros(len(rows), dtype=int))
    assert al.history_[-1]["total_cost"] == len(rows)


def test_a_bad_cost_fails_before_the_journal_is_opened(tmp_path):
    from skal.journal import LabelJournal

    X = np.random.default_rng(0).normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    path = tmp_path / "labels.db"
    learner = ActiveLearner(LogisticRegression(), Entropy(), initial_strategy=Random(), cost={0: -1.0}, n_rounds=1)
    with pytest.raises(ValueError, match="cost"):
        learner.fit(X, y, journal=path)
    assert not path.exists() or LabelJournal.open(path, X).close() is None  # not created, or not left locked
