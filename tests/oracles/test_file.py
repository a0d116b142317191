"""FileOracle: a CSV a person fills, read back over several ``fit`` calls with a journal."""

import csv

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from skal.oracles import STOP, FileOracle

from .conftest import images, learner


def _fill(path, y, skip=(), leave=()):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        i = int(r["index"])
        r["label"] = "" if i in leave else (":skip" if i in skip else y[i])
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["index", "label", "preview"])
        w.writeheader()
        w.writerows(rows)
    return [int(r["index"]) for r in rows]


def rows_of(path):
    with open(path, newline="") as f:
        return [int(r["index"]) for r in csv.DictReader(f)]


def previews(path):
    with open(path, newline="") as f:
        return [r["preview"] for r in csv.DictReader(f)]


def test_file_oracle_round_trip_with_a_journal(tmp_path):
    X, y = images()
    batch, journal = tmp_path / "batch.csv", tmp_path / "labels.db"
    oracle = FileOracle(batch, classes=["flat", "top"])
    first = learner().fit(X, oracle, journal=journal)
    assert first.stopped_ and not hasattr(first, "estimator_") and batch.exists()
    rows = _fill(batch, y, skip=rows_of(batch)[:1], leave=rows_of(batch)[1:2])
    second = learner().fit(X, oracle, journal=journal)
    assert second.stopped_ and len(second.labeled_indices_) == 4  # 6 rows: one skipped, one left empty
    assert second.skipped_[rows[0]]
    _fill(batch, y)  # the person fills the last one (the skipped row is not asked again)
    third = learner().fit(X, oracle, journal=journal)
    assert len(third.labeled_indices_) == 5 and third.stopped_  # round 0 done, round 1's file written
    new_rows = _fill(batch, y)
    assert not set(new_rows) & set(rows)
    fourth = learner().fit(X, oracle, journal=journal)
    assert len(fourth.labeled_indices_) == 11
    assert (fourth.labels_ == y[fourth.labeled_indices_]).all()


def test_file_oracle_chunks_and_stop(tmp_path):
    path = tmp_path / "batch.csv"
    oracle = FileOracle(path, classes=["a", "b"])
    assert [(p.tolist(), a) for p, a in oracle.stream([3, 4, 5])] == [([0], [STOP])]
    assert oracle.label([3, 4, 5]).tolist() == [STOP, STOP, STOP]  # the file is there, nothing filled yet
    _fill(path, {3: "a", 5: "b"}, leave=(4,))
    chunks = [(p.tolist(), a) for p, a in oracle.stream([3, 4, 5])]
    assert chunks == [([0], ["a"]), ([2], ["b"]), ([1], [STOP])]  # one chunk per answer, then STOP
    assert oracle.n_served == 2 and path.exists()
    _fill(path, {3: "a", 4: ":skip", 5: "b"})
    assert [str(a) for a in oracle.label([3, 4, 5])] == ["a", "skal.oracles.SKIP", "b"]
    assert not path.exists() and (tmp_path / "batch.answered-1.csv").exists()  # archived once all answered


@pytest.mark.parametrize(
    "pool, expected",
    [
        (np.array([[1.5, 2.0], [3.0, 4.0]]), ["x0=1.5, x1=2", "x0=3, x1=4"]),
        (pd.DataFrame({"age": [41, 7], "city": ["Oslo", "Lima"]}), ["age=41, city=Oslo", "age=7, city=Lima"]),
        (sparse.csr_matrix([[0, 2.5, 0], [0, 0, 0]]), ["x1=2.5 (1 of 3 non-zero)", " (0 of 3 non-zero)"]),
        (["first line\nsecond line", "short"], ["first line | second line", "short"]),
    ],
    ids=["ndarray", "DataFrame", "sparse", "texts"],
)
def test_file_oracle_previews_rows_of_every_pool_type(tmp_path, pool, expected):
    path = tmp_path / "batch.csv"
    FileOracle(path).label([10, 11], pool)
    assert rows_of(path) == [10, 11] and previews(path) == expected


def test_file_oracle_image_preview_is_one_line(tmp_path):
    X, _ = images(4)
    FileOracle(tmp_path / "batch.csv").label([0, 1], X[:2])
    assert all("|" in p and "\n" not in p for p in previews(tmp_path / "batch.csv"))


def test_file_oracle_validates_the_file(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="'index' and 'label'"):
        FileOracle(p).label([1])
    good = tmp_path / "batch.csv"
    FileOracle(good).label([1])
    _fill(good, {1: "cow"})
    with pytest.raises(ValueError, match="is not a class"):
        FileOracle(good, classes=["cat"]).label([1])


def test_file_oracle_never_overwrites_unread_answers(tmp_path):
    path = tmp_path / "batch.csv"
    oracle = FileOracle(path, classes=["flat", "top"])
    oracle.label([1, 2], np.zeros((2, 2)))
    text = path.read_text().replace("1,,", "1,top,")
    path.write_text(text)
    with pytest.raises(ValueError, match="not read yet"):
        oracle.label([5, 6], np.zeros((2, 2)))
    assert "1,top," in path.read_text()
