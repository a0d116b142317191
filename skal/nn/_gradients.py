"""Per-sample gradient norms of a skorch net, batched with ``torch.func`` (ALGORITHMS.md §2.10).

GradNorm and LPLgrad score a row by the norm of the gradient of a per-sample
loss with respect to the network's parameters, computed as if that row were a
batch of one, in eval mode. The reference code runs one ``backward()`` per row;
``torch.func.vmap(grad(...))`` over ``functional_call`` computes the same
gradients for a whole chunk of rows at once.
"""

import numpy as np
import torch
from torch.func import functional_call, grad, vmap

from ._embedding import last_linear_name
from ._outputs import first_output, log_proba_fn, to_tensor

__all__ = ["per_sample_grad_norms", "select_parameters", "SAMPLE_LOSSES", "GRAD_NORMS"]


def _entropy_loss(log_proba):
    """H(p) in nats, as ``Categorical(probs).entropy()`` (Wang et al.'s SCHEME=1)."""
    p = log_proba.exp()
    return -(p * log_proba).sum(-1)


def _expected_loss(log_proba):
    """Σ_i p_i · CE(f(x), i) with p not detached (Wang et al.'s SCHEME=0).

    CE(f(x), i) = −log p_i, so this is −Σ p_i log p_i = H(p): the reference's
    expected loss is the entropy, and its gradient norm equals entropy's to
    rounding. (Detaching p would not help: Σ_i p_i ∇log p_i = ∇Σ_i p_i = 0.)
    It is kept so runs can name the reference's scheme.
    """
    p = log_proba.exp()
    return sum(p[..., i] * -log_proba[..., i] for i in range(log_proba.shape[-1]))


#: Per-sample losses of a row's log-probabilities ``(C,)``, by name.
SAMPLE_LOSSES = {"entropy": _entropy_loss, "expected": _expected_loss}

#: How per-tensor gradient norms ``(B, n_tensors)`` become one score per row.
GRAD_NORMS = {
    "sum_of_tensor_norms": lambda norms: norms.sum(1),  # the reference code's Σ_j ‖∇θ_j‖
    "global": lambda norms: norms.square().sum(1).sqrt(),  # the paper's ‖∇θ‖ over all parameters
}


def select_parameters(module, parameters="all"):
    """Names of the trainable parameters of ``module`` picked by ``parameters``.

    Parameters
    ----------
    module : torch.nn.Module
    parameters : "all", "last", str, list of str or callable
        ``"all"``: every parameter with ``requires_grad``; ``"last"``: those of
        the last ``nn.Linear`` (the head); another string or a list of strings:
        parameters whose name starts with one of them (``"layer4"``,
        ``["fc.weight"]``); a callable ``name -> bool``.

    Examples
    --------
    >>> m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    >>> select_parameters(m, "last")
    ['2.weight', '2.bias']
    """
    names = [name for name, p in module.named_parameters() if p.requires_grad]
    if parameters == "all":
        chosen = names
    elif parameters == "last":
        prefix = last_linear_name(module) + "."
        chosen = [n for n in names if n.startswith(prefix)]
    elif callable(parameters):
        chosen = [n for n in names if parameters(n)]
    elif isinstance(parameters, (str, list, tuple)):
        prefixes = [parameters] if isinstance(parameters, str) else list(parameters)
        chosen = [n for n in names if any(n == p or n.startswith(p.rstrip(".") + ".") for p in prefixes)]
    else:
        raise ValueError(f"parameters must be 'all', 'last', a name prefix, a list or a callable; got {parameters!r}.")
    if not chosen:
        raise ValueError(
            f"parameters={parameters!r} selects no trainable parameter; names start with "
            f"{sorted({n.split('.')[0] for n in names})[:10]}."
        )
    return chosen


def _auto_batch_size(n_params):
    # vmap holds one gradient per row: keep a chunk's gradients near 256 MiB of float32.
    return int(max(1, min(512, (1 << 26) // max(1, n_params))))


def per_sample_grad_norms(
    net,
    X,
    *,
    loss="entropy",
    norm="sum_of_tensor_norms",
    parameters="all",
    batch_size=None,
    method="vmap",
):
    """The gradient norm of a per-sample loss for each row of ``X``, as float64 ``(n,)``.

    Each row is treated as a batch of one with the module in eval mode (dropout
    off, BatchNorm on running statistics), as the reference code scores; the
    module's parameters and training flags are left as they were.

    Parameters
    ----------
    net : initialized skorch NeuralNet
        Its ``criterion_`` must be ``CrossEntropyLoss`` or ``NLLLoss``.
    X : array of shape (n, ...)
        Rows in the form the module takes them (float32 for the zoo's models).
    loss : "entropy", "expected" or callable
        The per-sample loss of the row's log-probabilities ``(C,)`` (see
        ``SAMPLE_LOSSES``); a callable gets that tensor and returns a scalar.
    norm : "sum_of_tensor_norms" or "global"
        ``"sum_of_tensor_norms"`` (default) is what the reference code computes,
        Σ_j ‖∇θ_j loss‖₂ over parameter tensors; ``"global"`` is the paper's
        norm of the whole gradient, √Σ_j ‖∇θ_j loss‖₂².
    parameters : "all", "last", str, list or callable
        Which parameters the gradient is taken for; see :func:`select_parameters`.
    batch_size : int, optional
        Rows per vectorised chunk; by default chosen so a chunk's gradients
        take about 256 MiB.
    method : "vmap" or "loop"
        ``"vmap"``: ``torch.func`` (fast). ``"loop"``: one ``backward()`` per row,
        the reference procedure, for modules ``vmap`` cannot trace.

    Examples
    --------
    >>> from skorch import NeuralNetClassifier
    >>> net = NeuralNetClassifier(torch.nn.Linear(4, 3), criterion=torch.nn.CrossEntropyLoss).initialize()
    >>> per_sample_grad_norms(net, np.ones((2, 4), np.float32)).shape
    (2,)
    """
    if isinstance(loss, str):
        if loss not in SAMPLE_LOSSES:
            raise ValueError(f"loss must be one of {sorted(SAMPLE_LOSSES)} or a callable; got {loss!r}.")
        loss = SAMPLE_LOSSES[loss]
    if norm not in GRAD_NORMS:
        raise ValueError(f"norm must be one of {sorted(GRAD_NORMS)}; got {norm!r}.")
    if method not in ("vmap", "loop"):
        raise ValueError(f"method must be 'vmap' or 'loop'; got {method!r}.")
    module = net.module_
    names = select_parameters(module, parameters)
    to_log_proba = log_proba_fn(net)
    n_params = sum(p.numel() for n, p in module.named_parameters() if n in set(names))
    batch_size = batch_size or _auto_batch_size(n_params)
    flags = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        run = _norms_vmap if method == "vmap" else _norms_loop
        return run(module, X, names, loss, to_log_proba, GRAD_NORMS[norm], batch_size, net.device)
    finally:
        for m, training in flags:
            m.training = training


def _norms_vmap(module, X, names, loss, to_log_proba, reduce, batch_size, device):
    chosen = set(names)
    params = {n: p.detach() for n, p in module.named_parameters() if n in chosen}
    frozen = {n: p.detach() for n, p in module.named_parameters() if n not in chosen}
    frozen.update(module.named_buffers())

    def sample_loss(params, x):
        out = first_output(functional_call(module, {**params, **frozen}, (x.unsqueeze(0),)))
        return loss(to_log_proba(out)[0])

    grads_of = vmap(grad(sample_loss), in_dims=(None, 0), randomness="different")
    scores = np.empty(len(X), dtype=np.float64)
    for start in range(0, len(X), batch_size):
        xb = to_tensor(X[start : start + batch_size], device)
        grads = grads_of(params, xb)
        norms = torch.stack([torch.linalg.vector_norm(grads[n].flatten(1), dim=1) for n in names], dim=1)
        scores[start : start + len(xb)] = reduce(norms.double()).cpu().numpy()
    return scores


def _norms_loop(module, X, names, loss, to_log_proba, reduce, batch_size, device):
    by_name = dict(module.named_parameters())
    chosen = [by_name[n] for n in names]
    scores = np.empty(len(X), dtype=np.float64)
    for i in range(len(X)):
        x = to_tensor(X[i : i + 1], device)
        # autograd.grad leaves the parameters' .grad untouched (no zero_grad needed)
        grads = torch.autograd.grad(loss(to_log_proba(first_output(module(x)))[0]), chosen, allow_unused=True)
        norms = torch.stack([torch.linalg.vector_norm(g) if g is not None else torch.zeros((), device=device) for g in grads])
        scores[i] = reduce(norms.double()[None])[0].item()
    return scores
