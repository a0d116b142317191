"""GLISTER: greedy bilevel selection, Taylor-approximated validation loss (Killamsetty et al., AAAI 2021)."""

from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone

from ..pools._protocol import n_rows, take_rows
from ..pools._scoring import map_rows
from ..utils._estimator import is_skorch, predict_proba_rows
from ..utils._random import as_generator
from ..utils._selection import top_k
from ._base import QueryStrategy
from ._features import _is_transformer, input_features, net_features, pool_features
from ._subsample import draw_candidates

__all__ = ["GLISTER", "glister_select"]


def _with_bias(H):
    return np.hstack([np.asarray(H, dtype=np.float64), np.ones((len(H), 1))])


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def glister_select(A, H, val_logits, val_labels, H_val, n, *, eta=0.1, n_updates=None):
    """GLISTER-ONLINE's greedy selection on the last linear layer (Killamsetty et al., AAAI 2021, Algorithm 2).

    Each candidate ``i`` would move the last layer ``θ = (W, b)`` by one
    gradient step on its own loss, ``−η g_i`` with ``g_i = a_i ⊗ [h_i; 1]``.
    The first-order (Taylor) gain in validation log-likelihood is
    ``η g_i · (−∇_θ L_val(θ_S))``; the row with the largest gain joins ``S``
    and ``θ_S = θ − η Σ_{j∈S} g_j``, the validation gradient is taken again at
    ``θ_S``, and so on. The validation logits at ``θ_S`` are exact for a
    last-layer step: ``z_v − η Σ_{j∈S} a_j ([h_j; 1] · [h_v; 1])``. With
    ``n_updates = r < n`` the gradient is taken ``r`` times and each time the
    top ``n/r`` gains join (the paper's r-greedy variant). Ties go to the
    lower index.

    Parameters
    ----------
    A : ndarray (N, C)
        ``p_i − e_{ŷ_i}``: the gradient of each candidate's cross-entropy with
        respect to its logits, at its hypothesised label (the model's guess).
    H : ndarray (N, d)
        The candidates' inputs to the last linear layer.
    val_logits : ndarray (V, C)
        The validation rows' logits (log-probabilities will do: softmax ignores a constant).
    val_labels : ndarray (V,) of int
        Column indices of their labels.
    H_val : ndarray (V, d)
    n : int
    eta : float
        The step size of the inner update.
    n_updates : int, optional
        ``r``; default ``n`` (the gradient is taken again after every pick).

    Returns
    -------
    picks : ndarray (n,) of int
    gains : ndarray (n,)
        The Taylor gain of each pick when it was chosen, ``η g_i · (−∇ L_val)``
        with ``L_val`` the mean validation cross-entropy.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> P = rng.dirichlet(np.ones(3), 20)
    >>> A = P - np.eye(3)[P.argmax(1)]
    >>> picks, gains = glister_select(A, rng.normal(size=(20, 4)), rng.normal(size=(6, 3)),
    ...                               np.arange(6) % 3, rng.normal(size=(6, 4)), 5)
    >>> len(set(picks.tolist())), gains.shape
    (5, (5,))
    """
    A = np.asarray(A, dtype=np.float64)
    H1, Hv1 = _with_bias(H), _with_bias(H_val)
    z = np.array(val_logits, dtype=np.float64)
    val_labels = np.asarray(val_labels, dtype=np.intp)
    N, V = len(A), len(z)
    if not 1 <= n <= N:
        raise ValueError(f"n must be in [1, {N}]; got {n}.")
    if V == 0:
        raise ValueError("GLISTER needs at least one validation row.")
    r = n if n_updates is None else min(int(n_updates), n)
    taken = np.zeros(N, dtype=bool)
    picks, gains = [], []
    for size in (len(part) for part in np.array_split(np.arange(n), r)):
        residual = _softmax(z)
        residual[np.arange(V), val_labels] -= 1.0
        grad_val = residual.T @ Hv1 / V  # (C, d+1): ∇ of the mean validation cross-entropy
        gain = eta * np.einsum("nc,nc->n", H1 @ grad_val.T, A)  # η g_i · ∇L_val: the loss it removes
        gain[taken] = -np.inf
        chosen = top_k(gain, size)
        picks.extend(chosen.tolist())
        gains.extend(gain[chosen].tolist())
        taken[chosen] = True
        z -= eta * (Hv1 @ H1[chosen].T) @ A[chosen]
    return np.asarray(picks, dtype=np.intp), np.asarray(gains)


def _label_columns(estimator, y, who):
    """Column of each label in ``predict_proba``: ``estimator.classes_``, else the labels as ints."""
    y = np.asarray(y)
    classes = getattr(estimator, "classes_", None)
    if classes is None:
        return y.astype(np.intp)
    classes = np.asarray(classes)
    codes = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
    unknown = classes[codes] != y
    if unknown.any():
        raise ValueError(
            f"{who}: validation labels {sorted(set(y[unknown].tolist()))[:5]} are not among the model's classes "
            f"{classes.tolist()[:10]}; pass validation labels the model was trained on (or classes= to the learner)."
        )
    return codes


class GLISTER(QueryStrategy):
    """GLISTER (Killamsetty, Sivasubramanian, Ramakrishnan & Iyer, AAAI 2021), as published.

    A bilevel choice: the batch whose labels, after one gradient step of
    training on them, would most lower the loss on a validation set. GLISTER-ONLINE
    solves it greedily with a first-order (Taylor) approximation on the last
    linear layer (:func:`glister_select`): each unlabeled row's training
    gradient at the label the model guesses is dotted with the validation
    gradient, the best row joins the batch, the layer takes the step, and the
    validation gradient is recomputed. (One public baseline under this name
    instead ranks rows by cosine similarity to the labeled set; that is not
    GLISTER.)

    Parameters
    ----------
    validation : None or tuple (X_val, y_val), default=None
        The validation set. None uses the labeled rows of the pool with their
        labels (what DISTIL's active-learning GLISTER does without one).
    eta : float or None, default=None
        Step size of the inner update; None takes a skorch net's ``lr``, else 0.1.
    n_updates : int or None, default=None
        How many times the validation gradient is taken per batch (the
        paper's r); None: after every pick.
    embedding : "auto", "input", layer name, callable or transformer, default="auto"
        The last layer's inputs: a skorch net's penultimate features; the
        input features for a linear scikit-learn model (exact for a
        multinomial logistic regression).
    n_candidates : None, int or float, default=None
        Consider only a random subset of the unlabeled rows.
    random_state : None, int or Generator
        Draws the candidates.

    Attributes
    ----------
    candidates_ : ndarray of int
    gains_ : ndarray
        After :meth:`query`: each pick's Taylor gain when it was chosen.

    Notes
    -----
    Time O(r·N·C·d) for N candidates with d features; memory O(N·(C + d)).
    The last layer is modelled as a softmax over ``predict_proba``'s columns
    with a bias: exact for a skorch net's last ``nn.Linear`` and a
    multinomial ``LogisticRegression``; a binary ``LogisticRegression``'s two
    columns double the effective step ``eta``; for a non-linear scikit-learn
    model the input features stand in for a last layer it does not have.
    The candidates' gradients are taken once, at the trained model, as in the
    authors' code; only the validation gradient follows the update. The
    paper's optional regulariser (random or facility-location) is left out.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 3)); y = (X[:, 0] > 0).astype(int)
    >>> labeled = np.zeros(60, bool); labeled[:10] = True
    >>> est = LogisticRegression().fit(X[labeled], y[labeled])
    >>> s = GLISTER().fit(X, y, labeled=labeled, estimator=est)
    >>> s.query(4).shape
    (4,)
    """

    _requires = frozenset({"proba", "embedding"})

    def __init__(
        self, validation=None, eta=None, n_updates=None, embedding="auto", n_candidates=None, random_state=None
    ):
        self.validation = validation
        self.eta = eta
        self.n_updates = n_updates
        self.embedding = embedding
        self.n_candidates = n_candidates
        self.random_state = random_state

    @property
    def _permutation_equivariant(self):
        return self.n_candidates is None

    def needs(self, labeled=None):
        """Also ``"labels"`` while nothing is labeled and no validation set is given: it cannot pick a first pool."""
        first_pool = labeled is None or not np.any(labeled)
        return set(self._requires) | ({"labels"} if self.validation is None and first_pool else set())

    def _check_params(self):
        eta = self.eta
        if eta is not None and (not isinstance(eta, Real) or isinstance(eta, bool) or not eta > 0):
            raise ValueError(f"eta must be a positive number or None; got {eta!r}.")
        r = self.n_updates
        if r is not None and (not isinstance(r, Integral) or isinstance(r, bool) or r < 1):
            raise ValueError(f"n_updates must be a positive int or None; got {r!r}.")
        v = self.validation
        if v is not None and (not isinstance(v, (tuple, list)) or len(v) != 2 or n_rows(v[0]) != len(v[1])):
            raise ValueError("validation must be None or a tuple (X_val, y_val) with one label per row.")

    def _features(self, X, rows, estimator):
        """``(H, P)``: last-layer inputs and probabilities of pool rows ``rows``."""
        if is_skorch(estimator) and self.embedding == "auto":
            return map_rows(X, rows, partial(net_features, return_proba=True), estimator)
        H = pool_features(self._embedding, estimator, X, "GLISTER")[rows]
        return H, predict_proba_rows(estimator, X, rows, who="GLISTER")

    def _validation_features(self, estimator):
        X_val = self.validation[0]
        if is_skorch(estimator) and self.embedding == "auto":
            return net_features(estimator, X_val, 0, return_proba=True)
        if self.embedding in ("auto", "input"):
            H = input_features(X_val, "GLISTER")
            H = H.reshape(len(H), -1)
        else:  # a layer name, a callable, or the transformer fitted on the pool: the pool's feature space
            H = pool_features(self._embedding, estimator, X_val, "GLISTER")
        return H, predict_proba_rows(estimator, X_val, np.arange(n_rows(X_val)), who="GLISTER")

    def _fit(self, X, labeled, estimator, y):
        self._check_params()
        self._embedding = self.embedding
        if _is_transformer(self.embedding):  # fitted once, on the pool; the validation rows are only transformed
            self._embedding = clone(self.embedding).fit(X).transform
        self.candidates_ = draw_candidates(labeled, self.n_candidates, as_generator(self.random_state))
        self.n_available_ = len(self.candidates_)
        if self.validation is None:
            val_rows = np.flatnonzero(labeled)
            rows = np.concatenate([self.candidates_, val_rows])
            H_all, P_all = self._features(X, rows, estimator)  # first: a pool it cannot read is the first error
            if y is None or not len(val_rows):
                raise ValueError(
                    "GLISTER needs a validation loss: labeled rows with their labels (y), or validation=(X_val, "
                    "y_val). For the first pool use initial_strategy=Random() (or TypiClust()) in ActiveLearner."
                )
            H, P = H_all[: len(self.candidates_)], P_all[: len(self.candidates_)]
            H_val, P_val = H_all[len(self.candidates_) :], P_all[len(self.candidates_) :]
            y_val = take_rows(np.asarray(y), val_rows)
        else:
            H, P = self._features(X, self.candidates_, estimator)
            H_val, P_val = self._validation_features(estimator)
            y_val = self.validation[1]
        self._val_labels = _label_columns(estimator, y_val, "GLISTER")
        P = np.asarray(P, dtype=np.float64)
        self._A = P.copy()
        self._A[np.arange(len(P)), P.argmax(axis=1)] -= 1.0
        self._H, self._H_val = H, H_val
        self._val_logits = np.log(np.maximum(np.asarray(P_val, dtype=np.float64), 1e-300))
        self._eta = float(self.eta) if self.eta is not None else float(getattr(estimator, "lr", 0.1))

    def _query(self, n):
        picks, self.gains_ = glister_select(
            self._A,
            self._H,
            self._val_logits,
            self._val_labels,
            self._H_val,
            n,
            eta=self._eta,
            n_updates=self.n_updates,
        )
        return self.candidates_[picks]
