"""The pure score functions against float64 references and their properties."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skal.strategies import entropy, high_confidence, least_confidence, margin


def _proba(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


probas = (
    st.tuples(st.integers(1, 20), st.integers(2, 6))
    .flatmap(lambda shape: arrays(np.float64, shape, elements=st.floats(-20, 20)))
    .map(_proba)
)


def _reference_entropy(p):
    out = np.zeros(len(p))
    for i, row in enumerate(p):
        out[i] = -sum(v * np.log(v) for v in row if v > 0)
    return out


def _reference_margin(p):
    return np.array([sorted(row)[-1] - sorted(row)[-2] for row in p])


@pytest.mark.parametrize(
    "proba, lc, hc, mg, ent",
    [
        ([[1.0, 0.0]], 0.0, 1.0, 1.0, 0.0),
        ([[0.5, 0.5]], 0.5, 0.5, 0.0, np.log(2)),
        ([[0.7, 0.2, 0.1]], 0.3, 0.7, 0.5, -(0.7 * np.log(0.7) + 0.2 * np.log(0.2) + 0.1 * np.log(0.1))),
    ],
)
def test_known_values(proba, lc, hc, mg, ent):
    assert least_confidence(proba)[0] == pytest.approx(lc)
    assert high_confidence(proba)[0] == pytest.approx(hc)
    assert margin(proba)[0] == pytest.approx(mg)
    assert entropy(proba)[0] == pytest.approx(ent)


@settings(max_examples=60, deadline=None)
@given(probas)
def test_scores_match_references_and_bounds(p):
    c = p.shape[1]
    np.testing.assert_allclose(least_confidence(p), 1 - p.max(axis=1))
    np.testing.assert_allclose(high_confidence(p), p.max(axis=1))
    np.testing.assert_allclose(margin(p), _reference_margin(p), atol=1e-12)
    np.testing.assert_allclose(entropy(p), _reference_entropy(p), atol=1e-12)
    assert (entropy(p) >= 0).all() and (entropy(p) <= np.log(c) + 1e-12).all()
    assert ((margin(p) >= 0) & (margin(p) <= 1)).all()
    assert ((least_confidence(p) >= 0) & (least_confidence(p) <= 1 - 1 / c + 1e-12)).all()


@settings(max_examples=30, deadline=None)
@given(probas, st.randoms(use_true_random=False))
def test_scores_are_permutation_equivariant(p, rnd):
    perm = np.array(rnd.sample(range(len(p)), len(p)))
    for fn in (least_confidence, high_confidence, margin, entropy):
        np.testing.assert_allclose(fn(p[perm]), fn(p)[perm])


def test_entropy_is_safe_at_zero_probability():
    p = np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])
    out = entropy(p)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, [0.0, np.log(2)])


def test_margin_needs_two_classes():
    with pytest.raises(ValueError, match="at least two classes"):
        margin([[1.0], [1.0]])


def test_scores_reject_1d_input():
    with pytest.raises(ValueError, match="2-D"):
        entropy([0.5, 0.5])


def test_inputs_are_not_mutated():
    p = np.array([[0.2, 0.8], [0.6, 0.4]])
    before = p.copy()
    for fn in (least_confidence, high_confidence, margin, entropy):
        fn(p)
    np.testing.assert_array_equal(p, before)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 6), st.integers(2, 5), st.integers(1, 8), st.integers(0, 10_000))
def test_bald_is_nonnegative_and_bounded_by_the_mean_entropy(T, C, n, seed):
    from skal.strategies import bald

    rng = np.random.default_rng(seed)
    passes = rng.dirichlet(np.full(C, 0.3), size=(T, n))
    mean_h = np.mean([entropy(p) for p in passes], axis=0)
    scores = bald(passes.mean(0), mean_h)
    assert (scores >= 0).all()
    assert (scores <= entropy(passes.mean(0)) + 1e-12).all()
    if T == 1:
        np.testing.assert_allclose(scores, 0.0, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 6), st.integers(2, 5), st.integers(0, 10_000))
def test_variation_ratio_range(T, C, seed):
    from skal.strategies import variation_ratio

    votes = np.random.default_rng(seed).multinomial(T, np.full(C, 1 / C), size=7)
    scores = variation_ratio(votes)
    assert ((scores >= 0) & (scores <= 1 - 1 / min(T, C) + 1e-12)).all()
