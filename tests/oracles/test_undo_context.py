"""UNDO takes back the last answer still standing; a RoundContext reaches oracles that ask for one.

Both end to end through a learner with a journal: the journal holds exactly the answers left standing.
"""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.exceptions import OracleError
from skal.journal import LabelJournal
from skal.oracles import SKIP, STOP, UNDO, Oracle, RoundContext
from skal.strategies import Margin, Random

from ..conftest import make_blobs_pool


class Script(Oracle):
    """Answers from a list of ``(position, answer)`` steps, one chunk each (a person's clicks)."""

    def __init__(self, steps):
        super().__init__()
        self.steps = steps

    def _stream(self, indices, X_rows):
        for position, answer in self.steps:
            yield np.array([position]), [answer]


def chunks(oracle, n=3):
    return [(p.tolist(), a) for p, a in oracle.stream(np.arange(10, 10 + n))]


def test_undo_reopens_the_last_position_and_label_collects_the_final_answers():
    steps = [(0, "a"), (1, SKIP), (1, UNDO), (0, UNDO), (0, "b"), (1, "c"), (2, "a")]
    assert chunks(Script(steps)) == [(p if isinstance(p, list) else [p], [a]) for p, a in
                                     [([0], "a"), ([1], SKIP), ([1], UNDO), ([0], UNDO), ([0], "b"), ([1], "c"),
                                      ([2], "a")]]  # fmt: skip
    oracle = Script(steps)
    assert oracle.label(np.arange(3)).tolist() == ["b", "c", "a"] and oracle.n_served == 3


@pytest.mark.parametrize(
    "steps, match",
    [
        ([(0, UNDO)], "none is left"),
        ([(0, "a"), (1, "b"), (0, UNDO)], "position 1"),
        ([(0, "a"), (0, UNDO), (0, UNDO)], "none is left"),
    ],
    ids=["nothing-to-undo", "not-the-last", "twice"],
)
def test_undo_of_anything_but_the_last_standing_answer_is_refused(steps, match):
    with pytest.raises(OracleError, match=match):
        chunks(Script(steps))


def test_an_undone_position_must_be_answered_again_or_stopped():
    with pytest.raises(OracleError, match="answered 1 of 2"):
        chunks(Script([(0, "a"), (1, "b"), (1, UNDO)]), n=2)
    assert chunks(Script([(0, "a"), (0, UNDO), (0, STOP)]), n=2)[-1] == ([0], [STOP])


class Person(Oracle):
    """A person who labels by a rule, skips rows listed in ``skip``, and changes their mind once per round."""

    _takes_context = True

    def __init__(self, y, skip=()):
        super().__init__()
        self.y, self.skip, self.contexts, self.opened = y, set(skip), [], 0

    def open(self):
        self.opened += 1

    def close(self):
        self.opened -= 10

    def _stream(self, indices, X_rows, context):
        self.contexts.append(context)
        context.remember(f"asked in round {context.round}", [int(i) for i in indices])
        wrong = (self.y[indices[0]] + 1) % 3
        yield np.array([0]), [wrong]  # a slip...
        yield np.array([0]), [UNDO]  # ...taken back
        for k, row in enumerate(indices):
            if int(row) in self.skip:
                yield np.array([k]), [SKIP]
                yield np.array([k]), [UNDO]  # a skip taken back: answered after all
            yield np.array([k]), [self.y[row]]


def test_a_learner_journals_only_the_answers_left_standing(tmp_path):
    X, y = make_blobs_pool(n=60)
    path = tmp_path / "labels.db"
    person = Person(y, skip={int(r) for r in range(60)})
    learner = ActiveLearner(LogisticRegression(max_iter=300), Margin(), initial_strategy=Random(), initial_size=6,
                            query_size=4, n_rounds=2, random_state=0)  # fmt: skip
    learner.fit(X, person, journal=path)
    journal = LabelJournal.open(path, X)
    try:
        stored = journal.labels()
        assert journal.skipped() == set()  # every skip was taken back
    finally:
        journal.close()
    assert sorted(stored) == sorted(learner.labeled_indices_.tolist()) and len(stored) == 14
    assert all(label == y[row] for row, (_, label) in stored.items())  # no slip survived
    assert not learner.skipped_.any() and person.opened == 1 - 10
    # the journal still verifies (its chain was cut back, not broken): a second fit resumes from it
    again = ActiveLearner(LogisticRegression(max_iter=300), Margin(), initial_strategy=Random(), initial_size=6,
                          query_size=4, n_rounds=2, random_state=0)  # fmt: skip
    again.fit(X, Person(y), journal=path)
    np.testing.assert_array_equal(again.labeled_round_, learner.labeled_round_)


def test_the_round_context_carries_guesses_budget_and_notes(tmp_path):
    X, y = make_blobs_pool(n=60)
    person = Person(y)
    learner = ActiveLearner(LogisticRegression(max_iter=300), Margin(), initial_strategy=Random(), initial_size=6,
                            query_size=4, n_rounds=1, budget=20, classes=[0, 1, 2], random_state=0)  # fmt: skip
    learner.fit(X, person, journal=tmp_path / "labels.db")
    first, second = person.contexts
    assert (first.round, first.n_labeled, first.budget, first.proba()) == (0, 0, 20, None)
    assert second.round == 1 and second.n_labeled == 6 and second.n_paid == 6
    proba = second.proba()
    assert proba.shape == (4, 3) and np.allclose(proba.sum(axis=1), 1)
    rows = learner.history_[1]["queried"]
    first_rows = learner.labeled_indices_[learner.labeled_round_[learner.labeled_indices_] == 0]
    model = LogisticRegression(max_iter=300).fit(X[first_rows], y[first_rows])  # round 0's model
    expected = np.zeros((4, 3))
    expected[:, model.classes_] = model.predict_proba(X[rows])  # over all 3 classes
    np.testing.assert_allclose(proba, expected, rtol=1e-4, atol=1e-6)
    assert [g[0] for g in second.guesses()] == expected.argmax(axis=1).tolist()
    journal = LabelJournal.open(tmp_path / "labels.db", X)
    try:  # what the oracle remembered is in the journal, for a resumed fit to recall
        assert journal.note("asked in round 1") == rows.tolist() and journal.note("other", "none") == "none"
    finally:
        journal.close()


def test_a_context_without_a_journal_keeps_notes_in_memory():
    ctx = RoundContext(round=1)
    ctx.remember("k", [1, 2])
    assert ctx.recall("k") == [1, 2] and ctx.proba() is None and ctx.guesses() is None


def test_the_journal_undoes_only_its_last_label_and_verifies_after(tmp_path):
    import sqlite3

    from skal.exceptions import JournalError

    X = np.arange(10.0).reshape(5, 2)
    path = tmp_path / "labels.db"
    journal = LabelJournal.open(path, X, seed=0)
    journal.write_labels(0, [3, 1], ["a", "b"])
    with pytest.raises(JournalError, match="only the last label written can be undone"):
        journal.undo_label(3)
    journal.undo_label(1)
    journal.undo_label(3)
    journal.write_labels(0, [1], ["c"])
    journal.write_note("tasks", {"1": 7})
    journal.close()
    journal = LabelJournal.open(path, X)  # the chain verifies after the undos
    assert journal.labels() == {1: (0, "c")} and journal.note("tasks") == {"1": 7}
    journal.close()
    with sqlite3.connect(path) as db:  # a note changed by hand fails its digest
        db.execute("UPDATE notes SET value = '{\"1\": 8}'")
    journal = LabelJournal.open(path, X)
    try:
        with pytest.raises(JournalError, match="does not match its digest"):
            journal.note("tasks")
    finally:
        journal.close()
