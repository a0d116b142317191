"""FileOracle: a CSV a person fills, read back over several ``fit`` calls with a journal."""

import csv

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from skal.exceptions import OracleError
from skal.oracles import SKIP, STOP, FileOracle

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


def _lines(path, *rows, encoding="utf-8"):
    """Write ``path`` as a person's spreadsheet saves it: the header, then ``rows`` (index, label)."""
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.writer(f)
        w.writerow(["index", "label", "preview"])
        w.writerows([[i, label, ""] for i, label in rows])


def _refused(oracle, batch, match):
    """The oracle refuses the file with an OracleError matching ``match``, before yielding anything."""
    got = []
    with pytest.raises(OracleError, match=match):
        for chunk in oracle.stream(batch):
            got.append(chunk)
    assert got == [] and oracle.n_served == 0


@pytest.mark.parametrize("name", ["s", "q", "skip", "stop"])
def test_file_a_class_named_like_a_command_can_be_given(tmp_path, name):
    path = tmp_path / "batch.csv"
    oracle = FileOracle(path, classes=[name, "other"])
    oracle.label([1, 2, 3])
    _lines(path, (1, name), (2, ":skip"), (3, "other"))
    assert oracle.label([1, 2, 3]).tolist() == [name, SKIP, "other"]
    assert FileOracle(tmp_path / "free.csv").label([4]).tolist() == [STOP]  # written; without classes too
    _lines(tmp_path / "free.csv", (4, name))
    assert FileOracle(tmp_path / "free.csv").label([4]).tolist() == [name]


@pytest.mark.parametrize("cell, expected", [(":skip", SKIP), (":S", SKIP), ("", STOP), (":stop", STOP), (":q", STOP)])
def test_file_commands_still_work(tmp_path, cell, expected):
    path = tmp_path / "batch.csv"
    oracle = FileOracle(path, classes=["a", "b"])
    oracle.label([1, 2])
    _lines(path, (1, "a"), (2, cell))
    assert oracle.label([1, 2]).tolist() == ["a", expected]


def test_file_unknown_command_and_bare_command_word_are_refused(tmp_path):
    path = tmp_path / "batch.csv"
    oracle = FileOracle(path, classes=["a", "b"])
    oracle.label([1, 2])
    _lines(path, (1, "a"), (2, ":sikp"))
    _refused(oracle, [1, 2], r"batch.csv, line 3 \(index 2\): ':sikp' is not a command")
    _lines(path, (1, "a"), (2, "skip"))
    _refused(oracle, [1, 2], r"line 3 \(index 2\): 'skip' is not a class; .*\(to skip this row type :skip\)")


def test_file_with_a_utf8_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "batch.csv"
    oracle = FileOracle(path, classes=["chat", "chien"])
    oracle.label([1, 2], ["un café", "un thé"])
    _lines(path, (1, "chat"), (2, "chien"), encoding="utf-8-sig")  # Excel's "CSV UTF-8"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert oracle.label([1, 2]).tolist() == ["chat", "chien"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_file_encoding_is_used_to_write_and_read(tmp_path, encoding):
    path = tmp_path / "batch.csv"
    oracle = FileOracle(path, classes=["café", "thé"], encoding=encoding)
    oracle.label([1, 2], ["un café", "un thé"])
    assert path.read_text(encoding=encoding).splitlines()[1:] == ["1,,un café", "2,,un thé"]
    _lines(path, (1, "café"), (2, "thé"), encoding=encoding)
    assert oracle.label([1, 2]).tolist() == ["café", "thé"]


def test_file_in_another_encoding_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "batch.csv"
    oracle = FileOracle(path, classes=["café", "thé"])
    oracle.label([1])
    _lines(path, (1, "café"), encoding="cp1252")  # Excel's plain "CSV" on Windows
    _refused(oracle, [1], r"is not utf-8 text .*Save it as 'CSV UTF-8', or pass FileOracle\(..., encoding=...\)")
    assert FileOracle(path, classes=["café", "thé"], encoding="cp1252").label([1]).tolist() == ["café"]


def test_file_index_written_as_a_float_is_read_if_whole(tmp_path):
    path = tmp_path / "batch.csv"
    oracle = FileOracle(path, classes=["a", "b"])
    oracle.label([57, 58])
    _lines(path, ("57.0", "a"), (" 58 ", "b"))  # a spreadsheet that turned the column into numbers
    assert oracle.label([57, 58]).tolist() == ["a", "b"]


@pytest.mark.parametrize("index", ["57.5", "row 57", "", "nan"])
def test_file_index_that_is_not_a_whole_number_is_refused(tmp_path, index):
    path = tmp_path / "batch.csv"
    oracle = FileOracle(path, classes=["a", "b"])
    oracle.label([57, 58])
    _lines(path, (58, "b"), (index, "a"))
    _refused(oracle, [57, 58], rf"batch.csv, line 3: index '{index}' is not a row number. Write the pool row's index")


def test_file_same_index_twice_is_refused_unless_the_answers_agree(tmp_path):
    path = tmp_path / "batch.csv"
    oracle = FileOracle(path, classes=["a", "b"])
    oracle.label([1, 2])
    _lines(path, (1, "a"), (2, "b"), (1, "b"))
    _refused(oracle, [1, 2], r"index 1 is on lines 2 and 4 with different answers \('a' and 'b'\). Keep the line")
    _lines(path, (1, "a"), (2, "b"), (1, ""))
    _refused(oracle, [1, 2], r"index 1 is on lines 2 and 4 with different answers \('a' and ''\)")
    _lines(path, (1, "a"), (2, "b"), ("1.0", " a "))  # the same answer twice: read once
    assert oracle.label([1, 2]).tolist() == ["a", "b"] and oracle.n_served == 2


def test_file_index_not_in_the_batch_is_refused(tmp_path):
    path = tmp_path / "batch.csv"
    oracle = FileOracle(path, classes=["a", "b"])
    oracle.label([1, 2])
    _lines(path, (1, "a"), (2, "b"), (99, "a"))
    _refused(oracle, [1, 2], r"batch.csv, line 4: index 99 is not a row of this batch \(its rows are \[1, 2\]\)")
    _lines(path, (1, "a"), (2, ""))  # one answer read; on resume only row 2 is asked, row 1 is still of the batch
    assert oracle.label([1, 2]).tolist() == ["a", STOP]
    _lines(path, (1, "a"), (2, "b"), (3, "b"))
    _refused(FileOracle(path, classes=["a", "b"]), [2], r"index 3 is not a row of this batch \(its rows are \[1, 2\]\)")
    _lines(path, (1, "a"), (2, "b"))
    assert FileOracle(path, classes=["a", "b"]).label([2]).tolist() == ["b"]
    assert not path.exists() and not (tmp_path / ".batch.csv.rows").exists()  # archived, with its record


def test_file_labels_keep_their_text_without_classes(tmp_path):
    path = tmp_path / "batch.csv"
    FileOracle(path).label([1, 2, 3])
    _lines(path, (1, "007"), (2, "1.50"), (3, "::colon"))
    assert FileOracle(path).label([1, 2, 3]).tolist() == ["007", "1.50", ":colon"]


def test_file_labels_map_to_classes_by_their_text(tmp_path):
    path = tmp_path / "batch.csv"
    FileOracle(path).label([1, 2, 3])
    _lines(path, (1, "7"), (2, "8"), (3, "7"))
    answers = FileOracle(path, classes=[7, 8]).label([1, 2, 3])
    assert answers.tolist() == [7, 8, 7] and answers.dtype.kind == "i"
    FileOracle(path).label([4, 5])
    _lines(path, (4, "0.5"), (5, "1.0"))
    assert FileOracle(path, classes=[0.5, 1.0]).label([4, 5]).tolist() == [0.5, 1.0]
    _lines(path, (4, "0.5"), (5, "1"))
    _refused(FileOracle(path, classes=[0.5, 1.0]), [4, 5], r"line 3 \(index 5\): '1' is not a class; answer one of")
    _lines(path, (4, "007"), (5, "8"))
    _refused(
        FileOracle(path, classes=[7, 8]),
        [4, 5],
        r"batch.csv, line 2 \(index 4\): '007' is not a class; answer one of \['7', '8'\], :skip or :stop. "
        "Correct the cell, or leave it empty to answer later.",
    )


FORMULAS = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "=1", "plain"]


@pytest.mark.parametrize(
    "pool",
    [FORMULAS, pd.DataFrame({"=cmd": np.arange(len(FORMULAS)), "city": FORMULAS})],
    ids=["texts", "DataFrame"],
)
def test_file_cells_that_look_like_formulas_are_neutralised(tmp_path, pool):
    path = tmp_path / "batch.csv"
    oracle = FileOracle(path, classes=["a", "b"])
    oracle.label(np.arange(len(FORMULAS)), pool)
    with open(path, newline="") as f:
        cells = [cell for row in csv.reader(f) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    shown = previews(path)
    if isinstance(pool, list):
        assert shown[:4] == ['\'=HYPERLINK("http://evil","x")', "'+1+1", "'-2+3", "'@SUM(A1)"]
        assert shown[-1] == "plain"
    else:
        assert shown[0] == '\'=cmd=0, city==HYPERLINK("http://evil","x")'
    _fill(path, {i: "a" for i in range(len(FORMULAS))})
    assert oracle.label(np.arange(len(FORMULAS))).tolist() == ["a"] * len(FORMULAS)  # the file reads back
