"""VAAL: picks the rows the discriminator is surest are unlabeled; first pools are refused with the fix."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.nn import AdversarialVAE
from skal.strategies import VAAL, Random

SMALL = AdversarialVAE(latent=4, hidden=(32, 16), discriminator_width=32, batch_size=32, max_epochs=10)


def _pool(seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate([c + 0.3 * rng.normal(size=(80, 10)) for c in (1.0, 0.0, -1.0)]).astype(np.float32)
    labeled = np.zeros(240, bool)
    labeled[rng.choice(80, 15, replace=False)] = True
    labeled[160 + rng.choice(80, 15, replace=False)] = True
    return X, labeled


def test_picks_are_the_lowest_discriminator_logits_and_come_from_the_unlabeled_only_region():
    X, labeled = _pool()
    s = VAAL(SMALL, random_state=0).fit(X, labeled=labeled)
    logit = s.model_.decision_function(X)
    np.testing.assert_array_equal(s.scores_[~labeled], -logit[~labeled])
    assert np.isnan(s.scores_[labeled]).all()
    picks = s.query(20)
    unlabeled = np.flatnonzero(~labeled)
    assert picks.tolist() == unlabeled[np.lexsort((unlabeled, logit[unlabeled]))][:20].tolist()
    assert ((80 <= picks) & (picks < 160)).mean() >= 0.8
    assert not labeled[picks].any() and len(set(picks.tolist())) == 20


def test_seeded_each_round_and_reproducible():
    X, labeled = _pool()
    a = VAAL(SMALL, random_state=3).fit(X, labeled=labeled).scores_
    b = VAAL(SMALL, random_state=3).fit(X, labeled=labeled).scores_
    c = VAAL(SMALL, random_state=4).fit(X, labeled=labeled).scores_
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert SMALL.random_state is None  # the user's model is cloned, never changed


def test_needs_labels_for_a_first_pool_and_the_learner_names_the_fix():
    X, _ = _pool()
    assert VAAL().needs(None) == {"labels"} and VAAL().needs(np.arange(240) < 3) == set()
    with pytest.raises(ValueError, match="initial_strategy=Random"):
        ActiveLearner(LogisticRegression(), VAAL(SMALL), initial_size=10, random_state=0).fit(X, (X[:, 0] > 0) * 1)
    with pytest.raises(ValueError, match="needs both"):
        VAAL(SMALL).fit(X)


def test_a_model_that_is_not_an_adversarial_vae_is_refused():
    X, labeled = _pool()
    with pytest.raises(TypeError, match="skal.nn.AdversarialVAE"):
        VAAL(LogisticRegression()).fit(X, labeled=labeled)


def test_inside_active_learner_from_a_random_first_pool():
    X, _ = _pool()
    y = (X[:, 0] > 0.5).astype(int) + (X[:, 0] < -0.5).astype(int)

    def run(seed):
        learner = ActiveLearner(
            LogisticRegression(max_iter=300),
            VAAL(AdversarialVAE(latent=2, hidden=(16,), discriminator_width=16, batch_size=32, max_epochs=2)),
            initial_strategy=Random(),
            initial_size=12,
            query_size=6,
            n_rounds=2,
            random_state=seed,
        )
        learner.fit(X, y)
        return learner.labeled_indices_.tolist()

    first = run(0)
    assert len(first) == 24 and len(set(first)) == 24
    assert first == run(0) != run(1)
