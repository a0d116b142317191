"""Pools that are not in-memory arrays, shared by the tests of this folder: an ImageFolder of PNGs, a Parquet pool."""

import numpy as np
import pytest

from ..conftest import make_blobs_pool


@pytest.fixture(scope="session")
def image_folder(tmp_path_factory):
    """60 8x8 RGB PNGs in 3 class folders, and the oracle's labels in ImageFolder's row order."""
    tv = pytest.importorskip("torchvision")
    from PIL import Image

    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for k in range(60):
        c = k % 3
        folder = root / f"class{c}"
        folder.mkdir(exist_ok=True)
        pixels = np.clip(rng.normal(60 + 70 * c, 40, size=(8, 8, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"{k:03d}.png")
    dataset = tv.datasets.ImageFolder(str(root), transform=tv.transforms.ToTensor())
    y = np.array([target for _, target in dataset.samples])
    return dataset, y


@pytest.fixture
def parquet_pool(tmp_path):
    """A ``ParquetPool`` over three files (120 rows, 8 float32 columns), its rows as an array, the labels."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from skal.pools import ParquetPool

    X, y = make_blobs_pool(n=120)
    X = X.astype(np.float32)
    columns = [f"x{k}" for k in range(X.shape[1])]
    for part in range(3):  # three files, read through a glob
        rows = slice(40 * part, 40 * (part + 1))
        table = pa.table({**{c: X[rows, k] for k, c in enumerate(columns)}, "label": y[rows]})
        pq.write_table(table, tmp_path / f"part{part}.parquet", row_group_size=16)
    return ParquetPool(str(tmp_path / "*.parquet"), columns=columns), X, y
