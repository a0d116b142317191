"""Every exported strategy pickles after ``fit``, and the loaded one picks what the original picks."""

import inspect
import pickle
import re

import numpy as np
import pytest
from sklearn.base import clone

import skal.strategies
from skal.nn import VAE
from skal.nn._testing import make_net_pool
from skal.strategies import PseudoLabelInitializer, SelfSupervisedLoss, TypicalThenMargin
from skal.utils._random import seed_params, torch_seed
from skal.utils.estimator_checks import make_pool

from .test_contract import ALL_STRATEGIES, LPM_STRATEGIES, NET_STRATEGIES


def _softmax_scorer(X):
    """A zero-shot scorer that pickles (a lambda would not): softmax of the first three columns."""
    logits = np.asarray(X, dtype=np.float64)[:, :3]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


#: Exported strategies the contract lists leave out (they need a model or a scorer of their own).
OTHER_STRATEGIES = [
    SelfSupervisedLoss(VAE(latent=2, hidden=8, max_epochs=1, batch_size=16), mode="binning", n_bins=2),
    PseudoLabelInitializer(_softmax_scorer, classes=["a", "b", "c"]),
    TypicalThenMargin(per_class=2),
    TypicalThenMargin(per_class=100),
]

CASES = (
    [(s, "sklearn") for s in ALL_STRATEGIES + OTHER_STRATEGIES]
    + [(s, "net") for s in NET_STRATEGIES]
    + [(s, "lpm") for s in LPM_STRATEGIES]
)


@pytest.fixture(scope="module")
def pools():
    return {"sklearn": make_pool(), "net": make_net_pool(), "lpm": make_net_pool(loss_prediction=True)}


def _query(strategy, n):
    with torch_seed(0):  # a strategy that draws from torch's global generator draws the same in both
        return strategy.query(n)


def _id(strategy, kind):
    """The repr on one line, without a function's address (the same in every pytest-xdist worker)."""
    return f"{kind}-" + re.sub(r" at 0x[0-9a-f]+", "", " ".join(repr(strategy).split()))


@pytest.mark.parametrize("strategy, kind", CASES, ids=[_id(s, kind) for s, kind in CASES])
def test_pickles_after_fit_and_picks_the_same(strategy, kind, pools):
    X, y, labeled, estimator = pools[kind]
    fitted = seed_params(clone(strategy), 0).fit(X, labeled=labeled, estimator=estimator, y=y)
    loaded = pickle.loads(pickle.dumps(fitted))
    assert type(loaded) is type(fitted) and loaded.n_available_ == fitted.n_available_
    np.testing.assert_array_equal(loaded.labeled_, fitted.labeled_)
    if hasattr(fitted, "scores_"):
        np.testing.assert_array_equal(loaded.scores_, fitted.scores_)
    n = min(5, fitted.n_available_)
    picked = _query(fitted, n)
    assert len(picked) == n
    np.testing.assert_array_equal(_query(loaded, n), picked, err_msg="the unpickled strategy picked other rows")
    assert loaded.pseudo_labels_ == fitted.pseudo_labels_


def test_every_exported_strategy_is_pickled():
    exported = {
        obj
        for name in skal.strategies.__all__
        if inspect.isclass(obj := getattr(skal.strategies, name)) and not inspect.isabstract(obj)
    }
    covered = {type(s) for s, _ in CASES}
    assert exported - covered == set(), f"no pickle case for {sorted(c.__name__ for c in exported - covered)}"
