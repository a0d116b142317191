"""ScoreFunction: a user's per-row score as a strategy; the confidence family rebuilt from it, by hand."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.strategies import HC, LC, Random, ScoreFunction

from ..learner.test_determinism import _net


def max_proba(X_rows, estimator):
    """What a detector's 'mean box confidence' stands for here: the model's top-class probability."""
    return np.asarray(estimator.predict_proba(X_rows), dtype=np.float64).max(axis=1)


def _pool(n=50, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] - X[:, 2] > 0).astype(int)
    labeled = np.zeros(n, bool)
    labeled[:10] = True
    return X, y, labeled, LogisticRegression().fit(X[labeled], y[labeled])


@pytest.mark.parametrize("pick, same_as", [("high", HC), ("low", LC)])
def test_max_probability_high_and_low_are_the_confidence_family(pick, same_as):
    X, _, labeled, model = _pool()
    mine = ScoreFunction(max_proba, pick=pick).fit(X, labeled=labeled, estimator=model)
    theirs = same_as().fit(X, labeled=labeled, estimator=model)
    assert mine.query(8).tolist() == theirs.query(8).tolist()
    # float64 reference: the scores themselves, by hand from predict_proba
    expected = model.predict_proba(X).max(axis=1) * (1 if pick == "high" else -1)
    np.testing.assert_allclose(mine.scores_[~labeled], expected[~labeled])
    assert np.isnan(mine.scores_[labeled]).all()


def test_a_score_of_the_rows_alone_needs_no_model():
    X, _, labeled, _ = _pool()
    s = ScoreFunction(lambda X_rows, estimator: X_rows[:, 1], uses_model=False)
    assert s.needs(None) == set() and not s.needs_estimator(None)
    picks = s.fit(X, labeled=labeled).query(5)
    unlabeled = np.flatnonzero(~labeled)
    assert sorted(picks.tolist()) == sorted(unlabeled[np.argsort(-X[unlabeled, 1])[:5]].tolist())


@pytest.mark.parametrize(
    "score_fn, kwargs, fix",
    [
        (lambda X_rows, est: np.ones((len(X_rows), 2)), {}, "one number per row"),
        (lambda X_rows, est: np.ones(len(X_rows) + 1), {}, "one number per row"),
        (lambda X_rows, est: np.full(len(X_rows), np.nan), {}, "finite number"),
        (max_proba, {"pick": "middle"}, "'high'"),
        ("not callable", {}, "pass a callable"),
    ],
)
def test_bad_scores_and_parameters_name_the_fix(score_fn, kwargs, fix):
    X, _, labeled, model = _pool()
    with pytest.raises(ValueError, match=fix):
        ScoreFunction(score_fn, **kwargs).fit(X, labeled=labeled, estimator=model)


def test_uses_model_without_a_model_names_the_fix():
    X, _, labeled, _ = _pool()
    with pytest.raises(ValueError, match="uses_model=False"):
        ScoreFunction(max_proba).fit(X, labeled=labeled)


def test_first_pool_from_a_random_weight_net_as_high_confidence_does():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 8)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 1).astype(int)

    def run(strategy):
        learner = ActiveLearner(
            _net(), strategy, initial_size=8, query_size=6, n_rounds=2, classes=[0, 1, 2], random_state=0
        )
        return learner.fit(X, y).labeled_indices_.tolist()

    assert run(ScoreFunction(max_proba)) == run(HC())


def test_a_scikit_learn_model_cannot_score_the_first_pool_and_the_learner_says_so():
    X, y, _, _ = _pool()
    with pytest.raises(ValueError, match="initial_strategy=Random"):
        ActiveLearner(LogisticRegression(), ScoreFunction(max_proba), random_state=0).fit(X, y)
    learner = ActiveLearner(
        LogisticRegression(),
        ScoreFunction(max_proba, pick="low"),
        initial_strategy=Random(),
        initial_size=10,
        query_size=5,
        n_rounds=2,
        random_state=0,
    ).fit(X, y)
    assert [r["n_labeled"] for r in learner.history_] == [10, 15, 20]
