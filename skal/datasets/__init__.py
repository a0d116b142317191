"""Real offline datasets and imbalance makers.

Datasets live in ``data_home`` (argument), ``$SKAL_DATA``, or ``~/.cache/skal-data``;
a missing one raises :class:`DatasetNotFoundError` saying how to get it.
"""

from ._home import DatasetNotFoundError, get_data_home
from ._imbalance import class_counts_profile, make_class_subset, make_imbalanced
from ._loaders import (
    UnsafePickleError,
    load_cifar10,
    load_cifar_batch,
    load_csv,
    load_digits_split,
    load_fashion_mnist,
    load_idx,
    load_letter_recognition,
    load_mnist,
    load_npz,
    load_satellite,
    load_small_fine_foods,
    load_spam,
)

LOADERS = {
    "digits": load_digits_split,
    "mnist": load_mnist,
    "fashion-mnist": load_fashion_mnist,
    "cifar10": load_cifar10,
    "letter_recognition": load_letter_recognition,
    "satellite": load_satellite,
    "spam": load_spam,
    "small_fine_foods": load_small_fine_foods,
}


def load(name, data_home=None):
    """Load a dataset by name (see ``LOADERS``)."""
    if name not in LOADERS:
        raise ValueError(f"unknown dataset {name!r}; known: {sorted(LOADERS)}.")
    return LOADERS[name]() if name == "digits" else LOADERS[name](data_home)


__all__ = [
    "DatasetNotFoundError",
    "UnsafePickleError",
    "get_data_home",
    "load",
    "LOADERS",
    "load_npz",
    "load_idx",
    "load_mnist",
    "load_fashion_mnist",
    "load_cifar10",
    "load_cifar_batch",
    "load_csv",
    "load_letter_recognition",
    "load_satellite",
    "load_spam",
    "load_small_fine_foods",
    "load_digits_split",
    "make_imbalanced",
    "make_class_subset",
    "class_counts_profile",
]
