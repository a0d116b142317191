"""The pure measures, on values computed by hand, and a few properties."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import cohen_kappa_score

from skal.stopping import changed_share, kappa, mean_abs_change, normalized_entropy


@pytest.mark.parametrize(
    "a, b, expected",
    [
        # agree on 4 of 6: p_o = 2/3; each vector is half 0, half 1: p_e = 1/2·1/2 + 1/2·1/2 = 1/2;
        # kappa = (2/3 - 1/2) / (1 - 1/2) = 1/3
        ([0, 0, 1, 1, 1, 0], [0, 1, 1, 1, 0, 0], 1 / 3),
        # agree on 3 of 4: p_o = 3/4; marginals a (1/2, 1/4, 1/4), b (1/2, 1/2, 0):
        # p_e = 1/4 + 1/8 + 0 = 3/8; kappa = (3/4 - 3/8) / (5/8) = 3/5
        ([0, 1, 2, 0], [0, 1, 1, 0], 0.6),
        # never agree, each constant: p_o = 0, p_e = 1·0 + 0·1 = 0; kappa = 0
        ([0, 0, 0], [1, 1, 1], 0.0),
        # string labels, identical and varied: kappa = 1
        (["a", "b", "a"], ["a", "b", "a"], 1.0),
    ],
)
def test_kappa_by_hand(a, b, expected):
    assert kappa(a, b) == pytest.approx(expected)


def test_kappa_of_identical_constant_vectors_is_one_where_sklearn_gives_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(cohen_kappa_score([2, 2, 2], [2, 2, 2]))
    assert kappa([2, 2, 2], [2, 2, 2]) == 1.0
    assert isinstance(kappa([2, 2, 2], [2, 2, 2]), float)


@pytest.mark.parametrize(
    "proba, expected",
    [
        ([[0.5, 0.5]], [1.0]),  # uniform: log 2 / log 2
        ([[1.0, 0.0]], [0.0]),  # certain; 0·log 0 counts as 0
        ([[1 / 3, 1 / 3, 1 / 3]], [1.0]),
        ([[0.5, 0.5, 0.0]], [np.log(2) / np.log(3)]),  # 0.6309: two of three classes
        ([[0.9, 0.1]], [-(0.9 * np.log(0.9) + 0.1 * np.log(0.1)) / np.log(2)]),  # 0.4690
        ([[1.0]], [0.0]),  # one class: certain
    ],
)
def test_normalized_entropy_by_hand(proba, expected):
    np.testing.assert_allclose(normalized_entropy(proba), expected)


def test_changed_share_and_mean_abs_change_by_hand():
    assert changed_share([0, 1, 2, 2, 1], [0, 2, 2, 1, 1]) == pytest.approx(2 / 5)  # rows 1 and 3 changed
    # row 0: (|0.6-0.2| + |0.4-0.8|) / 2 = 0.4; row 1: (0.1 + 0.1) / 2 = 0.1; mean (0.4 + 0.1) / 2 = 0.25
    assert mean_abs_change([[0.6, 0.4], [0.5, 0.5]], [[0.2, 0.8], [0.6, 0.4]]) == pytest.approx(0.25)
    # three classes: row 0 moves 0.6 in L1 (0.3 total variation), row 1 does not move -> 0.15
    assert mean_abs_change([[0.5, 0.3, 0.2], [1, 0, 0]], [[0.2, 0.3, 0.5], [1, 0, 0]]) == pytest.approx(0.15)
    assert np.isnan(changed_share([], []))


@pytest.mark.parametrize(
    "measure, a, b",
    [
        (kappa, [0, 1, 0], [0, 1]),
        (changed_share, [0, 1, 0], [0, 1]),
        (mean_abs_change, np.zeros((3, 2)), np.zeros((2, 2))),
    ],
)
def test_measures_refuse_mismatched_shapes(measure, a, b):
    with pytest.raises(ValueError, match="same"):
        measure(a, b)


labels = arrays(np.int64, st.integers(1, 30), elements=st.integers(0, 3))


@given(labels, st.randoms(use_true_random=False))
def test_kappa_is_symmetric_bounded_and_one_on_itself(a, random):
    b = np.array([x if random.random() < 0.7 else random.randint(0, 3) for x in a])
    k = kappa(a, b)
    assert -1.0 <= k <= 1.0
    assert k == pytest.approx(kappa(b, a))
    assert kappa(a, a) == 1.0


@given(arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(1, 6)), elements=st.floats(0, 1)))
def test_normalized_entropy_lies_in_unit_interval_and_is_zero_when_certain(weights):
    proba = weights + 1e-12
    proba = proba / proba.sum(axis=1, keepdims=True)
    h = normalized_entropy(proba)
    assert h.shape == (len(proba),) and ((h >= 0) & (h <= 1)).all()
    certain = np.eye(proba.shape[1])[np.zeros(len(proba), dtype=int)]
    np.testing.assert_allclose(normalized_entropy(certain), 0.0)
    assert mean_abs_change(proba, proba) == 0.0
