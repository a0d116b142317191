"""Inputs that used to trip the pictures: seeds that waited for a class, sparse and text pools, no histograms."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skal import ActiveLearner
from skal.plotting import plot_confidence_histograms, plot_learning_curve, plot_pool_map
from skal.strategies import Margin, Random


def _runs(seeds):
    X, y = make_classification(n_samples=300, weights=[0.93], random_state=0)
    runs = []
    for seed in seeds:
        learner = ActiveLearner(
            LogisticRegression(),
            Margin(),
            initial_strategy=Random(),
            initial_size=5,
            query_size=5,
            n_rounds=4,
            random_state=seed,
        )
        runs.append(learner.fit(X[:250], y[:250], eval_set=(X[250:], y[250:])))
    return runs


def test_seeds_that_waited_for_a_second_class_are_one_strategy_averaged_at_shared_label_counts():
    runs = _runs([0, 2, 5])  # seeds 0 and 5 wait for a second class (5 and 10 labels), seed 2 does not
    assert sum(any(h.get("too_few_classes") for h in r.history_) for r in runs) == 2
    ax = plot_learning_curve({"Margin": runs})
    x = ax.get_lines()[0].get_xdata()
    scored = [{h["n_labeled"] for h in r.history_ if h["score"] is not None} for r in runs]
    assert set(x.tolist()) == set.intersection(*scored)
    y = ax.get_lines()[0].get_ydata()
    by_run = [{h["n_labeled"]: h["score"] for h in r.history_ if h["score"] is not None} for r in runs]
    assert y == pytest.approx([np.mean([b[n] for b in by_run]) for n in x])
    assert x.tolist() == [15, 20, 25]


def test_runs_with_no_label_count_in_common_say_so():
    with pytest.raises(ValueError, match="share no label count"):
        plot_learning_curve({"Margin": _runs([1, 2])})  # seed 1 trains its first model at 45 labels


def test_pool_map_of_a_sparse_pool_and_a_clear_error_for_texts():
    X, y = make_classification(n_samples=120, n_features=30, random_state=0)
    X = sp.csr_matrix(np.where(X > 0.5, X, 0.0))
    learner = ActiveLearner(LogisticRegression(), initial_size=10, query_size=10, n_rounds=2, random_state=0)
    ax = plot_pool_map(learner.fit(X, y))
    assert "t-SNE" in ax.get_title()
    texts = [f"{w} review {i}" for i, w in enumerate(["good", "bad"] * 30)]
    text_learner = ActiveLearner(make_pipeline(TfidfVectorizer(), LogisticRegression()), n_rounds=1, random_state=0)
    text_learner.fit(texts, np.array(["pos", "neg"] * 30))
    with pytest.raises(ValueError, match="needs numeric rows"):
        plot_pool_map(text_learner)


def test_confidence_without_histograms_in_shared_rounds_is_a_clear_error():
    one = [{"round": 0, "n_labeled": 10, "confidence": None}]
    two = [
        {"round": 0, "n_labeled": 10, "confidence": None},
        {"round": 1, "n_labeled": 20, "confidence": {"edges": [0, 0.5, 1], "counts": [1, 1]}},
    ]
    with pytest.raises(ValueError, match="RecordConfidence"):
        plot_confidence_histograms([one, two])
