"""GLISTER: the greedy Taylor selection against autograd in float64, the r-greedy variant, the learner's inputs."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from skal.nn import embed
from skal.nn._testing import make_net_pool
from skal.strategies import GLISTER, glister_select
from skal.utils.estimator_checks import make_pool


def _problem(seed, N=12, V=9, d=4, C=3):
    rng = np.random.default_rng(seed)
    W, b = rng.normal(size=(C, d)), rng.normal(size=C)
    H, H_val = rng.normal(size=(N, d)), rng.normal(size=(V, d))
    y_val = rng.integers(0, C, V)
    return W, b, H, H_val, y_val


def _softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def _reference(W, b, H, H_val, y_val, n, eta):
    """GLISTER-ONLINE with autograd: candidate gradients at θ0 (guessed labels), validation gradient at θ_S."""
    W0, b0 = torch.tensor(W), torch.tensor(b)
    Ht, Hv, yv = torch.tensor(H), torch.tensor(H_val), torch.tensor(y_val)
    grads = []
    for i in range(len(H)):
        w, bb = W0.clone().requires_grad_(), b0.clone().requires_grad_()
        logits = w @ Ht[i] + bb
        loss = torch.nn.functional.cross_entropy(logits[None], logits.argmax()[None])
        gw, gb = torch.autograd.grad(loss, (w, bb))
        grads.append(torch.cat([gw.flatten(), gb]))
    grads = torch.stack(grads)
    theta = torch.cat([W0.flatten(), b0])
    C, d = W.shape
    picks, gains = [], []
    for _ in range(n):
        t = theta.clone().requires_grad_()
        logits = Hv @ t[: C * d].reshape(C, d).T + t[C * d :]
        (g_val,) = torch.autograd.grad(torch.nn.functional.cross_entropy(logits, yv), t)
        gain = eta * (grads @ g_val)
        gain[picks] = -torch.inf
        best = int(torch.argmax(gain))
        picks.append(best)
        gains.append(float(gain[best]))
        theta = theta - eta * grads[best]
    return picks, gains


def _inputs(W, b, H, H_val):
    P = _softmax(H @ W.T + b)
    A = P - np.eye(W.shape[0])[P.argmax(1)]
    return A, H_val @ W.T + b


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("eta", [0.05, 1.0])
def test_greedy_taylor_selection_matches_autograd_in_float64(seed, eta):
    W, b, H, H_val, y_val = _problem(seed)
    A, val_logits = _inputs(W, b, H, H_val)
    picks, gains = glister_select(A, H, val_logits, y_val, H_val, 6, eta=eta)
    ref_picks, ref_gains = _reference(W, b, H, H_val, y_val, 6, eta)
    assert picks.tolist() == ref_picks
    np.testing.assert_allclose(gains, ref_gains, rtol=1e-10, atol=1e-14)


def test_the_gain_is_the_first_order_drop_of_the_validation_loss():
    W, b, H, H_val, y_val = _problem(7)
    A, val_logits = _inputs(W, b, H, H_val)
    eta = 1e-6
    _, gains = glister_select(A, H, val_logits, y_val, H_val, len(H), eta=eta, n_updates=1)
    order, _ = glister_select(A, H, val_logits, y_val, H_val, len(H), eta=eta, n_updates=1)

    def val_loss(W_, b_):
        return -np.log(_softmax(H_val @ W_.T + b_)[np.arange(len(y_val)), y_val]).mean()

    for i, gain in zip(order, gains):
        W1, b1 = W - eta * np.outer(A[i], H[i]), b - eta * A[i]
        np.testing.assert_allclose(val_loss(W, b) - val_loss(W1, b1), gain, rtol=1e-3, atol=1e-12)


def test_one_update_takes_the_top_gains():
    W, b, H, H_val, y_val = _problem(1, N=30)
    A, val_logits = _inputs(W, b, H, H_val)
    _, first = glister_select(A, H, val_logits, y_val, H_val, 30, eta=0.1, n_updates=1)
    picks, _ = glister_select(A, H, val_logits, y_val, H_val, 5, eta=0.1, n_updates=1)
    assert np.all(np.diff(first) <= 0)
    all_picks, _ = glister_select(A, H, val_logits, y_val, H_val, 30, eta=0.1, n_updates=1)
    assert picks.tolist() == all_picks[:5].tolist()
    two, _ = glister_select(A, H, val_logits, y_val, H_val, 6, eta=0.1, n_updates=2)
    assert two[:3].tolist() == all_picks[:3].tolist()  # the first half from the first gradient


def test_strategy_on_a_logistic_regression_uses_the_labeled_rows_as_validation():
    X, y, labeled, est = make_pool()
    s = GLISTER().fit(X, y, labeled=labeled, estimator=est)
    unl, lab = np.flatnonzero(~labeled), np.flatnonzero(labeled)
    P = est.predict_proba(X[unl])
    A = P - np.eye(3)[P.argmax(1)]
    expected, _ = glister_select(A, X[unl], np.log(est.predict_proba(X[lab])), y[lab], X[lab], 5, eta=0.1)
    np.testing.assert_array_equal(s.query(5), unl[expected])
    assert s.gains_.shape == (5,)


def test_strategy_on_a_skorch_net_uses_its_penultimate_features_and_lr():
    X, y, labeled, net = make_net_pool()
    validation = (X[:12], y[:12])
    s = GLISTER(validation=validation).fit(X, y, labeled=labeled, estimator=net)
    unl = np.flatnonzero(~labeled)
    H, P = embed(net, X[unl], return_proba=True)
    H_val, P_val = embed(net, X[:12], return_proba=True)
    A = P.astype(np.float64) - np.eye(3)[P.argmax(1)]
    expected, _ = glister_select(A, H, np.log(P_val.astype(np.float64)), y[:12], H_val, 4, eta=net.lr)
    np.testing.assert_array_equal(s.query(4), unl[expected])


def test_without_labels_or_validation_the_error_names_the_fix():
    X, y, _, est = make_pool()
    with pytest.raises(ValueError, match="initial_strategy=Random"):
        GLISTER().fit(X, y, labeled=np.zeros(len(X), bool), estimator=est)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"eta": 0}, "eta"),
        ({"eta": "fast"}, "eta"),
        ({"n_updates": 0}, "n_updates"),
        ({"validation": (np.zeros((3, 4)), [0, 1])}, "one label per row"),
        ({"validation": (np.zeros((2, 4)), [0, 7])}, "not among the model's classes"),
    ],
)
def test_bad_parameters_name_the_fix(params, match):
    X, y, labeled, est = make_pool()
    with pytest.raises(ValueError, match=match):
        GLISTER(**params).fit(X, y, labeled=labeled, estimator=est)


def test_glister_is_not_the_cosine_similarity_heuristic():
    """A row identical to a labeled row maximises cosine similarity; GLISTER ranks by validation gain instead."""
    X, y, labeled, est = make_pool(seed=3)
    s = GLISTER().fit(X, y, labeled=labeled, estimator=LogisticRegression(max_iter=500).fit(X[labeled], y[labeled]))
    picks = s.query(5)
    unl = np.flatnonzero(~labeled)
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    cosine = (Xn[unl] @ Xn[labeled].T).mean(1)
    assert set(picks.tolist()) != set(unl[np.argsort(-cosine)[:5]].tolist())


def test_the_learner_refuses_it_for_the_first_pool_and_names_the_fix():
    from skal import ActiveLearner

    X, y, _, _ = make_pool()
    learner = ActiveLearner(LogisticRegression(), GLISTER(), initial_size=6, query_size=3, n_rounds=1)
    with pytest.raises(ValueError, match="initial_strategy=Random"):
        learner.fit(X, y)
    assert not hasattr(learner, "history_")
    from skal.strategies import Random

    ok = ActiveLearner(LogisticRegression(), GLISTER(), initial_strategy=Random(), initial_size=6, query_size=3)
    ok.set_params(n_rounds=2, random_state=0).fit(X, y)
    assert len(ok.labeled_indices_) == 12 and ok.history_[1]["strategy"].startswith("GLISTER")
    assert GLISTER().needs(None) == {"proba", "embedding", "labels"}
    assert GLISTER(validation=(X[:3], y[:3])).needs(None) == {"proba", "embedding"}


def _reference_r_greedy(W, b, H, H_val, y_val, n, eta, r):
    """r gradient evaluations; each time the top n/r gains join and θ takes their summed step (autograd)."""
    C, d = W.shape
    picks = []
    theta_W, theta_b = W.copy(), b.copy()
    P = _softmax(H @ W.T + b)
    A = P - np.eye(C)[P.argmax(1)]
    G = np.concatenate([np.einsum("nc,nd->ncd", A, H).reshape(len(H), -1), A], axis=1)  # grads at θ0
    for size in (len(part) for part in np.array_split(np.arange(n), r)):
        t = torch.tensor(np.concatenate([theta_W.ravel(), theta_b]), requires_grad=True)
        logits = torch.tensor(H_val) @ t[: C * d].reshape(C, d).T + t[C * d :]
        (g_val,) = torch.autograd.grad(torch.nn.functional.cross_entropy(logits, torch.tensor(y_val)), t)
        gain = eta * (G @ g_val.numpy())
        gain[picks] = -np.inf
        chosen = np.argsort(-gain, kind="stable")[:size].tolist()
        picks += chosen
        step = G[chosen].sum(0)
        theta_W, theta_b = theta_W - eta * step[: C * d].reshape(C, d), theta_b - eta * step[C * d :]
    return picks


@pytest.mark.parametrize("r", [2, 3])
def test_r_greedy_updates_match_autograd(r):
    W, b, H, H_val, y_val = _problem(9, N=20)
    A, val_logits = _inputs(W, b, H, H_val)
    picks, _ = glister_select(A, H, val_logits, y_val, H_val, 9, eta=0.5, n_updates=r)
    assert picks.tolist() == _reference_r_greedy(W, b, H, H_val, y_val, 9, 0.5, r)


def test_a_transformer_embedding_is_fitted_on_the_pool_only():
    from sklearn.decomposition import PCA

    X, y, labeled, est = make_pool(n_features=4)
    X_val, y_val = X[labeled][:10], y[labeled][:10]
    s = GLISTER(validation=(X_val, y_val), embedding=PCA(2)).fit(X, y, labeled=labeled, estimator=est)
    pca = PCA(2).fit(X)
    np.testing.assert_allclose(s._H_val, pca.transform(X_val), atol=1e-6)
    np.testing.assert_allclose(s._H, pca.transform(X[~labeled]), atol=1e-6)
