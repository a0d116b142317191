"""VariationRatio: votes, the tie-break, committees trained here or given."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from skal.nn._testing import make_net_pool
from skal.strategies import VariationRatio, entropy, variation_ratio
from skal.utils.estimator_checks import make_pool


class Fixed:
    """A fitted stand-in member with given probabilities."""

    def __init__(self, proba):
        self.proba = np.asarray(proba, float)

    def predict_proba(self, X):
        return self.proba[np.asarray(X)[:, 0].astype(int)]


X_IDX = np.arange(5, dtype=float)[:, None]  # row i → member's proba row i


def _committee():
    return [
        Fixed([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.51, 0.49], [0.9, 0.1]]),
        Fixed([[0.8, 0.2], [0.3, 0.7], [0.1, 0.9], [0.49, 0.51], [0.9, 0.1]]),
        Fixed([[0.7, 0.3], [0.4, 0.6], [0.6, 0.4], [0.45, 0.55], [0.9, 0.1]]),
    ]


def test_scores_are_the_variation_ratio_of_votes():
    s = VariationRatio(committee=_committee()).fit(X_IDX)
    # votes: row0 3x0; row1 0,1,1; row2 1,1,0; row3 0,1,1; row4 3x0
    np.testing.assert_allclose(s.scores_, [0, 1 / 3, 1 / 3, 1 / 3, 0])


@pytest.mark.parametrize(
    "tie_break, expected",
    [
        ("entropy", [3, 1, 2, 0, 4]),  # among the 1/3 ties: row 3's mean is nearest 50/50, then row 1, row 2
        ("index", [1, 2, 3, 0, 4]),
    ],
)
def test_tie_break(tie_break, expected):
    s = VariationRatio(committee=_committee(), tie_break=tie_break).fit(X_IDX)
    assert s.query(5).tolist() == expected
    if tie_break == "entropy":
        mean = np.mean([m.proba for m in _committee()], axis=0)
        assert entropy(mean)[3] > entropy(mean)[1] > entropy(mean)[2]


def test_committee_is_trained_from_the_estimator_with_different_seeds():
    X, y, labeled, net = make_net_pool()
    s = VariationRatio(n_members=3, random_state=0).fit(X, y, labeled=labeled, estimator=net)
    assert s.committee_size_ == 3
    assert s.scores_[~labeled].max() > 0  # nets from different seeds disagree somewhere
    assert np.isin(np.round(s.scores_[~labeled] * 3, 9), [0, 1, 2]).all()


def test_bootstrap_makes_a_deterministic_estimator_disagree():
    X, y, labeled, _ = make_pool(n_pool=120, seed=1)
    plain = VariationRatio(random_state=0).fit(X, y, labeled=labeled, estimator=LogisticRegression())
    assert np.nanmax(plain.scores_) == 0  # identical members: no disagreement
    bagged = VariationRatio(n_members=5, bootstrap=True, random_state=0)
    bagged.fit(X, y, labeled=labeled, estimator=DecisionTreeClassifier(random_state=0))
    assert np.nanmax(bagged.scores_) > 0


def test_no_labels_with_sklearn_is_a_clear_error():
    X, y, _, _ = make_pool()
    with pytest.raises(ValueError, match="initial_strategy=Random"):
        VariationRatio().fit(X, estimator=LogisticRegression())


def test_random_weight_committee_for_a_net_before_any_label():
    X, _, _, net = make_net_pool()
    s = VariationRatio(random_state=0).fit(X, estimator=net)
    assert s.query(5).shape == (5,)


def test_variation_ratio_function():
    assert variation_ratio([[2, 0], [1, 1]]).tolist() == [0.0, 0.5]
    with pytest.raises(ValueError, match="2-D"):
        variation_ratio([1, 2])
