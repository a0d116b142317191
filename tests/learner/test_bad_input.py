"""Bad input: a clear error that names the fix, raised before any state changes."""

import copy

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from skal import ActiveLearner
from skal.exceptions import NotEnoughCandidatesError, OracleError
from skal.strategies import HCLC, RHC, Entropy, QueryStrategy, Random

from ..conftest import make_blobs_pool


def learner(**kw):
    params = dict(strategy=Entropy(), initial_strategy=Random(), initial_size=12, query_size=10, random_state=0)
    params.update(kw)
    return ActiveLearner(LogisticRegression(max_iter=300), **params)


@pytest.fixture
def fitted(pool):
    X, y = pool
    return learner(n_rounds=1).fit(X, y)


#: The learner's fitted state (the label pool's contents are read through its attributes).
FITTED = (
    "labeled_indices_", "labels_", "labeled_round_", "skipped_", "pseudo_labeled_", "classes_", "history_",
    "seed_", "stopped_", "n_features_in_",
)  # fmt: skip


def snapshot(al):
    return {k: copy.deepcopy(getattr(al, k)) for k in FITTED if hasattr(al, k)}


def assert_unchanged(before, al):
    after = snapshot(al)
    assert set(before) == set(after)
    for key, value in before.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(after[key], value)
        elif key == "history_":
            assert [r["queried"].tolist() for r in after[key]] == [r["queried"].tolist() for r in value]
        else:
            assert after[key] == value


def refit_fails(al, exc, match, *args, **kwargs):
    before = snapshot(al)
    with pytest.raises(exc, match=match):
        al.fit(*args, **kwargs)
    assert_unchanged(before, al)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_pool(fitted, pool, bad):
    X, y = pool
    X = X.copy()
    X[3, 2] = bad
    refit_fails(fitted, ValueError, "NaN|infinity", X, y)


def test_empty_pool(fitted):
    refit_fails(fitted, ValueError, "0 sample", np.empty((0, 8)), np.empty(0))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"initial_size": 0}, "at least 1"),
        ({"initial_size": -5}, "at least 1"),
        ({"query_size": 0.0}, r"\(0, 1\]"),
        ({"query_size": 1.5}, r"\(0, 1\]"),
        ({"initial_size": 1000}, "pool holds only 120"),
        ({"query_size": 121}, "pool holds only 120"),
        ({"initial_size": True}, "int"),
        ({"budget": 5}, "smaller than initial_size"),
        ({"n_rounds": -1}, "n_rounds"),
        ({"strategy": "entropy"}, "QueryStrategy"),
    ],
)
def test_bad_parameters(fitted, pool, params, match):
    X, y = pool
    fitted.set_params(**params)
    refit_fails(fitted, (ValueError, TypeError), match, X, y)


def test_oracle_array_of_wrong_length(fitted, pool):
    X, y = pool
    refit_fails(fitted, ValueError, "one label per pool row", X, y[:-1])


@pytest.mark.parametrize(
    "answer, match",
    [
        (lambda idx: idx[:-1] % 3, "one label per queried row"),
        (lambda idx: np.where(idx == idx[0], np.nan, idx % 3), "missing labels"),
        (lambda idx: np.array([None] * len(idx), dtype=object), "missing labels"),
        (lambda idx: np.full(len(idx), 7), r"not among the known classes"),
    ],
)
def test_bad_oracle_answers_store_nothing(pool, answer, match):
    X, y = pool
    calls = {"n": 0}

    def oracle(idx, rows):
        calls["n"] += 1
        return y[idx] if calls["n"] == 1 else answer(idx)

    al = learner(n_rounds=2, classes=[0, 1, 2])
    with pytest.raises(OracleError, match=match):
        al.fit(X, oracle)
    # round 0's labels are kept, round 1's bad answer stored nothing
    assert len(al.labels_) == 12 and len(al.history_) == 1
    assert (al.labeled_round_ >= 0).sum() == 12


def test_estimator_without_predict_proba(fitted, pool):
    X, y = pool
    fitted.set_params(estimator=LinearSVC())
    refit_fails(fitted, TypeError, "CalibratedClassifierCV", X, y)


def test_sklearn_estimator_cannot_score_the_first_pool(fitted, pool):
    X, y = pool
    fitted.set_params(strategy=HCLC(), initial_strategy=None)
    refit_fails(fitted, ValueError, r"initial_strategy=Random\(\).*RHC", X, y)
    fitted.set_params(strategy=RHC())
    assert len(fitted.fit(X, y).history_) == 2


class Broken(QueryStrategy):
    def __init__(self, mode="duplicates"):
        self.mode = mode

    def query(self, n):  # bypasses the base-class checks, as a careless user strategy might
        rows = np.flatnonzero(~self.labeled_) if self.mode != "labeled" else np.flatnonzero(self.labeled_)
        if self.mode == "duplicates":
            return np.repeat(rows[:1], n)
        if self.mode == "short":
            return rows[: n - 1]
        return rows[:n]

    def _query(self, n):
        return self.query(n)


@pytest.mark.parametrize(
    "mode, match", [("duplicates", "repeats a row"), ("labeled", "already labeled"), ("short", "returned")]
)
def test_user_strategy_returning_bad_indices(pool, mode, match):
    X, y = pool
    al = learner(strategy=Broken(mode), n_rounds=2)
    with pytest.raises(ValueError, match=f"Broken returned.*{match}|{match}"):
        al.fit(X, y)
    assert len(al.labels_) == 12 and len(al.history_) == 1


def test_given_labels_validated(fitted, pool):
    X, y = pool
    refit_fails(fitted, ValueError, "both", X, y, labeled_indices=[0, 1])
    refit_fails(fitted, ValueError, "repeats", X, y, labeled_indices=[0, 0], labels=[0, 0])
    refit_fails(fitted, ValueError, "outside", X, y, labeled_indices=[500], labels=[0])
    refit_fails(fitted, ValueError, "known classes", X, y, labeled_indices=[0], labels=[9])


def test_teach_validates_before_storing(fitted, pool):
    X, y = pool
    before = snapshot(fitted)
    free = np.flatnonzero(fitted.labeled_round_ < 0)[:2]
    with pytest.raises(OracleError, match="known classes"):
        fitted.teach(free, [0, 42])
    with pytest.raises(OracleError, match="one label per"):
        fitted.teach(free, [0])
    with pytest.raises(ValueError, match="already labeled"):
        fitted.teach(fitted.labeled_indices_[:1], [0])
    assert_unchanged(before, fitted)


def test_query_more_than_left(pool):
    X, y = make_blobs_pool(n=30)
    al = learner(initial_size=25)
    first = al.query(X)
    al.teach(first, y[first])
    with pytest.raises(NotEnoughCandidatesError, match="at most 5"):
        al.query(X, n=6)


def test_eval_set_shape(fitted, pool):
    X, y = pool
    refit_fails(fitted, ValueError, "eval_set", X, y, eval_set=[X, y, 1])


def test_strategy_needing_a_layer_on_an_estimator_without_one(fitted, pool):
    from skal.strategies import Coreset, Mix

    X, y = pool
    fitted.set_params(strategy=Coreset(embedding="hidden.0"))
    refit_fails(fitted, ValueError, "layer of a skorch net.*embedding='auto'", X, y)
    fitted.set_params(strategy=Mix([(Coreset(embedding="fc"), 0.5), (Random(), 0.5)]))
    refit_fails(fitted, ValueError, "layer of a skorch net", X, y)


def test_skorch_net_whose_outputs_are_not_probabilities(pool):
    import torch

    from skal.exceptions import ProbabilityError

    from ..conftest import make_net

    X, y = pool
    # NLLLoss (skorch's default) expects probabilities; this module returns logits
    net = make_net(criterion=torch.nn.NLLLoss, max_epochs=1)
    al = ActiveLearner(
        net, Entropy(), initial_strategy=Random(), initial_size=12, query_size=10, n_rounds=2, random_state=0
    )
    with pytest.raises(ProbabilityError, match="CrossEntropyLoss"):
        al.fit(X, y)
    assert len(al.labels_) == 12 and len(al.history_) == 1  # round 0's labels are kept


def test_a_pool_that_changed_between_a_run_and_its_resume(fitted, pool, tmp_path):
    from skal.exceptions import JournalError

    X, y = pool
    path = tmp_path / "labels.db"
    learner(n_rounds=1).fit(X, y, journal=path)
    changed = X.copy()
    changed[0, 0] += 1.0
    refit_fails(fitted, JournalError, "another pool", changed, y, journal=path)
