import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skal.strategies import BADGE
from skal.strategies._badge import badge_select, gradient_embedding_sq_distances
from skal.utils.estimator_checks import make_pool


def test_factorised_distance_equals_outer_product_formula():
    rng = np.random.default_rng(0)
    A, H = rng.normal(size=(20, 4)), rng.normal(size=(20, 6))
    G = np.einsum("nc,nd->ncd", A, H).reshape(20, -1)  # the explicit gradient embeddings
    for j in (0, 7, 19):
        explicit = ((G - G[j]) ** 2).sum(1)
        np.testing.assert_allclose(gradient_embedding_sq_distances(A, H, A[j], H[j]), explicit, atol=1e-9)


def test_not_the_concatenated_distance_of_the_bundled_copy():
    A = np.array([[1.0, 0.0], [0.0, 1.0]])
    H = np.array([[1.0, 0.0], [1.0, 0.0]])
    concat = ((A[0] - A[1]) ** 2).sum() + ((H[0] - H[1]) ** 2).sum()
    assert gradient_embedding_sq_distances(A, H, A[1], H[1])[0] == pytest.approx(2.0) != concat + 1


def test_first_pick_is_largest_gradient_norm_and_n_unique():
    rng = np.random.default_rng(1)
    A, H = rng.normal(size=(50, 3)), rng.normal(size=(50, 5))
    picks = badge_select(A, H, 50, np.random.default_rng(0))
    norms = (A**2).sum(1) * (H**2).sum(1)
    assert picks[0] == np.argmax(norms) and sorted(picks.tolist()) == list(range(50))


def test_duplicates_need_no_debugger():
    A = np.tile([[0.5, -0.5]], (10, 1))
    H = np.tile([[1.0, 2.0]], (10, 1))
    picks = badge_select(A, H, 10, np.random.default_rng(0))
    assert sorted(picks.tolist()) == list(range(10))


def test_sampling_follows_d2():
    # row 1 has the largest norm (first pick); row 0 is far from it, 99 rows sit next to it
    A = np.ones((101, 1))
    H = np.concatenate([[[-90.0]], [[100.0]], np.full((99, 1), 99.99)])
    seconds = [badge_select(A, H, 2, np.random.default_rng(s))[1] for s in range(50)]
    assert np.mean(np.asarray(seconds) == 0) > 0.9


def test_strategy_on_a_linear_model_uses_input_features():
    X, y, labeled, est = make_pool(n_pool=60)
    picks = BADGE(random_state=0).fit(X, labeled=labeled, estimator=est).query(10)
    P = est.predict_proba(X[~labeled])
    A = -P
    A[np.arange(len(P)), P.argmax(1)] += 1
    expected_first = np.flatnonzero(~labeled)[np.argmax((A**2).sum(1) * (X[~labeled] ** 2).sum(1))]
    assert picks[0] == expected_first and len(set(picks.tolist())) == 10
    with pytest.raises(Exception, match=r"initial_strategy=Random\(\)"):
        BADGE().fit(X, labeled=labeled, estimator=LogisticRegression())
