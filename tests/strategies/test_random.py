import numpy as np
import pytest

from skal.strategies import Random


def test_uniform_over_unlabeled_rows():
    X = np.zeros((10, 1))
    labeled = np.zeros(10, bool)
    labeled[:5] = True
    counts = np.zeros(10)
    for seed in range(400):
        counts[Random(random_state=seed).fit(X, labeled=labeled).query(2)] += 1
    assert counts[:5].sum() == 0
    # each unlabeled row is picked with probability 2/5: 160 of 400 expected
    assert np.all(np.abs(counts[5:] - 160) < 45)


def test_seed_reproduces_and_differs():
    X = np.zeros((100, 1))
    a = Random(random_state=3).fit(X).query(10)
    b = Random(random_state=3).fit(X).query(10)
    c = Random(random_state=4).fit(X).query(10)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("rs", [np.random.RandomState(0), np.random.default_rng(0)])
def test_accepts_generators(rs):
    assert len(Random(random_state=rs).fit(np.zeros((5, 1))).query(5)) == 5


def test_does_not_touch_global_numpy_state():
    state = np.random.get_state()[1].copy()
    Random(random_state=0).fit(np.zeros((50, 1))).query(10)
    np.testing.assert_array_equal(np.random.get_state()[1], state)
