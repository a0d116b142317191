"""Loaders on tiny generated files in every supported format."""

import gzip
import pickle

import numpy as np
import pytest

from skal.datasets import (
    DatasetNotFoundError,
    UnsafePickleError,
    get_data_home,
    load,
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
)


def write_idx(path, array, gz=True):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    opener = gzip.open if gz else open
    with opener(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8), np.array([0, 1, 2, 3, 4, 5])


@pytest.mark.parametrize("gz", [True, False])
def test_idx_roundtrip(tmp_path, images, gz):
    x, _ = images
    path = tmp_path / ("a.idx.gz" if gz else "a.idx")
    write_idx(path, x, gz)
    np.testing.assert_array_equal(load_idx(path), x)


def test_idx_rejects_other_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="idx"):
        load_idx(tmp_path / "bad")


def test_fashion_mnist_from_idx_folder(tmp_path, images):
    x, y = images
    for stem, arr in [
        ("train-images-idx3-ubyte", x),
        ("train-labels-idx1-ubyte", y),
        ("t10k-images-idx3-ubyte", x[:2]),
        ("t10k-labels-idx1-ubyte", y[:2]),
    ]:
        write_idx(tmp_path / f"{stem}.gz", arr)
    data = load_fashion_mnist(data_home=tmp_path / "empty", idx_dir=tmp_path)
    np.testing.assert_array_equal(data.x_train, x)
    assert data.y_test.tolist() == [0, 1] and data.classes[0] == "T-shirt/top"


def test_npz_and_data_home_env(tmp_path, images, monkeypatch):
    x, y = images
    np.savez(tmp_path / "mnist.npz", x_train=x, y_train=y, x_test=x[:2], y_test=y[:2])
    monkeypatch.setenv("SKAL_DATA", str(tmp_path))
    assert get_data_home() == tmp_path
    data = load_mnist()
    assert data.x_train.shape == (6, 28, 28) and data.y_train.dtype == np.int64
    np.testing.assert_array_equal(load("mnist").y_test, [0, 1])


def test_npz_missing_arrays(tmp_path):
    np.savez(tmp_path / "x.npz", x_train=np.zeros(2))
    with pytest.raises(ValueError, match="keras-style"):
        load_npz(tmp_path / "x.npz")


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_cifar_folder(tmp_path, protocol):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        # the official layout: batch_label, labels, data, filenames (an empty name exercises protocol 2's bytes())
        batch = {
            b"batch_label": b"training batch 1 of 5",
            b"data": rng.integers(0, 256, (2, 3072), dtype=np.uint8),
            b"labels": [1, 7],
            b"filenames": [b"a.png", b""],
        }
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f, protocol=protocol)
    data = load_cifar10(tmp_path)
    assert data.x_train.shape == (10, 32, 32, 3) and data.x_test.shape == (2, 32, 32, 3)
    # channel-first rows become HWC images: pixel (0, 0) of image 0 is bytes 0, 1024, 2048
    with open(folder / "data_batch_1", "rb") as f:
        raw = pickle.load(f)[b"data"][0]
    assert data.x_train[0, 0, 0].tolist() == [raw[0], raw[1024], raw[2048]]


class _RunsCode:
    """A pickle whose loading calls ``call(arg)``: what a crafted batch file does."""

    def __init__(self, call, arg):
        self.call, self.arg = call, arg

    def __reduce__(self):
        return self.call, (self.arg,)


def _crafted_payloads(marker):
    import builtins
    import os

    code = f"open({str(marker)!r}, 'w').write('ran')"
    return {
        "os.system": _RunsCode(os.system, f"touch {marker}"),
        "builtins.eval": _RunsCode(builtins.eval, code),
        "builtins.exec": _RunsCode(builtins.exec, code),
    }


@pytest.mark.parametrize("payload", ["os.system", "builtins.eval", "builtins.exec"])
@pytest.mark.parametrize("where", ["top", "nested"])
def test_crafted_cifar_batch_is_refused_and_runs_nothing(tmp_path, payload, where):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    marker = tmp_path / "marker"
    evil = _crafted_payloads(marker)[payload]
    batch = evil if where == "top" else {b"data": np.zeros((1, 3072), np.uint8), b"labels": [evil]}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f, protocol=2)
    with pytest.raises(UnsafePickleError, match="data_batch_1: refusing to unpickle .*make data") as info:
        load_cifar10(tmp_path)
    assert str(folder / "data_batch_1") in str(info.value)
    assert not marker.exists()
    # the benchmark loader goes through the same path
    with pytest.raises(UnsafePickleError):
        load("cifar10", tmp_path)
    assert not marker.exists()


@pytest.mark.parametrize(
    "module, name",
    [("numpy", "load"), ("numpy.core.multiarray", "scalar"), ("builtins", "getattr"), ("posix", "system")],
)
def test_cifar_unpickler_allows_only_the_batch_format(tmp_path, module, name):
    path = tmp_path / "batch"
    path.write_bytes(b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n.")
    with pytest.raises(UnsafePickleError, match=f"refusing to unpickle {module}.{name}"):
        load_cifar_batch(path)


def test_cifar_batch_that_is_not_a_dict(tmp_path):
    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(ValueError, match="not a CIFAR-10 batch"):
        load_cifar_batch(path)


def test_csv_tables(tmp_path):
    (tmp_path / "satellite.csv").write_text("a,b,classes\n1,2,x\n3,4,y\n5,6,x\n")
    X, y = load_csv(tmp_path / "satellite.csv", "classes")
    assert X.tolist() == [[1, 2], [3, 4], [5, 6]] and y.tolist() == ["x", "y", "x"]
    with pytest.raises(ValueError, match="no column"):
        load_csv(tmp_path / "satellite.csv", "label")
    (tmp_path / "tabular").mkdir()
    rows = "\n".join(f"{i},{i * 2},{'AB'[i % 2]}" for i in range(20_000))
    (tmp_path / "tabular" / "letter_recognition.csv").write_text("f1,f2,lettr\n" + rows + "\n")
    data = load_letter_recognition(tmp_path)
    assert data.x_train.shape == (16_000, 2) and data.x_test.shape == (4_000, 2)
    assert data.x_test[0].tolist() == [16_000, 32_000]


@pytest.mark.parametrize(
    "loader, name", [(load_mnist, "mnist"), (load_cifar10, "cifar10"), (load_satellite, "satellite")]
)
def test_missing_dataset_says_how_to_get_it(tmp_path, loader, name):
    with pytest.raises(DatasetNotFoundError, match=f"dataset '{name}' not found.*To get it") as info:
        loader(tmp_path)
    # hints stay inside the project: `make data` and the README, never a path outside it
    assert "make data" in str(info.value) and "README" in str(info.value) and "../" not in str(info.value)


def test_no_hint_names_a_path_outside_the_project():
    from skal.datasets._home import HOW_TO_GET

    assert all("../" not in how and "shared" not in how for how in HOW_TO_GET.values())


def test_digits_split_is_stratified_and_scaled():
    data = load_digits_split()
    assert data.x_train.max() <= 1.0 and len(data.x_train) + len(data.x_test) == 1797
    assert np.bincount(data.y_test).min() >= 50
