"""Helpers for the oracle tests: a small image pool and a learner that flattens images for LogisticRegression."""

import numpy as np
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.strategies import Entropy, Random


def images(n=80, seed=0):
    """``n`` 8×8 images; class "top" has a bright upper half."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, 8, 8))
    X[y == 1, :4, :] += 2.0
    return X, np.where(y == 1, "top", "flat")


class FlatLR(LogisticRegression):
    def fit(self, X, y):
        return super().fit(np.asarray(X).reshape(len(X), -1), y)

    def predict_proba(self, X):
        return super().predict_proba(np.asarray(X).reshape(len(X), -1))

    def predict(self, X):
        return super().predict(np.asarray(X).reshape(len(X), -1))


def learner(**kw):
    params = dict(initial_strategy=Random(), initial_size=6, query_size=6, n_rounds=2, random_state=0)
    params.update(kw)
    return ActiveLearner(params.pop("estimator", FlatLR()), Entropy(), **params)
