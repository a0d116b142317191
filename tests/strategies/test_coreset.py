"""Coreset against a float64 numpy k-center greedy, plus edge cases."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skal.strategies import Coreset
from skal.strategies._diversity import kcenter_greedy


def reference_kcenter(E, labeled, n, first=None):
    E = np.asarray(E, dtype=np.float64)
    d = np.full(len(E), np.inf)
    for j in np.flatnonzero(labeled):
        d = np.minimum(d, ((E - E[j]) ** 2).sum(1))
    taken = labeled.copy()
    picks = []
    for step in range(n):
        if step == 0 and not labeled.any() and first is not None:
            i = first
        else:
            i = int(np.argmax(np.where(taken, -1.0, d)))
        picks.append(i)
        taken[i] = True
        d = np.minimum(d, ((E - E[i]) ** 2).sum(1))
    return picks


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(20, 200), st.integers(2, 16), st.floats(0.0, 0.5))
def test_identical_picks_to_float64_reference(seed, n_pool, d, frac):
    rng = np.random.default_rng(seed)
    E = rng.normal(size=(n_pool, d)).astype(np.float32)
    labeled = rng.random(n_pool) < frac
    n = int(min(10, (~labeled).sum()))
    first = int(rng.integers(n_pool)) if not labeled.any() else None
    assert kcenter_greedy(E, labeled, n, first=first).tolist() == reference_kcenter(E, labeled, n, first)


def test_strategy_uses_features_and_never_repicks():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 8))
    labeled = np.zeros(300, bool)
    labeled[:10] = True
    picks = Coreset(embedding="input").fit(X, labeled=labeled).query(50)
    assert picks.tolist() == reference_kcenter(X.astype(np.float32), labeled, 50)


def test_cold_start_is_seeded_random_then_greedy():
    X = np.random.default_rng(1).normal(size=(100, 3))
    a = Coreset(random_state=0).fit(X).query(5)
    b = Coreset(random_state=0).fit(X).query(5)
    c = Coreset(random_state=1).fit(X).query(5)
    np.testing.assert_array_equal(a, b)
    assert a[0] != c[0]
    assert a.tolist() == reference_kcenter(X.astype(np.float32), np.zeros(100, bool), 5, first=int(a[0]))


def test_duplicates_and_whole_pool():
    X = np.repeat(np.arange(5.0)[:, None], 4, axis=0)  # every point four times
    labeled = np.zeros(20, bool)
    labeled[0] = True
    picks = Coreset(random_state=0).fit(X, labeled=labeled).query(19)
    assert sorted(picks.tolist()) == list(range(1, 20))
    first_four = sorted(X[picks[:4], 0].tolist())
    assert first_four == [1.0, 2.0, 3.0, 4.0]  # one copy of each uncovered point before any duplicate


def test_callable_embedding_and_bad_features():
    X = np.arange(10.0)[:, None]
    picks = Coreset(embedding=lambda X: np.hstack([X, X])).fit(X, labeled=np.arange(10) == 0).query(1)
    assert picks.tolist() == [9]
    with pytest.raises(ValueError, match="shape"):
        Coreset(embedding=lambda X: X[:5]).fit(X)
    with pytest.raises(ValueError, match="skorch net"):
        Coreset(embedding="hidden").fit(X)


def _clusters(seed, n=3000, d=16, k=12, spread=0.05):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)) * 3
    return (centres[rng.integers(k, size=n)] + spread * rng.normal(size=(n, d))).astype(np.float32)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("n_labeled", [0, 1, 30])
def test_pruning_reads_fewer_rows_and_picks_the_same(seed, n_labeled):
    """On clustered features most groups are out of a new centre's reach; the picks equal the float64 reference."""
    E = _clusters(seed)
    labeled = np.zeros(len(E), bool)
    labeled[np.random.default_rng(seed).permutation(len(E))[:n_labeled]] = True
    first = 7 if n_labeled == 0 else None
    pruned, full = {}, {}
    picks = kcenter_greedy(E, labeled, 40, first=first, stats=pruned)
    assert picks.tolist() == kcenter_greedy(E, labeled, 40, first=first, prune=False, stats=full).tolist()
    assert picks.tolist() == reference_kcenter(E, labeled, 40, first)
    assert full["rows_read"] == 40 * len(E)
    assert pruned["rows_read"] < 0.5 * full["rows_read"]


def test_each_row_is_pruned_by_its_own_distance_not_its_groups_radius():
    """One outlier gives the labeled row's group a radius of 10; the new centre (the outlier) is 10 away, so
    a group-level test reads every row. Each near row's own bound (‖c − c_j‖ ≥ 2 √d(x)) rules it out."""
    rng = np.random.default_rng(0)
    E = np.concatenate([np.zeros((1, 4)), 0.01 * rng.normal(size=(1000, 4)), [[10.0, 0, 0, 0]]]).astype(np.float32)
    labeled = np.zeros(len(E), bool)
    labeled[0] = True
    stats = {}
    assert kcenter_greedy(E, labeled, 1, stats=stats).tolist() == [len(E) - 1]
    assert stats["rows_read"] <= 2
    assert kcenter_greedy(E, labeled, 30).tolist() == reference_kcenter(E, labeled, 30, None)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 30), st.floats(0.01, 2.0), st.integers(0, 20))
def test_pruned_picks_equal_the_reference_at_any_spread(seed, k, spread, n_labeled):
    E = _clusters(seed, n=400, d=6, k=k, spread=spread)
    labeled = np.zeros(len(E), bool)
    labeled[:n_labeled] = True
    first = 0 if n_labeled == 0 else None
    assert kcenter_greedy(E, labeled, 25, first=first).tolist() == reference_kcenter(E, labeled, 25, first)


def test_identical_picks_to_float64_at_a_size_where_float32_distances_tie():
    """30,000 isotropic rows: the farthest rows differ by less than float32 resolves; the float64 re-check decides."""
    E = np.random.default_rng(0).standard_normal((30_000, 128), dtype=np.float32)
    labeled = np.zeros(len(E), bool)
    labeled[np.random.default_rng(1).permutation(len(E))[:100]] = True
    assert kcenter_greedy(E, labeled, 200).tolist() == reference_kcenter(E, labeled, 200)


@pytest.mark.parametrize("offset", [1e2, 1e3, 1e4])
@pytest.mark.parametrize("seed", range(3))
def test_far_from_the_origin_the_nearest_labeled_row_is_measured_exactly(offset, seed):
    """Rows 1,000 units out with 0.01 spread: the expansion trick alone names the wrong nearest labeled row."""
    rng = np.random.default_rng(seed)
    E = (offset + 0.01 * rng.normal(size=(60, 2))).astype(np.float32)
    labeled = np.zeros(60, bool)
    labeled[:5] = True
    assert kcenter_greedy(E, labeled, 10).tolist() == reference_kcenter(E, labeled, 10)


def test_many_near_ties_are_all_rechecked_and_float64_input_is_taken():
    """5,000 unit vectors around a labeled origin: every row within float32 noise of the farthest."""
    rng = np.random.default_rng(0)
    V = rng.normal(size=(5000, 8))
    E = np.vstack([np.zeros((1, 8)), V / np.linalg.norm(V, axis=1, keepdims=True)])  # float64 on purpose
    labeled = np.zeros(len(E), bool)
    labeled[0] = True
    assert kcenter_greedy(E, labeled, 3).tolist() == reference_kcenter(E.astype(np.float32), labeled, 3)
