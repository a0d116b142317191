"""Turn a pool and a model into the feature matrix a representation strategy works on."""

from functools import partial

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone

from ..pools._protocol import as_pool, n_rows
from ..pools._scoring import all_rows, map_rows
from ..utils._estimator import is_skorch
from ..utils._random import as_generator
from ._base import QueryStrategy

__all__ = ["pool_features", "input_features", "EmbeddingStrategy"]


def _is_transformer(embedding):
    return hasattr(embedding, "fit") and hasattr(embedding, "transform") and hasattr(embedding, "get_params")


_NUMERIC_KINDS = "biuf"


def input_features(X, who="this strategy", embedding="input"):
    """The pool's own features for ``embedding="input"``: a numeric ndarray ``(n, ...)``, or a clear error.

    A numeric ndarray (or anything ``np.asarray`` turns into one, e.g. a torch
    tensor) is used as it is; a DataFrame whose columns are all numeric is
    converted. A sparse matrix, a list of texts or objects, or a DataFrame with
    text or categorical columns has no numeric features to measure distances
    on: the error names the transformer to pass as ``embedding=``.

    Examples
    --------
    >>> input_features(np.eye(2, dtype=int)).dtype
    dtype('int64')
    >>> input_features(["a text", "another"], who="TypiClust")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: TypiClust(embedding='input') measures distances ... but the pool is a list ...
    """
    head = f"{who}(embedding={embedding!r}) measures distances between the pool's own rows of numbers, but the pool is "
    pool = as_pool(X)
    if pool.lazy:  # a torch Dataset or a pool object: its rows are read in chunks, flattened
        return _lazy_features(X)
    if pool.kind == "sparse":
        raise ValueError(
            f"{head}a scipy sparse matrix, which skal does not densify: pass embedding=TruncatedSVD(100) "
            "(sklearn.decomposition) or another transformer that gives dense features, e.g. "
            "make_pipeline(TfidfVectorizer(), TruncatedSVD(100)) for texts."
        )
    if pool.kind == "frame":
        other = [str(c) for c, t in X.dtypes.items() if getattr(t, "kind", "O") not in _NUMERIC_KINDS]
        if other:
            raise ValueError(
                f"{head}a DataFrame with non-numeric columns {other[:5]}. Pass embedding= a transformer, e.g. "
                "make_column_transformer((OneHotEncoder(), categorical_columns), remainder='passthrough') "
                "(sklearn.compose), or a callable X -> features."
            )
        return X.to_numpy()
    if pool.kind in ("objects", "mapping") or pool.is_list:
        raise ValueError(
            f"{head}a {type(X).__name__} (texts or other objects). Pass embedding= a transformer, e.g. "
            "make_pipeline(TfidfVectorizer(), TruncatedSVD(100)) for texts, or a callable X -> features; "
            "numeric rows can be passed as an ndarray instead."
        )
    E = np.asarray(X)
    if E.dtype.kind not in _NUMERIC_KINDS:
        raise ValueError(
            f"{head}an array of dtype {E.dtype}. Pass embedding= a transformer that turns the rows into numbers "
            "(e.g. a ColumnTransformer with a OneHotEncoder), or a callable X -> features."
        )
    return E


def _lazy_features(X):
    """Every row of a torch ``Dataset`` or a pool object, flattened, as float32 ``(n, d)``, read chunk by chunk.

    Past the memory budget (scikit-learn's ``working_memory``) the result is
    memory-mapped (:func:`skal.pools._scoring.new_output`).
    """
    return map_rows(X, all_rows(X), flat_rows, None)


def flat_rows(estimator, inputs, start):
    """The rows of one chunk, flattened to float32 ``(n, d)`` (a ``Subset`` read through a ``DataLoader``)."""
    if as_pool(inputs).kind == "dataset":  # read through a DataLoader with its own generator, not torch's global one
        from ..nn._batches import iter_batches

        parts = [xb.numpy().reshape(len(xb), -1) for xb in iter_batches(inputs, max(len(inputs), 1))]
        return np.concatenate(parts).astype(np.float32, copy=False)
    inputs = np.asarray(inputs)
    return inputs.reshape(len(inputs), -1).astype(np.float32, copy=False)


def net_features(net, inputs, start, *, layer=None, return_proba=False):
    """:func:`skal.nn.embed` of one chunk (features, and probabilities when ``return_proba``)."""
    from ..nn import embed

    return embed(net, inputs, layer=layer, return_proba=return_proba)


def pool_features(embedding, estimator, X, who="this strategy"):
    """Features of the whole pool as float32 ``(n, d)``.

    ``embedding``: ``"auto"`` (a skorch net's penultimate features, else ``X``
    flattened), ``"input"`` (``X`` flattened: a numeric array or an all-numeric
    DataFrame, see :func:`input_features`), a layer name of a skorch net, a
    callable ``X -> E``, or an unfitted transformer with ``fit(X)`` and
    ``transform(X)`` (e.g. :class:`skal.nn.SimCLR`, :class:`skal.nn.VAE`, a
    PCA, a ``make_pipeline(TfidfVectorizer(), TruncatedSVD(50))``), cloned and
    fitted on the pool without labels. A callable or a transformer gets the
    pool in its own type (a list of texts stays a list).
    """
    n_pool = n_rows(X)
    if _is_transformer(embedding):  # e.g. skal.nn.SimCLR(): trained on the pool, no labels
        E = clone(embedding).fit(X).transform(X)
    elif callable(embedding):
        E = embedding(X)
    elif embedding == "input" or (embedding == "auto" and not is_skorch(estimator)):
        E = input_features(X, who, embedding)
        E = E.reshape(len(E), -1)
    elif isinstance(embedding, str):
        if not is_skorch(estimator):
            raise ValueError(
                f"{who}(embedding={embedding!r}) needs a skorch net to take features from; got "
                f"{type(estimator).__name__}. Use embedding='input', a callable X -> features, or a skorch net."
            )
        fn = partial(net_features, layer=None if embedding == "auto" else embedding)
        E = map_rows(X, all_rows(X), fn, estimator)
    else:
        raise ValueError(
            f"embedding must be 'auto', 'input', a layer name, a callable or a transformer; got {embedding!r}."
        )
    if sp.issparse(E):
        raise ValueError(
            f"{who}: the embedding gave a sparse matrix; end it with a transformer that gives dense features, "
            "e.g. make_pipeline(TfidfVectorizer(), TruncatedSVD(100)) (sklearn.decomposition)."
        )
    E = np.ascontiguousarray(E, dtype=np.float32)
    if E.ndim != 2 or len(E) != n_pool:
        raise ValueError(f"features must have shape (n_pool, d) = ({n_pool}, d); got {E.shape}.")
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
