"""Per-sample gradient norms of a skorch net, batched with ``torch.func`` (GradNorm: Wang et al., AAAI 2022; LPLgrad:
preprint, code ``sgchr273/LPLgrad``).

GradNorm and LPLgrad score a row by the norm of the gradient of a per-sample
loss with respect to the network's parameters, computed as if that row were a
batch of one, in eval mode. The reference code runs one ``backward()`` per row;
``torch.func.vmap(grad(...))`` over ``functional_call`` computes the same
gradients for a whole chunk of rows at once.
"""

import numpy as np
import torch
from torch.func import functional_call, grad, vmap

from ..pools._protocol import n_rows
from ._batches import first_row, iter_batches, resolve_batch_size
from ._embedding import last_linear_name
from ._forward import batch_rows, forward, map_tensors, module_args, slice_rows, to_device
from ._modes import eval_mode
from ._outputs import first_output, log_proba_fn

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
    return int(max(1, min(256, (1 << 26) // max(1, n_params))))


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
    X : array of shape (n, ...), dict of arrays, torch ``Dataset`` or pool object
        Rows in the form the module takes them (float32 for the zoo's models).
        It is read in order, one chunk at a time: a ``Dataset`` (items ``x``
        or ``(x, target)``) through a ``DataLoader`` (``iterator_valid__num_workers``
        of the net sets its workers), a pool object
        (:class:`skal.pools.ParquetPool`) with ``take``. A dict
        (``input_ids``, ``attention_mask``) reaches the module's ``forward`` as
        keyword arguments, as skorch passes it, on every path (``vmap`` maps
        over each of its entries).
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
        Rows per vectorised chunk (``"loop"``: rows read at a time); by default
        at most 256, fewer when a chunk's per-sample gradients would pass
        about 256 MiB (``"loop"``: the net's ``batch_size``, 256 when it has
        none or -1).
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
    run = _norms_vmap if method == "vmap" else _norms_loop
    with eval_mode(module):
        return run(module, X, names, loss, to_log_proba, GRAD_NORMS[norm], batch_size, net)


def _shortcut_layers(module, names, X, device):
    """Selected layers whose per-sample parameter gradients come from two small factors, with one sample's shapes.

    For a layer called once per forward, the per-sample gradient of its
    parameters is built from the gradient ``g`` at its output and its input
    ``a``: ``g aᵀ`` for a Linear on one vector (so ``‖∇W‖ = ‖g‖·‖a‖``,
    Goodfellow 2015), the weight gradient of a convolution of that sample
    alone, ``Σ g·â`` and ``Σ g`` over positions for a BatchNorm on running
    statistics (``â`` the normalised input). Only the gradients at layer
    *outputs* are then back-propagated, a plain batched backward, instead of
    forming every per-sample gradient of every parameter. One dry forward
    pass finds the layers where this holds: a layer applied twice (weight
    sharing), a Linear on a sequence, a convolution with a string padding or
    a non-zero padding mode, a BatchNorm without running statistics keep the
    plain per-sample gradient. The pass reads only the first row of ``X``
    (an array, a ``Dataset`` or a pool object).

    Returns ``{name: (module, input shape of one sample, output shape of one sample)}``.
    """
    selected = set(names)
    layers = {
        name: m
        for name, m in module.named_modules()
        if isinstance(m, _SHORTCUT_TYPES) and ({f"{name}.weight", f"{name}.bias"} & selected)
    }
    if not layers or n_rows(X) == 0:
        return {}
    calls = {name: [] for name in layers}
    handles = [
        m.register_forward_hook(
            lambda mod, inp, out, name=name: calls[name].append((inp[0].dim(), inp[0].shape[1:], out.shape[1:]))
        )
        for name, m in layers.items()
    ]
    try:
        with torch.no_grad():
            forward(module, first_row(X), "raw", device=device)
    finally:
        for h in handles:
            h.remove()
    found = {}
    for name, m in layers.items():
        if len(calls[name]) != 1:
            continue
        ndim, in_shape, out_shape = calls[name][0]
        if isinstance(m, torch.nn.Linear):
            usable = ndim == 2
        elif isinstance(m, torch.nn.Conv2d):
            usable = ndim == 4 and m.padding_mode == "zeros" and not isinstance(m.padding, str)
        else:  # BatchNorm in eval mode normalises with its running statistics only when it keeps them
            usable = m.running_mean is not None and ndim >= 2
        if usable:
            found[name] = (m, tuple(in_shape), tuple(out_shape))
    return found


_SHORTCUT_TYPES = (torch.nn.Linear, torch.nn.Conv2d, torch.nn.modules.batchnorm._BatchNorm)
# rows per grouped convolution when per-sample convolution weight gradients are formed
_CONV_CHUNK = 32


def _capture(m, inputs):
    """What a shortcut layer's norms need of its input batch: the row norms for a Linear, the input otherwise."""
    return torch.linalg.vector_norm(inputs, dim=1) if isinstance(m, torch.nn.Linear) else inputs


def _conv_weight_norms(m, inputs, out_grads):
    """Per-sample ‖∇W‖ of a convolution from its inputs ``(B, C, H, W)`` and output gradients ``(B, O, H', W')``.

    With ``G = (B, O, P)`` and the unfolded input ``U = (B, C·k², P)``, the
    gradient is ``G Uᵀ``. When P² < O·C·k² (and one group) its squared norm
    is computed as ``Σ_pq (GᵀG)_pq (UᵀU)_pq`` in float64 (the "ghost" norm:
    P × P instead of O × C·k²); otherwise the per-sample gradients are formed
    ``_CONV_CHUNK`` rows at a time by one grouped convolution backward, the
    rows taken as groups, which never materialises the unfolded patches.
    """
    G = out_grads.flatten(2)
    n_positions = G.shape[2]
    fan_in = (m.in_channels // m.groups) * int(np.prod(m.kernel_size))
    if m.groups == 1 and n_positions * n_positions < m.out_channels * fan_in:
        U = torch.nn.functional.unfold(inputs, m.kernel_size, dilation=m.dilation, padding=m.padding, stride=m.stride)
        G, U = G.double(), U.double()
        gram = (torch.bmm(G.transpose(1, 2), G) * torch.bmm(U.transpose(1, 2), U)).sum((1, 2))
        return gram.clamp_min(0).sqrt()
    norms = []
    for start in range(0, len(inputs), _CONV_CHUNK):
        a, g = inputs[start : start + _CONV_CHUNK], out_grads[start : start + _CONV_CHUNK]
        b = len(a)
        weight = m.weight.new_empty((b * m.out_channels, *m.weight.shape[1:]))
        _, grads, _ = torch.ops.aten.convolution_backward(
            g.reshape(1, b * m.out_channels, *g.shape[2:]),
            a.reshape(1, b * m.in_channels, *a.shape[2:]),
            weight,
            None,
            list(m.stride),
            list(m.padding),
            list(m.dilation),
            False,
            [0, 0],
            b * m.groups,
            [False, True, False],
        )
        norms.append(torch.linalg.vector_norm(grads.view(b, -1), dim=1))
    return torch.cat(norms)


def _shortcut_column(m, kind, captured, g):
    """Per-sample ‖∇‖ of a shortcut layer's ``weight`` or ``bias`` from what was captured and its output gradients."""
    if kind == "bias":
        return torch.linalg.vector_norm(g.flatten(2).sum(2) if g.dim() > 2 else g, dim=1)
    if isinstance(m, torch.nn.Conv2d):
        return _conv_weight_norms(m, captured, g)
    if isinstance(m, torch.nn.Linear):
        return torch.linalg.vector_norm(g, dim=1) * captured
    view = (1, -1) + (1,) * (captured.dim() - 2)  # BatchNorm: γ multiplies the normalised input
    normalised = (captured - m.running_mean.view(view)) * torch.rsqrt(m.running_var.view(view) + m.eps)
    product = g * normalised
    return torch.linalg.vector_norm(product.flatten(2).sum(2) if product.dim() > 2 else product, dim=1)


def _auto_chunk(params, shortcut):
    per_row = sum(p.numel() for p in params.values())
    for _, in_shape, out_shape in shortcut.values():  # captured input, the output, its shifted copy, its gradient
        per_row += int(np.prod(in_shape)) + 3 * int(np.prod(out_shape))
    if params:
        return _auto_batch_size(per_row)
    # one batched backward: about 64 MiB of float32 activations a chunk keeps them near the cache (SmallCNN at
    # 28 × 28: 81 rows, 1.07 s for 1,000 rows on one thread against 1.58 s at 256 rows; benchmarks/README.md)
    return int(max(1, min(256, (1 << 24) // max(1, per_row))))


def _rows_independent(module, X, net):
    """Whether the module's output for a row is the same alone as in a batch (checked on the first two rows).

    In eval mode every standard layer treats rows apart; a module that mixes
    rows (attention across the batch, BatchNorm on batch statistics) makes
    one batched backward give the gradient of the batch's loss, not each row's.
    """
    pair = to_device(next(iter(iter_batches(X, 2, net))), net.device)
    if batch_rows(pair) < 2:
        return True
    with torch.no_grad():
        together = forward(net, pair, "logits")
        alone = torch.cat([forward(net, slice_rows(pair, slice(i, i + 1)), "logits") for i in range(2)])
    return together.shape == alone.shape and torch.allclose(together, alone, rtol=1e-4, atol=1e-6)


def _norms_vmap(module, X, names, loss, to_log_proba, reduce, batch_size, net):
    device = net.device
    shortcut = _shortcut_layers(module, names, X, device)
    shortcut_params = {f"{name}.{kind}" for name in shortcut for kind in ("weight", "bias")}
    chosen = set(names) - shortcut_params
    params = {n: p.detach() for n, p in module.named_parameters() if n in chosen}
    if not params and _rows_independent(module, X, net):
        # every selected parameter's per-sample gradient comes from its layer's output gradient: one plain
        # batched backward of the rows' summed losses gives each row's output gradients
        return _norms_batched(module, X, names, loss, to_log_proba, reduce, batch_size, net, shortcut)
    frozen = {n: p.detach() for n, p in module.named_parameters() if n not in chosen}
    frozen.update(module.named_buffers())
    batch_size = batch_size or _auto_chunk(params, shortcut)
    # the gradient at a shortcut layer's output is taken through a zero shift added to that output
    shifts = {
        name: torch.zeros(out_shape, device=device, dtype=m.weight.dtype)
        for name, (m, _, out_shape) in shortcut.items()
    }
    state = {}

    def shift_output(name):
        def hook(mod, inputs, output):
            state["captured"][name] = _capture(mod, inputs[0])[0]  # inside vmap the batch is the one sample
            return output + state["shifts"][name]

        return hook

    def sample_loss(params, shifts, x):
        state["shifts"], state["captured"] = shifts, {}
        # the row as a batch of one, passed as skorch's infer passes a batch (a dict as keywords)
        args, kwargs = module_args(map_tensors(lambda t: t.unsqueeze(0), x))
        out = first_output(functional_call(module, {**params, **frozen}, args, kwargs))
        return loss(to_log_proba(out)[0]), dict(state["captured"])

    grads_of = vmap(grad(sample_loss, argnums=(0, 1), has_aux=True), in_dims=(None, None, 0), randomness="different")
    handles = [m.register_forward_hook(shift_output(name)) for name, (m, _, _) in shortcut.items()]
    scores = np.empty(n_rows(X), dtype=np.float64)
    start = 0
    try:
        for batch in iter_batches(X, batch_size, net):
            xb = to_device(batch, device)
            (grads, output_grads), captured = grads_of(params, shifts, xb)
            columns = []
            for n in names:
                if n in grads:
                    columns.append(torch.linalg.vector_norm(grads[n].flatten(1), dim=1))
                    continue
                layer, kind = n.rsplit(".", 1)
                columns.append(_shortcut_column(shortcut[layer][0], kind, captured[layer], output_grads[layer]))
            rows = batch_rows(xb)
            scores[start : start + rows] = reduce(torch.stack(columns, dim=1).double()).cpu().numpy()
            start += rows
    finally:
        for h in handles:
            h.remove()
    return _check_count(scores, start)


def _norms_batched(module, X, names, loss, to_log_proba, reduce, batch_size, net, shortcut):
    """Per-sample norms from one batched forward and backward a chunk, every selected parameter in ``shortcut``."""
    device = net.device
    batch_size = batch_size or _auto_chunk({}, shortcut)
    state = {}

    def shift_output(name):
        def hook(mod, inputs, output):
            state["captured"][name] = _capture(mod, inputs[0])
            # a fresh leaf per batch: its gradient is the output gradient of each row, even if a later
            # in-place operation (ReLU(inplace=True)) overwrites the output
            shift = state["shifts"][name] = torch.zeros_like(output, requires_grad=True)
            return output + shift

        return hook

    row_loss = vmap(loss)
    handles = [m.register_forward_hook(shift_output(name)) for name, (m, _, _) in shortcut.items()]
    scores = np.empty(n_rows(X), dtype=np.float64)
    start = 0
    try:
        for batch in iter_batches(X, batch_size, net):
            xb = to_device(batch, device)
            state["shifts"], state["captured"] = {}, {}
            with torch.enable_grad():
                losses = row_loss(forward(net, xb, "log_proba"))
                layers = list(state["shifts"])
                output_grads = dict(
                    zip(layers, torch.autograd.grad(losses.sum(), [state["shifts"][k] for k in layers]))
                )
            with torch.no_grad():
                columns = []
                for n in names:
                    layer, kind = n.rsplit(".", 1)
                    columns.append(
                        _shortcut_column(shortcut[layer][0], kind, state["captured"][layer], output_grads[layer])
                    )
                rows = batch_rows(xb)
                scores[start : start + rows] = reduce(torch.stack(columns, dim=1).double()).cpu().numpy()
            start += rows
    finally:
        for h in handles:
            h.remove()
        state.clear()
    return _check_count(scores, start)


def _norms_loop(module, X, names, loss, to_log_proba, reduce, batch_size, net):
    device = net.device
    by_name = dict(module.named_parameters())
    chosen = [by_name[n] for n in names]
    scores = np.empty(n_rows(X), dtype=np.float64)
    zero = torch.zeros((), device=device)
    i = 0
    for batch in iter_batches(X, resolve_batch_size(batch_size, net, X), net):
        xb = to_device(batch, device)
        for j in range(batch_rows(xb)):  # one backward per row, a batch of one
            # autograd.grad leaves the parameters' .grad untouched (no zero_grad needed)
            log_p = forward(net, slice_rows(xb, slice(j, j + 1)), "log_proba")
            grads = torch.autograd.grad(loss(log_p[0]), chosen, allow_unused=True)
            norms = torch.stack([torch.linalg.vector_norm(g) if g is not None else zero for g in grads])
            scores[i] = reduce(norms.double()[None])[0].item()
            i += 1
    return _check_count(scores, i)


def _check_count(scores, n_read):
    if n_read != len(scores):
        raise ValueError(f"per_sample_grad_norms: X yielded {n_read} rows, but has {len(scores)}.")
    return scores
