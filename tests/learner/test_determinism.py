"""Same random_state → the same labeled rows and history, for every strategy skal exports (CPU)."""

import inspect

import numpy as np
import pytest
import torch

import skal.strategies as S
from skal import ActiveLearner
from skal.nn import LossPredictionNet

from ..conftest import MLP, make_blobs_pool

#: Strategies whose constructor needs arguments.
NEEDS_ARGS = {
    "Schedule": lambda: S.Schedule(S.Random(), S.Margin()),
    "Mix": lambda: S.Mix([(S.HC(), 0.5), (S.Coreset(), 0.5)]),
    "Subsample": lambda: S.Subsample(S.Entropy(), n_candidates=20),
    "Stochastic": lambda: S.Stochastic(S.Entropy()),
    "ScoreFunction": lambda: S.ScoreFunction(_max_proba),
    "SelfSupervisedLoss": lambda: S.SelfSupervisedLoss(_vae(), mode="binning", n_bins=2),
    "PseudoLabelInitializer": lambda: S.PseudoLabelInitializer(_softmax3, per_class=2),
    "GLISTER": lambda: S.GLISTER(validation=_held_out()),  # the labeled rows are no validation set before round 1
    "VAAL": lambda: S.Schedule(S.Random(), S.VAAL(_adversarial_vae())),  # it needs labels: a random first pool
}


def _adversarial_vae():
    from skal.nn import AdversarialVAE

    return AdversarialVAE(latent=2, hidden=(8,), discriminator_width=8, max_epochs=2, batch_size=16)


def _held_out():
    """30 rows of the blobs the runs use, after the 90 of the pool."""
    X, y = make_blobs_pool(n=120)
    return X[90:], y[90:]


def _vae():
    from skal.nn import VAE

    return VAE(latent=2, hidden=8, max_epochs=2, batch_size=30)


def _max_proba(X_rows, estimator):
    return np.asarray(estimator.predict_proba(X_rows)).max(axis=1)


def _softmax3(X):
    e = np.exp(X[:, :3] - X[:, :3].max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


#: Abstract bases, not strategies one runs.
BASES = {"QueryStrategy", "ScoringStrategy", "ProbaStrategy", "EmbeddingStrategy", "CandidateScoringStrategy"}


def all_strategies():
    found = []
    for name in S.__all__:
        obj = getattr(S, name)
        if not (inspect.isclass(obj) and issubclass(obj, S.QueryStrategy)) or name in BASES:
            continue
        if obj in {type(s) for _, s in found}:  # aliases (LC, HC)
            continue
        found.append((name, NEEDS_ARGS[name]() if name in NEEDS_ARGS else obj()))
    return found


STRATEGIES = all_strategies()


def test_the_walk_covers_every_exported_strategy():
    names = {n for n, _ in STRATEGIES}
    assert {"GradNorm", "LPLgrad", "LearningLoss", "BALD", "DBAL", "VariationRatio", "BADGE", "TypiClust"} <= names
    assert {"SelfSupervisedLoss", "PseudoLabelInitializer"} <= names and len(names) >= 27


def _net():
    return LossPredictionNet(
        MLP,
        module__n_in=8,
        module__n_out=3,
        module__dropout=0.3,
        optimizer=torch.optim.Adam,
        lr=0.01,
        max_epochs=3,
        batch_size=16,
        train_split=None,
        verbose=0,
    )


def _run(strategy):
    X, y = make_blobs_pool(n=90)
    return ActiveLearner(_net(), strategy, initial_size=8, query_size=6, n_rounds=2, random_state=3).fit(X, y)


@pytest.mark.parametrize("name, strategy", STRATEGIES, ids=[n for n, _ in STRATEGIES])
def test_same_seed_same_queries_and_history(name, strategy):
    first, second = _run(strategy), _run(strategy)
    np.testing.assert_array_equal(first.labeled_indices_, second.labeled_indices_)
    np.testing.assert_array_equal(first.labels_, second.labels_)
    timing = {"query_seconds", "label_seconds", "train_seconds"}
    for a, b in zip(first.history_, second.history_, strict=True):
        assert {k: v for k, v in a.items() if k not in timing | {"queried"}} == {
            k: v for k, v in b.items() if k not in timing | {"queried"}
        }
        np.testing.assert_array_equal(a["queried"], b["queried"])
    np.testing.assert_allclose(first.predict_proba(first.pool_.X[:5]), second.predict_proba(second.pool_.X[:5]))


@pytest.mark.parametrize("random_state", [0, np.random.default_rng(0)], ids=["int", "Generator"])
def test_a_seed_fixed_on_the_strategy_draws_anew_each_round(random_state):
    """Random(random_state=0) must not replay round 0's stream: that picks the neighbours of the last picks."""
    from sklearn.linear_model import LogisticRegression

    X, y = make_blobs_pool(n=1000)
    runs = [
        ActiveLearner(
            LogisticRegression(max_iter=200),
            S.Random(random_state=random_state),
            initial_size=10,
            query_size=10,
            n_rounds=3,
            random_state=1,
        ).fit(X, y)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].labeled_indices_, runs[1].labeled_indices_)  # still reproducible
    rounds = [np.asarray(r["queried"]) for r in runs[0].history_]
    for before, after in zip(rounds, rounds[1:]):
        near = (np.abs(after[:, None] - before[None, :]) <= 2).any(axis=1)
        assert near.mean() < 0.5, f"round picks {after} sit next to the previous round's {before}"
