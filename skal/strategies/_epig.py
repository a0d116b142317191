"""EPIG: expected predictive information gain about target inputs (Bickford Smith et al., AISTATS 2023)."""

from functools import partial
from numbers import Integral

import numpy as np

from ..pools._protocol import n_rows
from ._batchbald import _MAX_SEED, BLOCK_BYTES, _xlogx, check_dropout_net, consistent_log_proba
from ._subsample import CandidateScoringStrategy

__all__ = ["EPIG", "epig"]


def epig(log_proba, target_log_proba):
    """EPIG of each pool row about the target rows, in nats, from log-probabilities under the same K masks.

    ``EPIG(x) = E_{x*} I(y; y* | x, x*)``, the mutual information between a
    pool row's label and a target row's label, averaged over the target rows:
    with ``p(y, y*) = (1/K) Σ_k p_k(y|x) p_k(y*|x*)`` it is
    ``H(p̄(y|x)) + E_{x*} H(p̄(y*|x*)) − E_{x*} H(p(y, y*))`` (Bickford Smith,
    Kirsch, Farquhar, Gal, Foster & Rainforth, AISTATS 2023, eq. 4).

    Parameters
    ----------
    log_proba : ndarray (n, K, C)
    target_log_proba : ndarray (m, K, C)
        The same K dropout masks as ``log_proba`` (:func:`skal.nn.mc_dropout_log_proba`
        with the same seed), or the scores mean nothing.

    Returns
    -------
    ndarray (n,), float64, ≥ 0 up to rounding

    Notes
    -----
    Time O(n·m·K·C²); memory a 32 MiB block of joint probabilities at a time, and its logarithms.

    Examples
    --------
    >>> same = np.log(np.full((2, 3, 2), 0.5))  # every sample agrees: nothing to learn
    >>> epig(same, same).round(12).tolist()
    [0.0, 0.0]
    """
    p = np.exp(np.asarray(log_proba, dtype=np.float64))
    q = np.exp(np.asarray(target_log_proba, dtype=np.float64))
    n, K, C = p.shape
    m, K_t, C_t = q.shape
    if (K, C) != (K_t, C_t):
        raise ValueError(f"pool and target log-probabilities differ in (samples, classes): {(K, C)} vs {(K_t, C_t)}.")
    p_mean, q_mean = p.mean(axis=1), q.mean(axis=1)
    h_pool = -_xlogx(p_mean).sum(axis=1)
    h_target = -_xlogx(q_mean).sum(axis=1).mean()
    out = np.empty(n)
    step = max(1, BLOCK_BYTES // (8 * max(1, m) * C * C))
    q_kmd = q.transpose(1, 0, 2).reshape(K, m * C)
    for start in range(0, n, step):
        block = p[start : start + step]  # (b, K, C)
        b = len(block)
        joint = (block.transpose(0, 2, 1).reshape(b * C, K) @ q_kmd / K).reshape(b, C, m, C)
        h_joint = -_xlogx(joint).sum(axis=(1, 3)).mean(axis=1)
        out[start : start + step] = h_pool[start : start + step] + h_target - h_joint
    return out


def epig_chunk(net, inputs, start, *, target_log_proba, n_samples, seed, batch_size):
    """EPIG of one chunk of pool rows, its log-probabilities taken under the seed's consistent masks."""
    from ..nn import mc_dropout_log_proba

    lp = mc_dropout_log_proba(net, inputs, n_samples=n_samples, seed=seed, batch_size=batch_size)
    return epig(lp, target_log_proba)


class EPIG(CandidateScoringStrategy):
    """Expected predictive information gain (Bickford Smith, Kirsch, Farquhar, Gal, Foster & Rainforth, AISTATS 2023).

    BALD asks which label tells most about the *weights*; much of that
    information may concern inputs nobody will ever predict on. EPIG asks which
    label tells most about the *predictions on target inputs* ``x*``: the mutual
    information between ``y`` and ``y*`` averaged over target rows
    (:func:`epig`), from K forward passes under consistent dropout masks (the
    same masks for pool and target rows: :func:`skal.nn.mc_dropout_log_proba`).
    The ``n`` highest-scoring rows are picked (the paper's top-n acquisition).

    Parameters
    ----------
    n_samples : int, default=20
        K, the number of dropout masks.
    target : None, array-like or torch ``Dataset``, default=None
        The inputs you will predict on (for example unlabeled data from where
        the model will be deployed). None draws ``n_targets`` rows at random
        from the unlabeled pool each round, as the paper does when no target set is given.
    n_targets : int, default=100
        Target rows drawn from the pool when ``target`` is None.
    n_candidates : None, int or float, default=None
        Score only a random subset of the unlabeled rows.
    batch_size : int, optional
        Rows per forward pass; default the net's.
    random_state : None, int or Generator
        Draws the candidates, the masks' seed and the target rows.

    Attributes
    ----------
    scores_ : ndarray of shape (n_pool_,)
        EPIG in nats; NaN outside the candidates.
    target_rows_ : ndarray of int or None
        The pool rows used as targets (None when ``target`` was given).

    Notes
    -----
    Time O(N·m·K·C²) for N candidates and m target rows; memory: the targets'
    log-probabilities (4·m·K·C bytes), one chunk of the pool's and two 32 MiB
    blocks. Needs a skorch net with ``nn.Dropout`` (or ``Dropout1d/2d/3d``) layers.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skorch import NeuralNetClassifier
    >>> m = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Dropout(0.5), torch.nn.Linear(16, 3))
    >>> net = NeuralNetClassifier(m, criterion=torch.nn.CrossEntropyLoss).initialize()
    >>> X = np.random.default_rng(0).normal(size=(30, 2)).astype(np.float32)
    >>> s = EPIG(n_samples=8, n_targets=10, random_state=0).fit(X, estimator=net)
    >>> s.query(3).shape, s.target_rows_.shape
    ((3,), (10,))
    """

    _requires = frozenset({"proba", "net"})

    def __init__(self, n_samples=20, target=None, n_targets=100, n_candidates=None, batch_size=None, random_state=None):
        self.n_samples = n_samples
        self.target = target
        self.n_targets = n_targets
        self.n_candidates = n_candidates
        self.batch_size = batch_size
        self.random_state = random_state

    @property
    def _deterministic_scores(self):
        return self.target is not None  # targets drawn from the pool depend on where its rows are

    def _fit(self, X, labeled, estimator, y):
        n_targets = self.n_targets
        if self.target is None and (
            not isinstance(n_targets, Integral) or isinstance(n_targets, bool) or n_targets < 1
        ):
            raise ValueError(f"n_targets must be a positive int; got {n_targets!r}.")
        if self.target is not None and n_rows(self.target) < 1:
            raise ValueError("target has no rows; pass the inputs you will predict on, or target=None.")
        super()._fit(X, labeled, estimator, y)

    def _score(self, X, rows, estimator):
        from ..nn import mc_dropout_log_proba
        from ..pools._scoring import map_rows

        seed = int(self._rng.integers(_MAX_SEED))
        if self.target is None:
            unlabeled = np.flatnonzero(~self.labeled_)
            self.target_rows_ = np.sort(self._rng.choice(unlabeled, min(self.n_targets, len(unlabeled)), replace=False))
            target_lp = consistent_log_proba(self, X, self.target_rows_, estimator, seed)
        else:
            self.target_rows_ = None
            check_dropout_net(self, estimator)
            target_lp = mc_dropout_log_proba(
                estimator, self.target, n_samples=int(self.n_samples), seed=seed, batch_size=self.batch_size
            )
        fn = partial(
            epig_chunk,
            target_log_proba=np.asarray(target_lp),
            n_samples=int(self.n_samples),
            seed=seed,
            batch_size=self.batch_size,
        )
        return map_rows(X, rows, fn, estimator)
