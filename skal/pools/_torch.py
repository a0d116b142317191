"""A map-style torch ``Dataset`` as a pool: rows as ``Subset``, inputs for a skorch net, a cheap fingerprint.

An item of the pool's dataset is ``x`` or ``(x, target, ...)``; skal reads
only ``x`` (the oracle gives the labels). Imported only once torch is.
"""

import hashlib
import re

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Subset

__all__ = ["is_dataset", "subset", "item_input", "InputRows", "LabeledRows", "dataset_fingerprint", "iter_inputs"]


def is_dataset(X):
    """True for a ``torch.utils.data.Dataset`` (map-style)."""
    return isinstance(X, Dataset)


def subset(dataset, rows):
    """``Subset(dataset, rows)``, flattened when ``dataset`` is itself a ``Subset``."""
    rows = np.asarray(rows, dtype=np.intp).reshape(-1)
    if isinstance(dataset, Subset):
        return Subset(dataset.dataset, np.asarray(dataset.indices, dtype=np.intp)[rows].tolist())
    return Subset(dataset, rows.tolist())


def item_input(item):
    """The input of a dataset item: ``x`` of ``(x, target, ...)`` or ``(x,)`` (``TensorDataset(X)``), else the item."""
    if isinstance(item, tuple) and len(item) == 1:
        return item[0]
    return item[0] if isinstance(item, (tuple, list)) and len(item) >= 2 else item


class InputRows(Dataset):
    """Items ``(x, 0)`` of a dataset: what skorch's ``predict_proba`` takes (the target is a placeholder)."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        return item_input(self.dataset[i]), 0


class LabeledRows(Dataset):
    """Items ``(x, code)``: a dataset's inputs with the oracle's labels as codes ``0..C-1``.

    skorch's ``fit(dataset, None)`` trains on the targets a dataset yields, so
    the labels travel inside the dataset; the dataset's own targets are never
    read.
    """

    def __init__(self, dataset, codes):
        if len(codes) != len(dataset):
            raise ValueError(f"LabeledRows: {len(codes)} labels for {len(dataset)} rows.")
        self.dataset = dataset
        self.codes = np.asarray(codes, dtype=np.int64)

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        return item_input(self.dataset[i]), self.codes[i]


def iter_inputs(dataset, batch_size, num_workers=0):
    """Yield the inputs of ``dataset`` in order, ``batch_size`` items per tensor batch."""
    loader = DataLoader(InputRows(dataset), batch_size=batch_size, shuffle=False, num_workers=num_workers)
    for xb, _ in loader:
        yield xb


def dataset_fingerprint(dataset):
    """A digest of a dataset without reading its items.

    A ``Subset`` digests its base dataset and indices; an ``ImageFolder`` /
    ``DatasetFolder`` (anything with a ``samples`` list) its class, length,
    ``samples`` (paths and targets) and its transforms' repr; a ``TensorDataset``
    its tensors; any other dataset only its class and length (weaker: two
    datasets of one class and length look the same).
    """
    h = hashlib.sha256(f"dataset|{type(dataset).__module__}.{type(dataset).__qualname__}|{len(dataset)}".encode())
    if isinstance(dataset, Subset):
        h.update(dataset_fingerprint(dataset.dataset).encode())
        h.update(np.asarray(dataset.indices, dtype=np.int64).tobytes())
    elif isinstance(getattr(dataset, "samples", None), list):
        h.update(repr(dataset.samples).encode())
        for name in ("transform", "target_transform", "transforms"):
            text = re.sub(r" at 0x[0-9a-fA-F]+", "", repr(getattr(dataset, name, None)))  # no addresses
            h.update(f"{name}={text}".encode())
    elif isinstance(dataset, torch.utils.data.TensorDataset):
        from ._fingerprint import pool_fingerprint

        for tensor in dataset.tensors:
            h.update(pool_fingerprint(tensor.detach().cpu().numpy()).encode())
    return h.hexdigest()
