"""ActiveLearner around skorch nets: random-weight first pools (Mohan et al., 2026), label encoding, warm start."""

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier

from skal import ActiveLearner
from skal.exceptions import ProbabilityError
from skal.strategies import HC, HCLC, LC, LCHC, Entropy, Random
from skal.utils import derive_seed
from skal.utils._estimator import random_weight_net
from skal.utils._selection import top_k

from ..conftest import MLP, make_net


class CountingNet(NeuralNetClassifier):
    fits = 0

    def fit(self, X, y, **kw):
        type(self).fits += 1
        return super().fit(X, y, **kw)


def test_first_pool_is_scored_by_a_random_weight_net_not_a_trained_one(pool):
    X, y = pool
    CountingNet.fits = 0
    net = make_net(max_epochs=2)
    counting = CountingNet(**net.get_params())
    al = ActiveLearner(counting, HCLC(), initial_size=10, query_size=10, n_rounds=0, random_state=3).fit(X, y)
    # one fit: the model trained on the first pool; the scoring net was only initialised
    assert CountingNet.fits == 1
    # recompute the first pool by hand: a net initialised from the derived seed, eval mode, top HC
    scorer = random_weight_net(counting.set_params(classes=np.arange(3)), derive_seed(al.seed_, 0, "init"))
    expected = top_k(scorer.predict_proba(X).max(axis=1), 10)
    assert not scorer.module_.training  # scored in eval mode
    np.testing.assert_array_equal(al.history_[0]["queried"], expected)


def test_random_weight_scoring_is_in_eval_mode(pool):
    X, y = pool
    net = make_net(module__dropout=0.9)
    scorer = random_weight_net(net, 0)
    a, b = scorer.predict_proba(X), scorer.predict_proba(X)
    np.testing.assert_array_equal(a, b)  # dropout is off: eval mode


@pytest.mark.parametrize("strategy, first", [(HCLC(), HC), (LCHC(), LC), (LC(), LC), (HC(), HC)])
def test_seed_000_schedules_run_end_to_end(pool, strategy, first):
    X, y = pool
    al = ActiveLearner(make_net(), strategy, initial_size=10, query_size=10, n_rounds=2, random_state=0)
    al.fit(X, y, eval_set=(X, y))
    assert [r["n_labeled"] for r in al.history_] == [10, 20, 30]
    assert first.__name__ in al.history_[0]["strategy"]
    assert al.predict(X[:5]).shape == (5,) and al.predict_proba(X[:5]).shape == (5, 3)


def test_same_seed_same_queries_and_predictions(pool):
    X, y = pool
    runs = [
        ActiveLearner(make_net(), HCLC(), initial_size=10, query_size=10, n_rounds=2, random_state=s).fit(X, y)
        for s in (5, 5, 6)
    ]
    np.testing.assert_array_equal(runs[0].labeled_indices_, runs[1].labeled_indices_)
    np.testing.assert_allclose(runs[0].predict_proba(X), runs[1].predict_proba(X))
    assert not np.array_equal(runs[0].labeled_indices_, runs[2].labeled_indices_)


def test_torch_global_rng_untouched(pool):
    X, y = pool
    state = torch.get_rng_state().clone()
    ActiveLearner(make_net(), HCLC(), initial_size=10, query_size=10, n_rounds=1, random_state=0).fit(X, y)
    assert torch.equal(torch.get_rng_state(), state)


def test_string_labels_are_encoded_for_the_net(pool):
    X, y = pool
    names = np.array(["cat", "dog", "eel"])[y]
    al = ActiveLearner(make_net(max_epochs=20), Entropy(), initial_size=30, query_size=10, n_rounds=1, random_state=0)
    al.fit(X, names)
    assert set(al.predict(X)) <= {"cat", "dog", "eel"}
    assert al.score(X, names) > 0.6
    assert al.estimator_.classes_.tolist() == [0, 1, 2]


def test_warm_start_continues_training(pool):
    X, y = pool
    al = ActiveLearner(
        make_net(max_epochs=3), Entropy(), initial_size=10, query_size=10, n_rounds=2, warm_start=True, random_state=0
    )
    al.fit(X, y)
    assert len(al.estimator_.history) == 9  # 3 rounds x 3 epochs on the same net
    cold = ActiveLearner(make_net(max_epochs=3), Entropy(), initial_size=10, query_size=10, n_rounds=2, random_state=0)
    assert len(cold.fit(X, y).estimator_.history) == 3


def test_logits_with_nllloss_names_crossentropy(pool):
    X, y = pool
    net = NeuralNetClassifier(MLP, module__n_in=8, max_epochs=1, train_split=None)  # NLLLoss on logits
    al = ActiveLearner(net, HCLC(), initial_size=10, query_size=10, random_state=0)
    with pytest.raises(ProbabilityError, match="criterion=torch.nn.CrossEntropyLoss"):
        al.fit(X, y)
    assert not hasattr(al, "labels_") or len(al.labels_) == 0


def test_skorch_needs_the_label_space(pool):
    X, y = pool
    al = ActiveLearner(make_net(), Random(), initial_size=10, random_state=0)
    with pytest.raises(ValueError, match="classes="):
        al.fit(X, lambda idx, rows: y[idx])
    assert not hasattr(al, "labeled_round_")
    ok = ActiveLearner(make_net(), Random(), initial_size=10, n_rounds=0, classes=[0, 1, 2], random_state=0)
    assert len(ok.fit(X, lambda idx, rows: y[idx]).labels_) == 10


def test_step_api_with_random_weights(pool):
    X, y = pool
    al = ActiveLearner(make_net(), HCLC(), initial_size=8, query_size=4, classes=[0, 1, 2], random_state=0)
    first = al.query(X)
    assert len(first) == 8
    al.teach(first, y[first])
    nxt = al.query(X)
    assert len(nxt) == 4 and not set(nxt) & set(first)


def test_images_pass_through_unchanged():
    class TinyCNN(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(1, 4, 3)
            self.out = torch.nn.Linear(4 * 6 * 6, 2)

        def forward(self, x):
            return self.out(torch.relu(self.conv(x)).flatten(1))

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 1, 8, 8)).astype(np.float32)
    y = (X.mean(axis=(1, 2, 3)) > 0).astype(int)
    net = NeuralNetClassifier(TinyCNN, criterion=torch.nn.CrossEntropyLoss, max_epochs=2, train_split=None, verbose=0)
    al = ActiveLearner(net, HCLC(), initial_size=10, query_size=10, n_rounds=1, random_state=0).fit(X, y)
    assert al.predict_proba(X).shape == (40, 2)
