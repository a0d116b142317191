import numpy as np
import pytest

from skal.plotting import embed, plot_pick_overlap, plot_pool_map
from tests.plotting.conftest import N_POOL, make_history


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(size=(N_POOL, 8)).astype(np.float32)


@pytest.mark.parametrize("max_tsne_rows, method", [(100, "t-SNE"), (10, "PCA")])
def test_projection_is_named_in_the_title_and_deterministic(X, history, max_tsne_rows, method):
    ax = plot_pool_map(history, X=X, max_tsne_rows=max_tsne_rows)
    assert f"pool map ({method}" in ax.get_title()
    never, picks = ax.collections
    assert len(picks.get_offsets()) == 30 and len(never.get_offsets()) == N_POOL - 30
    again = plot_pool_map(history, X=X, max_tsne_rows=max_tsne_rows)
    np.testing.assert_allclose(again.collections[1].get_offsets(), picks.get_offsets())


def test_image_rows_are_flattened():
    Y, name = embed(np.zeros((8, 1, 4, 4)) + np.arange(8)[:, None, None, None], max_tsne_rows=4)
    assert Y.shape == (8, 2) and name == "PCA"


def test_from_a_learner_and_from_a_results_file(fitted, new_results, X):
    ax = plot_pool_map(fitted, max_tsne_rows=10)
    assert len(ax.collections[1].get_offsets()) == 50
    ax = plot_pool_map(new_results, X=X, strategy="Margin", max_tsne_rows=10)
    assert "seed 0 (first of 2 seeds)" in ax.get_title()


def test_a_results_file_needs_the_pool_and_the_picks(new_results, old_results, X):
    with pytest.raises(ValueError, match="X="):
        plot_pool_map(new_results, strategy="Margin")
    with pytest.raises(ValueError, match="no 'queried' per round"):
        plot_pool_map(old_results, X=X, strategy="Margin", max_tsne_rows=10)


def test_pick_overlap_of_two_histories():
    ax = plot_pick_overlap(make_history("Margin()", 0), make_history("Random()", 0))
    assert len(ax.lines) == 1
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 1.0)  # same seed: the hand-made runs pick alike
    assert "Margin() vs Random()" in ax.get_title()


@pytest.mark.parametrize(
    "a, b, words", [("Random", "Margin", "mean ± std over 2 seeds"), (("Random", 0), ("Margin", 1), "seed 0 vs seed 1")]
)
def test_pick_overlap_from_a_results_file(new_results, a, b, words):
    ax = plot_pick_overlap(a, b, results=new_results)
    assert len(ax.lines) == 1 and words in ax.get_title()
    assert len(ax.collections) == (1 if words.startswith("mean") else 0)


def test_pick_overlap_missing_picks(old_results):
    with pytest.raises(ValueError, match="no 'queried' per round"):
        plot_pick_overlap("Random", "Margin", results=old_results)
