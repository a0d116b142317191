"""Utilities: seeds, validation, selection, and the public strategy contract check."""

from ._random import as_generator, derive_seed
from ._selection import top_k

__all__ = ["as_generator", "derive_seed", "top_k"]
