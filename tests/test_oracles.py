import numpy as np
import pandas as pd
import pytest

from skal.oracles import CallableOracle, NoisyOracle, Oracle, SimulatedOracle, as_oracle

from .conftest import RecordingLabels


def test_simulated_reads_only_asked_rows_and_counts():
    y = RecordingLabels(np.arange(10) * 2)
    o = SimulatedOracle(y, classes=np.arange(0, 20, 2))
    assert o.label([3, 1]).tolist() == [6, 2]
    assert y.read == [3, 1] and o.n_served == 2


def test_simulated_pandas_uses_positions():
    s = pd.Series(["a", "b", "c"], index=[10, 20, 30])
    assert SimulatedOracle(s).label([2, 0]).tolist() == ["c", "a"]
    assert SimulatedOracle(s).classes.tolist() == ["a", "b", "c"]


def test_callable_gets_indices_and_rows():
    seen = {}

    def fn(idx, rows):
        seen["idx"], seen["rows"] = idx.tolist(), rows
        return ["x"] * len(idx)

    X = np.arange(12).reshape(6, 2)
    o = CallableOracle(fn)
    assert o.label(np.array([4, 1]), X[[4, 1]]) == ["x", "x"]
    assert seen["idx"] == [4, 1] and seen["rows"].tolist() == [[8, 9], [2, 3]] and o.n_served == 2


def test_noisy_rate_consistency_and_other_class():
    y = np.arange(4000) % 5
    o = NoisyOracle(y, noise=0.3, random_state=0)
    answers = o.label(np.arange(4000))
    wrong = answers != y
    assert 0.27 < wrong.mean() < 0.33
    assert set(np.unique(answers)) <= set(range(5))
    # a row gets the same answer whatever order it is asked in
    o2 = NoisyOracle(y, noise=0.3, random_state=0)
    order = np.random.default_rng(1).permutation(4000)
    np.testing.assert_array_equal(o2.label(order), answers[order])
    assert NoisyOracle(y, noise=0.0, random_state=0).label(np.arange(50)).tolist() == y[:50].tolist()


def test_noisy_rejects_bad_rate():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        NoisyOracle([0, 1], noise=1.5)


def test_as_oracle_dispatch():
    assert isinstance(as_oracle([0, 1, 0], 3), SimulatedOracle)
    assert isinstance(as_oracle(lambda i, r: [0] * len(i), 3), CallableOracle)
    o = SimulatedOracle([0, 1])
    assert as_oracle(o, 2) is o
    assert isinstance(as_oracle(o, 2), Oracle)
    with pytest.raises(ValueError, match="one label per pool row"):
        as_oracle([0, 1], 3)
    with pytest.raises(ValueError, match="target y is None"):
        as_oracle(None, 3)


# ------------------------------------------------------------------ oracles for people
import csv  # noqa: E402
import io  # noqa: E402

from sklearn.linear_model import LogisticRegression  # noqa: E402

from skal import ActiveLearner  # noqa: E402
from skal.oracles import SKIP, STOP, FileOracle, TerminalOracle  # noqa: E402
from skal.strategies import Entropy, Random  # noqa: E402


def _images(n=80, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, 8, 8))
    X[y == 1, :4, :] += 2.0
    return X, np.where(y == 1, "top", "flat")


def _learner(**kw):
    params = dict(initial_strategy=Random(), initial_size=6, query_size=6, n_rounds=2, random_state=0)
    params.update(kw)
    return ActiveLearner(params.pop("estimator", LogisticRegression()), Entropy(), **params)


class FlatLR(LogisticRegression):
    def fit(self, X, y):
        return super().fit(np.asarray(X).reshape(len(X), -1), y)

    def predict_proba(self, X):
        return super().predict_proba(np.asarray(X).reshape(len(X), -1))

    def predict(self, X):
        return super().predict(np.asarray(X).reshape(len(X), -1))


def test_terminal_oracle_shows_rows_reads_answers_skips_and_stops(tmp_path):
    X, y = _images()
    shown = io.StringIO()
    prompts = []

    def answer(prompt):
        """The person: a typo on the 2nd prompt, 'skip' on the 4th, 'stop' on the 12th, else the true class."""
        prompts.append(prompt)
        scripted = {2: "maybe", 4: "skip", 12: "stop"}
        if len(prompts) in scripted:
            return scripted[len(prompts)]
        header = [line for line in shown.getvalue().splitlines() if line.startswith("— row ")][-1]
        return str(y[int(header.split()[2])])

    oracle = TerminalOracle(classes=["flat", "top"], image_dir=tmp_path / "png", input=answer, output=shown)
    learner = ActiveLearner(
        FlatLR(), Entropy(), initial_strategy=Random(), initial_size=6, query_size=6, n_rounds=3, random_state=0
    ).fit(X, oracle, journal=tmp_path / "labels.db")
    text = shown.getvalue()
    assert "is not a class" in text and "image: " in text and ("#" in text or "@" in text)
    assert len(list((tmp_path / "png").glob("row_*.png"))) >= 10
    assert learner.stopped_ and learner.skipped_.sum() == 1
    assert (learner.labels_ == y[learner.labeled_indices_]).all()
    assert oracle.n_served == len(learner.labeled_indices_)


def test_terminal_oracle_describes_table_rows():
    out = io.StringIO()
    oracle = TerminalOracle(feature_names=["age", "income"], input=lambda p: "3", output=out)
    assert list(oracle.iter_labels([0], np.array([[41.0, 5.5]]))) == [(0, 3)]
    assert "age=41, income=5.5" in out.getvalue()


def _fill(path, y, skip=(), leave=()):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        i = int(r["index"])
        r["label"] = "" if i in leave else ("skip" if i in skip else y[i])
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["index", "label", "preview"])
        w.writeheader()
        w.writerows(rows)
    return [int(r["index"]) for r in rows]


def test_file_oracle_round_trip_with_a_journal(tmp_path):
    X, y = _images()
    batch, journal = tmp_path / "batch.csv", tmp_path / "labels.db"
    make = lambda: _learner(estimator=FlatLR())  # noqa: E731
    oracle = FileOracle(batch, classes=["flat", "top"])
    first = make().fit(X, oracle, journal=journal)
    assert first.stopped_ and not hasattr(first, "estimator_") and batch.exists()
    rows = _fill(batch, y, skip=rows_of(batch)[:1], leave=rows_of(batch)[1:2])
    second = make().fit(X, oracle, journal=journal)
    assert second.stopped_ and len(second.labeled_indices_) == 4  # 6 rows: one skipped, one left empty
    assert second.skipped_[rows[0]]
    _fill(batch, y)  # the person fills the last one (the skipped row is not asked again)
    third = make().fit(X, oracle, journal=journal)
    assert len(third.labeled_indices_) == 5 and third.stopped_  # round 0 done, round 1's file written
    new_rows = _fill(batch, y)
    assert not set(new_rows) & set(rows)
    fourth = make().fit(X, oracle, journal=journal)
    assert len(fourth.labeled_indices_) == 11
    assert (fourth.labels_ == y[fourth.labeled_indices_]).all()


def rows_of(path):
    with open(path, newline="") as f:
        return [int(r["index"]) for r in csv.DictReader(f)]


def test_answers_for_people_are_validated():
    with pytest.raises(ValueError, match="'index' and 'label'"):
        import tempfile

        p = tempfile.mktemp(suffix=".csv")
        open(p, "w").write("a,b\n1,2\n")
        list(FileOracle(p).iter_labels([1]))
    assert repr(SKIP) == "skal.oracles.SKIP" and repr(STOP) == "skal.oracles.STOP"


def test_file_oracle_never_overwrites_unread_answers(tmp_path):
    path = tmp_path / "batch.csv"
    oracle = FileOracle(path, classes=["flat", "top"])
    list(oracle.iter_labels([1, 2], np.zeros((2, 2))))
    text = path.read_text().replace("1,,", "1,top,")
    path.write_text(text)
    with pytest.raises(ValueError, match="not read yet"):
        list(oracle.iter_labels([5, 6], np.zeros((2, 2))))
    assert "1,top," in path.read_text()
