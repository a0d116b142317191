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
from skal.journal import LabelJournal
from skal.journal._journal import _transaction  # the transaction helper, tested directly
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


# ------------------------------------------------------------------ one writer at a time
HOLDER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from skal.journal import LabelJournal

    X = np.random.default_rng(0).normal(size=(200, 4))
    journal = LabelJournal.open(sys.argv[1], X, seed=0)
    journal.write_labels(0, [3, 5], [1, 0], oracle="person")
    print("ready", flush=True)
    sys.stdin.readline()
    """
)


def test_a_second_open_in_this_process_is_refused(tmp_path):
    path = tmp_path / "labels.db"
    first = LabelJournal.open(path, X, seed=0)
    with pytest.raises(JournalError, match="already open in this process.*Close it first"):
        LabelJournal.open(path, X)
    with pytest.raises(JournalError, match="already open in this process"):
        learner().fit(X, Y, journal=path)
    first.close()
    first.close()  # idempotent
    with pytest.raises(JournalError, match="closed"):
        first.labels()
    LabelJournal.open(path, X).labels()  # a journal nobody closed frees its lock when it is garbage-collected
    LabelJournal.open(path, X).close()
    assert (tmp_path / "labels.db.lock").read_text() == ""  # the holder's note is cleared on close


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_another_process_holds_the_journal_until_it_dies_even_by_sigkill(tmp_path):
    from skal.journal import check_journal

    path = tmp_path / "labels.db"
    script = tmp_path / "hold.py"
    script.write_text(HOLDER)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(path)], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert proc.stdout.readline().strip() == b"ready"
        with pytest.raises(JournalError, match=rf"in use by another process \(pid {proc.pid} on host") as info:
            LabelJournal.open(path, X)
        assert "Wait for it to finish, or if that process is gone" in str(info.value)
        fitted = learner().fit(X, Y)
        state = fitted.labeled_indices_.copy()
        with pytest.raises(JournalError, match=f"pid {proc.pid}"):
            fitted.fit(X, Y, journal=path)
        np.testing.assert_array_equal(fitted.labeled_indices_, state)  # refused before any state changed
        summary = check_journal(path)  # takes no lock: reads what is committed while the other process writes
        assert "Labeled: 2 rows" in summary and f"a fit is writing it now (pid {proc.pid}" in summary
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -9
    wal = tmp_path / "labels.db-wal"
    assert wal.stat().st_size > 0  # after kill -9 the answers may live only in the -wal file
    summary = check_journal(path)
    assert "Labeled: 2 rows" in summary and "ended without closing it" in summary and "-wal holds answers" in summary
    journal = LabelJournal.open(path, X)  # the dead process's lock is gone with it
    assert journal.labels() == {3: (0, 1), 5: (0, 0)}
    journal.close()
    assert not wal.exists() or wal.stat().st_size == 0  # close() checkpoints the WAL into labels.db


def test_in_memory_and_uri_journals_are_refused(tmp_path):
    for path in (":memory:", "", " ", "file::memory:", "file:labels?mode=memory&cache=shared", b":memory:"):
        with pytest.raises(JournalError, match="is not a file.*Give a file path"):
            LabelJournal.open(path, X)
    with pytest.raises(JournalError, match="in-memory"):
        learner().fit(X, Y, journal=":memory:")
    with pytest.raises(JournalError, match="must be a file path"):
        LabelJournal.open(3, X)


def test_close_checkpoints_the_wal_so_the_db_file_alone_holds_every_answer(tmp_path):
    path = tmp_path / "labels.db"
    learner(n_rounds=1).fit(X, Y, journal=path)
    copy = tmp_path / "copy.db"
    copy.write_bytes(path.read_bytes())  # the main file only, as a careless backup would take it
    journal = LabelJournal.open(copy, X)
    assert len(journal.labels()) == 20 and sorted(journal.rounds()) == [0, 1]
    journal.close()


# ------------------------------------------------------------------ tamper evidence
def _journal_with_rounds(tmp_path, name="labels.db"):
    path = tmp_path / name
    learner(n_rounds=2).fit(X, Y, journal=path)
    return path


def _edit(path, *statements):
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(statement)
    sqlite3.connect(path).close()


def test_an_edited_label_names_the_first_bad_row(tmp_path):
    from skal.journal import check_journal, export_journal

    path = _journal_with_rounds(tmp_path)
    row = _answered(path)[6]
    _edit(path, "UPDATE labels SET label = CASE label WHEN '1' THEN '0' ELSE '1' END WHERE seq = 7")
    pattern = rf"changed or damaged at label seq 7 \(pool row {row}\).*Restore the journal from a copy"
    with pytest.raises(JournalError, match=pattern):
        LabelJournal.open(path, X)
    with pytest.raises(JournalError, match=pattern):
        learner().fit(X, Y, journal=path)
    with pytest.raises(JournalError, match=pattern):
        check_journal(path)
    with pytest.raises(JournalError, match=pattern):
        export_journal(path, tmp_path / "out.csv")
    assert export_journal(path, tmp_path / "out.csv", verify=False) == 30  # the rows as they are now


@pytest.mark.parametrize(
    "statement, message",
    [
        ("DELETE FROM labels WHERE seq = (SELECT max(seq) FROM labels)", "rows end at seq 29"),
        ("DELETE FROM labels WHERE seq = 12", "seq 13"),
        ("UPDATE labels SET round = 1 WHERE seq = 2", "seq 2"),
        ("UPDATE labels SET time = time + 1 WHERE seq = 30", "seq 30"),
        ("UPDATE meta SET value = '5' WHERE key = 'seed'", "meta table does not match"),
        ("UPDATE meta SET value = '1' WHERE key = 'version'", "version 1, but"),
        ("UPDATE queries SET rows = '[1, 2]' WHERE round = 1", "query of round 1 does not match"),
        ("UPDATE rounds SET record = '{}' WHERE round = 0", "record of round 0 does not match"),
        ("INSERT INTO skipped (row, round) VALUES (5, 1)", "skipped row 5 does not match"),
    ],
)
def test_hand_edits_are_caught_when_the_journal_is_opened(tmp_path, statement, message):
    path = _journal_with_rounds(tmp_path)
    _edit(path, statement)
    with pytest.raises(JournalError, match=message):
        LabelJournal.open(path, X)
    LabelJournal.open(tmp_path / "fresh.db", X).close()  # the failed open freed the lock: nothing stays held
    with pytest.raises(JournalError, match=message):
        LabelJournal.open(path, X)


def _version_1_journal(path, rows, seed=0):
    """A journal as skal wrote it before the hash chain (format version 1)."""
    from skal.journal import pool_fingerprint

    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE queries (round INTEGER PRIMARY KEY, rows TEXT NOT NULL, strategy TEXT, time REAL);
            CREATE TABLE labels (
                seq INTEGER PRIMARY KEY, row INTEGER NOT NULL UNIQUE, round INTEGER NOT NULL, label TEXT NOT NULL,
                oracle TEXT, strategy TEXT, seed INTEGER, time REAL NOT NULL);
            CREATE TABLE skipped (row INTEGER PRIMARY KEY, round INTEGER NOT NULL, oracle TEXT, time REAL);
            CREATE TABLE rounds (round INTEGER PRIMARY KEY, record TEXT NOT NULL);
            """
        )
        meta = dict(format="skal-journal", version="1", n_pool="200", pool_sha256=pool_fingerprint(X), seed=str(seed))
        db.executemany("INSERT INTO meta VALUES (?, ?)", [*meta.items(), ("created", "2024-01-01T00:00:00")])
        db.execute("INSERT INTO queries VALUES (0, ?, 'Random()', 0.0)", (str(list(map(int, rows))),))
        db.executemany(
            "INSERT INTO labels (row, round, label, oracle, time) VALUES (?, 0, ?, 'SimulatedOracle', 1.0)",
            [(int(r), str(int(Y[r]))) for r in rows],
        )
    sqlite3.connect(path).close()


def test_a_version_1_journal_is_upgraded_when_a_fit_opens_it(tmp_path, reference):
    from skal.journal import check_journal

    path = tmp_path / "labels.db"
    _version_1_journal(path, reference.labeled_indices_[:10])
    assert "format version 1" in check_journal(path)  # read without changing it
    labels = RecordingLabels(Y)
    resumed = learner().fit(X, labels, journal=path)
    assert len(labels.read) == 40  # round 0 came from the version-1 journal
    np.testing.assert_array_equal(resumed.labeled_indices_, reference.labeled_indices_)
    summary = check_journal(path)
    assert "format version 2, intact (hash chain of 50 label rows verified)" in summary
    _edit(path, "UPDATE labels SET oracle = 'me' WHERE seq = 3")
    with pytest.raises(JournalError, match="seq 3"):
        check_journal(path)


def test_check_and_export(tmp_path):
    import csv

    from skal.journal import check_journal, export_journal

    path = tmp_path / "labels.db"
    learner(n_rounds=2).fit(X, Y, journal=path)
    summary = check_journal(path)
    assert "Pool: 200 rows" in summary and "Seed: 0" in summary and "Labeled: 30 rows (0 pseudo-labels), 0 skipped"
    assert "Rounds: 3 queried, 3 finished" in summary and "no fit has it open" in summary
    out = tmp_path / "labels.csv"
    assert export_journal(path, out) == 30
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["seq", "row", "round", "label", "oracle", "strategy", "seed", "time"]
    assert [int(r["row"]) for r in rows] == _answered(path)
    assert all(int(r["label"]) == Y[int(r["row"])] for r in rows) and rows[0]["time"].endswith("+00:00")
    for bad in (path, tmp_path / "labels.db-wal", tmp_path / "labels.db.lock"):
        with pytest.raises(JournalError, match="one of its files"):
            export_journal(path, bad)
    with pytest.raises(JournalError, match="no such file"):
        check_journal(tmp_path / "missing.db")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(JournalError, match="not an SQLite file"):
        check_journal(tmp_path / "notes.txt")


# ------------------------------------------------------------------ random damage
def _reads(path):
    """Open the journal and read it every way the learner and the CLI do."""
    from skal.journal import check_journal, export_journal

    outcomes = []
    for action in (
        lambda: check_journal(path),
        lambda: export_journal(path, str(path) + ".csv"),
        lambda: export_journal(path, str(path) + ".csv", verify=False),
    ):
        try:
            action()
            outcomes.append("ok")
        except JournalError:
            outcomes.append("error")
    try:
        journal = LabelJournal.open(path, X)
    except JournalError:
        return outcomes + ["refused"]
    try:
        for read in (journal.labels, journal.queries, journal.rounds, journal.skipped, journal.replay_plan):
            read()
        outcomes.append("ok")
    except JournalError:
        assert journal.closed  # a read that fails closes the journal: its lock is free
        outcomes.append("error")
    finally:
        journal.close()
    return outcomes


def test_random_bytes_give_a_journal_error_naming_the_fix_never_a_raw_error(tmp_path):
    pristine = _journal_with_rounds(tmp_path, "pristine.db").read_bytes()
    rng = np.random.default_rng(2024)
    seen = set()
    for trial in range(30):
        path = tmp_path / f"damaged{trial}.db"
        data = bytearray(pristine)
        for _ in range(rng.integers(1, 4)):
            start = int(rng.integers(0, len(data)))
            length = int(rng.integers(1, 33))
            data[start : start + length] = (
                rng.integers(0, 256, size=len(data[start : start + length])).astype(np.uint8).tobytes()
            )
        if trial % 10 == 0:  # the file header and the first page, where damage hurts most
            data[int(rng.integers(0, 100))] ^= 0xFF
        path.write_bytes(bytes(data))
        seen.update(_reads(path))  # anything but a JournalError fails the test
    assert {"refused", "error"} & seen  # the damage was noticed at least sometimes
    with pytest.raises(JournalError, match="restore it from a copy including its -wal file"):
        (tmp_path / "header.db").write_bytes(b"SQLite format 3\x00" + bytes(len(pristine) - 16))
        LabelJournal.open(tmp_path / "header.db", X)


def test_damage_after_open_fails_reads_with_a_journal_error(tmp_path):
    path = _journal_with_rounds(tmp_path)
    size = path.stat().st_size
    rng = np.random.default_rng(7)
    for trial in range(5):
        journal = LabelJournal.open(path, X)
        with open(path, "r+b") as f:
            for _ in range(20):
                f.seek(int(rng.integers(100, size)))
                f.write(rng.integers(0, 256, size=16).astype(np.uint8).tobytes())
        try:
            journal.replay_plan()
            journal.labels()
        except JournalError as exc:
            assert "journal" in str(exc) and journal.closed
        journal.close()
        path = _journal_with_rounds(tmp_path, f"again{trial}.db")
