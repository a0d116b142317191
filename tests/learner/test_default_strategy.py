"""strategy=None: TypicalThenMargin where it can run, and the part that can run elsewhere."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from skal import ActiveLearner
from skal.learner._checks import DEFAULT_TYPICAL_MAX_ROWS, default_strategy
from skal.strategies import Margin, Random, Schedule, TypicalThenMargin, TypiClust
from skal.strategies._schedule import labels_per_class
from skal.utils._adapter import ModelAdapter

from ..conftest import make_blobs_pool


def _chosen(X, estimator):
    return default_strategy(X, ModelAdapter(estimator))


def test_numeric_pool_with_probabilities_gets_typical_then_margin():
    X, _ = make_blobs_pool(n=60)
    assert isinstance(_chosen(X, LogisticRegression()), TypicalThenMargin)


@pytest.mark.parametrize(
    "X",
    [
        sp.random(60, 8, density=0.3, format="csr", random_state=0),
        ["a short text"] * 60,
        np.zeros((DEFAULT_TYPICAL_MAX_ROWS + 1, 1), dtype=np.float32),
        np.zeros((60, 2)).tolist(),  # TypiClust's embedding="input" refuses lists, numeric or not
    ],
    ids=["sparse", "texts", "over the row limit", "numeric list"],
)
def test_pools_typiclust_cannot_measure_get_a_random_start_then_margin(X):
    chosen = _chosen(X, LogisticRegression())
    assert type(chosen) is Schedule
    assert isinstance(chosen.initial, Random) and isinstance(chosen.then, Margin)


def test_without_predict_proba_typiclust_alone():
    X, _ = make_blobs_pool(n=60)
    assert isinstance(_chosen(X, LinearSVC()), TypiClust)
    assert isinstance(_chosen(["text"] * 60, LinearSVC()), Random)


def test_the_learner_switches_from_typiclust_to_margin_at_ten_labels_per_class():
    X, y = make_blobs_pool(n=300)  # three classes: Margin takes over once 30 labels are in
    learner = ActiveLearner(LogisticRegression(), initial_size=15, query_size=15, n_rounds=3, random_state=0)
    learner.fit(X, y)
    used = [h["strategy"].split(" -> ")[-1] for h in learner.history_]
    assert [u.split("(")[0] for u in used] == ["TypiClust", "TypiClust", "Margin", "Margin"]


def test_a_text_pipeline_runs_with_the_default():
    texts = [f"{w} review number {i}" for i, w in enumerate(["good", "bad", "fine"] * 20)]
    y = np.array(["pos", "neg", "pos"] * 20)
    learner = ActiveLearner(make_pipeline(TfidfVectorizer(), LogisticRegression()), n_rounds=2, random_state=0)
    learner.fit(texts, y)
    assert learner.history_[0]["strategy"].startswith("Schedule(initial=Random")
    assert learner.history_[-1]["strategy"].endswith("-> Margin")


def test_labels_per_class_counts_only_labeled_rows_and_seen_classes():
    labeled = np.array([True, True, True, False, False])
    y = np.array(["a", "a", "b", "c", None], dtype=object)
    assert labels_per_class(labeled, y) == 1.5
    assert labels_per_class(np.zeros(5, bool), y) == 0.0


def test_typical_then_margin_asks_for_what_either_part_needs_once_labels_exist():
    s = TypicalThenMargin()
    assert s.needs(None) == TypiClust().needs(None)
    labeled = np.array([True, False])
    assert s.needs(labeled) == TypiClust().needs(labeled) | Margin().needs(labeled)


def test_same_seed_same_default_picks():
    X, y = make_blobs_pool(n=120)

    def picks():
        learner = ActiveLearner(LogisticRegression(), initial_size=10, query_size=10, n_rounds=2, random_state=4)
        return learner.fit(X, y).labeled_indices_.tolist()

    assert picks() == picks()


def test_a_schedule_stays_with_its_first_strategy_while_labels_exist_but_no_model():
    X, y = make_blobs_pool(n=30)
    labeled = np.zeros(30, bool)
    labeled[:2] = True  # e.g. a first pool of one class: the learner trains no model yet
    s = Schedule(Random(random_state=0), Margin()).fit(X, y, labeled=labeled, estimator=None)
    assert isinstance(s.active_, Random) and len(s.query(3)) == 3
    fitted = LogisticRegression().fit(X[:6], y[:6])
    assert isinstance(Schedule(Random(), Margin()).fit(X, y, labeled=labeled, estimator=fitted).active_, Margin)


@pytest.mark.parametrize("per_class", [0, -3, "ten", True])
def test_a_bad_per_class_is_refused_with_the_fix_named(per_class):
    X, y = make_blobs_pool(n=30)
    with pytest.raises(ValueError, match="positive number of labels per class"):
        TypicalThenMargin(per_class=per_class).fit(X, y)
