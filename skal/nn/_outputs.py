"""From a skorch net's raw module output to log-probabilities, differentiably."""

import numpy as np
import torch

__all__ = ["log_proba_fn", "first_output", "to_tensor", "resolve_device"]


def first_output(out):
    """A module may return ``(logits, extra...)``; skorch uses the first element."""
    return out[0] if isinstance(out, (tuple, list)) else out


def resolve_device(device="auto"):
    """``"auto"``: CUDA when present, else the CPU; any other name as given (``"cpu"``, ``"cuda:1"``).

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    """
    return ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device


def to_tensor(X, device):
    """A numpy batch (or tensor) as a tensor on ``device``."""
    return torch.as_tensor(np.asarray(X) if not torch.is_tensor(X) else X).to(device)


def log_proba_fn(net):
    """The function mapping the module's output to log class probabilities.

    skorch's ``NeuralNetClassifier`` pairs ``CrossEntropyLoss`` with a module
    that returns logits (then ``log_softmax``) and ``NLLLoss`` with one that
    returns probabilities (then ``log(p + eps)``, as skorch's own ``get_loss``
    does). Any other criterion raises an error naming the fix.
    """
    criterion = getattr(net, "criterion_", None)
    if isinstance(criterion, torch.nn.CrossEntropyLoss):
        return lambda out: torch.log_softmax(out, dim=-1)
    if isinstance(criterion, torch.nn.NLLLoss):
        return lambda out: torch.log(out + torch.finfo(out.dtype).eps)
    raise TypeError(
        f"skal needs class probabilities from the net's output, but its criterion is "
        f"{type(criterion).__name__}; use criterion=torch.nn.CrossEntropyLoss (module returns logits) "
        "or torch.nn.NLLLoss (module returns probabilities)."
    )
