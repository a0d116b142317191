"""A pool that grows under a journal: rows appended later get new indices, recorded as segments.

The journal keeps the first rows' fingerprint and one ``[start, n_rows,
sha256]`` segment per growth in its digested meta table; a resume checks every
old row still matches, labels for old rows are replayed, and the new rows can
be picked.
"""

import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.exceptions import JournalError
from skal.journal import LabelJournal, check_journal
from skal.strategies import Entropy, Random

X = np.random.default_rng(1).normal(size=(180, 4))
Y = (X[:, 0] - X[:, 2] > 0).astype(int)


def learner(**kw):
    params = dict(initial_strategy=Random(), initial_size=10, query_size=10, n_rounds=2, random_state=0, classes=[0, 1])
    params.update(kw)
    return ActiveLearner(LogisticRegression(), Entropy(), **params)


def _segments(path):
    with sqlite3.connect(path) as db:
        meta = dict(db.execute("SELECT key, value FROM meta"))
    return int(meta["n_pool"]), json.loads(meta.get("segments", "[]"))


@pytest.mark.parametrize(
    "as_kind",
    [
        lambda a: a,
        lambda a: sp.csr_matrix(a),
        lambda a: pd.DataFrame(a, columns=list("abcd")),
        lambda a: [" ".join(f"{v:.3f}" for v in row) for row in a],
        lambda a: {"x": a, "mask": np.ones_like(a, dtype=np.int64)},
    ],
    ids=["array", "sparse", "frame", "texts", "mapping"],
)
def test_a_journal_opens_on_its_pool_grown_and_records_each_segment(tmp_path, as_kind):
    path = tmp_path / "labels.db"
    LabelJournal.open(path, as_kind(X[:100])).close()
    LabelJournal.open(path, as_kind(X[:100])).close()  # the same pool: nothing recorded
    assert _segments(path) == (100, [])
    LabelJournal.open(path, as_kind(X[:150])).close()
    LabelJournal.open(path, as_kind(X[:150])).close()
    LabelJournal.open(path, as_kind(X)).close()
    n_first, segments = _segments(path)
    assert n_first == 100 and [(s, n) for s, n, _ in segments] == [(100, 50), (150, 30)]
    with pytest.raises(JournalError, match="rows are never taken out"):
        LabelJournal.open(path, as_kind(X[:120]))


@pytest.mark.parametrize("changed_row", [3, 120])
def test_a_changed_old_row_is_refused_in_either_segment(tmp_path, changed_row):
    path = tmp_path / "labels.db"
    LabelJournal.open(path, X[:100]).close()
    LabelJournal.open(path, X[:150]).close()
    changed = X.copy()
    changed[changed_row, 0] += 1.0
    with pytest.raises(JournalError, match="another pool"):
        LabelJournal.open(path, changed)
    assert _segments(path)[1][-1][:2] == [100, 50]  # nothing written by the refused open


def test_a_grown_journal_still_verifies_and_a_segment_cannot_be_edited(tmp_path):
    path = tmp_path / "labels.db"
    learner().fit(X[:100], Y[:100], journal=path)
    learner().fit(X, Y, journal=path)
    check_journal(path)  # the label chain and the meta digest still hold
    with sqlite3.connect(path) as db:
        meta = dict(db.execute("SELECT key, value FROM meta"))
        segments = json.loads(meta["segments"])
        segments[0][1] += 5  # claim more rows than were appended
        db.execute("UPDATE meta SET value = ? WHERE key = 'segments'", (json.dumps(segments),))
    with pytest.raises(JournalError, match="meta table does not match its digest"):
        LabelJournal.open(path, X)


def test_a_learner_resumes_on_a_grown_pool_keeping_old_answers_and_picking_new_rows(tmp_path):
    path = tmp_path / "labels.db"
    first = learner().fit(X[:100], Y[:100], journal=path)
    asked = []

    def oracle(i, row):
        asked.append(i)
        return Y[i]

    from skal.oracles import CallableOracle

    grown = learner(n_rounds=8).fit(X, CallableOracle(oracle, per_row=True), journal=path)
    old = set(first.labeled_indices_.tolist())
    assert old <= set(grown.labeled_indices_.tolist())  # every journaled answer kept
    assert not old & set(asked)  # and never asked again
    assert len(grown.labels_) == 90 and any(i >= 100 for i in grown.labeled_indices_)  # new rows are picked
    np.testing.assert_array_equal(grown.labels_, Y[grown.labeled_indices_])


def test_a_dataset_pool_cannot_grow_and_says_what_to_do(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "labels.db"
    data = torch.utils.data.TensorDataset(torch.as_tensor(X[:100]))
    LabelJournal.open(path, data).close()
    with pytest.raises(JournalError, match="start a new journal for the larger pool"):
        LabelJournal.open(path, torch.utils.data.TensorDataset(torch.as_tensor(X)))


def test_check_journal_says_how_the_pool_grew(tmp_path):
    path = tmp_path / "labels.db"
    LabelJournal.open(path, X[:100]).close()
    LabelJournal.open(path, X[:150]).close()
    assert "Pool: 100 rows (sha256" in check_journal(path) and "then grew by 50 rows (100..149)" in check_journal(path)
