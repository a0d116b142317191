"""The gradient, Bayesian, committee and loss-prediction strategies inside ActiveLearner on a small CNN."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from skorch import NeuralNetClassifier

from skal import ActiveLearner
from skal.nn import LossPredictionNet, SmallCNN
from skal.strategies import BALD, DBAL, GradNorm, LearningLoss, LPLgrad, Random, VariationRatio

from ..conftest import RecordingLabels


def _images(n=90, size=12, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = rng.normal(size=(n, 1, size, size)).astype(np.float32)
    X[:, 0, :4, :4] += 1.5 * (y == 0)[:, None, None]
    X[:, 0, -4:, -4:] += 1.5 * (y == 1)[:, None, None]
    return X, y


def _cnn(cls=NeuralNetClassifier, **kw):
    return cls(
        SmallCNN,
        module__n_classes=3,
        module__image_size=12,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=0.005,
        max_epochs=3,
        batch_size=16,
        train_split=None,
        verbose=0,
        **kw,
    )


CASES = [
    (GradNorm(n_candidates=40), NeuralNetClassifier),
    (GradNorm(n_candidates=None, norm="global", parameters="last"), NeuralNetClassifier),
    (BALD(n_samples=3), NeuralNetClassifier),
    (DBAL(n_samples=3, n_candidates=40), NeuralNetClassifier),
    (VariationRatio(n_members=2), NeuralNetClassifier),
    (LearningLoss(n_candidates=40), LossPredictionNet),
    (LPLgrad(n_candidates=40), LossPredictionNet),
]


@pytest.mark.parametrize("strategy, cls", CASES, ids=[repr(s) for s, _ in CASES])
def test_runs_end_to_end_from_zero_labels(strategy, cls):
    X, y = _images()
    learner = ActiveLearner(_cnn(cls), strategy, initial_size=9, query_size=6, n_rounds=2, random_state=0)
    learner.fit(X, y)
    assert [h["n_labeled"] for h in learner.history_] == [9, 15, 21]
    assert len(np.unique(learner.labeled_indices_)) == 21
    assert learner.predict_proba(X[:4]).shape == (4, 3)
    # same seed, same picks
    again = ActiveLearner(_cnn(cls), strategy, initial_size=9, query_size=6, n_rounds=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.labeled_indices_, learner.labeled_indices_)


def test_warm_start_keeps_training_the_loss_prediction_net():
    X, y = _images()
    learner = ActiveLearner(
        _cnn(LossPredictionNet, lpm_detach_epoch=1),
        LPLgrad(n_candidates=30),
        initial_strategy=Random(),
        initial_size=9,
        query_size=6,
        n_rounds=2,
        warm_start=True,
        random_state=0,
    ).fit(X, y)
    assert len(learner.estimator_.history) == 9  # 3 epochs per round, never re-initialised
    assert learner.estimator_.lpm_epoch_ == 2  # the detach epoch counts within each fit call


@pytest.mark.parametrize("strategy", [GradNorm(), BALD(), DBAL(), LPLgrad()], ids=repr)
def test_a_scikit_learn_estimator_is_refused_before_any_label(strategy):
    X, y = _images()
    labels = RecordingLabels(y)
    with pytest.raises(TypeError, match="skorch"):
        ActiveLearner(LogisticRegression(), strategy, initial_strategy=Random()).fit(X.reshape(len(X), -1), labels)
    assert labels.read == []


@pytest.mark.parametrize("strategy", [LearningLoss(), LPLgrad()], ids=repr)
def test_a_plain_net_is_refused_for_loss_prediction_strategies(strategy):
    X, y = _images()
    labels = RecordingLabels(y)
    with pytest.raises(TypeError, match="LossPredictionNet"):
        ActiveLearner(_cnn(), strategy).fit(X, labels)
    assert labels.read == []
