"""Where datasets live: ``data_home``, ``$SKAL_DATA``, or ``~/.cache/skal-data``."""

import os
from pathlib import Path

__all__ = ["get_data_home", "DatasetNotFoundError", "HOW_TO_GET"]

#: Where to read about every dataset: the project's README.
README_HINT = "see the README's section 'Datasets, models and benchmarks'"

HOW_TO_GET = {
    "mnist": (
        f"run `make data` (it writes mnist.npz into .data/), or put a keras-style mnist.npz in DATA_HOME; {README_HINT}"
    ),
    "fashion-mnist": (
        "apt-get install -y dataset-fashion-mnist (idx files in /usr/share/datasets/fashion-mnist), then `make data`; "
        f"or put a keras-style fashion-mnist.npz in DATA_HOME; {README_HINT}"
    ),
    "cifar10": (
        "run `make data` (it writes cifar10.npz into .data/), or put a keras-style cifar10.npz or torchvision's "
        f"cifar-10-batches-py folder in DATA_HOME; {README_HINT}"
    ),
    "letter_recognition": (
        "copy letter_recognition.csv (UCI Letter Recognition, column 'lettr') into DATA_HOME (`make data` does); "
        f"{README_HINT}"
    ),
    "satellite": (
        f"copy satellite.csv (Statlog Landsat, column 'classes') into DATA_HOME (`make data` does); {README_HINT}"
    ),
    "spam": f"copy spam.csv (UCI Spambase, column 'type') into DATA_HOME (`make data` does); {README_HINT}",
    "small_fine_foods": (
        "copy small_fine_foods_train.csv and small_fine_foods_test.csv (Amazon fine food reviews, columns 'review' "
        f"and 'score') into DATA_HOME (`make data` does); {README_HINT}"
    ),
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
