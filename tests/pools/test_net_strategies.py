"""Strategies that sample or differentiate a net (MC dropout, gradient norms, a loss-prediction module) on pools
read batch by batch: an ImageFolder, a ``Subset`` of it and a ``ParquetPool`` give the picks and the scores of the
same rows as a float32 array (issue 13)."""

import inspect

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch import NeuralNetClassifier

import skal.strategies as S
from skal import ActiveLearner
from skal.nn import LossPredictionNet

#: Exported strategies that take arguments without a default; none of them needs a net of its own (their inner
#: strategies may, and those are covered below).
NEED_ARGUMENTS = {
    "SelfSupervisedLoss",
    "PseudoLabelInitializer",
    "Schedule",
    "Mix",
    "Subsample",
    "Stochastic",  # asks what its inner strategy asks
    "ScoreFunction",  # asks for the model only (a user's score function)
}


def _net_strategies():
    """Every exported strategy that asks the estimator for a net or a loss-prediction module, default parameters."""
    found, skipped = [], set()
    for name in S.__all__:
        cls = getattr(S, name)
        if not (inspect.isclass(cls) and issubclass(cls, S.QueryStrategy)) or inspect.isabstract(cls):
            continue
        try:
            strategy = cls()
        except TypeError:
            skipped.add(name)
            continue
        if strategy.requirements() & {"net", "loss"}:
            if "random_state" in strategy.get_params():
                strategy.set_params(random_state=0)
            found.append(strategy)
    assert skipped == NEED_ARGUMENTS, f"new strategies need arguments: {skipped - NEED_ARGUMENTS}; do they need a net?"
    return found


NET_STRATEGIES = _net_strategies()


def test_the_net_strategies_are_found():
    names = {type(s).__name__ for s in NET_STRATEGIES}
    assert {"BALD", "DBAL", "GradNorm", "LPLgrad", "LearningLoss"} <= names


class DropoutNet(torch.nn.Module):
    """Flatten, a hidden layer with dropout (what MC dropout samples), a linear head."""

    def __init__(self, n_in=192, n_out=3):
        super().__init__()
        self.hidden = torch.nn.Sequential(
            torch.nn.Flatten(), torch.nn.Linear(n_in, 16), torch.nn.ReLU(), torch.nn.Dropout(0.3)
        )
        self.out = torch.nn.Linear(16, n_out)

    def forward(self, x):
        return self.out(self.hidden(x))


def _net_for(strategy, n_in):
    cls = LossPredictionNet if "loss" in strategy.requirements() else NeuralNetClassifier
    return cls(
        DropoutNet,
        module__n_in=n_in,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=0.01,
        max_epochs=3,
        batch_size=16,
        train_split=None,
        verbose=0,
    )


def _images(dataset):
    return np.stack([x.numpy() for x, _ in dataset]).astype(np.float32)


@pytest.fixture(params=["image_folder", "subset", "parquet"])
def lazy_pool(request):
    """``(pool, X, y)``: a pool read on demand, the same rows as a float32 array, their labels."""
    if request.param == "parquet":
        return request.getfixturevalue("parquet_pool")
    dataset, y = request.getfixturevalue("image_folder")
    X = _images(dataset)
    if request.param == "image_folder":
        return dataset, X, y
    rows = np.random.default_rng(0).permutation(len(dataset))[:45]  # a Subset in another row order
    return torch.utils.data.Subset(dataset, rows.tolist()), X[rows], y[rows]


def _same(a, b):
    """Bit-identical, NaN (labeled rows) in the same places."""
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b), strict=True)


@pytest.mark.parametrize("strategy", NET_STRATEGIES, ids=lambda s: type(s).__name__)
def test_net_strategies_give_the_picks_of_the_array(lazy_pool, strategy):
    pool, X, y = lazy_pool
    n_in = int(np.prod(X.shape[1:]))
    kwargs = dict(initial_size=6, query_size=6, n_rounds=2, random_state=0, classes=[0, 1, 2])
    lazy = ActiveLearner(_net_for(strategy, n_in), clone(strategy), **kwargs).fit(pool, y)
    eager = ActiveLearner(_net_for(strategy, n_in), clone(strategy), **kwargs).fit(X, y)
    _same(lazy.labeled_indices_, eager.labeled_indices_)
    assert len(lazy.labeled_indices_) >= 18

    # the scores themselves, not only the top picks, from one fitted model
    labeled = np.zeros(len(y), dtype=bool)
    labeled[lazy.labeled_indices_] = True
    model = lazy.estimator_
    on_pool = clone(strategy).fit(pool, labeled=labeled, estimator=model)
    on_array = clone(strategy).fit(X, labeled=labeled, estimator=model)
    name = "scores_" if hasattr(on_array, "scores_") else "bald_scores_"  # BatchBALD picks a batch, not the top
    _same(getattr(on_pool, name), getattr(on_array, name))
    assert np.isfinite(getattr(on_pool, name)[~labeled]).all()
    _same(on_pool.query(5), on_array.query(5))
