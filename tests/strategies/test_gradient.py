"""GradNorm and LPLgrad: scores, candidate subsets, and clear errors."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skal.nn import per_sample_grad_norms
from skal.nn._testing import make_net_pool
from skal.strategies import GradNorm, LPLgrad

from ..nn.test_gradients import _net, _pool, reference_norms


@pytest.mark.parametrize("norm", ["sum_of_tensor_norms", "global"])
def test_scores_equal_the_reference_loop(norm):
    net, X = _net(), _pool(10)
    labeled = np.zeros(10, bool)
    labeled[[0, 3]] = True
    s = GradNorm(norm=norm, n_candidates=None).fit(X, labeled=labeled, estimator=net)
    rows = np.flatnonzero(~labeled)
    np.testing.assert_allclose(s.scores_[rows], reference_norms(net, X[rows], "entropy", norm), rtol=1e-4)
    assert np.isnan(s.scores_[labeled]).all()
    np.testing.assert_array_equal(s.query(3), rows[np.argsort(-s.scores_[rows], kind="stable")[:3]])


def test_scores_only_a_random_subset():
    X, _, labeled, net = make_net_pool(n_pool=80)
    s = GradNorm(n_candidates=10, random_state=0).fit(X, labeled=labeled, estimator=net)
    scored = np.flatnonzero(~np.isnan(s.scores_))
    assert len(scored) == 10 == s.n_available_ and not labeled[scored].any()
    assert set(s.query(4)) <= set(scored)
    other = GradNorm(n_candidates=10, random_state=1).fit(X, labeled=labeled, estimator=net)
    assert set(np.flatnonzero(~np.isnan(other.scores_))) != set(scored)
    full = per_sample_grad_norms(net, X[scored])
    np.testing.assert_allclose(s.scores_[scored], full, rtol=1e-6)


def test_default_subsets_are_the_references():
    assert GradNorm().n_candidates == 25_000  # SUBSET of xulabs/aitom al_gradnorm (Wang et al., AAAI 2022)
    assert LPLgrad().n_candidates == 10_000  # SUBSET default of sgchr273/LPLgrad


def test_sklearn_estimator_gets_a_clear_error():
    X = np.random.default_rng(0).normal(size=(20, 3))
    clf = LogisticRegression().fit(X, np.arange(20) % 2)
    with pytest.raises(TypeError, match="skorch NeuralNetClassifier"):
        GradNorm().fit(X, estimator=clf)


def test_lplgrad_needs_a_loss_prediction_net():
    X, _, labeled, net = make_net_pool()
    with pytest.raises(TypeError, match="LossPredictionNet"):
        LPLgrad().fit(X, labeled=labeled, estimator=net)


def test_lplgrad_uses_the_backbone_only():
    X, _, labeled, lpm = make_net_pool(loss_prediction=True)
    s = LPLgrad(n_candidates=None).fit(X, labeled=labeled, estimator=lpm)
    rows = np.flatnonzero(~labeled)
    np.testing.assert_allclose(s.scores_[rows], per_sample_grad_norms(lpm, X[rows]), rtol=1e-6)
    assert s.requirements() >= {"loss", "net"}


def test_bad_scheme():
    X, _, labeled, net = make_net_pool()
    with pytest.raises(ValueError, match="scheme"):
        GradNorm(scheme="margin").fit(X, labeled=labeled, estimator=net)
