"""BatchBALD: greedy joint mutual information over consistent MC-dropout samples (Kirsch et al., NeurIPS 2019)."""

from functools import partial

import numpy as np

from ..pools._scoring import map_rows
from ..utils._estimator import require_net
from ..utils._random import as_generator
from ._base import QueryStrategy
from ._subsample import draw_candidates

__all__ = ["BatchBALD", "batchbald_select", "conditional_entropy", "joint_entropy_exact", "joint_entropy_sampled"]

_MAX_SEED = 2**32 - 1
#: Bytes of the working block of candidate joint probabilities (candidates × configurations × classes, float64).
BLOCK_BYTES = 32 * 2**20


def _xlogx(p):
    """``p log p`` for probabilities ``p``, with ``0 log 0 = 0`` (a third of ``scipy.special.xlogy``'s time)."""
    out = np.maximum(p, np.finfo(np.float64).tiny)
    np.log(out, out=out)
    out *= p
    return out


#: Rows of (n, K, C) log-probabilities turned into float64 probabilities at a time.
ROW_BLOCK = 4096


def _proba_blocks(log_proba):
    """``(start, float64 probabilities)`` of ``ROW_BLOCK`` rows at a time: never an (n, K, C) float64 copy."""
    for start in range(0, len(log_proba), ROW_BLOCK):
        yield start, np.exp(np.asarray(log_proba[start : start + ROW_BLOCK], dtype=np.float64))


def conditional_entropy(log_proba):
    """``E_k H(y | x, w_k)`` per row, in nats, from float log-probabilities ``(n, K, C)``.

    Examples
    --------
    >>> lp = np.log(np.full((2, 3, 4), 0.25))
    >>> np.round(conditional_entropy(lp), 6).tolist() == [round(np.log(4), 6)] * 2
    True
    """
    out = np.empty(len(log_proba))
    for start, p in _proba_blocks(log_proba):
        out[start : start + len(p)] = -_xlogx(p).sum(axis=2).mean(axis=1)
    return out


def bald_of_log_proba(log_proba):
    """BALD's mutual information per row from ``(n, K, C)`` log-probabilities, a block of rows at a time."""
    from ._scores import bald

    out = np.empty(len(log_proba))
    for start, p in _proba_blocks(log_proba):
        out[start : start + len(p)] = bald(p.mean(axis=1), -_xlogx(p).sum(axis=2).mean(axis=1))
    return out


def _k_major(proba):
    """``(b, K, C)`` as ``(K, b·C)``: the right operand of one matrix product over every sample."""
    b, K, C = proba.shape
    return np.ascontiguousarray(proba.transpose(1, 0, 2)).reshape(K, b * C)


def _block_rows(n_configs, n_classes):
    return max(1, BLOCK_BYTES // (8 * max(1, n_configs) * max(1, n_classes)))


def joint_entropy_exact(config_proba, proba):
    """``H(y_1..y_m, y_i)`` for each candidate ``i`` by enumerating every configuration of the batch.

    Parameters
    ----------
    config_proba : ndarray (K, S)
        ``Π_j p(y_j = s_j | x_j, w_k)`` for each sample ``k`` and each of the
        ``S = C^m`` configurations of the ``m`` rows already in the batch
        (``ones((K, 1))`` for an empty batch).
    proba : ndarray (n, K, C)
        The candidates' per-sample probabilities.

    Returns
    -------
    ndarray (n,), nats
    """
    K, S = config_proba.shape
    n, _, C = proba.shape
    out = np.empty(n)
    step = _block_rows(S, C)
    left = config_proba.T / K  # (S, K)
    for start in range(0, n, step):
        joint = left @ _k_major(proba[start : start + step])  # (S, b·C): one GEMM per block
        out[start : start + step] = -_xlogx(joint).reshape(S, -1, C).sum(axis=(0, 2))
    return out


def joint_entropy_sampled(sample_log_proba, proba):
    """The importance-sampled estimate of ``H(ŷ, y_i)`` from ``M`` sampled configurations ``ŷ`` of the batch.

    ``H ≈ −(1/M) Σ_m Σ_c p(ŷ_m, c) / p(ŷ_m) · log p(ŷ_m, c)`` with ``ŷ_m`` drawn
    from ``p(ŷ) = (1/K) Σ_k p(ŷ | w_k)`` (Kirsch et al. 2019, section 3.2),
    computed in log space: with the posterior weights
    ``π_mk = p(ŷ_m | w_k) / Σ_k' p(ŷ_m | w_k')`` and ``r_mc = Σ_k π_mk p_k(c)``
    (which is ``p(ŷ_m, c) / p(ŷ_m)``) it is
    ``−(1/M) Σ_m log p(ŷ_m) − (1/M) Σ_m Σ_c r_mc log r_mc``. A product of
    hundreds of probabilities underflows to 0; its logarithm does not.

    Parameters
    ----------
    sample_log_proba : ndarray (M, K)
        ``log p(ŷ_m | w_k) = Σ_j log p(ŷ_mj | x_j, w_k)``.
    proba : ndarray (n, K, C)

    Returns
    -------
    ndarray (n,)
    """
    lw = np.asarray(sample_log_proba, dtype=np.float64)
    M, K = lw.shape
    n, _, C = proba.shape
    top = lw.max(axis=1, keepdims=True)
    w = np.exp(lw - top)
    total = w.sum(axis=1, keepdims=True)
    posterior = w / total  # π_mk
    log_marginal = (top + np.log(total)).ravel() - np.log(K)  # log p(ŷ_m)
    out = np.empty(n)
    step = _block_rows(M, C)
    for start in range(0, n, step):
        r = posterior @ _k_major(proba[start : start + step])  # (M, b·C)
        out[start : start + step] = -_xlogx(r).sum(axis=0).reshape(-1, C).sum(axis=1) / M
    return out - log_marginal.mean()


def _sample_configs(batch_proba, n_configs, rng):
    """``(M, K)`` log-probabilities of ``M ≈ n_configs`` configurations of the batch, ``M // K`` drawn under each w_k.

    Drawing the same number under each ``w_k`` samples the mixture ``p(ŷ)``
    stratified by ``k`` (as the authors' ``batchbald_redux`` does).
    """
    m, K, C = batch_proba.shape
    per_sample = max(1, n_configs // K)
    # ŷ[j, k, s]: row j's class in the s-th configuration drawn under w_k (inverse-CDF draws, float64 throughout;
    # the CDF is normalised so float32 probabilities summing to 1 - 1e-7 give the last class no extra mass)
    cdf = np.cumsum(batch_proba, axis=2)
    cdf /= cdf[..., -1:]
    u = rng.random((m, K, per_sample))
    y_hat = np.minimum((u[..., None] >= cdf[:, :, None, :]).sum(axis=3), C - 1)  # searchsorted(side="right")
    # log p(ŷ_{k,s} | w_k') = Σ_j log p(ŷ_jks | x_j, w_k')
    log_p = np.log(np.maximum(batch_proba, 1e-300))  # (m, K', C)
    total = np.zeros((K, K, per_sample))  # [k' (weights), k (drawn under), s]
    for j in range(m):
        total += log_p[j][:, y_hat[j]]  # (K', K, S)
    return total.reshape(K, K * per_sample).T  # (M, K')


def batchbald_select(log_proba, n, *, n_configs=1000, rng=None):
    """Greedy BatchBALD batch of ``n`` rows from log-probabilities under consistent dropout samples.

    At step ``m`` the row added is ``argmax_i H(y_1..y_m, y_i) − E_k H(y_i | w_k)``
    (the ``Σ_j E_k H(y_j | w_k)`` of the batch so far is the same for every
    ``i``). The joint entropy is exact while the batch so far has at most
    ``n_configs`` configurations (``C^m``), and importance-sampled from
    ``n_configs`` configurations after (Kirsch, van Amersfoort & Gal, NeurIPS
    2019). With ``n = 1`` this is BALD's top row. Ties go to the lower index.

    Parameters
    ----------
    log_proba : ndarray (N, K, C)
        Log-probabilities of the candidates under K consistent dropout samples
        (:func:`skal.nn.mc_dropout_log_proba`).
    n : int
    n_configs : int
    rng : numpy Generator, optional
        Draws the sampled configurations (only used once ``C^m > n_configs``).

    Returns
    -------
    picks : ndarray (n,) of int
        Positions in ``log_proba``, in the order picked.
    joint_mi : ndarray (n,)
        ``I(y_1..y_m; w)`` of the batch after each pick (nats), non-decreasing up to sampling noise. Once
        sampled it is biased upwards: it is the largest of noisy estimates.

    Notes
    -----
    Memory: beyond ``log_proba`` itself (read a block at a time, so a
    memmap stays on disk), float64 probabilities of ``ROW_BLOCK`` rows, a
    working block of :data:`BLOCK_BYTES` (32 MiB) and as much for its
    logarithms; the batch's configurations take ``8·K·min(C^m, n_configs)`` bytes. Time per step: O(N·K·C·S) with
    ``S = min(C^m, n_configs)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> lp = np.log(rng.dirichlet(np.ones(3), size=(20, 8)))
    >>> picks, mi = batchbald_select(lp, 4)
    >>> len(set(picks.tolist())), bool(np.all(np.diff(mi) >= -1e-12))
    (4, True)
    """
    N, K, C = np.shape(log_proba)
    if not 1 <= n <= N:
        raise ValueError(f"n must be in [1, {N}]; got {n}.")
    n_configs = int(n_configs)
    if n_configs < 1:
        raise ValueError(f"n_configs must be a positive int; got {n_configs!r}.")
    rng = as_generator(rng)
    cond = conditional_entropy(log_proba)
    picks, joint_mi = [], []
    config_proba = np.ones((K, 1))
    taken = np.zeros(N, dtype=bool)
    cond_sum = 0.0
    joint = np.empty(N)
    for _ in range(n):
        picked = np.exp(np.asarray(log_proba[np.asarray(picks, dtype=np.intp)], dtype=np.float64))
        configs = None if config_proba is not None else _sample_configs(picked, n_configs, rng)
        for start, p in _proba_blocks(log_proba):
            rows = slice(start, start + len(p))
            if configs is None:
                joint[rows] = joint_entropy_exact(config_proba, p)
            else:
                joint[rows] = joint_entropy_sampled(configs, p)
        gain = joint - cond
        if not np.isfinite(gain).all():
            raise FloatingPointError(
                f"BatchBALD: a joint entropy is not finite at pick {len(picks) + 1}; the log-probabilities hold NaN "
                "or the batch is too large for the sampled estimator. Check the net's outputs, or query fewer rows."
            )
        gain[taken] = -np.inf
        best = int(np.argmax(gain))
        picks.append(best)
        taken[best] = True
        cond_sum += cond[best]
        joint_mi.append(joint[best] - cond_sum)
        if config_proba is not None:
            if config_proba.shape[1] * C <= n_configs:
                p_best = np.exp(np.asarray(log_proba[best], dtype=np.float64))
                config_proba = (config_proba[:, :, None] * p_best[:, None, :]).reshape(K, -1)
            else:
                config_proba = None
    return np.asarray(picks, dtype=np.intp), np.asarray(joint_mi)


def mc_log_proba_chunk(net, inputs, start, *, n_samples, seed, batch_size):
    """:func:`skal.nn.mc_dropout_log_proba` of one chunk (its masks are the same in every chunk)."""
    from ..nn import mc_dropout_log_proba

    return mc_dropout_log_proba(net, inputs, n_samples=n_samples, seed=seed, batch_size=batch_size)


def check_dropout_net(strategy, estimator):
    """Refuse a model that is not a skorch net; warn when the net has no dropout layer."""
    require_net(
        estimator,
        type(strategy).__name__,
        "samples predictions with dropout switched on",
        "VariationRatio (a committee of models) or Entropy",
    )
    from ..nn import dropout_modules

    if not dropout_modules(estimator.module_):
        import warnings

        warnings.warn(
            f"{type(strategy).__name__}: the net has no dropout module, so every sample is the same and the "
            "scores carry no model uncertainty. Add torch.nn.Dropout layers to the module.",
            UserWarning,
            stacklevel=5,
        )


def consistent_log_proba(strategy, X, rows, estimator, seed):
    """``(len(rows), K, C)`` float32 log-probabilities of pool rows under the seed's consistent masks."""
    check_dropout_net(strategy, estimator)
    fn = partial(mc_log_proba_chunk, n_samples=int(strategy.n_samples), seed=seed, batch_size=strategy.batch_size)
    return map_rows(X, rows, fn, estimator)


class BatchBALD(QueryStrategy):
    """BatchBALD (Kirsch, van Amersfoort & Gal, NeurIPS 2019): a batch that is jointly informative.

    BALD takes the top ``n`` rows by their own mutual information with the
    weights, so near-duplicates all get picked together. BatchBALD picks
    greedily: each next row maximises the mutual information between the
    weights and the labels of the *whole* batch, ``I(y_1..y_m, y; w)``,
    estimated from K forward passes under consistent dropout masks (the same
    masks for every row: :func:`skal.nn.mc_dropout_log_proba`). The joint
    entropy is exact while the batch has at most ``n_configs`` label
    configurations and sampled from ``n_configs`` configurations beyond; the
    greedy choice is within ``1 − 1/e`` of the best batch (the mutual
    information is submodular). With ``n = 1`` it picks BALD's top row under
    the same masks.

    Parameters
    ----------
    n_samples : int, default=20
        K, the number of dropout masks.
    n_configs : int, default=1000
        Exact joint entropies up to this many configurations, then this many
        sampled configurations (the authors' ``batchbald_redux`` code
        uses 10,000 on a GPU; on a CPU 1,000 keeps a 10-row step at 10k rows within seconds).
    n_candidates : None, int or float, default=None
        Consider only a random subset of the unlabeled rows.
    batch_size : int, optional
        Rows per forward pass; default the net's.
    random_state : None, int or Generator
        Draws the candidates, the masks' seed and the sampled configurations.

    Attributes
    ----------
    candidates_ : ndarray of int
        Pool rows considered.
    bald_scores_ : ndarray of shape (n_pool_,)
        BALD's score of each candidate under the same masks (NaN elsewhere):
        the first step's gains.
    joint_mi_ : ndarray
        After :meth:`query`: the batch's joint mutual information after each pick, in nats.

    Notes
    -----
    Memory: the candidates' log-probabilities (4·N·K·C bytes, memory-mapped
    past scikit-learn's ``working_memory``), float64 probabilities of 4,096
    rows at a time and two 32 MiB working blocks. Time per pick
    O(N·K·C·min(C^m, n_configs)). Needs a skorch net with ``nn.Dropout`` (or
    ``Dropout1d/2d/3d``) layers.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skorch import NeuralNetClassifier
    >>> m = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Dropout(0.5), torch.nn.Linear(16, 3))
    >>> net = NeuralNetClassifier(m, criterion=torch.nn.CrossEntropyLoss).initialize()
    >>> X = np.random.default_rng(0).normal(size=(30, 2)).astype(np.float32)
    >>> s = BatchBALD(n_samples=8, random_state=0).fit(X, estimator=net)
    >>> s.query(4).shape, s.joint_mi_.shape
    ((4,), (4,))
    """

    _requires = frozenset({"proba", "net"})

    def __init__(self, n_samples=20, n_configs=1000, n_candidates=None, batch_size=None, random_state=None):
        self.n_samples = n_samples
        self.n_configs = n_configs
        self.n_candidates = n_candidates
        self.batch_size = batch_size
        self.random_state = random_state

    @property
    def _permutation_equivariant(self):
        return self.n_candidates is None  # masks do not depend on a row's place

    def _fit(self, X, labeled, estimator, y):
        if int(self.n_configs) < 1:
            raise ValueError(f"n_configs must be a positive int; got {self.n_configs!r}.")
        rng = as_generator(self.random_state)
        self.candidates_ = draw_candidates(labeled, self.n_candidates, rng)
        self.n_available_ = len(self.candidates_)
        seed = int(rng.integers(_MAX_SEED))
        self._select_seed = int(rng.integers(_MAX_SEED))
        if not len(self.candidates_):  # every row labeled: nothing to score, and query() says so
            self._log_proba, self.bald_scores_ = None, np.full(len(labeled), np.nan)
            return
        self._log_proba = consistent_log_proba(self, X, self.candidates_, estimator, seed)
        scores = np.full(len(labeled), np.nan)
        scores[self.candidates_] = bald_of_log_proba(self._log_proba)
        self.bald_scores_ = scores

    def _query(self, n):
        picks, self.joint_mi_ = batchbald_select(
            self._log_proba, n, n_configs=self.n_configs, rng=np.random.default_rng(self._select_seed)
        )
        return self.candidates_[picks]
