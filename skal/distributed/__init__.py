"""Scoring a pool on a cluster: :class:`RayPool` (``pip install skal[ray]``).

Importing this package does not import Ray; building a :class:`RayPool` does.
"""

from ._ray import RayPool, is_ray_dataset

__all__ = ["RayPool", "is_ray_dataset"]
