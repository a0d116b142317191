"""Scoring an ImageFolder pool: skal's Entropy vs a bare DataLoader + forward loop, in images per second.

50,000 random 32×32 RGB PNGs (seeded) are written to an ImageFolder tree (10 class folders) in a temporary folder,
read by ``torchvision.datasets.ImageFolder(root, transform=ToTensor())``. A ``SmallCNN(in_channels=3,
image_size=32)`` in a skorch ``NeuralNetClassifier`` is initialized (random weights: the speed of a pass does not
depend on them). For each number of loader workers W, with the same batch size B:

- **bare**: ``DataLoader(dataset, batch_size=B, num_workers=W)``, the module in eval mode under
  ``torch.no_grad()``, softmax of each batch kept: images / second over the whole pool;
- **skal**: ``Entropy().fit(dataset, labeled=mask, estimator=net).query(100)`` with 100 rows labeled (the rest
  are scored) and the net's ``batch_size=B``, ``iterator_valid__num_workers=W``: unlabeled images / second;
- **chunked bare** (diagnostic, W > 0): the bare loop over the unlabeled rows in ``Subset`` chunks of 8,192 rows
  (skal's ``CHUNK_ROWS``), a new ``DataLoader`` per chunk, as skorch's ``predict_proba`` does for each chunk.

Each measurement is repeated (bare, skal, chunked in turn) and the median is reported, after one warm-up pass of
each kind on 2,048 rows.

    python benchmarks/imagefolder_throughput.py [--images 50000] [--batch-size 256] [--workers 2 0]
        [--repeats 3] [--dir /tmp]

Smoke run: ``--images 2000 --repeats 1 --no-write``. Writes ``benchmarks/results/imagefolder_throughput.md``
and ``.json`` (not with ``--no-write``).
"""

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
from _machine import git_commit, load_average, machine  # benchmarks/_machine.py

OUT = Path(__file__).resolve().parent / "results"
N_CLASSES = 10
SIZE = 32
CHUNK_ROWS = 8192  # skal.utils._estimator.CHUNK_ROWS


def cpu_seconds():
    """CPU seconds of this process and its reaped children (the DataLoader workers, joined at the end of a pass)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn, *args, **kwargs):
    """``(images per second of wall time, CPU milliseconds per image)`` of ``fn(*args)``, which returns the count."""
    c0, t0 = cpu_seconds(), time.perf_counter()
    images = fn(*args, **kwargs)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    return images / wall, 1e3 * cpu / images


def _write_block(root, start, stop, seed):
    """Images ``start .. stop - 1``: image i goes to class folder ``i % 10``, pixels from a generator seeded by i."""
    from PIL import Image

    for i in range(start, stop):
        rng = np.random.default_rng([seed, i])
        pixels = rng.integers(0, 256, size=(SIZE, SIZE, 3), dtype=np.uint8)
        Image.fromarray(pixels, mode="RGB").save(Path(root) / f"class_{i % N_CLASSES}" / f"{i:06d}.png")
    return stop - start


def write_tree(root, n, seed=0, jobs=None, block=2_500):
    for c in range(N_CLASSES):
        (Path(root) / f"class_{c}").mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(jobs or os.cpu_count()) as pool:
        futures = [pool.submit(_write_block, str(root), s, min(s + block, n), seed) for s in range(0, n, block)]
        return sum(f.result() for f in futures)


def bare_pass(module, dataset, batch_size, num_workers):
    """A plain loader + forward loop over ``dataset``; returns the number of images."""
    import torch
    from torch.utils.data import DataLoader

    module.eval()
    outputs = []
    with torch.no_grad():
        for xb, _ in DataLoader(dataset, batch_size=batch_size, num_workers=num_workers):
            outputs.append(module(xb).softmax(1))
    assert sum(len(o) for o in outputs) == len(dataset)
    return len(dataset)


def chunked_bare_pass(module, dataset, rows, batch_size, num_workers):
    """The bare loop over ``Subset(dataset, rows)`` in 8,192-row chunks, one DataLoader per chunk (as skal does)."""
    import torch
    from torch.utils.data import DataLoader, Subset

    module.eval()
    outputs = []
    with torch.no_grad():
        for start in range(0, len(rows), CHUNK_ROWS):
            chunk = Subset(dataset, rows[start : start + CHUNK_ROWS].tolist())
            for xb, _ in DataLoader(chunk, batch_size=batch_size, num_workers=num_workers):
                outputs.append(module(xb).softmax(1))
    assert sum(len(o) for o in outputs) == len(rows)
    return len(rows)


def first_batch_seconds(dataset, rows, batch_size, num_workers, times=7):
    """Median seconds from a new ``DataLoader`` over ``Subset(dataset, rows)`` to its first batch (workers started).

    What each 8,192-row chunk pays again when every chunk gets its own loader; the workers are shut down after.
    """
    from torch.utils.data import DataLoader, Subset

    seconds = []
    for _ in range(times):
        t0 = time.perf_counter()
        it = iter(DataLoader(Subset(dataset, rows.tolist()), batch_size=batch_size, num_workers=num_workers))
        next(it)
        seconds.append(time.perf_counter() - t0)
        del it
    return statistics.median(seconds)


def skal_pass(net, dataset, mask, n_query=100):
    """``Entropy().fit(dataset, labeled=mask, estimator=net).query(n_query)``; returns the number of images scored."""
    from skal.strategies import Entropy

    picks = Entropy().fit(dataset, labeled=mask, estimator=net).query(n_query)
    assert len(set(picks.tolist())) == n_query and not mask[picks].any()
    return int((~mask).sum())


def cell(values):
    """``median (v1, v2, ...)`` of images per second."""
    return f"{statistics.median(values):.0f} ({', '.join(f'{v:.0f}' for v in values)})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=50_000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--labeled", type=int, default=100)
    parser.add_argument("--dir", default=None, help="where the PNG tree is written (default: a temporary folder)")
    parser.add_argument("--no-write", action="store_true", help="print the table; write no results file")
    args = parser.parse_args()

    import skorch
    import torch
    import torchvision
    from skorch import NeuralNetClassifier
    from torch.utils.data import Subset
    from torchvision import transforms
    from torchvision.datasets import ImageFolder

    from skal.nn.models import SmallCNN

    root = Path(tempfile.mkdtemp(dir=args.dir))
    load_before, commit = load_average(), git_commit()
    try:
        t0 = time.perf_counter()
        write_tree(root, args.images)
        write_s = time.perf_counter() - t0
        dataset = ImageFolder(str(root), transform=transforms.ToTensor())
        assert len(dataset) == args.images and len(dataset.classes) == N_CLASSES

        mask = np.zeros(len(dataset), dtype=bool)
        mask[np.random.default_rng(0).choice(len(dataset), args.labeled, replace=False)] = True
        rows = np.flatnonzero(~mask)

        runs = []
        for workers in args.workers:
            torch.manual_seed(0)  # the same weights for every W
            net = NeuralNetClassifier(
                SmallCNN, module__n_classes=N_CLASSES, module__in_channels=3, module__image_size=SIZE,
                criterion=torch.nn.CrossEntropyLoss, batch_size=args.batch_size,
                iterator_valid__num_workers=workers, device="cpu",
            ).initialize()  # fmt: skip
            warm = np.ones(len(dataset), dtype=bool)
            warm[rows[:2048]] = False
            bare_pass(net.module_, Subset(dataset, rows[:2048].tolist()), args.batch_size, workers)
            skal_pass(net, dataset, warm, n_query=10)
            passes = {
                "bare": partial(bare_pass, net.module_, dataset, args.batch_size, workers),
                "skal": partial(skal_pass, net, dataset, mask),
            }
            if workers > 0:
                passes["chunked bare"] = partial(
                    chunked_bare_pass, net.module_, dataset, rows, args.batch_size, workers
                )
            speeds = {k: [] for k in passes}
            cpu_ms = {k: [] for k in passes}
            loads = []
            for rep in range(args.repeats):
                names = list(passes)
                for name in names[rep % len(names) :] + names[: rep % len(names)]:  # a rotated order per repeat
                    ips, ms = timed(passes[name])
                    speeds[name].append(ips)
                    cpu_ms[name].append(ms)
                loads.append(load_average())
                print(workers, {k: round(v[-1]) for k, v in speeds.items()}, loads[-1], flush=True)
            first = first_batch_seconds(dataset, rows[: 4 * args.batch_size], args.batch_size, workers)
            runs.append(
                {
                    "workers": workers,
                    "images_per_second": speeds,
                    "cpu_ms_per_image": cpu_ms,
                    "load_average_after_each_repeat": loads,
                    "first_batch_seconds": first,
                    "chunks": -(-len(rows) // CHUNK_ROWS),
                }
            )
    finally:
        shutil.rmtree(root)
    load_after = load_average()

    command = "python benchmarks/imagefolder_throughput.py" + "".join(
        f" --{k} {v}"
        for k, v, d in (
            ("images", args.images, 50_000),
            ("batch-size", args.batch_size, 256),
            ("workers", " ".join(map(str, args.workers)), "2 0"),
            ("repeats", args.repeats, 3),
            ("labeled", args.labeled, 100),
        )
        if v != d
    )
    summary = {
        "command": command,
        "machine": machine(),
        "commit": commit,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "skorch": skorch.__version__,
        "torch_threads": torch.get_num_threads(),
        "images": args.images,
        "batch_size": args.batch_size,
        "labeled": args.labeled,
        "repeats": args.repeats,
        "write_seconds": write_s,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "runs": runs,
    }
    lines = [
        f"# Scoring a {args.images:,}-image ImageFolder pool: skal Entropy vs a bare DataLoader loop",
        "",
        f"`{command}` — skal at {summary['commit']}, {summary['machine']}, "
        f"Python {summary['python']}, torch {summary['torch']} "
        f"({summary['torch_threads']} threads), torchvision {summary['torchvision']}, skorch {summary['skorch']}. "
        f"Load average (1, 5, 15 min) before: {load_before}; after: {load_after}.",
        "",
        f"{args.images:,} random 32×32 RGB PNGs in 10 class folders ({write_s:.0f} s to write), "
        "`ImageFolder(root, transform=ToTensor())`, an initialized `SmallCNN(in_channels=3, image_size=32)` in a "
        f"skorch `NeuralNetClassifier`, batch size {args.batch_size}. bare: `DataLoader(dataset, "
        f"batch_size={args.batch_size}, num_workers=W)` + forward + softmax under `torch.no_grad()`, eval mode, "
        f"over all rows. skal: `Entropy().fit(dataset, labeled=mask, estimator=net).query(100)` with {args.labeled} "
        f"rows labeled ({len(rows):,} scored), `iterator_valid__num_workers=W`. chunked bare: the bare loop over the "
        "same unlabeled rows in `Subset` chunks of 8,192 rows with a new `DataLoader` per chunk (what skal's "
        "`map_rows` in `skal/utils/_scoring.py` and skorch's `predict_proba` do for a `Dataset` pool). Each repeat "
        "runs the kinds in a rotated order. Images / second of wall time, median of "
        f"{args.repeats} (every run in brackets); the ratio is the median over repeats of the ratio to that "
        "repeat's bare pass; CPU ms / image counts this process and its DataLoader workers (less sensitive to "
        "other load on the machine than wall time).",
        "",
        "| workers W | kind | images / s | ratio to bare | CPU ms / image |",
        "|---:|---|---:|---:|---:|",
    ]
    for run in runs:
        speeds, cpu_ms = run["images_per_second"], run["cpu_ms_per_image"]
        for kind in speeds:
            ratios = [v / b for v, b in zip(speeds[kind], speeds["bare"])]
            ratio = "—" if kind == "bare" else f"**{statistics.median(ratios):.2f}×**"
            lines.append(
                f"| {run['workers']} | {kind} | {cell(speeds[kind])} | {ratio} | "
                f"{statistics.median(cpu_ms[kind]):.2f} |"
            )
    lines += [
        "",
        "A new loader's first batch (workers started, one batch read; median of 7) takes "
        + "; ".join(f"{r['first_batch_seconds']:.2f} s at W = {r['workers']}" for r in runs)
        + f". skal's {runs[0]['chunks']} chunks pay it {runs[0]['chunks']} times, the bare loop once.",
        "",
        "Load average (1 min) after each repeat, in order: "
        + "; ".join(
            f"W = {r['workers']}: " + ", ".join(x.split()[0] for x in r["load_average_after_each_repeat"]) for r in runs
        )
        + " (the machine has 2 cores; a benchmark pass itself keeps about 2 busy).",
    ]
    lines += ["", "Target (issue 13): skal ≥ 0.9× the bare loop."]
    print("\n".join(lines))
    if not args.no_write:
        OUT.mkdir(exist_ok=True)
        (OUT / "imagefolder_throughput.json").write_text(json.dumps(summary, indent=1) + "\n")
        (OUT / "imagefolder_throughput.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
