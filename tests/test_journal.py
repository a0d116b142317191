"""The label journal: durable answers, resume after failures (incl. SIGKILL), skip/stop, pool and seed checks."""

import os
import sqlite3
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.exceptions import JournalError
from skal.journal import LabelJournal, _transaction
from skal.oracles import SKIP, STOP, CallableOracle
from skal.strategies import Entropy, Random

from .conftest import RecordingLabels

X = np.random.default_rng(0).normal(size=(200, 4))
Y = (X[:, 0] + X[:, 1] > 0).astype(int)


def learner(**kw):
    params = dict(initial_strategy=Random(), initial_size=10, query_size=10, n_rounds=4, random_state=0, classes=[0, 1])
    params.update(kw)
    return ActiveLearner(LogisticRegression(), Entropy(), **params)


@pytest.fixture(scope="module")
def reference():
    return learner().fit(X, Y)


class Person:
    """A per-row oracle that records what it was asked and fails on the k-th question."""

    def __init__(self, fail_at=None, exc=RuntimeError):
        self.asked, self.fail_at, self.exc = [], fail_at, exc

    def __call__(self, i, row):
        self.asked.append(i)
        if self.fail_at is not None and len(self.asked) == self.fail_at:
            raise self.exc("the annotator's tool crashed")
        return Y[i]


def _answered(path):
    with sqlite3.connect(path) as db:
        return [r for (r,) in db.execute("SELECT row FROM labels ORDER BY seq")]


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_a_failure_part_way_through_a_batch_loses_nothing(tmp_path, reference, exc):
    path = tmp_path / "labels.db"
    first = Person(fail_at=27, exc=exc)
    with pytest.raises(exc) as info:
        learner().fit(X, CallableOracle(first, per_row=True), journal=path)
    assert "journal" in " ".join(getattr(info.value, "__notes__", []))
    kept = _answered(path)
    assert kept == first.asked[:26]  # every answer before the failure is on disk
    second = Person()
    resumed = learner().fit(X, CallableOracle(second, per_row=True), journal=path)
    assert not set(kept) & set(second.asked)  # nothing asked twice
    assert len(kept) + len(second.asked) == 50
    np.testing.assert_array_equal(resumed.labeled_indices_, reference.labeled_indices_)  # the same queries
    np.testing.assert_array_equal(resumed.labels_, reference.labels_)
    assert [h["n_labeled"] for h in resumed.history_] == [10, 20, 30, 40, 50]


def test_a_finished_journal_replays_without_the_oracle(tmp_path, reference):
    path = tmp_path / "labels.db"
    learner().fit(X, Y, journal=path)
    labels = RecordingLabels(Y)
    again = learner().fit(X, labels, journal=path)
    assert labels.read == []
    np.testing.assert_array_equal(again.labeled_indices_, reference.labeled_indices_)
    assert all(h.get("replayed") for h in again.history_)
    np.testing.assert_allclose(again.predict_proba(X[:5]), reference.predict_proba(X[:5]))


def test_resume_can_extend_the_run(tmp_path):
    path = tmp_path / "labels.db"
    learner(n_rounds=1).fit(X, Y, journal=path)
    labels = RecordingLabels(Y)
    longer = learner(n_rounds=3).fit(X, labels, journal=path)
    assert len(labels.read) == 20 and not set(labels.read) & set(_answered(path)[:20])
    np.testing.assert_array_equal(longer.labeled_indices_, learner(n_rounds=3).fit(X, Y).labeled_indices_)


def test_warm_start_resume_retrains_every_round(tmp_path):
    path = tmp_path / "labels.db"
    make = lambda: learner(warm_start=True)  # noqa: E731
    with pytest.raises(RuntimeError):
        make().fit(X, CallableOracle(Person(fail_at=35), per_row=True), journal=path)
    resumed = make().fit(X, CallableOracle(Person(), per_row=True), journal=path)
    np.testing.assert_array_equal(resumed.labeled_indices_, make().fit(X, Y).labeled_indices_)


def test_another_pool_is_refused_before_anything_changes(tmp_path):
    path = tmp_path / "labels.db"
    learner().fit(X, Y, journal=path)
    before = _answered(path)
    fitted = learner().fit(X, Y)
    state = fitted.labeled_indices_.copy()
    changed = X.copy()
    changed[3, 1] += 1e-9
    for pool in (changed, X[:150], X[::-1]):
        with pytest.raises(JournalError, match="another pool"):
            fitted.fit(pool, Y[: len(pool)], journal=path)
    np.testing.assert_array_equal(fitted.labeled_indices_, state)
    assert _answered(path) == before


def test_another_seed_is_refused_none_takes_the_journals(tmp_path, reference):
    path = tmp_path / "labels.db"
    learner().fit(X, Y, journal=path)
    with pytest.raises(JournalError, match="random_state"):
        learner(random_state=1).fit(X, Y, journal=path)
    same = learner(random_state=None).fit(X, RecordingLabels(Y), journal=path)
    np.testing.assert_array_equal(same.labeled_indices_, reference.labeled_indices_)


def test_a_journal_without_seed_keeps_the_random_one(tmp_path):
    path = tmp_path / "labels.db"
    first = learner(random_state=None, n_rounds=1).fit(X, Y, journal=path)
    second = learner(random_state=None, n_rounds=2).fit(X, Y, journal=path)
    assert second.seed_ == first.seed_
    np.testing.assert_array_equal(second.labeled_indices_[:20], first.labeled_indices_)


def test_journal_contents(tmp_path):
    path = tmp_path / "labels.db"
    learner(n_rounds=1).fit(X, Y, journal=path)
    with sqlite3.connect(path) as db:
        meta = dict(db.execute("SELECT key, value FROM meta"))
        rows = db.execute("SELECT row, round, label, oracle, strategy, seed, time FROM labels").fetchall()
        queries = db.execute("SELECT round, rows FROM queries").fetchall()
        rounds = db.execute("SELECT round FROM rounds").fetchall()
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert meta["format"] == "skal-journal" and meta["n_pool"] == "200" and len(meta["pool_sha256"]) == 64
    assert meta["seed"] == "0"
    assert len(rows) == 20 and {r[1] for r in rows} == {0, 1} and rows[0][3] == "SimulatedOracle"
    assert all(int(r[2]) == Y[r[0]] for r in rows)
    assert [q[0] for q in queries] == [0, 1] and [r[0] for r in rounds] == [0, 1]


def test_a_failed_write_is_a_clear_error_and_the_journal_stays_readable(tmp_path, monkeypatch):
    path = tmp_path / "labels.db"
    calls = {"n": 0}
    original = LabelJournal.write_labels

    def flaky(self, round_, rows, labels, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # a write that fails half-way through its transaction (a full disk, say)
            with _transaction(self._db, self.path):
                self._db.execute(
                    "INSERT INTO labels (row, round, label, time) VALUES (?, ?, '0', 0)", (int(rows[0]), 2)
                )
                self._db.execute("INSERT INTO no_such_table VALUES (1)")
        return original(self, round_, rows, labels, **kwargs)

    monkeypatch.setattr(LabelJournal, "write_labels", flaky)
    with pytest.raises(JournalError, match="could not write to the label journal") as info:
        learner().fit(X, Y, journal=path)
    assert "resume" in str(info.value)
    monkeypatch.setattr(LabelJournal, "write_labels", original)
    assert len(_answered(path)) == 20  # the two earlier batches; nothing of the failed one
    resumed = learner().fit(X, Y, journal=path)
    assert len(resumed.labeled_indices_) == 50


def test_sqlite_errors_become_journal_errors(tmp_path):
    path = tmp_path / "labels.db"
    journal = LabelJournal.open(path, X, seed=0)
    journal.write_labels(0, [1], [0])
    with pytest.raises(JournalError, match="labeled once.*nothing of this write was kept"):
        journal.write_labels(0, [2, 1], [1, 1])  # row 1 again: the constraint fails, row 2 is rolled back too
    journal.close()
    assert LabelJournal.open(path, X).labels() == {1: (0, 0)}
    with pytest.raises(JournalError, match="directory"):
        LabelJournal.open(tmp_path, X)
    with pytest.raises(JournalError, match="create"):
        LabelJournal.open(tmp_path / "missing" / "labels.db", X)
    (tmp_path / "not_a_db").write_text("hello")
    with pytest.raises(JournalError):
        LabelJournal.open(tmp_path / "not_a_db", X)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE labels (x)")
    with pytest.raises(JournalError, match="not a skal label journal"):
        LabelJournal.open(other, X)


def test_object_pools_have_a_stable_fingerprint():
    from skal.journal import pool_fingerprint

    pool = np.array([["a", 1.5], ["b", 2.0]], dtype=object)
    assert pool_fingerprint(pool) == pool_fingerprint(pool.copy()) == pool_fingerprint(np.array(pool.tolist(), object))
    assert pool_fingerprint(pool) != pool_fingerprint(pool[::-1])


def test_resume_after_a_fully_skipped_round_trains_before_querying(tmp_path, reference):
    path = tmp_path / "labels.db"
    calls = {"n": 0}

    def person(i, row):
        calls["n"] += 1
        if 10 < calls["n"] <= 20:
            return SKIP  # all of round 1
        if calls["n"] == 25:
            raise KeyboardInterrupt
        return Y[i]

    with pytest.raises(KeyboardInterrupt):
        learner().fit(X, CallableOracle(person, per_row=True), journal=path)
    asked = Person()
    resumed = learner().fit(X, CallableOracle(asked, per_row=True), journal=path)
    assert resumed.skipped_.sum() == 10 and len(resumed.labeled_indices_) == 40
    assert not set(asked.asked) & set(_answered(path)[:14])


def test_teach_after_a_resumed_fit_retrains(tmp_path):
    path = tmp_path / "labels.db"
    learner(n_rounds=3).fit(X, Y, journal=path)
    al = learner(n_rounds=1).fit(X, Y, journal=path)
    before = al.estimator_.coef_.copy()
    free = np.flatnonzero(al.labeled_round_ < 0)[:5]
    al.teach(free, Y[free])
    assert not np.allclose(al.estimator_.coef_, before) and not al.history_[-1].get("replayed")


def test_streamed_answers_are_kept_without_a_journal():
    with pytest.raises(RuntimeError) as info:
        al = learner()
        al.fit(X, CallableOracle(Person(fail_at=15), per_row=True))
    rows, labels = al.unsaved_labels_
    assert len(rows) == 4 and (labels == Y[rows]).all()  # round 0 (10) trained; 4 of round 1 answered
    assert "unsaved_labels_" in " ".join(info.value.__notes__)


def test_skip_and_stop(tmp_path):
    path = tmp_path / "labels.db"
    script = {}

    def person(i, row):
        script.setdefault("asked", []).append(i)
        if i % 7 == 0:
            return SKIP
        if len(script["asked"]) == 15:
            return STOP
        return Y[i]

    stopped = learner().fit(X, CallableOracle(person, per_row=True), journal=path)
    assert stopped.stopped_ and hasattr(stopped, "estimator_")  # trained on what it has
    skipped = set(np.flatnonzero(stopped.skipped_).tolist())
    assert skipped and all(i % 7 == 0 for i in skipped)
    assert not skipped & set(stopped.labeled_indices_.tolist())
    first = list(script["asked"])
    script["asked"] = []
    resumed = learner().fit(
        X, CallableOracle(lambda i, row: person(i, row) if i % 7 == 0 else Y[i], per_row=True), journal=path
    )
    assert not resumed.stopped_
    asked_again = set(script.get("asked", [])) & set(first)
    assert not asked_again  # neither answered nor skipped rows were asked again
    assert not set(np.flatnonzero(resumed.skipped_)) & set(resumed.labeled_indices_.tolist())
    again = RecordingLabels(Y)
    retried = learner(n_rounds=5).fit(X, again, journal=path, retry_skipped=True)
    assert not retried.skipped_.any()


SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from skal import ActiveLearner
    from skal.oracles import CallableOracle
    from skal.strategies import Entropy, Random

    X = np.random.default_rng(0).normal(size=(200, 4))
    Y = (X[:, 0] + X[:, 1] > 0).astype(int)
    where, at = sys.argv[2], int(sys.argv[3])
    asked = []

    def person(i, row):
        asked.append(i)
        if where == "labeling" and len(asked) == at:
            os.kill(os.getpid(), signal.SIGKILL)
        return Y[i]

    class Dies(LogisticRegression):
        def fit(self, X, y):
            if where == "training" and len(y) == at:
                os.kill(os.getpid(), signal.SIGKILL)
            return super().fit(X, y)

    ActiveLearner(Dies(), Entropy(), initial_strategy=Random(), initial_size=10, query_size=10, n_rounds=4,
                  random_state=0).fit(X, CallableOracle(person, per_row=True), journal=sys.argv[1])
    """
)


@pytest.mark.parametrize("where, at", [("labeling", 33), ("training", 30)])
def test_sigkill_then_resume_loses_nothing(tmp_path, reference, where, at):
    path = tmp_path / "labels.db"
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.run([sys.executable, str(script), str(path), where, str(at)], env=env, capture_output=True)
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    kept = _answered(path)
    assert len(kept) == (at - 1 if where == "labeling" else at)
    second = Person()
    resumed = learner().fit(X, CallableOracle(second, per_row=True), journal=path)
    assert not set(kept) & set(second.asked)
    assert len(kept) + len(second.asked) == 50
    np.testing.assert_array_equal(resumed.labeled_indices_, reference.labeled_indices_)
