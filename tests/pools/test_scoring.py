"""map_rows: every row in order (``rows=None``) gives what the explicit index gives, chunk for chunk."""

import numpy as np
import pytest

from skal.pools._scoring import all_rows, map_rows


def row_stats(estimator, inputs, start):
    inputs = np.asarray(inputs, dtype=np.float64)
    return inputs.sum(axis=1), np.full(len(inputs), start)


def first_column(estimator, inputs, start):
    return np.asarray(inputs)[:, 0]


@pytest.fixture(params=["array", "memmap", "list"])
def pool(request, tmp_path):
    X = np.random.default_rng(0).normal(size=(23, 3)).astype(np.float32)
    if request.param == "memmap":
        mm = np.memmap(tmp_path / "pool.dat", dtype=np.float32, mode="w+", shape=X.shape)
        mm[:] = X
        return mm
    return X.tolist() if request.param == "list" else X


@pytest.mark.parametrize("chunk_rows", [1, 5, 23, 100])
def test_every_row_in_order_equals_the_explicit_index(pool, chunk_rows):
    whole = map_rows(pool, None, row_stats, None, chunk_rows=chunk_rows)
    indexed = map_rows(pool, all_rows(pool), row_stats, None, chunk_rows=chunk_rows)
    for a, b in zip(whole, indexed):
        np.testing.assert_array_equal(a, b)
    starts = whole[1]
    assert starts.tolist() == [k - k % chunk_rows for k in range(23)]  # each chunk told its first position


def test_an_array_pool_is_read_in_views_not_copies():
    X = np.arange(12.0).reshape(6, 2)
    seen = []

    def spy(estimator, inputs, start):
        seen.append(np.shares_memory(inputs, X))
        return inputs[:, 0]

    np.testing.assert_array_equal(map_rows(X, None, spy, None, chunk_rows=4), X[:, 0])
    assert seen == [True, True]


def test_a_function_returning_the_wrong_row_count_is_named():
    def short(estimator, inputs, start):
        return np.zeros(len(inputs) - 1)

    with pytest.raises(ValueError, match="'short' returned 3 rows for 4"):
        map_rows(np.zeros((4, 1)), None, short, None)


@pytest.mark.parametrize("contiguous_ok", [False, True])
def test_unsorted_rows_come_back_in_their_order(contiguous_ok):
    """Rows in any order (here nearly contiguous, the case a span view serves) give their own values."""
    X = np.arange(40.0).reshape(20, 2)
    rows = np.array([5, 0, 6, 4, 3, 2, 1, 7])
    np.testing.assert_array_equal(map_rows(X, rows, first_column, None, contiguous_ok=contiguous_ok), X[rows, 0])


def test_probabilities_of_unsorted_rows():
    from sklearn.linear_model import LogisticRegression

    from skal.utils._estimator import predict_proba_rows

    X = np.random.default_rng(0).normal(size=(30, 3))
    est = LogisticRegression().fit(X, np.arange(30) % 2)
    rows = np.array([12, 3, 10, 4, 11, 5, 6, 7, 8, 9])
    np.testing.assert_allclose(predict_proba_rows(est, X, rows), est.predict_proba(X[rows]))
