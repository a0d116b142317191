"""LearningLoss: rank by the loss-prediction module's output."""

import numpy as np
import pytest

from skal.nn._testing import make_net_pool
from skal.strategies import LearningLoss


def test_ranks_by_predicted_loss():
    X, _, labeled, net = make_net_pool(loss_prediction=True)
    s = LearningLoss(n_candidates=None).fit(X, labeled=labeled, estimator=net)
    rows = np.flatnonzero(~labeled)
    np.testing.assert_allclose(s.scores_[rows], net.predict_loss(X[rows]))
    assert s.query(3).tolist() == rows[np.argsort(-net.predict_loss(X[rows]), kind="stable")[:3]].tolist()


def test_needs_a_loss_prediction_net():
    X, _, labeled, net = make_net_pool()
    with pytest.raises(TypeError, match="LossPredictionNet"):
        LearningLoss().fit(X, labeled=labeled, estimator=net)


def test_default_subset_is_the_reference():
    assert LearningLoss().n_candidates == 10_000  # SUBSET of Mephisto405/Learning-Loss-for-Active-Learning
