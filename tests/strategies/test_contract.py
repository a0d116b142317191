"""Every strategy passes the public contract, on fixed and on Hypothesis-generated pools."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from skal.nn import AdversarialVAE
from skal.nn._testing import make_net_pool
from skal.strategies import (
    BADGE,
    BALD,
    DBAL,
    EPIG,
    GLISTER,
    HC,
    HCLC,
    LC,
    LCHC,
    RHC,
    RLC,
    VAAL,
    BatchBALD,
    BudgetSwitch,
    ClusterBalanced,
    Coreset,
    EnsembleEntropy,
    EnsembleLeastConfidence,
    EnsembleMargin,
    Entropy,
    GradNorm,
    KMeansSampling,
    LearningLoss,
    LPLgrad,
    Margin,
    Mix,
    MultiBatchKMeans,
    QueryByCommittee,
    Random,
    Schedule,
    ScoreFunction,
    Stochastic,
    Subsample,
    TypiClust,
    VariationRatio,
)
from skal.utils.estimator_checks import check_query_strategy, make_pool, parametrize_with_checks


def _max_proba(X_rows, estimator):
    return np.asarray(estimator.predict_proba(X_rows)).max(axis=1)


ALL_STRATEGIES = [
    Random(),
    LC(),
    HC(),
    Margin(),
    Entropy(),
    HCLC(),
    LCHC(),
    RHC(),
    RLC(),
    Schedule(Random(), Margin()),
    Mix([(HC(), 0.5), (LC(), 0.5)]),
    Subsample(Entropy(), n_candidates=15, random_state=0),
    Stochastic(Entropy()),
    Stochastic(Margin(), mode="softrank", beta=2.0),
    Stochastic(LC(), mode="softmax"),
    ScoreFunction(_max_proba),
    ScoreFunction(_max_proba, pick="low"),
    QueryByCommittee(),
    QueryByCommittee("kl", bootstrap=True),
    Coreset(),
    KMeansSampling(),
    MultiBatchKMeans(),
    TypiClust(),
    BADGE(),
    GLISTER(),
    GLISTER(n_updates=2, n_candidates=0.5),
    ClusterBalanced(n_clusters=3),
    ClusterBalanced(n_clusters=3, proportional=True),
    BudgetSwitch(threshold=10),
    Subsample(Coreset(), n_candidates=15, random_state=0),
    VariationRatio(bootstrap=True),
    VariationRatio(n_members=2, tie_break="index"),
    EnsembleLeastConfidence(bootstrap=True),
    EnsembleEntropy(n_members=2, bootstrap=True, n_candidates=0.5),
    EnsembleMargin(bootstrap=True),
    VAAL(AdversarialVAE(latent=2, hidden=(8,), discriminator_width=8, max_epochs=1, batch_size=16)),
]

#: Strategies that need a skorch net (gradients, MC dropout, committees of nets).
NET_STRATEGIES = [
    GradNorm(n_candidates=None),
    GradNorm(n_candidates=15, norm="global", parameters="last"),
    BALD(n_samples=4),
    BatchBALD(n_samples=4),
    BatchBALD(n_samples=3, n_configs=5, n_candidates=20),
    EPIG(n_samples=4, n_targets=10),
    EPIG(n_samples=3, target=np.random.default_rng(0).normal(size=(7, 4)).astype(np.float32)),
    DBAL(n_samples=4, n_candidates=0.5),
    VariationRatio(n_members=2),
    EnsembleLeastConfidence(n_members=2),
    EnsembleEntropy(n_members=2),
    EnsembleMargin(n_members=2),
    GLISTER(),
]

#: Strategies that need a LossPredictionNet.
LPM_STRATEGIES = [LearningLoss(n_candidates=None), LearningLoss(n_candidates=15), LPLgrad(n_candidates=None)]


@parametrize_with_checks(ALL_STRATEGIES)
def test_contract(strategy, check, request):
    check(strategy, make_pool())


@pytest.fixture(scope="module")
def net_pool():
    return make_net_pool()


@pytest.fixture(scope="module")
def lpm_pool():
    return make_net_pool(loss_prediction=True)


@parametrize_with_checks(NET_STRATEGIES)
def test_contract_with_a_net(strategy, check, net_pool):
    check(strategy, net_pool)


@parametrize_with_checks(LPM_STRATEGIES)
def test_contract_with_a_loss_prediction_net(strategy, check, lpm_pool):
    check(strategy, lpm_pool)


@st.composite
def pools(draw):
    n_pool = draw(st.integers(8, 40))
    n_classes = draw(st.integers(2, 4))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    y = np.arange(n_pool) % n_classes
    X = rng.normal(size=(n_pool, 3)) + y[:, None]
    labeled = rng.random(n_pool) < draw(st.floats(0.2, 0.8))
    labeled[[np.flatnonzero(y == c)[0] for c in range(n_classes)]] = True
    if labeled.all():
        labeled[-1] = False
    est = LogisticRegression(max_iter=200).fit(X[labeled], y[labeled])
    return X, y, labeled, est


@pytest.mark.parametrize("strategy", ALL_STRATEGIES, ids=repr)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pool=pools())
def test_contract_on_random_pools(strategy, pool):
    check_query_strategy(strategy, pool)


def test_contract_catches_a_broken_strategy():
    from skal.strategies import QueryStrategy

    class Duplicates(QueryStrategy):
        def _query(self, n):
            return np.flatnonzero(~self.labeled_)[:1].repeat(n)

    with pytest.raises(AssertionError, match="duplicates"):
        check_query_strategy(Duplicates())

    class PicksLabeled(QueryStrategy):
        def _query(self, n):
            return np.argsort(~self.labeled_, kind="stable")[:n]

    with pytest.raises(AssertionError, match="labeled row"):
        check_query_strategy(PicksLabeled())
