"""Variational Adversarial Active Learning (Sinha, Ebrahimi & Darrell, ICCV 2019)."""

import numpy as np
from sklearn.base import clone

from ..utils._random import as_generator, seed_params
from ..utils._selection import top_k
from ._base import QueryStrategy

__all__ = ["VAAL"]

_MAX_SEED = 2**32 - 1


class VAAL(QueryStrategy):
    """The unlabeled rows a labeled-vs-unlabeled discriminator is surest are unlabeled.

    Each round a β-VAE and a discriminator on its latent space
    (:class:`skal.nn.AdversarialVAE`) are trained afresh on the whole pool and
    its labeled mask: the VAE reconstructs every row and tries to make labeled
    and unlabeled rows look alike to the discriminator, which learns to tell
    them apart. The ``n`` unlabeled rows with the lowest probability of being
    labeled are picked (ties: the lower index) — the rows least like anything
    labeled. The task model is not used; the pool's own rows are (images
    ``(n, C, H, W)`` or ``(n, H, W)``, or vectors ``(n, d)``).

    Parameters
    ----------
    model : AdversarialVAE, optional
        The model pair and its training settings; by default
        ``AdversarialVAE()``, the paper's hyperparameters (hours per round on
        a CPU at CIFAR-10 scale: pass a smaller one for quick runs).
    random_state : None, int or Generator
        Seeds the model's training when its own ``random_state`` is None.

    Attributes
    ----------
    scores_ : ndarray of shape (n_pool_,)
        Minus the discriminator's logit that the row is labeled (higher is picked first); NaN for labeled rows.
    model_ : AdversarialVAE
        The pair trained this round.

    References
    ----------
    Sinha, Ebrahimi & Darrell, "Variational Adversarial Active Learning", ICCV 2019 (code ``sinhasam/vaal``).

    Examples
    --------
    >>> from skal.nn import AdversarialVAE
    >>> X = np.random.default_rng(0).normal(size=(60, 4)).astype(np.float32)
    >>> labeled = np.arange(60) < 20
    >>> model = AdversarialVAE(latent=2, hidden=(8,), max_epochs=2, batch_size=16)
    >>> VAAL(model, random_state=0).fit(X, labeled=labeled).query(5).shape
    (5,)
    """

    _pool_agnostic = False  # the rows themselves are modelled
    _reads_rows = True  # a VAE on the rows: a NaN gives NaN scores (a sparse pool is made dense)

    def __init__(self, model=None, random_state=None):
        self.model = model
        self.random_state = random_state

    def needs(self, labeled=None):
        """``{"labels"}`` while nothing is labeled: the discriminator learns labeled against unlabeled rows."""
        return {"labels"} if labeled is None or not np.any(labeled) else set()

    def _fit(self, X, labeled, estimator, y):
        from ..nn import AdversarialVAE

        model = clone(self.model) if self.model is not None else AdversarialVAE()
        if not isinstance(model, AdversarialVAE):
            raise TypeError(f"model must be a skal.nn.AdversarialVAE; got {type(self.model).__name__}.")
        if model.get_params()["random_state"] is None:
            seed_params(model, int(as_generator(self.random_state).integers(_MAX_SEED)))
        self.model_ = model.fit(X, labeled)
        scores = -self.model_.decision_function(X)  # the logit, not the probability: no ties where it saturates
        scores[labeled] = np.nan
        self.scores_ = scores

    def _query(self, n):
        return top_k(self.scores_, n)
