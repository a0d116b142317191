"""Batch oracles: known labels, noisy labels, a user's function; ``as_oracle``."""

import numpy as np
import pandas as pd
import pytest

from skal.exceptions import OracleError
from skal.oracles import CallableOracle, NoisyOracle, Oracle, SimulatedOracle, as_oracle

from ..conftest import RecordingLabels


def test_simulated_reads_only_asked_rows_and_counts():
    y = RecordingLabels(np.arange(10) * 2)
    o = SimulatedOracle(y, classes=np.arange(0, 20, 2))
    assert o.label([3, 1]).tolist() == [6, 2]
    assert y.read == [3, 1] and o.n_served == 2


def test_simulated_pandas_uses_positions():
    s = pd.Series(["a", "b", "c"], index=[10, 20, 30])
    assert SimulatedOracle(s).label([2, 0]).tolist() == ["c", "a"]
    assert SimulatedOracle(s).classes.tolist() == ["a", "b", "c"]


def test_simulated_keeps_the_label_dtype():
    assert SimulatedOracle(np.array([0.5, 1.5], np.float32)).label([1]).dtype == np.float32
    assert SimulatedOracle(np.array(["cat", "dog"])).label([1, 0]).tolist() == ["dog", "cat"]


def test_callable_gets_indices_and_rows():
    seen = {}

    def fn(idx, rows):
        seen["idx"], seen["rows"] = idx.tolist(), rows
        return ["x"] * len(idx)

    X = np.arange(12).reshape(6, 2)
    o = CallableOracle(fn)
    assert o.label(np.array([4, 1]), X[[4, 1]]).tolist() == ["x", "x"]
    assert seen["idx"] == [4, 1] and seen["rows"].tolist() == [[8, 9], [2, 3]] and o.n_served == 2


def test_callable_with_a_wrong_number_of_labels():
    with pytest.raises(OracleError, match="one label per queried row"):
        CallableOracle(lambda idx, rows: [0]).label([1, 2])


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
    with pytest.warns(UserWarning, match="column-vector"):
        assert as_oracle(np.array([[0], [1], [0]]), 3).label([1]).tolist() == [1]
    with pytest.raises(ValueError, match="one label per pool row"):
        as_oracle([0, 1], 3)
    with pytest.raises(ValueError, match="target y is None"):
        as_oracle(None, 3)
