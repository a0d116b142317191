import numpy as np
import pytest

from skal.strategies import Entropy, Random, Subsample
from skal.utils.estimator_checks import make_pool


def test_picks_are_the_top_inside_the_subset():
    X, y, labeled, est = make_pool(n_pool=200)
    s = Subsample(Entropy(), n_candidates=30, random_state=0).fit(X, labeled=labeled, estimator=est)
    assert len(s.candidates_) == 30 and not labeled[s.candidates_].any()
    picked = s.query(5)
    assert set(picked) <= set(s.candidates_)
    full = Entropy().fit(X, labeled=labeled, estimator=est).scores_
    inside = s.candidates_[np.argsort(-full[s.candidates_], kind="stable")[:5]]
    assert set(picked) == set(inside)
    assert np.isnan(s.scores_[np.setdiff1d(np.arange(200), s.candidates_)]).all()


def test_fraction_and_cap():
    X = np.zeros((100, 1))
    labeled = np.zeros(100, bool)
    labeled[:50] = True
    assert len(Subsample(Random(), 0.2, random_state=0).fit(X, labeled=labeled).candidates_) == 10
    assert len(Subsample(Random(), 10_000, random_state=0).fit(X, labeled=labeled).candidates_) == 50


@pytest.mark.parametrize("bad", [0, -3, 1.5, "all"])
def test_bad_size(bad):
    with pytest.raises(ValueError, match="n_candidates"):
        Subsample(Random(), bad).fit(np.zeros((10, 1)))
