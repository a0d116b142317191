"""Where datasets live: ``data_home``, ``$SKAL_DATA``, or ``~/.cache/skal-data``."""

import os
from pathlib import Path

__all__ = ["get_data_home", "DatasetNotFoundError", "HOW_TO_GET"]

HOW_TO_GET = {
    "mnist": "python ../shared/datasets/prepare.py --out DATA_HOME mnist  (or any keras-style mnist.npz)",
    "fashion-mnist": (
        "apt-get install -y dataset-fashion-mnist  (idx files in /usr/share/datasets/fashion-mnist), "
        "or python ../shared/datasets/prepare.py --out DATA_HOME fashion-mnist"
    ),
    "cifar10": (
        "python ../shared/datasets/prepare.py --out DATA_HOME cifar10, or put torchvision's "
        "cifar-10-batches-py folder in DATA_HOME"
    ),
    "letter_recognition": "copy letter_recognition.csv (UCI Letter Recognition, column 'lettr') into DATA_HOME",
    "satellite": "copy satellite.csv (Statlog Landsat, column 'classes') into DATA_HOME",
}


class DatasetNotFoundError(FileNotFoundError):
    """A dataset is not on disk; the message says how to obtain it."""


def get_data_home(data_home=None):
    """The dataset folder: ``data_home``, else ``$SKAL_DATA``, else ``~/.cache/skal-data``.

    Examples
    --------
    >>> str(get_data_home("/tmp/somewhere"))
    '/tmp/somewhere'
    """
    if data_home is None:
        data_home = os.environ.get("SKAL_DATA") or Path.home() / ".cache" / "skal-data"
    return Path(data_home).expanduser()


def not_found(name, data_home, looked):
    how = HOW_TO_GET.get(name, "place the file in DATA_HOME").replace("DATA_HOME", str(data_home))
    return DatasetNotFoundError(
        f"dataset '{name}' not found (looked in: {', '.join(str(p) for p in looked)}). To get it: {how}. "
        "Set SKAL_DATA or pass data_home= to point skal at another folder."
    )
