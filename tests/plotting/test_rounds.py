import pytest

from skal.plotting import (
    plot_class_histogram,
    plot_confidence_histograms,
    plot_per_class_accuracy,
)
from tests.plotting.conftest import N_CLASSES, N_ROUNDS


def _source(kind, history, results):
    return history if kind == "history" else results


@pytest.mark.parametrize("kind", ["history", "results"])
def test_class_histogram_one_bar_per_round_and_class(kind, history, new_results):
    ax = plot_class_histogram(_source(kind, history, new_results), strategy="Margin" if kind == "results" else None)
    assert len(ax.patches) == N_ROUNDS * N_CLASSES
    assert len(ax.get_legend().get_texts()) == N_CLASSES
    assert ax.get_ylabel() == "labeled rows per class (count)"
    if kind == "results":
        assert "mean of 2 seeds" in ax.get_title()


@pytest.mark.parametrize("kind", ["history", "results"])
def test_per_class_accuracy_is_an_annotated_heatmap(kind, history, new_results):
    ax = plot_per_class_accuracy(_source(kind, history, new_results), strategy="Random", seed=1)
    assert len(ax.images) == 1
    assert ax.images[0].get_array().shape == (N_ROUNDS, N_CLASSES)
    assert len(ax.texts) == N_ROUNDS * N_CLASSES
    if kind == "results":
        assert "seed 1" in ax.get_title()


@pytest.mark.parametrize("kind", ["history", "results"])
def test_confidence_heatmap_with_the_mean_line(kind, history, new_results):
    ax = plot_confidence_histograms(_source(kind, history, new_results), strategy="Margin")
    assert len(ax.collections) == 1 and len(ax.lines) == 1
    assert ax.collections[0].get_array().shape == (N_ROUNDS, 10)
    assert len(ax.lines[0].get_xdata()) == N_ROUNDS


@pytest.mark.parametrize(
    "plot, key",
    [
        (plot_class_histogram, "labeled_classes"),
        (plot_per_class_accuracy, "per_class_accuracy"),
        (plot_confidence_histograms, "confidence"),
    ],
)
def test_missing_keys_say_what_is_missing_and_how_to_get_it(plot, key, old_results):
    with pytest.raises(ValueError, match=f"no '{key}' per round: .*re-run"):
        plot(old_results, strategy="Random")


def test_a_results_file_with_several_strategies_asks_for_one(new_results):
    with pytest.raises(ValueError, match=r"strategy= one of them"):
        plot_class_histogram(new_results)
    with pytest.raises(ValueError, match="'Nope' is not in the results file"):
        plot_class_histogram(new_results, strategy="Nope")


def test_on_a_real_learner(fitted):
    ax = plot_class_histogram(fitted)
    assert len(ax.patches) == 3 * len(fitted.classes_)
