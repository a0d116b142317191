"""One forward pass of a batch through a skorch net, by the net's own ``infer``, returning what was asked.

Every forward pass :mod:`skal.nn` runs over a pool (MC dropout, gradient
norms, features, predicted losses, the self-supervised and VAAL models) goes
through :func:`forward`, so a batch reaches the module's ``forward`` as skorch
passes it: a tensor as one argument, a dict (``{"input_ids": ...,
"attention_mask": ...}``) as keyword arguments, a list of tensors (a
``Dataset`` whose inputs are tuples) as one argument.
"""

from collections.abc import Mapping

import torch

from ._outputs import first_output, log_proba_fn, to_tensor

__all__ = ["forward", "OUTPUTS", "to_device", "batch_rows", "slice_rows", "map_tensors", "module_args"]

#: What :func:`forward` can return, by name.
OUTPUTS = ("raw", "logits", "log_proba", "proba", "proba_sigmoid", "mean", "features")


class _Reached(BaseException):
    """Raised by a feature hook once every asked layer is captured: the rest of the forward pass is not run.

    A ``BaseException``, so a module's own ``except Exception`` cannot swallow it.
    """


def _is_structure(xb):
    """A list or tuple of tensors (or dicts): several inputs, as skorch's ``to_tensor`` keeps them."""
    if not isinstance(xb, (list, tuple)) or not xb:
        return False
    return all(torch.is_tensor(v) or isinstance(v, Mapping) for v in xb)


def map_tensors(fn, xb):
    """``fn`` applied to every tensor of a batch: a tensor, a dict of them or a list/tuple of them (nested).

    Examples
    --------
    >>> map_tensors(lambda t: t * 2, {"a": torch.ones(1), "b": [torch.ones(1)]})
    {'a': tensor([2.]), 'b': [tensor([2.])]}
    """
    if isinstance(xb, Mapping):
        return {key: map_tensors(fn, value) for key, value in xb.items()}
    if isinstance(xb, (list, tuple)):
        return [map_tensors(fn, value) for value in xb]
    return fn(xb)


def to_device(xb, device):
    """A batch as tensors on ``device``, its structure kept as skorch keeps it.

    A dict gives a dict, a list or tuple of tensors a list (skorch's
    ``to_tensor``); anything else (an ndarray, a memmap slice, a list of
    rows of numbers) one tensor, ``torch.as_tensor(np.asarray(xb))``.

    Examples
    --------
    >>> import numpy as np
    >>> to_device({"ids": np.array([[1, 2]]), "mask": np.array([[1, 0]])}, "cpu")
    {'ids': tensor([[1, 2]]), 'mask': tensor([[1, 0]])}
    """
    if isinstance(xb, Mapping):
        return {key: to_device(value, device) for key, value in xb.items()}
    if _is_structure(xb):
        return [to_device(value, device) for value in xb]
    return to_tensor(xb, device)


def batch_rows(xb):
    """Rows in a batch: its length, or that of its first tensor for a dict or a list of tensors.

    Examples
    --------
    >>> import numpy as np
    >>> batch_rows({"ids": np.zeros((3, 5)), "mask": np.zeros((3, 5))}), batch_rows(np.zeros((2, 4)))
    (3, 2)
    """
    if isinstance(xb, Mapping):
        return batch_rows(next(iter(xb.values())))
    if _is_structure(xb):
        return batch_rows(xb[0])
    return len(xb)


def slice_rows(xb, rows):
    """Rows ``rows`` (a slice) of a batch of tensors, its structure kept.

    Examples
    --------
    >>> slice_rows({"ids": torch.arange(4)}, slice(1, 3))
    {'ids': tensor([1, 2])}
    """
    if isinstance(xb, Mapping):
        return {key: slice_rows(value, rows) for key, value in xb.items()}
    if _is_structure(xb):
        return [slice_rows(value, rows) for value in xb]
    return xb[rows]


def module_args(xb):
    """``(args, kwargs)`` that call a module on a batch as skorch's ``infer`` does: a dict as keywords.

    Examples
    --------
    >>> module_args({"input_ids": 1}), module_args(2)
    (((), {'input_ids': 1}), ((2,), {}))
    """
    if isinstance(xb, Mapping):
        return (), dict(xb)
    return (xb,), {}


def _device_of(module):
    for tensor in module.parameters():
        return tensor.device
    for tensor in module.buffers():
        return tensor.device
    return torch.device("cpu")


def forward(net, xb, output="log_proba", *, layer=None, layer_input=False, device=None):
    """Run one batch through ``net`` and return ``output``: log-probabilities, probabilities, a mean, features.

    The batch is moved to the net's device (:func:`to_device`: a dict or a
    list of tensors keeps its structure) and run by skorch's
    ``net.infer(xb)``, which passes a dict as keyword arguments of the
    module's ``forward``. Nothing else is changed: the caller sets the
    module's train/eval flags and the gradient mode.

    Parameters
    ----------
    net : skorch NeuralNet (initialized) or torch.nn.Module
        A bare module is called as ``infer`` calls one: ``module(**xb)`` for a
        dict, ``module(xb)`` otherwise.
    xb : ndarray, tensor, dict or list of them
        One batch of rows.
    output : str or tuple of str, default="log_proba"
        ``"raw"``: the module's output as is (a tuple stays a tuple);
        ``"logits"`` and ``"mean"`` (a regressor's): its first element (skorch
        uses the first of a tuple); ``"log_proba"``: log class probabilities
        for the net's criterion (``CrossEntropyLoss``: ``log_softmax``,
        ``NLLLoss``: ``log(p + eps)``); ``"proba"``: skorch's
        ``predict_proba`` of the batch (the net's predict nonlinearity);
        ``"proba_sigmoid"``: per-label probabilities, ``sigmoid`` of the
        logits; ``"features"``: what ``layer`` returned (or took, with
        ``layer_input``), as it was. A tuple of names returns a tuple. When
        only features are asked, the pass stops at ``layer``: the layers
        after it are not run.
    layer : str, optional
        A name of ``module.named_modules()``; needed for ``"features"``. The
        layer's first call in the pass is taken.
    layer_input : bool, default=False
        Take the layer's (first) input instead of its output: for the last
        ``nn.Linear``, the penultimate features.
    device : str or torch.device, optional
        Default: ``net.device``; a bare module's first parameter's device.

    Returns
    -------
    tensor, tuple of tensors, or whatever the module returns (``"raw"``)

    Examples
    --------
    >>> import numpy as np
    >>> from skorch import NeuralNetClassifier
    >>> class Bag(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.emb, self.out = torch.nn.Embedding(10, 4), torch.nn.Linear(4, 3)
    ...     def forward(self, input_ids, attention_mask):
    ...         mask = attention_mask.unsqueeze(-1).float()
    ...         return self.out((self.emb(input_ids) * mask).sum(1) / mask.sum(1))
    >>> net = NeuralNetClassifier(Bag, criterion=torch.nn.CrossEntropyLoss).initialize()
    >>> batch = {"input_ids": np.array([[1, 2, 0], [3, 0, 0]]), "attention_mask": np.array([[1, 1, 0], [1, 0, 0]])}
    >>> log_p = forward(net, batch)
    >>> log_p.shape, bool(torch.allclose(log_p.exp().sum(1), torch.ones(2)))
    (torch.Size([2, 3]), True)
    >>> forward(net, batch, "features", layer="out", layer_input=True).shape
    torch.Size([2, 4])
    """
    names = (output,) if isinstance(output, str) else tuple(output)
    unknown = [name for name in names if name not in OUTPUTS]
    if unknown or not names:
        raise ValueError(f"output must be one of {OUTPUTS} or a tuple of them; got {output!r}.")
    is_net = hasattr(net, "infer") and hasattr(net, "module_")
    module = net.module_ if is_net else net
    if device is None:
        device = net.device if is_net else _device_of(module)
    xb = to_device(xb, device)
    captured, handle = [], None
    if "features" in names:
        modules = dict(module.named_modules())
        if layer not in modules:
            raise ValueError(
                f"output='features' needs layer= one of the module's layers; got {layer!r}. Layers: "
                f"{[n for n in modules if n][:20]}"
            )
        stop = names == ("features",)  # nothing after the layer is needed: the pass ends there

        def keep(value):
            if not captured:
                captured.append(value)
                if stop:
                    raise _Reached

        if layer_input:
            handle = modules[layer].register_forward_pre_hook(lambda mod, inputs: keep(inputs[0]))
        else:
            handle = modules[layer].register_forward_hook(lambda mod, inputs, out: keep(first_output(out)))
    out = None
    try:
        if is_net:
            out = net.infer(xb)
        else:
            args, kwargs = module_args(xb)
            out = module(*args, **kwargs)
    except _Reached:
        pass
    finally:
        if handle is not None:
            handle.remove()
    if "features" in names and not captured:
        raise ValueError(f"layer {layer!r} was not called by the forward pass of {type(module).__name__}.")
    results = []
    for name in names:
        if name == "raw":
            results.append(out)
        elif name in ("logits", "mean"):
            results.append(first_output(out))
        elif name == "log_proba":
            results.append(log_proba_fn(net)(first_output(out)))
        elif name == "proba":
            results.append(net._get_predict_nonlinearity()(first_output(out)))
        elif name == "proba_sigmoid":
            results.append(torch.sigmoid(first_output(out)))
        else:
            results.append(captured[0])
    return results[0] if isinstance(output, str) else tuple(results)
