import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skal.strategies import HC, LC, Mix, Random, Subsample, split_counts
from skal.utils.estimator_checks import make_pool


@given(st.integers(0, 500), st.lists(st.floats(0.01, 10), min_size=1, max_size=6))
def test_split_counts_sum_and_fairness(n, shares):
    counts = split_counts(n, shares)
    assert counts.sum() == n and (counts >= 0).all()
    exact = n * np.asarray(shares) / np.sum(shares)
    assert np.all(np.abs(counts - exact) < 1 + 1e-9)


def test_half_hc_half_lc():
    X, y, labeled, est = make_pool(n_pool=100)
    picked = Mix([(HC(), 0.5), (LC(), 0.5)]).fit(X, labeled=labeled, estimator=est).query(10)
    hc = HC().fit(X, labeled=labeled, estimator=est).query(5)
    lc = LC().fit(X, labeled=labeled, estimator=est).query(5)
    assert picked.tolist() == hc.tolist() + lc.tolist()


def test_overlap_is_skipped_not_duplicated():
    X, y, labeled, est = make_pool(n_pool=60)
    # the same strategy twice: the second half must be the next-ranked rows
    picked = Mix([(LC(), 1), (LC(), 1)]).fit(X, labeled=labeled, estimator=est).query(8)
    np.testing.assert_array_equal(picked, LC().fit(X, labeled=labeled, estimator=est).query(8))


def test_query_whole_pool_is_unique():
    X, y, labeled, est = make_pool(n_pool=40)
    n = int((~labeled).sum())
    picked = Mix([(Random(random_state=0), 2), (HC(), 1)]).fit(X, labeled=labeled, estimator=est).query(n)
    assert len(set(picked.tolist())) == n


@pytest.mark.parametrize("bad", [[], [(HC(), 0)], [(HC(), -1)], [(HC(),)], [("HC", 0.5)]])
def test_bad_pairs_name_the_form(bad):
    with pytest.raises(ValueError, match=r"Mix\(\[\(HC\(\), 0.5\)|at least one"):
        Mix(bad).fit(np.zeros((5, 1)), estimator=None)


def test_a_member_short_of_candidates_is_topped_up_by_the_others():
    mix = Mix([(Subsample(Random(random_state=0), n_candidates=2, random_state=0), 0.5), (Random(random_state=1), 0.5)])
    picked = mix.fit(np.zeros((20, 1))).query(10)
    assert len(set(picked.tolist())) == 10 and mix.n_available_ == 20
