"""Seeds: one root seed per ``fit``, derived seeds for every round and purpose.

Every source of randomness in skal flows from a ``random_state`` through these
helpers, so the same seed gives the same queries on CPU.
"""

import sys
from contextlib import contextmanager, nullcontext
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["as_generator", "root_seed", "derive_seed", "seed_params", "torch_seed", "torch_seed_if_loaded"]

_MAX_SEED = 2**32 - 1


def as_generator(random_state):
    """Turn ``None``, an int, a ``RandomState`` or a ``Generator`` into a Generator.

    A ``RandomState`` is advanced by one draw, as sklearn does when it hands a
    seed on to a sub-estimator.

    Examples
    --------
    >>> as_generator(0).integers(10) == as_generator(0).integers(10)
    np.True_
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, Integral):
        return np.random.default_rng(random_state)
    return np.random.default_rng(check_random_state(random_state).randint(_MAX_SEED))


def root_seed(random_state):
    """An int seed for a whole run: the int itself, a draw from a generator, or fresh entropy."""
    if isinstance(random_state, Integral):
        return int(random_state)
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    return int(as_generator(random_state).integers(_MAX_SEED))


def derive_seed(seed, *keys):
    """A seed for one purpose of one round, e.g. ``derive_seed(root, round_, "train")``.

    Different keys give independent streams; the same keys give the same seed.

    Examples
    --------
    >>> derive_seed(0, 1, "query") == derive_seed(0, 1, "query")
    True
    >>> derive_seed(0, 1, "query") == derive_seed(0, 2, "query")
    False
    """
    words = [int(seed)]
    for key in keys:
        if isinstance(key, str):
            words.extend(key.encode())
        else:
            words.append(int(key))
    return int(np.random.SeedSequence(words).generate_state(1)[0])


def seed_params(estimator, seed, _path="root", round_=None):
    """Set every ``random_state`` parameter that is still ``None`` to a derived int.

    Walks nested estimators, including those held in lists and tuples (a
    ``Mix`` of strategies, a ``Pipeline``'s steps); each gets its own seed from
    its path. Seeds the user fixed are left alone, except with ``round_ > 0``:
    an active-learning round ``k`` then gets ``derive_seed(seed_given, k, path)``,
    so a strategy given ``random_state=0`` draws a new stream each round
    instead of replaying round 0's (``Random(random_state=0)`` would otherwise
    pick the same positions of the remaining rows every round, neighbours of
    the last round's picks). Returns the estimator, changed in place.

    Examples
    --------
    >>> from skal.strategies import Random
    >>> seed_params(Random(), 5).random_state == seed_params(Random(), 5).random_state
    True
    >>> [seed_params(Random(random_state=0), 5, round_=k).random_state == 0 for k in (0, 1)]
    [True, False]
    """
    if not hasattr(estimator, "get_params"):
        return estimator
    for key, value in sorted(estimator.get_params(deep=False).items()):
        path = f"{_path}__{key}"
        if key == "random_state" and value is None:
            estimator.set_params(random_state=derive_seed(seed, path))
        elif key == "random_state" and round_:
            estimator.set_params(random_state=derive_seed(root_seed(value), round_, path))
        else:
            _seed_nested(value, seed, path, round_)
    return estimator


def _seed_nested(value, seed, path, round_=None):
    if hasattr(value, "get_params") and not isinstance(value, type):
        seed_params(value, seed, path, round_)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _seed_nested(item, seed, f"{path}[{i}]", round_)


@contextmanager
def torch_seed(seed):
    """Run a block under ``torch.manual_seed(seed)`` and restore the global RNG after.

    Weight initialisation, data-loader shuffling and dropout of a skorch net all
    draw from torch's global generator; forking it keeps a user's own torch
    random stream untouched by skal.
    """
    import torch

    with torch.random.fork_rng():
        torch.manual_seed(seed)
        yield


def torch_seed_if_loaded(seed):
    """:func:`torch_seed` when torch is loaded, else nothing: a scikit-learn-only run never imports torch.

    Code that is not loaded cannot draw from torch's generator; what imports
    torch later (a SimCLR embedding, say) seeds its own generator.
    """
    return torch_seed(seed) if "torch" in sys.modules else nullcontext()
