import numpy as np
import pytest

from skal import plot_learning_curve as top_level
from skal.plotting import curve_from_history, plot_learning_curve
from tests.plotting.conftest import make_history


def test_top_level_name_is_the_plotting_one():
    assert top_level is plot_learning_curve


@pytest.mark.parametrize("n_curves", [1, 3, 7, 12])
def test_one_line_per_curve_and_legend_outside_above_five(n_curves):
    curves = {f"s{i}": [make_history(f"S{i}()", seed) for seed in (0, 1)] for i in range(n_curves)}
    ax = plot_learning_curve(curves)
    assert len(ax.lines) == n_curves
    assert len(ax.collections) == n_curves  # one std band each
    assert all("mean ± std of 2 runs" in line.get_label() for line in ax.lines)
    outside = ax.get_legend().get_bbox_to_anchor().x0 > ax.get_window_extent().x1
    assert outside == (n_curves > 5)


def test_mixed_strategies_in_one_list_raise_with_the_fix_named():
    runs = [make_history("Margin()", 0), make_history("Random()", 1)]
    with pytest.raises(ValueError, match="dict name -> runs"):
        plot_learning_curve(runs)
    with pytest.raises(ValueError, match="'both'.*different strategies"):
        plot_learning_curve({"both": runs})


def test_seeds_of_one_strategy_are_one_band():
    runs = [make_history("Margin(random_state=1)", 0), make_history("Margin(random_state=2)", 1)]
    ax = plot_learning_curve(runs)
    assert [line.get_label() for line in ax.lines] == ["runs (mean ± std of 2 runs)"]


@pytest.mark.parametrize("scores, expected", [(None, "score on eval_set"), ({"f1_macro": 0.5}, "f1 macro on eval_set")])
def test_y_label_names_the_metric_of_a_history(scores, expected):
    history = [{"round": 0, "n_labeled": 10, "score": 0.5, **({"scores": scores} if scores else {})}]
    assert plot_learning_curve(history).get_ylabel() == expected


def test_y_label_is_accuracy_for_a_classifiers_own_score(fitted):
    ax = plot_learning_curve(fitted)
    assert fitted.scoring is None
    assert ax.get_ylabel().startswith("accuracy on eval_set")
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [30, 40, 50])


@pytest.mark.parametrize(
    "metric, label", [("score", "accuracy on test set (0–1)"), ("macro_f1", "macro f1 on test set (0–1)")]
)
def test_results_file_one_band_per_strategy(new_results, metric, label):
    ax = plot_learning_curve(new_results, metric=metric)
    assert [line.get_label() for line in ax.lines] == [
        "Random (mean ± std of 2 runs)",
        "Margin (mean ± std of 2 runs)",
    ]
    assert ax.get_ylabel() == label and ax.get_title() == "digits"


def test_results_file_with_several_datasets_asks_for_one(tmp_path, new_results):
    text = new_results.read_text()
    new_results.write_text(text + text.replace('"dataset": "digits"', '"dataset": "other"'))
    with pytest.raises(ValueError, match="dataset= one of them"):
        plot_learning_curve(new_results)
    assert plot_learning_curve(new_results, dataset="other", seed=0).lines[0].get_label() == "Random"


def test_accuracy_against_cost(history, old_results):
    ax = plot_learning_curve({"a": history}, x="cost")
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [r["total_cost"] for r in history])
    assert "annotation cost" in ax.get_xlabel()
    with pytest.raises(ValueError, match="total_cost.*use x='labels'"):
        plot_learning_curve(old_results, x="cost")


def test_curve_from_history_says_how_to_get_scores():
    with pytest.raises(ValueError, match="eval_set"):
        curve_from_history([{"n_labeled": 3, "score": None}])
