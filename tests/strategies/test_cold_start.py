"""Cold-start strategies: self-supervised difficulty, binning, zero-shot pseudo-labels, SSL features."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.strategies import (
    ClusterBalanced,
    Coreset,
    Entropy,
    KMeansSampling,
    PseudoLabelInitializer,
    Random,
    SelfSupervisedLoss,
    TypiClust,
    binning_select,
)
from skal.utils.estimator_checks import check_query_strategy


class NormScore(BaseEstimator):
    """A stand-in self-supervised model: the row norm is its 'loss'; fit records the pool it saw."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y=None):
        self.n_fit_ = len(X)
        return self

    def score_samples(self, X):
        return np.linalg.norm(np.asarray(X).reshape(len(X), -1), axis=1)

    def transform(self, X):
        return np.asarray(X).reshape(len(X), -1)[:, :2]


@settings(max_examples=40, deadline=None)
@given(st.integers(10, 200), st.integers(1, 10), st.integers(0, 1000))
def test_binning_takes_from_every_bin(n_pool, n_bins, seed):
    n = max(n_bins, min(n_pool, 3 * n_bins))
    scores = np.random.default_rng(seed).permutation(n_pool).astype(float)
    picks = binning_select(scores, n, n_bins, np.random.default_rng(seed))
    assert len(picks) == n == len(set(picks.tolist()))
    order = np.argsort(-scores, kind="stable")
    bins = np.array_split(order, n_bins)
    counts = [len(set(b.tolist()) & set(picks.tolist())) for b in bins]
    assert all(c >= n // n_bins for c in counts)
    last = bins[-1]
    assert set(last[::-1][: n // n_bins].tolist()) <= set(picks.tolist())  # the easiest of the last bin


@pytest.mark.parametrize("mode", ["hard", "easy", "binning"])
def test_self_supervised_loss_modes(mode):
    X = np.arange(40.0)[:, None] * np.ones((1, 3))
    labeled = np.zeros(40, bool)
    labeled[[39, 0]] = True
    s = SelfSupervisedLoss(NormScore(), mode=mode, n_bins=2, random_state=0).fit(X, labeled=labeled)
    picks = s.query(4)
    assert s.model_.n_fit_ == 40  # trained on the whole pool, labels unused
    if mode == "hard":
        assert picks.tolist() == [38, 37, 36, 35]
    elif mode == "easy":
        assert picks.tolist() == [1, 2, 3, 4]
    else:
        assert sum(p >= 20 for p in picks) == 2 and {1, 2} <= set(picks.tolist())


@pytest.mark.parametrize(
    "strategy",
    [
        SelfSupervisedLoss(NormScore()),
        SelfSupervisedLoss(NormScore(), mode="binning", n_bins=3),
        PseudoLabelInitializer(lambda X: np.exp(X[:, :3]) / np.exp(X[:, :3]).sum(1, keepdims=True), per_class=2),
        KMeansSampling(embedding=NormScore()),
    ],
    ids=["hard", "binning", "pseudo", "kmeans-on-features"],  # a lambda's repr differs between xdist workers
)
def test_contract(strategy):
    check_query_strategy(strategy)


def test_bad_mode_and_model():
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match="mode"):
        SelfSupervisedLoss(NormScore(), mode="medium").fit(X)
    with pytest.raises(TypeError, match="score_samples"):
        SelfSupervisedLoss(LogisticRegression()).fit(X)


def _pool(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = rng.normal(size=(n, 4)) + 3 * np.eye(3, 4)[y]
    return X, y


def _scorer(X):
    """A stand-in zero-shot model: a softmax of the first three features (right on the easy rows)."""
    logits = 2 * np.asarray(X)[:, :3]
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


class CountingOracle:
    def __init__(self, y):
        self.y, self.asked = y, []

    def __call__(self, idx, rows):
        self.asked.extend(np.asarray(idx).tolist())
        return self.y[idx]


def _pseudo_learner(**kw):
    params = dict(
        initial_strategy=PseudoLabelInitializer(_scorer, per_class=3, classes=[0, 1, 2]),
        initial_size=9,
        query_size=5,
        n_rounds=2,
        budget=10,
        classes=[0, 1, 2],
        random_state=0,
    )
    params.update(kw)
    return ActiveLearner(LogisticRegression(), Entropy(), **params)


def test_pseudo_labels_are_never_oracle_labels(tmp_path):
    from skal.journal import LabelJournal

    X, y = _pool()
    oracle = CountingOracle(y)
    al = _pseudo_learner().fit(X, oracle, journal=tmp_path / "labels.db")
    first = al.history_[0]
    assert first.get("pseudo") and al.pseudo_labeled_.sum() == 9
    assert not set(oracle.asked) & set(np.flatnonzero(al.pseudo_labeled_).tolist())  # the oracle never saw them
    assert len(oracle.asked) == 10  # the budget counts oracle labels only
    assert len(al.labeled_indices_) == 19
    pseudo_rows = LabelJournal.open(tmp_path / "labels.db", X).rows_from("pseudo")
    assert pseudo_rows == set(np.flatnonzero(al.pseudo_labeled_).tolist())
    resumed = _pseudo_learner().fit(X, CountingOracle(y), journal=tmp_path / "labels.db")
    np.testing.assert_array_equal(resumed.pseudo_labeled_, al.pseudo_labeled_)


def test_pseudo_labels_per_class():
    X, y = _pool()
    s = PseudoLabelInitializer(_scorer, per_class=2).fit(X)
    rows = s.query(6)
    labels = [s.pseudo_labels_[r] for r in rows]
    assert sorted(labels) == [0, 0, 1, 1, 2, 2]
    assert (np.asarray(labels) == y[rows]).all()  # the stand-in scorer is right on these easy rows


@pytest.mark.parametrize("strategy_cls", [KMeansSampling, ClusterBalanced, TypiClust, Coreset])
def test_representation_strategies_take_self_supervised_features(strategy_cls):
    from skal.nn import VAE

    X, y = _pool(90)
    kwargs = {"n_clusters": 3} if strategy_cls is ClusterBalanced else {}
    strategy = strategy_cls(embedding=VAE(latent=2, hidden=8, max_epochs=2, batch_size=30), **kwargs)
    al = ActiveLearner(
        LogisticRegression(),
        Entropy(),
        initial_strategy=strategy,
        initial_size=9,
        query_size=5,
        n_rounds=1,
        random_state=0,
    ).fit(X, y)
    assert len(al.labeled_indices_) == 14
    again = ActiveLearner(
        LogisticRegression(),
        Entropy(),
        initial_strategy=strategy,
        initial_size=9,
        query_size=5,
        n_rounds=1,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(again.labeled_indices_, al.labeled_indices_)  # the VAE is seeded by the learner


def test_self_supervised_loss_inside_the_learner_from_zero_labels():
    from skal.nn import SimCLR

    rng = np.random.default_rng(0)
    X = rng.random((64, 10, 10)).astype(np.float32)
    y = np.arange(64) % 2

    class Flat(LogisticRegression):
        def fit(self, X, y):
            return super().fit(X.reshape(len(X), -1), y)

        def predict_proba(self, X):
            return super().predict_proba(X.reshape(len(X), -1))

    init = SelfSupervisedLoss(SimCLR(dim=8, projection=4, max_epochs=1, batch_size=32), mode="binning", n_bins=2)
    al = ActiveLearner(
        Flat(), Random(), initial_strategy=init, initial_size=6, query_size=4, n_rounds=1, random_state=0
    ).fit(X, y)
    assert "SelfSupervisedLoss" in al.history_[0]["strategy"] and len(al.labeled_indices_) == 10


def test_class_weight_balanced():
    import torch

    from ..conftest import make_blobs_pool, make_net

    X, y = _pool()
    al = ActiveLearner(
        LogisticRegression(), Random(), initial_size=20, n_rounds=0, class_weight="balanced", random_state=0
    ).fit(X, y)
    assert al.estimator_.class_weight == "balanced"
    Xb, yb = make_blobs_pool(n=90)
    yb = np.where(np.arange(90) < 70, 0, yb)  # imbalanced
    net = ActiveLearner(make_net(), Random(), initial_size=30, n_rounds=0, class_weight="balanced", random_state=0).fit(
        Xb, yb
    )
    w = net.estimator_.criterion_.weight
    counts = np.bincount(np.searchsorted(net.classes_, net.labels_), minlength=3)
    expected = counts.sum() / (3 * counts)
    torch.testing.assert_close(w, torch.as_tensor(expected, dtype=torch.float32))
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import LinearSVC

    with pytest.raises(TypeError, match="class_weight"):
        ActiveLearner(KNeighborsClassifier(), Random(), initial_size=10, class_weight="balanced").fit(X, y)
    with pytest.raises(ValueError, match="class_weight"):
        ActiveLearner(LinearSVC(), Random(), initial_size=10, class_weight="auto").fit(X, y)
    fixed = ActiveLearner(make_net(), Random(), initial_size=30, n_rounds=0, class_weight={0: 2.0}, random_state=0)
    w = fixed.fit(Xb, yb).estimator_.criterion_.weight
    torch.testing.assert_close(w, torch.tensor([2.0, 1.0, 1.0]))


def test_pseudo_labels_can_be_verified_and_replaced():
    X, y = _pool()
    wrong = lambda X: _scorer(X)[:, [1, 2, 0]]  # noqa: E731  a scorer that names every class wrongly
    al = _pseudo_learner(initial_strategy=PseudoLabelInitializer(wrong, per_class=3), n_rounds=0, budget=None)
    al.fit(X, y)
    rows = np.flatnonzero(al.pseudo_labeled_)
    assert len(rows) == 9 and not (al.labels_ == y[al.labeled_indices_]).any()
    before = al.estimator_.coef_.copy()
    al.relabel(rows, y[rows])
    assert (al.labels_ == y[al.labeled_indices_]).all() and not al.pseudo_labeled_.any()
    assert not np.allclose(al.estimator_.coef_, before)
    with pytest.raises(ValueError, match="labeled rows only"):
        al.relabel([int(np.flatnonzero(al.labeled_round_ < 0)[0])], [0])
