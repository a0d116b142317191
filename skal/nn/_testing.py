"""A small pool with a fitted skorch net, for testing strategies that need a torch network."""

import numpy as np

from ..utils._random import torch_seed
from ..utils.estimator_checks import make_pool, small_net

__all__ = ["make_net_pool"]


def make_net_pool(n_pool=60, n_features=4, n_classes=3, labeled_fraction=0.3, seed=0, loss_prediction=False):
    """Like :func:`skal.utils.estimator_checks.make_pool`, with a small fitted skorch MLP (with dropout) as the model.

    For strategies that need a torch network (gradients, MC dropout, a
    loss-prediction module): ``loss_prediction=True`` gives a
    :class:`skal.nn.LossPredictionNet`. Features are float32.

    Examples
    --------
    >>> X, y, labeled, net = make_net_pool(n_pool=30)
    >>> X.dtype, net.predict_proba(X[:2]).shape
    (dtype('float32'), (2, 3))
    """
    from ._loss_prediction import LossPredictionNet

    X, y, labeled, _ = make_pool(n_pool, n_features, n_classes, labeled_fraction, seed)
    X = X.astype(np.float32)
    with torch_seed(seed):
        net = small_net(n_features, n_classes, LossPredictionNet if loss_prediction else None, max_epochs=20)
        net.fit(X[labeled], y[labeled].astype(np.int64))
    return X, y, labeled, net
