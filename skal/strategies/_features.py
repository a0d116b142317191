"""Turn a pool and a model into the feature matrix a representation strategy works on."""

import numpy as np
from sklearn.base import clone

from ..utils._estimator import is_skorch
from ..utils._random import as_generator
from ._base import QueryStrategy

__all__ = ["pool_features", "EmbeddingStrategy"]


def _is_transformer(embedding):
    return hasattr(embedding, "fit") and hasattr(embedding, "transform") and hasattr(embedding, "get_params")


def pool_features(embedding, estimator, X, who="this strategy"):
    """Features of the whole pool as float32 ``(n, d)``.

    ``embedding``: ``"auto"`` (a skorch net's penultimate features, else ``X``
    flattened), ``"input"`` (``X`` flattened), a layer name of a skorch net, a
    callable ``X -> E``, or an unfitted transformer with ``fit(X)`` and
    ``transform(X)`` (e.g. :class:`skal.nn.SimCLR`, :class:`skal.nn.VAE`, a
    PCA), cloned and fitted on the pool without labels.
    """
    if _is_transformer(embedding):  # e.g. skal.nn.SimCLR(): trained on the pool, no labels
        E = clone(embedding).fit(X).transform(X)
    elif callable(embedding):
        E = embedding(X)
    elif embedding == "input" or (embedding == "auto" and not is_skorch(estimator)):
        E = np.asarray(X).reshape(len(X), -1)
    elif isinstance(embedding, str):
        if not is_skorch(estimator):
            raise ValueError(
                f"{who}(embedding={embedding!r}) needs a skorch net to take features from; got "
                f"{type(estimator).__name__}. Use embedding='input', a callable X -> features, or a skorch net."
            )
        from ..nn import embed

        E = embed(estimator, X, layer=None if embedding == "auto" else embedding)
    else:
        raise ValueError(
            f"embedding must be 'auto', 'input', a layer name, a callable or a transformer; got {embedding!r}."
        )
    E = np.ascontiguousarray(E, dtype=np.float32)
    if E.ndim != 2 or len(E) != len(X):
        raise ValueError(f"features must have shape (n_pool, d) = ({len(X)}, d); got {E.shape}.")
    if not np.isfinite(E.sum(dtype=np.float64)):  # one pass, no N×d boolean temporary
        raise ValueError(f"{who}: the features hold NaN or inf; check the model or the embedding callable.")
    return E


class EmbeddingStrategy(QueryStrategy):
    """Base for strategies that work on features of the pool.

    Subclasses get ``self._features(X, estimator)`` and ``self._rng`` (a
    Generator from ``random_state``) in ``_fit``.
    """

    _requires = frozenset({"embedding"})

    def needs(self, labeled=None):
        own = callable(self.embedding) or _is_transformer(self.embedding) or self.embedding == "input"
        return set() if own else {"embedding"}

    def _features(self, X, estimator):
        return pool_features(self.embedding, estimator, X, type(self).__name__)

    def _fit(self, X, labeled, estimator, y):
        self._rng = as_generator(self.random_state)
        self._E = self._features(X, estimator)
        self._fit_features(self._E, labeled)

    def _fit_features(self, E, labeled):
        """Override to precompute from the features; the default does nothing."""
