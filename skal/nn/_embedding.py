"""Features of a skorch net: the input of its last ``nn.Linear`` (or a named layer), batched, eval mode."""

import numpy as np
import torch

from ._batches import iter_batches, resolve_batch_size
from ._forward import forward
from ._modes import eval_mode

__all__ = ["embed", "last_linear_name"]


def last_linear_name(module):
    """Name of the last ``nn.Linear`` registered in ``module`` (its head, for the zoo's models)."""
    names = [name for name, m in module.named_modules() if isinstance(m, torch.nn.Linear)]
    if not names:
        raise ValueError(
            f"{type(module).__name__} has no nn.Linear layer; pass embed(..., layer='name') with a layer of "
            f"{[n for n, _ in module.named_modules() if n][:10]}."
        )
    return names[-1]


def embed(net, X, layer=None, batch_size=None, return_proba=False):
    """Features of ``X`` from an initialized skorch net, as float32 ``(n, d)``.

    Parameters
    ----------
    net : skorch NeuralNet, initialized (fitted or random weights)
    X : array of shape (n, ...), dict of arrays, torch ``Dataset`` or pool object
        A ``Dataset`` (items ``x`` or ``(x, target)``) is streamed through a
        ``DataLoader`` (``iterator_valid__num_workers`` of the net sets its
        workers); a pool object (:class:`skal.pools.ParquetPool`) is read with
        ``take``, batch by batch; a dict (``input_ids``, ``attention_mask``)
        reaches the module's ``forward`` as keyword arguments.
    layer : str, optional
        Default: the *input* of the net's last ``nn.Linear`` (the penultimate
        features). A name (as in ``module.named_modules()``) takes that layer's
        *output*, flattened.
    batch_size : int, optional
        Rows per forward pass; default the net's ``batch_size`` (its -1: all
        rows at once).
    return_proba : bool
        Also return the net's ``predict_proba`` from the same pass (what BADGE
        needs): skorch's own output nonlinearity (softmax for ``CrossEntropyLoss``).

    Examples
    --------
    >>> from skorch import NeuralNetClassifier
    >>> net = NeuralNetClassifier(torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)))
    >>> net = net.initialize()
    >>> embed(net, np.zeros((5, 4), np.float32)).shape
    (5, 8)
    """
    module = net.module_
    target_name = layer or last_linear_name(module)
    modules = dict(module.named_modules())
    if target_name not in modules:
        raise ValueError(f"no layer named {target_name!r}; layers: {[n for n in modules if n][:20]}")
    features, probas = [], []
    batch_size = resolve_batch_size(batch_size, net, X)
    # only the features asked: the pass stops at the layer
    output = ("features", "proba") if return_proba else "features"
    with eval_mode(module), torch.no_grad():
        for batch in iter_batches(X, batch_size, net):
            out = forward(net, batch, output, layer=target_name, layer_input=layer is None)
            value, proba = out if return_proba else (out, None)
            features.append(value.detach().flatten(1).float().cpu().numpy().copy())  # not a view the module may reuse
            if return_proba:
                probas.append(proba.float().cpu().numpy().astype(np.float64))
    E = np.concatenate(features).astype(np.float32, copy=False) if features else np.empty((0, 0), np.float32)
    if return_proba:
        return E, (np.concatenate(probas) if probas else np.empty((0, 0)))
    return E
