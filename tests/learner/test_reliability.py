"""Refused calls change nothing; labels keep their type; rare classes; warm start and teach edges (issue 12)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import DataConversionWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.utils.estimator_checks import check_estimator

from skal import ActiveLearner
from skal.exceptions import OracleError
from skal.strategies import Entropy, Random, TypiClust

from ..conftest import make_blobs_pool


def learner(**kw):
    params = dict(strategy=Entropy(), initial_strategy=Random(), initial_size=12, query_size=10, n_rounds=1)
    params["random_state"] = 0
    params.update(kw)
    return ActiveLearner(LogisticRegression(max_iter=300), **params)


@pytest.fixture
def fitted(pool):
    X, y = pool
    return learner().fit(X, y)


@pytest.mark.parametrize(
    "params, oracle, error, match",
    [
        ({"random_state": 1.5}, None, ValueError, "'random_state' parameter"),
        ({"random_state": -1}, None, ValueError, "'random_state' parameter"),
        ({"min_classes": 0}, None, ValueError, "'min_classes' parameter"),
        ({}, lambda y: np.c_[y, y], ValueError, r"one label per pool row \(1-D\); got shape \(120, 2\)"),
        ({}, lambda y: {"label": y}, TypeError, "got a dict"),
    ],
)
def test_a_refused_fit_leaves_a_fitted_learner_as_it_was(fitted, pool, params, oracle, error, match):
    X, y = pool
    before = (fitted.labeled_indices_.copy(), fitted.estimator_, len(fitted.history_))
    fitted.set_params(**params)
    with pytest.raises(error, match=match):
        fitted.fit(X, y if oracle is None else oracle(y))
    assert fitted.estimator_ is before[1] and len(fitted.history_) == before[2]
    np.testing.assert_array_equal(fitted.labeled_indices_, before[0])
    assert fitted.predict(X[:3]).shape == (3,)


def test_a_negative_seed_with_a_journal_is_refused_before_the_file_exists(pool, tmp_path):
    X, y = pool
    with pytest.raises(ValueError, match="random_state"):
        learner(random_state=-1).fit(X, y, journal=tmp_path / "labels.db")
    assert not (tmp_path / "labels.db").exists()


@pytest.mark.parametrize("column", [lambda y: pd.DataFrame({"label": y}), lambda y: y.reshape(-1, 1)])
def test_a_one_column_y_is_flattened_with_a_warning(pool, column):
    X, y = pool
    with pytest.warns(DataConversionWarning):
        al = learner().fit(X, column(y))
    np.testing.assert_array_equal(al.labels_, y[al.labeled_indices_])


def test_an_oracle_that_changes_the_type_of_its_labels_is_refused(pool):
    X, y = pool
    calls = []

    def oracle(idx, rows):
        calls.append(1)
        return [int(v) for v in y[idx]] if len(calls) == 1 else [str(v) for v in y[idx]]

    al = learner()
    with pytest.raises(OracleError, match="returned texts as labels.*holds integers"):
        al.fit(X, oracle)
    assert len(al.labels_) == 12 and al.labels_.dtype.kind == "i"  # round 0 kept, nothing of round 1


@pytest.mark.parametrize("answer", [lambda v: float(v), lambda v: bool(v)])
def test_answers_are_never_cast_to_the_known_classes(pool, answer):
    X, y = pool
    with pytest.raises(OracleError, match="never cast"):
        learner(classes=[0, 1, 2]).fit(X, lambda idx, rows: [answer(v) for v in y[idx]])


def test_missing_labels_in_rows_never_queried_are_not_a_class(pool):
    X, y = pool
    y = y.astype(float)
    y[100:] = np.nan  # rows a simulation never reaches
    al = learner(initial_strategy=Random(random_state=0)).fit(X[:100], y[:100])
    al = learner().fit(X, np.where(np.isnan(y), np.nan, y), labeled_indices=np.arange(12), labels=y[:12])
    assert al.classes_.tolist() == [0.0, 1.0, 2.0] and al.predict_proba(X[:2]).shape == (2, 3)


@pytest.mark.parametrize("initial", [Random(), TypiClust()])
@pytest.mark.parametrize("seed", range(3))
def test_a_rare_class_keeps_the_first_rounds_labeling_until_two_classes(initial, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(600, 4))
    y = np.zeros(600, dtype=int)
    y[rng.choice(600, 12, replace=False)] = 1  # 2 % positives
    al = ActiveLearner(
        LogisticRegression(), Entropy(), initial_strategy=initial, initial_size=20, query_size=20, n_rounds=1,
        random_state=seed,
    ).fit(X, y)  # fmt: skip
    waiting = [r for r in al.history_ if r.get("too_few_classes")]
    assert len(set(al.labels_)) == 2 and hasattr(al, "estimator_")
    assert all(r["train_seconds"] is None for r in waiting)
    assert len(al.history_) == len(waiting) + 2  # n_rounds=1 counts rounds after the first trained one
    assert all(set(y[r["queried"]]) == {0} for r in waiting)


def test_min_classes_1_opts_out():
    X, y = make_blobs_pool()
    one_class = np.flatnonzero(y == 0)[:5]
    with pytest.raises(ValueError):
        learner(min_classes=1).fit(X, y, labeled_indices=one_class, labels=y[one_class])
    al = learner().fit(X, y, labeled_indices=one_class, labels=y[one_class])
    assert al.history_[0]["too_few_classes"] and len(set(al.labels_)) >= 2


def test_check_estimator_passes_at_default_parameters():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(ActiveLearner(LogisticRegression()), on_fail=None)
    assert [r["check_name"] for r in results if r["status"] == "failed"] == []


def test_warm_start_trains_a_fresh_model_when_a_new_class_arrives():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 4)), np.repeat([0, 1, 2], [150, 40, 10])
    al = ActiveLearner(SGDClassifier(loss="log_loss"), Random(), warm_start=True, n_rounds=0, random_state=0)
    al.fit(X, y, labeled_indices=np.r_[0:5, 150:155], labels=np.repeat([0, 1], 5))
    al.teach(np.arange(190, 195), [2] * 5)
    assert al.estimator_.classes_.tolist() == [0, 1, 2] and al.predict_proba(X[:2]).shape == (2, 3)


def test_teach_takes_a_scalar_row_and_refuses_an_empty_one(fitted, pool):
    X, y = pool
    row = int(np.flatnonzero(fitted.labeled_round_ < 0)[0])
    fitted.teach(row, y[row])
    assert fitted.labeled_round_[row] == len(fitted.history_) - 1
    n = len(fitted.history_)
    with pytest.raises(ValueError, match="at least one row"):
        fitted.teach([], [])
    assert len(fitted.history_) == n


@pytest.mark.parametrize("dtype", [np.float64, np.uint8, np.float16, np.int64])
def test_a_skorch_net_takes_a_pool_of_any_numeric_dtype(dtype):
    from ..conftest import make_net

    X, y = make_blobs_pool(n=60)
    X = (X - X.min()).astype(dtype)
    al = ActiveLearner(make_net(max_epochs=2), Random(), initial_size=10, query_size=10, n_rounds=1, random_state=0)
    al.fit(X, y)
    assert al.predict_proba(X[:4]).shape == (4, 3) and al.predict(X[:4]).shape == (4,)
    assert al.query(X, n=3).shape == (3,)


def test_query_and_teach_are_journaled_and_a_resume_does_not_ask_taught_rows(pool, tmp_path):
    X, y = pool
    path = tmp_path / "labels.db"
    al = learner(n_rounds=0).fit(X, y, journal=path)
    rows = al.query(X, n=5)
    al.teach(rows, y[rows])
    asked = []

    def oracle(idx, X_rows):
        asked.extend(np.asarray(idx).tolist())
        return y[idx]

    resumed = learner(n_rounds=2).fit(X, oracle, journal=path)
    assert not set(asked) & set(rows.tolist()) and not set(asked) & set(al.labeled_indices_.tolist())
    np.testing.assert_array_equal(resumed.labeled_indices_[: len(al.labeled_indices_)], al.labeled_indices_)
    assert resumed.history_[1]["strategy"] == "replayed query" and len(resumed.history_) == 3


def test_query_refuses_another_pool_of_the_same_shape(fitted, pool):
    X, _ = pool
    with pytest.raises(ValueError, match="another pool of the same shape"):
        fitted.query(X[::-1].copy())
    assert fitted.query(X.copy(), n=2).shape == (2,)  # the same rows in a new array are the same pool


def test_query_teach_query_on_a_list_of_texts():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline

    texts = [f"{w} {w} item {i}" for i, w in enumerate(["good", "bad"] * 30)]
    y = np.array([0, 1] * 30)
    al = ActiveLearner(make_pipeline(TfidfVectorizer(), LogisticRegression()), Random(), initial_size=6, random_state=0)
    rows = al.query(texts)
    al.teach(rows, y[rows])
    again = al.query(list(texts), n=4)
    assert len(again) == 4 and not set(again) & set(rows)
