"""Target kinds: what the labels are, decided once (scikit-learn's ``type_of_target`` words), and what reads them."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import MultiOutputClassifier

from skal.exceptions import OracleError
from skal.strategies import Coreset, Entropy, Margin, Random, TypiClust
from skal.targets import ALL_KINDS, CLASS_KINDS, TargetKind
from skal.utils._adapter import ModelAdapter
from skal.utils._validation import check_answers


@pytest.mark.parametrize(
    ("y", "kind", "n_outputs"),
    [
        ([0, 1, 1, 0], "binary", 1),
        (["a", "b", "c"], "multiclass", 1),
        ([0.5, 1.5, -2.25], "continuous", 1),
        ([[1, 0, 1], [0, 0, 1]], "multilabel-indicator", 3),
    ],
)
def test_the_kind_comes_from_the_labels(y, kind, n_outputs):
    target = TargetKind.from_labels(y)
    assert (target.kind, target.n_outputs) == (kind, n_outputs)
    assert target.is_classification == (kind != "continuous")


@pytest.mark.parametrize("y", [np.ones((3, 2)) * 0.5, [["a", "b"], ["c", "d"]]], ids=["regression-2d", "multi-output"])
def test_a_target_skal_does_not_serve_is_refused_naming_what_it_serves(y):
    with pytest.raises(ValueError, match="single-output regression"):
        TargetKind.from_labels(y)


def test_classes_given_are_the_label_space_even_before_labels_show_them():
    assert TargetKind.from_labels([0, 0], classes=[0, 1, 2]).kind == "multiclass"
    assert TargetKind.from_labels([0, 0], classes=[0, 1, 2]).classes.tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    ("estimator", "kind"),
    [(Ridge(), "continuous"), (LinearRegression(), "continuous"), (LogisticRegression(), None)],
)
def test_a_regressor_fixes_the_kind_a_classifier_leaves_it_to_the_labels(estimator, kind):
    target = TargetKind.from_estimator(estimator)
    assert (target.kind if target else None) == kind


def test_a_skorch_net_with_bce_is_multi_label():
    import torch
    from skorch import NeuralNet

    net = NeuralNet(torch.nn.Linear(4, 3), criterion=torch.nn.BCEWithLogitsLoss)
    target = TargetKind.from_estimator(net, classes=["cat", "dog", "bird"])
    assert target.kind == "multilabel-indicator" and target.n_outputs == 3


@pytest.mark.parametrize(
    ("strategy", "kinds"),
    [(Random(), ALL_KINDS), (Coreset(), ALL_KINDS), (TypiClust(), ALL_KINDS), (Entropy(), CLASS_KINDS),
     (Margin(), CLASS_KINDS)],
)  # fmt: skip
def test_strategies_say_which_kinds_they_serve(strategy, kinds):
    assert strategy.target_kinds() == set(kinds)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=20))
def test_a_regression_answer_is_any_finite_number(values):
    out = check_answers(values, len(values), target=TargetKind("continuous"))
    assert out.dtype == np.float64 and out.tolist() == [float(v) for v in values]


@pytest.mark.parametrize(
    ("answer", "match"),
    [([1.0, float("nan")], "missing values"), (["a", "b"], "one number per queried row"), ([1.0], r"\(1,\) values")],
)
def test_a_bad_regression_answer_names_the_fix(answer, match):
    with pytest.raises(OracleError, match=match):
        check_answers(answer, 2, target=TargetKind("continuous"))


def test_a_multi_label_answer_is_a_0_1_row_per_row():
    target = TargetKind.from_labels([[0, 1, 1]])
    assert check_answers([[1, 0, 1], [0, 0, 0]], 2, target=target).tolist() == [[1, 0, 1], [0, 0, 0]]
    with pytest.raises(OracleError, match="only 0 and 1"):
        check_answers([[2, 0, 1], [0, 0, 0]], 2, target=target)
    with pytest.raises(OracleError, match="MultiLabelBinarizer"):
        check_answers([1, 0], 2, target=target)


@pytest.mark.parametrize("make", [OneVsRestClassifier, MultiOutputClassifier])
def test_the_adapter_gives_one_probability_per_label_for_a_multi_label_model(make):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 1] > 0]).astype(int)
    adapter = ModelAdapter(make(LogisticRegression()), TargetKind.from_labels(Y))
    model = adapter.train(adapter.new(seed=0), X, Y, None, seed=0)
    proba = adapter.predict_proba(model, X, None)
    assert proba.shape == (60, 3) and ((proba >= 0) & (proba <= 1)).all()
    assert (adapter.predict(model, X, None) == Y).mean() > 0.8  # three linear labels, well separated


def test_the_adapter_trains_a_regression_net_on_float_columns():
    import torch
    from skorch import NeuralNetRegressor

    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    y = X @ np.array([1.0, -2.0, 0.5], dtype=np.float32)
    net = NeuralNetRegressor(torch.nn.Linear(3, 1), max_epochs=200, lr=0.1, train_split=None, verbose=0)
    adapter = ModelAdapter(net, TargetKind("continuous"))
    model = adapter.train(adapter.new(seed=0), X, y, None, seed=0)
    prediction = adapter.predict(model, X, None)
    assert prediction.shape == (40,) and np.abs(prediction - y).max() < 0.05
