"""Loaders for real offline datasets: keras-style .npz, idx files, CIFAR-10 folders, CSV tables, digits.

Every image loader returns a :class:`sklearn.utils.Bunch` with ``x_train``,
``y_train``, ``x_test``, ``y_test`` (uint8 images, int labels) and ``classes``.
"""

import gzip
import pickle
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._home import get_data_home, not_found

__all__ = [
    "UnsafePickleError",
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
    "FASHION_MNIST_DIR",
]

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def load_npz(path, name=None):
    """A keras-style ``.npz`` (``x_train, y_train, x_test, y_test``, optional ``classes``), no pickle."""
    with np.load(path, allow_pickle=False) as data:
        missing = {"x_train", "y_train", "x_test", "y_test"} - set(data.files)
        if missing:
            raise ValueError(
                f"{path} lacks arrays {sorted(missing)}; a keras-style .npz holds x_train, y_train, x_test, y_test."
            )
        out = Bunch(**{k: data[k] for k in ("x_train", "y_train", "x_test", "y_test")}, name=name or Path(path).stem)
        out.classes = data["classes"] if "classes" in data.files else np.unique(out.y_train)
    out.y_train = out.y_train.astype(np.int64).ravel()
    out.y_test = out.y_test.astype(np.int64).ravel()
    return out


def load_idx(path):
    """An idx array (MNIST format), gzipped or not."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 8:
        raise ValueError(f"{path} is not an unsigned-byte idx file (magic {data[:4]!r}).")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape).copy()


def _idx_set(folder, name, classes):
    folder = Path(folder)

    def part(stem):
        for candidate in (folder / f"{stem}.gz", folder / stem):
            if candidate.exists():
                return load_idx(candidate)
        raise FileNotFoundError(folder / stem)

    return Bunch(
        x_train=part("train-images-idx3-ubyte"),
        y_train=part("train-labels-idx1-ubyte").astype(np.int64),
        x_test=part("t10k-images-idx3-ubyte"),
        y_test=part("t10k-labels-idx1-ubyte").astype(np.int64),
        classes=np.asarray(classes),
        name=name,
    )


def _load_named(name, data_home, idx_dir=None, classes=None):
    home = get_data_home(data_home)
    looked = [home / f"{name}.npz"]
    if looked[0].exists():
        return load_npz(looked[0], name)
    if idx_dir is not None:
        looked.append(Path(idx_dir))
        if (Path(idx_dir) / "train-images-idx3-ubyte.gz").exists() or (
            Path(idx_dir) / "train-images-idx3-ubyte"
        ).exists():
            return _idx_set(idx_dir, name, classes)
    raise not_found(name, home, looked)


def load_mnist(data_home=None):
    """MNIST: 60,000 / 10,000 28×28 gray digits, from ``DATA_HOME/mnist.npz``."""
    return _load_named("mnist", data_home, idx_dir=get_data_home(data_home) / "mnist", classes=np.arange(10))


def load_fashion_mnist(data_home=None, idx_dir=FASHION_MNIST_DIR):
    """Fashion-MNIST: ``DATA_HOME/fashion-mnist.npz``, else the idx files of Debian's ``dataset-fashion-mnist``."""
    return _load_named("fashion-mnist", data_home, idx_dir=idx_dir, classes=FASHION_CLASSES)


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle file refers to something a CIFAR-10 batch never holds; it was not loaded (no code ran)."""


def _numpy_internal(name):
    """``_reconstruct`` / ``_frombuffer`` from numpy 2's ``numpy._core`` or numpy 1's ``numpy.core``."""
    import importlib

    module = "multiarray" if name == "_reconstruct" else "numeric"
    for package in ("numpy._core", "numpy.core"):
        try:
            return getattr(importlib.import_module(f"{package}.{module}"), name)
        except (ImportError, AttributeError):
            continue
    raise ImportError(f"numpy has no {name}")  # pragma: no cover


def _cifar_globals():
    """What a CIFAR-10 python batch may refer to, by the (module, name) its pickle uses.

    The official files (Python 2, protocol 2) hold a dict of bytes, a list of ints, a list of bytes and one
    uint8 array (rebuilt by numpy's ``_reconstruct`` from ``ndarray`` and ``dtype``); re-pickled by Python 3
    they may also use ``_codecs.encode`` and ``bytes`` (protocol 2) or numpy's ``_frombuffer`` (protocol 5).
    """
    import codecs

    reconstruct, frombuffer = _numpy_internal("_reconstruct"), _numpy_internal("_frombuffer")
    return {
        ("numpy.core.multiarray", "_reconstruct"): reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): reconstruct,
        ("numpy.core.numeric", "_frombuffer"): frombuffer,
        ("numpy._core.numeric", "_frombuffer"): frombuffer,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): codecs.encode,
        ("__builtin__", "bytes"): bytes,
        ("builtins", "bytes"): bytes,
    }


class _CifarUnpickler(pickle.Unpickler):
    """Unpickles CIFAR-10 batches only: any other class or function is refused before it is imported."""

    def __init__(self, file, path):
        super().__init__(file, encoding="bytes")
        self.path = path
        self.allowed = _cifar_globals()

    def find_class(self, module, name):
        try:
            return self.allowed[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"{self.path}: refusing to unpickle {module}.{name}: a CIFAR-10 batch holds only numpy arrays, "
                "lists and bytes, so this file is not one (it may be crafted to run code; nothing from it ran). "
                "Replace the cifar-10-batches-py folder with the official CIFAR-10 python batches, or use a "
                "cifar10.npz instead (`make data`; see the README's section 'Datasets, models and benchmarks')."
            ) from None

    def persistent_load(self, pid):
        raise UnsafePickleError(f"{self.path}: refusing a pickle persistent id; a CIFAR-10 batch has none.")


def load_cifar_batch(path):
    """One CIFAR-10 python batch file as ``(x, y)``: uint8 NHWC images and int64 labels.

    Unpickled with an allow-list (numpy arrays, lists, bytes): a file that refers to anything else raises
    :class:`UnsafePickleError` and nothing in it runs.
    """
    path = Path(path)
    with open(path, "rb") as f:
        batch = _CifarUnpickler(f, path).load()
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise ValueError(f"{path} is not a CIFAR-10 batch (a dict with b'data' and b'labels').")
    x = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return x, np.asarray(batch[b"labels"], dtype=np.int64)


def _cifar_batches(folder):
    train = [load_cifar_batch(folder / f"data_batch_{i}") for i in range(1, 6)]
    x_test, y_test = load_cifar_batch(folder / "test_batch")
    return Bunch(
        x_train=np.concatenate([x for x, _ in train]),
        y_train=np.concatenate([y for _, y in train]),
        x_test=x_test,
        y_test=y_test,
        classes=np.asarray(CIFAR10_CLASSES),
        name="cifar10",
    )


def load_cifar10(data_home=None):
    """CIFAR-10 as uint8 NHWC: ``DATA_HOME/cifar10.npz`` or a torchvision ``cifar-10-batches-py`` folder."""
    home = get_data_home(data_home)
    npz, folder = home / "cifar10.npz", home / "cifar-10-batches-py"
    if npz.exists():
        return load_npz(npz, "cifar10")
    if (folder / "data_batch_1").exists():
        return _cifar_batches(folder)
    raise not_found("cifar10", home, [npz, folder])


def load_csv(path, label_column, n_train=None):
    """A CSV table with a label column, as ``(X, y)`` or a train/test Bunch.

    Parameters
    ----------
    path : str or Path
    label_column : str
        The column holding the label; every other column must be numeric.
    n_train : int, optional
        If given, the first ``n_train`` rows are the training split and the rest
        the test split (the usual split of several UCI tables).
    """
    import csv

    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    if label_column not in header:
        raise ValueError(f"{path} has no column {label_column!r}; its columns are {header}.")
    j = header.index(label_column)
    y = np.array([r[j] for r in body])
    X = np.array([[float(v) for k, v in enumerate(r) if k != j] for r in body], dtype=np.float64)
    if n_train is None:
        return X, y
    return Bunch(x_train=X[:n_train], y_train=y[:n_train], x_test=X[n_train:], y_test=y[n_train:], classes=np.unique(y))


def _find_csv(name, filename, folder, data_home):
    """``DATA_HOME/filename`` or ``DATA_HOME/folder/filename``, or a not-found error saying how to get ``name``."""
    home = get_data_home(data_home)
    looked = [home / filename, home / folder / filename]
    path = next((p for p in looked if p.exists()), None)
    if path is None:
        raise not_found(name, home, looked)
    return path


def _table(name, label_column, n_train, data_home):
    out = load_csv(_find_csv(name, f"{name}.csv", "tabular", data_home), label_column, n_train)
    out.name = name
    return out


def load_letter_recognition(data_home=None):
    """UCI Letter Recognition: 16 features, 26 classes; first 16,000 rows train, last 4,000 test."""
    return _table("letter_recognition", "lettr", 16_000, data_home)


def load_satellite(data_home=None):
    """Statlog Landsat satellite: 36 features, 6 classes; first 4,435 rows train, last 2,000 test."""
    return _table("satellite", "classes", 4_435, data_home)


def load_spam(data_home=None):
    """UCI Spambase: 57 features, 2 classes; a fixed stratified split of 3,601 train / 1,000 test rows.

    The table has no usual split, so one is drawn once (``random_state=0``) and
    is the same on every machine.
    """
    from sklearn.model_selection import train_test_split

    X, y = load_csv(_find_csv("spam", "spam.csv", "tabular", data_home), "type")
    x_train, x_test, y_train, y_test = train_test_split(X, y, test_size=1000, stratify=y, random_state=0)
    return Bunch(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test, classes=np.unique(y), name="spam")


def load_small_fine_foods(data_home=None):
    """Amazon fine food reviews (4,000 train / 1,000 test): review text and a ``great``/``other`` score.

    ``x_train`` and ``x_test`` are object arrays of strings; turn them into
    features yourself (e.g. :class:`sklearn.feature_extraction.text.TfidfVectorizer`).
    """
    import csv

    out = {}
    for split in ("train", "test"):
        path = _find_csv("small_fine_foods", f"small_fine_foods_{split}.csv", "text", data_home)
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        out[f"x_{split}"] = np.array([r["review"] for r in rows], dtype=object)
        out[f"y_{split}"] = np.array([r["score"] for r in rows])
    return Bunch(**out, classes=np.unique(out["y_train"]), name="small_fine_foods")


def load_digits_split(test_size=0.3, random_state=0):
    """scikit-learn's bundled digits (8×8, 1,797 images) in a stratified train/test split, scaled to [0, 1]."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=random_state
    )
    return Bunch(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test, classes=np.arange(10), name="digits")
