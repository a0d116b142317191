"""EPIG: against a float64 pair-by-pair KL divergence, its target rows, and where it parts from BALD."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from skal.nn import mc_dropout_log_proba
from skal.strategies import EPIG, bald, epig
from skal.strategies._batchbald import conditional_entropy
from skal.utils._random import as_generator

from ..nn.test_mc_dropout import X, _net


def _log_proba(seed, n, K=6, C=3):
    return np.log(np.random.default_rng(seed).dirichlet(np.full(C, 0.6), size=(n, K)))


def _epig_reference(p, q):
    """For each pool row: the mean over target rows of KL(p(y, y*) || p(y) p(y*)), looped in float64."""
    out = []
    for i in range(len(p)):
        kls = []
        for j in range(len(q)):
            joint = np.einsum("kc,kd->cd", p[i], q[j]) / p.shape[1]
            indep = np.outer(p[i].mean(0), q[j].mean(0))
            kls.append(np.sum(joint * np.log(joint / indep)))
        out.append(np.mean(kls))
    return np.array(out)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 6), m=st.integers(1, 5), C=st.integers(2, 4))
def test_epig_is_the_mean_kl_between_joint_and_product(seed, n, m, C):
    lp, tlp = _log_proba(seed, n, C=C), _log_proba(seed + 1, m, C=C)
    got = epig(lp, tlp)
    np.testing.assert_allclose(got, _epig_reference(np.exp(lp), np.exp(tlp)), rtol=1e-9, atol=1e-12)
    assert (got >= -1e-12).all()


def test_blocks_do_not_change_the_scores(monkeypatch):
    lp, tlp = _log_proba(0, 50), _log_proba(1, 7)
    whole = epig(lp, tlp)
    monkeypatch.setattr("skal.strategies._epig.BLOCK_BYTES", 8 * 7 * 9 * 3)  # three rows per block
    np.testing.assert_allclose(epig(lp, tlp), whole, rtol=1e-12)


def test_epig_prefers_what_informs_the_targets_where_bald_does_not():
    """Row 0's samples disagree in a pattern unrelated to the target's; row 1's follow the target's."""
    eps = 1e-9
    target = np.log(np.array([[[1 - eps, eps], [eps, 1 - eps], [1 - eps, eps], [eps, 1 - eps]]]))
    unrelated = [[1 - eps, eps], [1 - eps, eps], [eps, 1 - eps], [eps, 1 - eps]]
    related = [[0.8, 0.2], [0.2, 0.8], [0.8, 0.2], [0.2, 0.8]]
    lp = np.log(np.array([unrelated, related]))
    p = np.exp(lp)
    assert bald(p.mean(1), conditional_entropy(lp)).argmax() == 0
    scores = epig(lp, target)
    assert scores.argmax() == 1 and abs(scores[0]) < 1e-6


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match="differ"):
        epig(_log_proba(0, 3, K=4), _log_proba(0, 3, K=5))


def _seed_after_candidates(random_state):
    return int(as_generator(random_state).integers(2**32 - 1))


def test_a_given_target_shares_the_pools_masks():
    net = _net()
    target = np.random.default_rng(5).normal(size=(9, 5)).astype(np.float32)
    s = EPIG(n_samples=6, target=target, random_state=0).fit(X, estimator=net)
    seed = _seed_after_candidates(0)
    expected = epig(
        mc_dropout_log_proba(net, X, n_samples=6, seed=seed), mc_dropout_log_proba(net, target, n_samples=6, seed=seed)
    )
    np.testing.assert_allclose(s.scores_, expected, rtol=1e-6)
    assert s.target_rows_ is None and s.scores_.max() > 0


def test_targets_drawn_from_the_unlabeled_pool():
    net = _net()
    labeled = np.zeros(len(X), bool)
    labeled[:10] = True
    s = EPIG(n_samples=6, n_targets=8, random_state=3).fit(X, labeled=labeled, estimator=net)
    assert len(s.target_rows_) == 8 and not labeled[s.target_rows_].any()
    rng = as_generator(3)
    seed = int(rng.integers(2**32 - 1))
    lp = mc_dropout_log_proba(net, X, n_samples=6, seed=seed)
    expected = epig(lp[~labeled], lp[s.target_rows_])
    # float32 forward passes read in other batches differ in their last bits: 4.8e-8 on a score of 8e-6 was seen,
    # so the floor is relative to the largest score, not to each (EPIG of near-certain rows is near 0)
    np.testing.assert_allclose(s.scores_[~labeled], expected, rtol=1e-3, atol=1e-3 * expected.max())
    assert np.isnan(s.scores_[labeled]).all()
    few = EPIG(n_samples=2, n_targets=500, random_state=0).fit(X, labeled=labeled, estimator=net)
    assert len(few.target_rows_) == 20  # capped at the unlabeled rows


@pytest.mark.parametrize(
    "params, match",
    [({"n_targets": 0}, "n_targets"), ({"n_targets": 2.5}, "n_targets"), ({"target": np.zeros((0, 5))}, "no rows")],
)
def test_bad_parameters_name_the_fix(params, match):
    with pytest.raises(ValueError, match=match):
        EPIG(**params).fit(X, estimator=_net())


def test_a_scikit_learn_model_is_refused_with_the_fix():
    est = LogisticRegression().fit(X, np.arange(len(X)) % 3)
    with pytest.raises(TypeError, match="skorch"):
        EPIG().fit(X, estimator=est)
