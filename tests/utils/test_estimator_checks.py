"""StrategyChecker: a strategy and its model as one scikit-learn estimator; the strategies' input tags."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.utils import get_tags

from skal.nn import AdversarialVAE
from skal.strategies import VAAL, BudgetSwitch, Coreset, LearningLoss, Margin, Random, Subsample
from skal.utils.estimator_checks import StrategyChecker


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    y = np.arange(40) % 3
    return rng.normal(size=(40, 4)) + y[:, None], np.array(["a", "b", "c"])[y]


def test_clone_keeps_the_strategy_as_a_parameter():
    checker = StrategyChecker(Margin(), n_queries=4)
    twin = clone(checker)
    assert twin.get_params()["n_queries"] == 4
    assert isinstance(twin.strategy, Margin) and twin.strategy is not checker.strategy
    assert "strategy" in checker.get_params(deep=False)


def test_fit_labels_every_class_and_queries_unlabeled_rows(data):
    X, y = data
    checker = StrategyChecker(Margin(), n_queries=4, labeled_fraction=0.25).fit(X, y)
    assert set(y[checker.labeled_]) == {"a", "b", "c"}
    assert checker.labeled_.sum() >= 10
    assert checker.picked_.shape == (4,) and not checker.labeled_[checker.picked_].any()
    assert list(checker.classes_) == ["a", "b", "c"]
    assert checker.strategy_.n_pool_ == 40 and checker.n_features_in_ == 4


def test_predict_gives_scores_of_the_rows_for_a_scoring_strategy(data):
    X, y = data
    checker = StrategyChecker(Margin()).fit(X, y)
    scores = checker.predict(X[:6])
    assert scores.shape == (6,) and np.isfinite(scores).all()
    np.testing.assert_allclose(checker.predict(X[3:6]), scores[3:])  # each row's score is its own
    proba = np.sort(checker.model_.predict_proba(X[:6]), axis=1)
    np.testing.assert_allclose(scores, -(proba[:, -1] - proba[:, -2]))  # Margin: higher = smaller margin


def test_predict_marks_the_picks_for_a_strategy_without_scores(data):
    X, y = data
    picks = StrategyChecker(Random(), n_queries=3).fit(X, y).predict(X)
    assert set(np.unique(picks)) == {0.0, 1.0} and picks.sum() == 3


def test_predict_refuses_other_features(data):
    X, y = data
    checker = StrategyChecker(Margin()).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        checker.predict(X[:, :3])


def test_tags_combine_the_strategy_and_the_model():
    tags = get_tags(StrategyChecker(Margin())).input_tags
    assert tags.sparse and not tags.allow_nan  # LogisticRegression: sparse yes, NaN no
    assert get_tags(StrategyChecker(Margin(), estimator=HistGradientBoostingClassifier())).input_tags.allow_nan
    assert not get_tags(StrategyChecker(Coreset(), estimator=HistGradientBoostingClassifier())).input_tags.allow_nan
    assert not get_tags(StrategyChecker(Coreset())).input_tags.sparse
    assert get_tags(StrategyChecker(Margin())).target_tags.required


def test_nan_passes_to_a_model_that_takes_it(data):
    X, y = data
    X = X.copy()
    X[::7, 0] = np.nan
    scores = StrategyChecker(Margin(), estimator=HistGradientBoostingClassifier(max_iter=5)).fit(X, y).predict(X)
    assert np.isfinite(scores).all()
    with pytest.raises(ValueError, match="NaN"):
        StrategyChecker(Coreset(), estimator=HistGradientBoostingClassifier(max_iter=5)).fit(X, y)


def test_sparse_reaches_the_strategy_and_a_refusal_names_it(data):
    X, y = data
    checker = StrategyChecker(Margin()).fit(sp.csr_matrix(X), y)
    dense = StrategyChecker(Margin()).fit(X, y)
    np.testing.assert_array_equal(checker.picked_, dense.picked_)
    np.testing.assert_allclose(checker.predict(X[:5]), dense.predict(sp.csc_matrix(X[:5])))  # mixed types stack
    with pytest.raises(ValueError, match="sparse"):
        StrategyChecker(Coreset()).fit(sp.csr_matrix(X), y)


def test_a_loss_strategy_asks_for_its_net(data):
    X, y = data
    with pytest.raises(ValueError, match="LossPredictionNet"):
        StrategyChecker(LearningLoss()).fit(X, y)


@pytest.mark.parametrize(
    "strategy, sparse, allow_nan",
    [
        (Margin(), True, True),  # the pool goes to the model as given
        (Coreset(), False, False),  # distances between the pool's own dense, finite rows
        (Coreset(embedding=TruncatedSVD(2)), True, False),  # the transformer takes sparse rows
        (Subsample(Coreset()), False, False),  # a composite takes what its inner strategy takes
        (BudgetSwitch(), False, False),  # TypiClust, its default below the threshold
        (VAAL(AdversarialVAE()), True, False),  # a VAE on the rows, made dense
    ],
    ids=repr,
)
def test_strategy_input_tags(strategy, sparse, allow_nan):
    tags = get_tags(strategy).input_tags
    assert (tags.sparse, tags.allow_nan) == (sparse, allow_nan)
