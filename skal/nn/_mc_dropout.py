"""Monte Carlo dropout: T stochastic passes with only dropout active (Gal, Islam & Ghahramani, ICML 2017)."""

from typing import NamedTuple

import numpy as np
import torch

from ..pools._protocol import n_rows
from ._batches import iter_batches, resolve_batch_size
from ._forward import batch_rows, forward, to_device
from ._modes import eval_mode
from ._outputs import log_proba_fn

__all__ = [
    "mc_dropout_stats",
    "mc_dropout_log_proba",
    "consistent_dropout",
    "MCDropoutStats",
    "dropout_modules",
    "only_dropout_active",
    "DROPOUT_TYPES",
]

#: torch's dropout layers (every subclass of its private ``_DropoutNd``).
DROPOUT_TYPES = (
    torch.nn.Dropout,
    torch.nn.Dropout1d,
    torch.nn.Dropout2d,
    torch.nn.Dropout3d,
    torch.nn.AlphaDropout,
    torch.nn.FeatureAlphaDropout,
)


class MCDropoutStats(NamedTuple):
    """What the MC-dropout strategies need, accumulated over T passes.

    Attributes
    ----------
    mean_proba : ndarray (n, C), float64
        p̄ = (1/T) Σ_t p_t.
    mean_entropy : ndarray (n,), float64
        (1/T) Σ_t H(p_t), in nats.
    votes : ndarray (n, C), int32
        How many passes predicted each class (argmax).
    n_samples : int
        T.
    """

    mean_proba: np.ndarray
    mean_entropy: np.ndarray
    votes: np.ndarray
    n_samples: int


def dropout_modules(module):
    """Every dropout module (``nn.Dropout``, ``Dropout2d``, ``AlphaDropout``...) inside ``module``."""
    return [m for m in module.modules() if isinstance(m, DROPOUT_TYPES)]


def only_dropout_active(module):
    """Eval mode everywhere except dropout: BatchNorm keeps its running statistics.

    The BADGE code of Ash et al. (ICLR 2020, ``JordanAsh/badge``) calls
    ``clf.train()``, which leaves BatchNorm in train mode, so a small batch
    changes its statistics; the code of Chandra et al. (2021,
    ``acl21/init-pools-dal``) resets only ``BatchNorm2d``. Here every module
    is in eval mode and only the dropout modules are switched on. Every
    submodule's training flag is restored on exit (:func:`eval_mode`).

    Examples
    --------
    >>> m = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5))
    >>> with only_dropout_active(m):
    ...     [layer.training for layer in m]
    [False, True]
    """
    return eval_mode(module, train=DROPOUT_TYPES)


def mc_dropout_stats(net, X, *, n_samples=10, seed=0, batch_size=None, votes=True):
    """T stochastic forward passes over ``X`` with only dropout active, accumulated per row.

    Memory is O(n·C) whatever T: the passes are summed as they come, never
    stored as a (T, n, C) tensor, and ``X`` is read one batch at a time. The
    passes draw from a forked torch generator seeded with ``seed``, once,
    batch after batch in row order; reading the rows draws nothing from it,
    so an array and a ``Dataset`` of the same rows give the same statistics.
    The caller's global torch random state is left as it was.

    Parameters
    ----------
    net : initialized skorch NeuralNet (``CrossEntropyLoss`` or ``NLLLoss``)
    X : array of shape (n, ...), dict of arrays, torch ``Dataset`` or pool object
        A ``Dataset`` (items ``x`` or ``(x, target)``) is streamed through a
        ``DataLoader`` (``iterator_valid__num_workers`` of the net sets its
        workers); a pool object (:class:`skal.pools.ParquetPool`) is read with
        ``take``, batch by batch; a dict (``input_ids``, ``attention_mask``)
        reaches the module's ``forward`` as keyword arguments, as skorch
        passes it (:func:`skal.nn._forward.forward`).
    n_samples : int
        T, the number of stochastic passes (10 in the code of Ash et al. and of Chandra et al.).
    seed : int
    batch_size : int, optional
        Rows per forward pass; default the net's ``batch_size`` (its -1: all
        rows at once). Batches are the unit of the random stream: the same
        rows with another ``batch_size`` draw other dropout masks.
    votes : bool, default=True
        Count each pass's predicted class (``votes``); False leaves them
        zero and saves an argmax and a one-hot per pass (BALD and DBAL need none).

    Returns
    -------
    MCDropoutStats
        Sums run in the net's float precision within a batch of ``n_samples``
        passes (float32 for most nets: T terms, relative error about T·6e-8)
        and are returned in float64.

    Examples
    --------
    >>> from skorch import NeuralNetClassifier
    >>> m = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 3))
    >>> net = NeuralNetClassifier(m, criterion=torch.nn.CrossEntropyLoss).initialize()
    >>> stats = mc_dropout_stats(net, np.ones((5, 4), np.float32), n_samples=4, seed=0)
    >>> stats.mean_proba.shape, int(stats.votes.sum())
    ((5, 3), 20)
    """
    if int(n_samples) < 1:
        raise ValueError(f"n_samples must be a positive int; got {n_samples!r}.")
    module = net.module_
    log_proba_fn(net)  # an unsupported criterion is refused before any pass
    n = n_rows(X)
    batch_size = resolve_batch_size(batch_size, net, X)
    device = torch.device(net.device)
    # torch.manual_seed reseeds every CUDA device too: fork them all, so all are restored
    fork = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    mean_proba = mean_entropy = votes_out = None  # allocated once C is known: no per-chunk lists to concatenate
    start = 0
    with torch.random.fork_rng(devices=fork), only_dropout_active(module), torch.no_grad():
        torch.manual_seed(int(seed))
        stream = torch.get_rng_state()
        for batch in iter_batches(X, batch_size, net):
            # reading a batch may draw from the global CPU generator (a Dataset's random transform): the passes go
            # on from where the previous batch's passes left the stream, so how the rows are stored cannot shift it
            torch.set_rng_state(stream)
            xb = to_device(batch, device)
            sum_p = sum_h = counts = None
            for _ in range(int(n_samples)):
                log_p = forward(net, xb, "log_proba")
                if not log_p.is_floating_point() or log_p.dtype in (torch.float16, torch.bfloat16):
                    log_p = log_p.float()
                p = log_p.exp()
                # p·log p with 0·log 0 = 0: a log-probability of -inf (p = 0) is clamped to the dtype's lowest
                h = torch.mul(p, log_p.clamp_min(torch.finfo(log_p.dtype).min)).sum(1).neg_()
                if sum_p is None:
                    sum_p, sum_h = p, h
                else:
                    sum_p.add_(p)
                    sum_h.add_(h)
                if votes:
                    vote = torch.zeros(p.shape, dtype=torch.int32, device=p.device)
                    vote.scatter_(1, p.argmax(1, keepdim=True), 1)
                    counts = vote if counts is None else counts.add_(vote)
            stream = torch.get_rng_state()
            if mean_proba is None:
                n_classes = sum_p.shape[1]
                mean_proba = np.empty((n, n_classes))
                mean_entropy = np.empty(n)
                votes_out = np.zeros((n, n_classes), dtype=np.int32)
            rows = slice(start, start + batch_rows(xb))
            mean_proba[rows] = sum_p.cpu().numpy()
            mean_proba[rows] /= n_samples
            mean_entropy[rows] = sum_h.cpu().numpy()
            mean_entropy[rows] /= n_samples
            if votes:
                votes_out[rows] = counts.cpu().numpy()
            start = rows.stop
    if start != n:
        raise ValueError(f"mc_dropout_stats: X yielded {start} rows, but has {n}.")
    if mean_proba is None:
        return MCDropoutStats(np.empty((0, 0)), np.empty(0), np.empty((0, 0), np.int32), int(n_samples))
    return MCDropoutStats(mean_proba, mean_entropy, votes_out, int(n_samples))


#: Dropout layers whose masks :func:`consistent_dropout` can fix (the alpha variants also shift and scale).
_MASKABLE = (torch.nn.Dropout, torch.nn.Dropout1d, torch.nn.Dropout2d, torch.nn.Dropout3d)


def _mask_seed(seed, layer, sample, call=0):
    """A 63-bit torch seed for the mask of dropout layer ``layer`` in sample ``sample`` (its ``call``-th use)."""
    words = [int(seed), int(layer), int(sample)] + ([int(call)] if call else [])
    return int(np.random.SeedSequence(words).generate_state(2, np.uint64)[0] >> 1)


def _mask_shape(layer, x):
    """A row's mask shape: every feature for ``Dropout``, every channel for ``Dropout1d/2d/3d``."""
    if type(layer) is torch.nn.Dropout or not isinstance(layer, _MASKABLE[1:]):
        return tuple(x.shape[1:])
    return (x.shape[1],) + (1,) * (x.ndim - 2)


class consistent_dropout:  # noqa: N801  (a context manager, used like a function)
    """Fixed dropout masks, one per sample ``k``, shared by every row (Kirsch, van Amersfoort & Gal, NeurIPS 2019).

    Inside the block every module is in eval mode and a forward hook on each
    dropout layer multiplies its input by the mask of sample ``self.sample``
    (set it before each pass): Bernoulli(1 − p) / (1 − p) per feature for
    ``nn.Dropout``, per channel for ``nn.Dropout1d/2d/3d``. A mask depends only
    on ``(seed, layer, sample)`` (and, for a layer used twice in one
    forward pass, on which use it is), never on the batch or on a row's place in
    it, so the same rows give the same outputs in any batching, and two pools
    scored with the same seed (a pool and EPIG's target rows) share every
    mask. BatchNorm keeps its running statistics.

    Parameters
    ----------
    module : torch.nn.Module
    seed : int

    Examples
    --------
    >>> m = torch.nn.Sequential(torch.nn.Linear(3, 50), torch.nn.Dropout(0.5))
    >>> x = torch.ones(4, 3)
    >>> with consistent_dropout(m, seed=0) as masks:
    ...     masks.sample = 0
    ...     out = m(x)
    >>> bool((out == out[0]).all())  # every row got the same mask
    True
    """

    def __init__(self, module, seed):
        self.module, self.seed, self.sample = module, int(seed), 0
        self._masks = {}
        layers = [m for m in module.modules() if isinstance(m, DROPOUT_TYPES)]
        alpha = [type(m).__name__ for m in layers if not isinstance(m, _MASKABLE)]
        if alpha:
            raise TypeError(
                f"consistent MC dropout fixes the masks of nn.Dropout and nn.Dropout1d/2d/3d; the module has {alpha}. "
                "Replace them with nn.Dropout, or use BALD (independent masks per row)."
            )
        self._layers = layers

    def _hook(self, index):
        def hook(layer, inputs, output):
            x = inputs[0]
            call = self._calls.get(index, 0)  # a layer used twice in one forward gets two masks, as dropout does
            self._calls[index] = call + 1
            key = (index, self.sample, call, x.device, x.dtype, _mask_shape(layer, x))
            mask = self._masks.get(key)
            if mask is None:
                p = float(layer.p)
                gen = torch.Generator().manual_seed(_mask_seed(self.seed, index, self.sample, call))
                keep = torch.rand(key[-1], generator=gen, dtype=torch.float64) >= p
                mask = (keep.double() / (1.0 - p) if p < 1 else keep.double()).to(device=x.device, dtype=x.dtype)
                self._masks[key] = mask
            return x * mask

        return hook

    def __enter__(self):
        self._modes = eval_mode(self.module)
        self._modes.__enter__()
        self._calls = {}
        self._handles = [layer.register_forward_hook(self._hook(i)) for i, layer in enumerate(self._layers)]
        self._handles.append(self.module.register_forward_pre_hook(lambda module, args: self._calls.clear()))
        return self

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()
        return self._modes.__exit__(*exc)


def mc_dropout_log_proba(net, X, *, n_samples=20, seed=0, batch_size=None):
    """Log-probabilities of ``X`` under ``n_samples`` fixed dropout masks, as float32 ``(n, K, C)``.

    The masks are :func:`consistent_dropout`'s: sample ``k`` drops the same
    units for every row, which is what BatchBALD's joint entropies and EPIG's
    pool–target pairs need (Kirsch, van Amersfoort & Gal, NeurIPS 2019). A
    row's output does not depend on the batch it is read in, so the result
    is the same for any ``batch_size`` or chunking. The global torch random
    state is not touched. Memory: the result, 4·n·K·C bytes.

    Parameters
    ----------
    net : initialized skorch NeuralNet (``CrossEntropyLoss`` or ``NLLLoss``)
    X : array of shape (n, ...), dict of arrays, torch ``Dataset`` or pool object
    n_samples : int
        K, the number of masks.
    seed : int
    batch_size : int, optional
        Rows per forward pass; default the net's.

    Returns
    -------
    ndarray of shape (n, K, C), float32

    Examples
    --------
    >>> from skorch import NeuralNetClassifier
    >>> m = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 3))
    >>> net = NeuralNetClassifier(m, criterion=torch.nn.CrossEntropyLoss).initialize()
    >>> X = np.ones((5, 4), np.float32)
    >>> lp = mc_dropout_log_proba(net, X, n_samples=6, seed=0)
    >>> lp.shape, bool(np.allclose(lp, mc_dropout_log_proba(net, X, n_samples=6, seed=0, batch_size=2)))
    ((5, 6, 3), True)
    """
    if int(n_samples) < 1:
        raise ValueError(f"n_samples must be a positive int; got {n_samples!r}.")
    module = net.module_
    log_proba_fn(net)  # an unsupported criterion is refused before any pass
    n = n_rows(X)
    batch_size = resolve_batch_size(batch_size, net, X)
    device = torch.device(net.device)
    out = None
    start = 0
    with consistent_dropout(module, seed) as masks, torch.no_grad():
        for batch in iter_batches(X, batch_size, net):
            xb = to_device(batch, device)
            passes = []
            for k in range(int(n_samples)):
                masks.sample = k
                passes.append(forward(net, xb, "log_proba").float())
            block = torch.stack(passes, dim=1).cpu().numpy()
            if out is None:
                out = np.empty((n, int(n_samples), block.shape[2]), dtype=np.float32)
            out[start : start + len(block)] = block
            start += len(block)
    if start != n:
        raise ValueError(f"mc_dropout_log_proba: X yielded {start} rows, but has {n}.")
    return np.empty((0, int(n_samples), 0), np.float32) if out is None else out
