import numpy as np
import pytest

from skal.datasets import class_counts_profile, make_class_subset, make_imbalanced


def test_cifar_long_tail_counts_match_the_reference():
    y = np.repeat(np.arange(10), 5000)
    X = np.arange(len(y))[:, None]
    Xi, yi = make_imbalanced(X, y, "exponential", 0.02, random_state=0)
    assert np.bincount(yi).tolist() == [5000, 3237, 2096, 1357, 878, 568, 368, 238, 154, 100]
    assert len(yi) == 13_996
    np.testing.assert_array_equal(y[Xi[:, 0]], yi)  # rows stay paired with their labels


def test_seed_000_linear_profile():
    y = np.repeat(np.arange(10), 5000)
    _, yi = make_imbalanced(np.zeros((len(y), 1)), y, "linear", 0.1, random_state=42)
    assert np.bincount(yi).tolist() == list(range(5000, 0, -500))
    assert len(yi) == 27_500


def test_seeded_and_order_preserving():
    y = np.repeat(np.arange(3), 100)
    X = np.arange(300)[:, None]
    a, _ = make_imbalanced(X, y, "linear", 0.5, random_state=1)
    b, _ = make_imbalanced(X, y, "linear", 0.5, random_state=1)
    np.testing.assert_array_equal(a, b)
    assert (np.diff(a[:, 0]) > 0).all()


@pytest.mark.parametrize("bad", [0, 1.5, -0.1])
def test_bad_ratio(bad):
    with pytest.raises(ValueError, match="smallest class size"):
        class_counts_profile(100, 3, "linear", bad)


def test_bad_profile_and_n_max():
    with pytest.raises(ValueError, match="profile"):
        class_counts_profile(100, 3, "cubic", 0.5)
    y = np.repeat(np.arange(2), 10)
    with pytest.raises(ValueError, match="more rows than some class"):
        make_imbalanced(np.zeros((20, 1)), y, n_max=50)


def test_seed_003_subsets():
    y = np.repeat(np.arange(10), 1000)
    _, ys = make_class_subset(np.zeros((len(y), 1)), y, 0.03, rare_classes=[8, 9], random_state=0)
    assert np.bincount(ys).tolist() == [30] * 8 + [10, 10]
    _, yb = make_class_subset(np.zeros((len(y), 1)), y, 0.1, random_state=0)
    assert np.bincount(yb).tolist() == [100] * 10
