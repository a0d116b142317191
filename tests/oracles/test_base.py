"""The oracle protocol: ``stream`` chunks, ``label`` built on it, STOP, checks on a subclass's chunks."""

import csv
import io
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from skal.exceptions import OracleError
from skal.oracles import (
    SKIP,
    STOP,
    CallableOracle,
    FileOracle,
    NoisyOracle,
    Oracle,
    SimulatedOracle,
    TerminalOracle,
)
from skal.oracles._base import row_at

Y = np.arange(20) % 3


def _terminal(tmp_path, batch):
    out = io.StringIO()

    def person(prompt):  # answers the row whose header was printed last
        header = [line for line in out.getvalue().splitlines() if line.startswith("— row ")][-1]
        return str(Y[int(header.split()[2])])

    return TerminalOracle(input=person, output=out)


def _file(tmp_path, batch):
    path = tmp_path / "batch.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["index", "label", "preview"])
        w.writerows([[i, Y[i], ""] for i in batch])
    return FileOracle(path)


# (factory(tmp_path, batch), answers one row per chunk)
ORACLES = {
    "SimulatedOracle": (lambda tmp_path, batch: SimulatedOracle(Y), False),
    "NoisyOracle": (lambda tmp_path, batch: NoisyOracle(Y, noise=0.0, random_state=0), False),
    "CallableOracle": (lambda tmp_path, batch: CallableOracle(lambda idx, rows: Y[idx]), False),
    "CallableOracle-per_row": (lambda tmp_path, batch: CallableOracle(lambda i, row: Y[i], per_row=True), True),
    "TerminalOracle": (_terminal, True),
    "FileOracle": (_file, True),
}


@pytest.mark.parametrize("name", ORACLES)
def test_label_works_for_every_oracle(name, tmp_path):
    make, _ = ORACLES[name]
    batch = np.array([7, 2, 11, 4])
    oracle = make(tmp_path, batch)
    answers = oracle.label(batch, np.zeros((4, 3)))
    assert isinstance(answers, np.ndarray) and answers.shape == (4,)
    assert [int(a) for a in answers] == Y[batch].tolist()
    assert oracle.n_served == 4
    assert oracle(batch[:0]).shape == (0,)  # __call__ is label; an empty batch asks nothing


@pytest.mark.parametrize("name", ORACLES)
def test_chunks_one_per_batch_or_one_per_answer(name, tmp_path):
    make, per_answer = ORACLES[name]
    batch = np.array([7, 2, 11, 4])
    chunks = list(make(tmp_path, batch).stream(batch, np.zeros((4, 3))))
    assert len(chunks) == (4 if per_answer else 1)
    for positions, answers in chunks:
        assert isinstance(positions, np.ndarray) and positions.dtype.kind == "i" and positions.ndim == 1
        assert isinstance(answers, list) and len(answers) == len(positions)
    positions = np.concatenate([p for p, _ in chunks])
    assert sorted(positions.tolist()) == [0, 1, 2, 3]
    got = {int(p): int(a) for ps, ans in chunks for p, a in zip(ps, ans)}
    assert got == {k: int(Y[i]) for k, i in enumerate(batch)}


def test_stop_ends_the_stream_and_label_fills_stop():
    asked = []

    def person(i, row):
        asked.append(i)
        return STOP if len(asked) == 3 else (SKIP if i == 5 else Y[i])

    oracle = CallableOracle(person, per_row=True)
    chunks = list(oracle.stream([4, 5, 6, 7, 8]))
    assert [p.tolist() for p, _ in chunks] == [[0], [1], [2]]
    assert chunks[-1][1] == [STOP] and asked == [4, 5, 6]
    assert oracle.n_served == 1  # SKIP and STOP are not labels
    asked.clear()
    answers = oracle.label([4, 5, 6, 7, 8])
    assert answers.dtype == object and answers.tolist() == [Y[4], SKIP, STOP, STOP, STOP]


def test_stop_inside_a_batch_chunk_drops_what_follows():
    oracle = CallableOracle(lambda idx, rows: [1, STOP, 2])
    assert [(p.tolist(), a) for p, a in oracle.stream([0, 1, 2])] == [([0, 1], [1, STOP])]
    assert oracle.n_served == 1
    assert oracle.label([0, 1, 2]).tolist() == [1, STOP, STOP]


def test_a_terminal_stop_asks_no_further_row():
    prompts = []
    oracle = TerminalOracle(
        input=lambda p: prompts.append(p) or (":stop" if len(prompts) == 2 else "1"), output=io.StringIO()
    )
    assert oracle.label([3, 4, 5, 6]).tolist() == [1, STOP, STOP, STOP]
    assert len(prompts) == 2


class Scripted(Oracle):
    def __init__(self, *chunks):
        super().__init__()
        self.chunks = chunks

    def _stream(self, indices, X_rows):
        yield from self.chunks


@pytest.mark.parametrize(
    "chunks, match",
    [
        ([([0, 1], [1])], "one label per queried row"),
        ([([0, 1], np.zeros((2, 2)))], "one label per queried row"),
        ([([0, 1], 7)], "one label per queried row"),
        ([([0], [1]), ([0], [1])], "twice"),
        ([([0, 0], [1, 1])], "twice"),
        ([([2], [1])], "outside"),
        ([([0], [1])], "answered 1 of 2 queried rows"),
    ],
)
def test_bad_chunks_raise_oracle_errors(chunks, match):
    with pytest.raises(OracleError, match=match):
        Scripted(*chunks).label([10, 11])


def test_a_failure_keeps_the_chunks_before_it():
    def person(i, row):
        if i == 6:
            raise RuntimeError("the annotator left")
        return Y[i]

    seen = []
    with pytest.raises(RuntimeError, match="left"):
        for chunk in CallableOracle(person, per_row=True).stream([4, 5, 6, 7]):
            seen.append(chunk)
    assert [p.tolist() for p, _ in seen] == [[0], [1]]


def test_markers_repr_and_pickle():
    assert repr(SKIP) == "skal.oracles.SKIP" and repr(STOP) == "skal.oracles.STOP"
    assert pickle.loads(pickle.dumps(SKIP)) is SKIP and pickle.loads(pickle.dumps(STOP)) is STOP


def test_row_at_takes_a_row_of_any_pool_type():
    X = np.arange(12).reshape(3, 4)
    assert row_at(X, 1).tolist() == [4, 5, 6, 7]
    assert row_at(np.zeros((3, 2, 5, 5)), 2).shape == (2, 5, 5)
    assert row_at(["a", "b", "c"], 2) == "c"
    frame = pd.DataFrame(X, columns=list("abcd"), index=[10, 20, 30])
    assert row_at(frame, 1).to_dict() == {"a": 4, "b": 5, "c": 6, "d": 7}
    row = row_at(sparse.csr_matrix(X), 2)
    assert sparse.issparse(row) and row.shape == (1, 4) and row.toarray().tolist() == [[8, 9, 10, 11]]
    assert row_at(None, 0) is None


def test_per_row_callable_gets_rows_of_any_pool_type():
    seen = []
    oracle = CallableOracle(lambda i, row: seen.append(row) or 0, per_row=True)
    oracle.label([5, 6], pd.DataFrame({"age": [41, 7]}))
    oracle.label([5], ["a text"])
    assert seen[0].to_dict() == {"age": 41} and seen[1].to_dict() == {"age": 7} and seen[2] == "a text"
