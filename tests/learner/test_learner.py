"""The ActiveLearner loop with scikit-learn estimators: rounds, sizes, oracles, bookkeeping, step API."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.svm import LinearSVC

from skal import ActiveLearner, plot_learning_curve
from skal.callbacks import Callback
from skal.strategies import Entropy, LeastConfidence, Margin, Mix, Random, Subsample

from ..conftest import RecordingLabels, make_blobs_pool


def lr():
    return LogisticRegression(max_iter=300)


def learner(**kw):
    params = dict(strategy=Entropy(), initial_strategy=Random(), initial_size=12, query_size=10, random_state=0)
    params.update(kw)
    return ActiveLearner(lr(), **params)


def test_rounds_sizes_and_bookkeeping(pool):
    X, y = pool
    al = learner(n_rounds=3).fit(X, y)
    assert [r["n_labeled"] for r in al.history_] == [12, 22, 32, 42]
    assert [r["round"] for r in al.history_] == [0, 1, 2, 3]
    order = np.concatenate([r["queried"] for r in al.history_])
    np.testing.assert_array_equal(al.labeled_indices_, order)
    np.testing.assert_array_equal(al.labels_, y[al.labeled_indices_])
    assert len(np.unique(al.labeled_indices_)) == 42
    for r in al.history_:
        assert (al.labeled_round_[r["queried"]] == r["round"]).all()
    assert (al.labeled_round_ == -1).sum() == len(X) - 42
    assert set(al.history_[0]) >= {"strategy", "query_seconds", "label_seconds", "train_seconds", "score"}
    assert "Random" in al.history_[0]["strategy"] and "Entropy" in al.history_[1]["strategy"]
    np.testing.assert_array_equal(al.classes_, np.unique(y))
    assert al.n_features_in_ == X.shape[1]


def test_n_rounds_zero_is_initial_round_only(pool):
    X, y = pool
    al = learner(n_rounds=0).fit(X, y)
    assert len(al.history_) == 1 and len(al.labeled_indices_) == 12


def test_budget_caps_the_last_round(pool):
    X, y = pool
    al = learner(budget=35).fit(X, y)
    assert [r["n_labeled"] for r in al.history_] == [12, 22, 32, 35]


def test_runs_until_pool_is_empty(pool):
    X, y = pool
    al = learner(initial_size=50, query_size=30).fit(X, y)
    assert [r["n_labeled"] for r in al.history_] == [50, 80, 110, 120]
    assert (al.labeled_round_ >= 0).all()


def test_fraction_sizes():
    X, y = make_blobs_pool(n=500)
    al = learner(initial_size=0.04, query_size=0.05, n_rounds=2).fit(X, y)
    assert [r["n_labeled"] for r in al.history_] == [20, 45, 70]


@pytest.mark.parametrize("strategy", [Entropy(), LeastConfidence(), Random(), Subsample(Margin(), 20)])
def test_simulated_oracle_reads_only_queried_rows(pool, strategy):
    X, y = pool
    recording = RecordingLabels(y)
    al = learner(strategy=strategy, n_rounds=3, classes=np.unique(y)).fit(X, recording)
    assert recording.read == al.labeled_indices_.tolist()


def test_callable_oracle_called_once_per_batch(pool):
    X, y = pool
    calls = []

    def annotator(indices, rows):
        calls.append((indices.copy(), rows.copy()))
        return y[indices]

    al = learner(n_rounds=2, classes=[0, 1, 2]).fit(X, annotator)
    assert len(calls) == 3
    for (idx, rows), record in zip(calls, al.history_):
        np.testing.assert_array_equal(idx, record["queried"])
        np.testing.assert_array_equal(rows, X[idx])


def test_callable_oracle_without_classes_learns_them(pool):
    X, y = pool
    al = learner(n_rounds=1).fit(X, lambda idx, rows: y[idx])
    np.testing.assert_array_equal(al.classes_, np.unique(al.labels_))


def test_start_from_labels_you_hold(pool):
    X, y = pool
    held = np.array([0, 1, 2, 3, 4, 5])
    recording = RecordingLabels(y)
    al = learner(n_rounds=2, classes=[0, 1, 2]).fit(X, recording, labeled_indices=held, labels=y[held])
    assert al.history_[0]["strategy"] == "given" and al.history_[0]["n_labeled"] == 6
    assert (al.labeled_round_[held] == 0).all()
    assert [r["n_labeled"] for r in al.history_] == [6, 16, 26]
    assert not set(recording.read) & set(held.tolist())


def test_eval_set_scores_each_round(pool):
    X, y = pool
    al = learner(n_rounds=2).fit(X, y, eval_set=(X, y))
    scores = [r["score"] for r in al.history_]
    assert all(0 <= s <= 1 for s in scores)
    assert scores[-1] == pytest.approx(al.score(X, y))


def test_fresh_clone_by_default_warm_start_keeps_model(pool):
    X, y = pool
    seen = []
    cold = learner(n_rounds=2)
    cold.fit(X, y)
    al = ActiveLearner(
        SGDClassifier(loss="log_loss", random_state=0),
        Entropy(),
        initial_strategy=Random(),
        initial_size=12,
        query_size=10,
        n_rounds=2,
        warm_start=True,
        random_state=0,
    )

    class Spy(Callback):
        def on_round_end(self, learner, record, **kwargs):
            seen.append(learner.estimator_)

    al.set_params(callbacks=[Spy()])
    al.fit(X, y)
    assert seen[0] is seen[1] is seen[2] and seen[0].warm_start is True
    assert al.estimator.warm_start is False  # the user's estimator is never changed


def test_step_api_query_teach(pool):
    X, y = pool
    al = learner()
    first = al.query(X)
    assert len(first) == 12 and not hasattr(al, "estimator_")
    al.teach(first, y[first])
    assert (al.labeled_round_[first] == 0).all() and hasattr(al, "estimator_")
    nxt = al.query(X, n=5)
    assert len(nxt) == 5 and not set(nxt) & set(first)
    al.teach(nxt, y[nxt])
    assert (al.labeled_round_[nxt] == 1).all() and len(al.history_) == 2
    assert al.history_[1]["strategy"] == "teach"
    with pytest.raises(ValueError, match="never labeled twice"):
        al.teach(nxt[:1], y[nxt[:1]])
    with pytest.raises(ValueError, match="same pool"):
        al.query(X[:10])


def test_teach_before_query_is_an_error():
    with pytest.raises(Exception, match="before teach"):
        learner().teach([0], [1])


def test_available_if_delegation(pool):
    X, y = pool
    svc = ActiveLearner(LinearSVC(), Random(), initial_size=20, query_size=10, n_rounds=1, random_state=0)
    assert not hasattr(svc, "predict_proba")
    svc.fit(X, y)
    assert not hasattr(svc, "predict_proba")
    assert svc.decision_function(X[:3]).shape == (3, 3)
    assert hasattr(learner(), "predict_proba")


def test_predict_proba_has_a_column_per_class_even_if_unseen(pool):
    X, y = pool
    held = np.flatnonzero(y != 2)[:10]
    al = learner(n_rounds=0, classes=[0, 1, 2]).fit(X, y, labeled_indices=held, labels=y[held])
    proba = al.predict_proba(X[:4])
    assert proba.shape == (4, 3) and (proba[:, 2] == 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1)


@pytest.mark.parametrize(
    "strategy", [Entropy(), Random(), LeastConfidence(), Margin(), Mix([(Random(), 1), (Entropy(), 1)])]
)
def test_same_seed_same_run_other_seed_other_run(pool, strategy):
    X, y = pool
    runs = [learner(strategy=strategy, n_rounds=3, random_state=s).fit(X, y) for s in (1, 1, 2)]
    np.testing.assert_array_equal(runs[0].labeled_indices_, runs[1].labeled_indices_)
    assert [r["queried"].tolist() for r in runs[0].history_] == [r["queried"].tolist() for r in runs[1].history_]
    assert not np.array_equal(runs[0].labeled_indices_, runs[2].labeled_indices_)


def test_global_random_streams_untouched(pool):
    X, y = pool
    np_state = np.random.get_state()[1].copy()
    torch_state = torch.get_rng_state().clone()
    learner(n_rounds=2).fit(X, y)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_labels_survive_a_training_failure(pool):
    X, y = pool

    class FailsLater(LogisticRegression):
        def fit(self, X, y):
            if len(y) > 12:
                raise RuntimeError("out of memory")
            return super().fit(X, y)

    al = ActiveLearner(
        FailsLater(), Entropy(), initial_strategy=Random(), initial_size=12, query_size=10, random_state=0
    )
    with pytest.raises(RuntimeError) as info:
        al.fit(X, y)
    assert len(al.labels_) == 22 and len(al.labeled_indices_) == 22
    assert "can be passed back to fit" in "".join(getattr(info.value, "__notes__", []))
    resumed = learner(n_rounds=1).fit(X, y, labeled_indices=al.labeled_indices_, labels=al.labels_)
    assert resumed.history_[-1]["n_labeled"] == 32


def test_verbose_shows_a_progress_bar(pool, capsys):
    X, y = pool
    learner(n_rounds=2, verbose=1).fit(X, y)
    assert "rounds" in capsys.readouterr().err


def test_plot_learning_curve(pool, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    X, y = pool
    runs = [learner(n_rounds=2, random_state=s).fit(X, y, eval_set=(X, y)) for s in (0, 1)]
    ax = plot_learning_curve({"Entropy": runs, "one": runs[0]})
    assert len(ax.lines) == 2
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [12, 22, 32])
    ax.figure.savefig(tmp_path / "curve.png")
    assert (tmp_path / "curve.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="eval_set"):
        plot_learning_curve(learner(n_rounds=0).fit(X, y))


def test_single_class_first_pool_error_says_what_to_do(pool):
    X, y = pool
    one_class = np.flatnonzero(y == 0)[:5]
    with pytest.raises(ValueError) as info:  # min_classes=1: train on whatever the first round brings
        learner(min_classes=1).fit(X, y, labeled_indices=one_class, labels=y[one_class])
    assert "single class: raise initial_size" in "".join(info.value.__notes__)


def test_scoring_names_and_multimetric(pool):
    X, y = pool
    one = learner(n_rounds=1, scoring="f1_macro").fit(X, y, eval_set=(X, y))
    from sklearn.metrics import f1_score

    assert one.history_[-1]["score"] == pytest.approx(f1_score(y, one.predict(X), average="macro"))
    many = learner(n_rounds=1, scoring={"acc": "accuracy", "f1": "f1_macro"}).fit(X, y, eval_set=(X, y))
    record = many.history_[-1]
    assert set(record["scores"]) == {"acc", "f1"} and record["score"] == record["scores"]["acc"]
    with pytest.raises(ValueError):
        learner(scoring="not_a_metric").fit(X, y, eval_set=(X, y))
