"""One context manager for the train/eval flags of a torch module: set them for a block, restore every one after."""

from contextlib import contextmanager

__all__ = ["eval_mode"]


@contextmanager
def eval_mode(module, train=()):
    """``module`` in eval mode for the block, submodules of the types ``train`` in train mode; all flags restored.

    Every submodule's ``training`` flag is saved on entry and written back on
    exit, also when the block raises, so a module whose submodules were in
    mixed modes comes back exactly as it went in (``module.train(flag)`` would
    overwrite them all with one flag).

    Parameters
    ----------
    module : torch.nn.Module
    train : type or tuple of types, default ()
        Submodules of these types are put in train mode (e.g. the dropout
        layers, for Monte Carlo dropout); every other submodule is in eval mode.

    Yields
    ------
    module

    Examples
    --------
    >>> import torch
    >>> m = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5), torch.nn.BatchNorm1d(2))
    >>> _ = m[2].eval()  # mixed flags: the container and two layers train, BatchNorm evaluates
    >>> with eval_mode(m, train=torch.nn.Dropout):
    ...     [layer.training for layer in m]
    [False, True, False]
    >>> m.training, [layer.training for layer in m]
    (True, [True, True, False])
    """
    flags = [(m, m.training) for m in module.modules()]
    try:
        module.eval()
        for m in module.modules():
            if isinstance(m, train):
                m.train()
        yield module
    finally:
        for m, training in flags:
            m.training = training
