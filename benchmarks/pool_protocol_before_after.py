"""The pool protocol (``skal.pools.as_pool``) against the release before it: no slower on large pools.

Two workloads, each run in a fresh process per skal tree, alternating the trees, ``--repeats`` times:

- **memmap**: a 1,000,000 × 64 float32 ``numpy.memmap`` (read-only), ``ActiveLearner(LogisticRegression(),
  Entropy(), initial_strategy=Random())``, 3 rounds of 1,000 labels; the CPU seconds of the scored rounds'
  queries (``history_[k]["query_seconds"]`` is wall time; this process's CPU time around ``fit`` is reported too);
- **imagefolder**: 50,000 random 32×32 RGB PNGs in an ``ImageFolder`` (written once, shared by both trees),
  ``Entropy().fit(dataset, labeled=mask, estimator=net).query(100)`` with an initialized SmallCNN in a skorch
  ``NeuralNetClassifier``, 100 rows labeled: CPU and wall seconds of the query.

    python benchmarks/pool_protocol_before_after.py --before /tmp/skal-before [--repeats 3]

``--before`` is a checkout of the earlier release (``git worktree add /tmp/skal-before <commit>``); the current
tree is this file's. One BLAS / torch thread per process. Writes ``benchmarks/results/pool_protocol.md``.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "results"
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")

MEMMAP = r"""
import json, sys, time
import numpy as np
from sklearn.linear_model import LogisticRegression
from skal import ActiveLearner
from skal.strategies import Entropy, Random
path, n = sys.argv[1], int(sys.argv[2])
X = np.memmap(path, dtype=np.float32, mode="r", shape=(n, 64))
y = (np.asarray(X[:, 0]) > 0).astype(int)
learner = ActiveLearner(LogisticRegression(max_iter=200), Entropy(), initial_strategy=Random(), initial_size=1000,
                        query_size=1000, n_rounds=3, random_state=0, classes=[0, 1])
t0, c0 = time.perf_counter(), time.process_time()
learner.fit(X, y)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
query = sum(h["query_seconds"] for h in learner.history_[1:])
print(json.dumps({"fit_wall": wall, "fit_cpu": cpu, "query_wall": query}))
"""

IMAGES = r"""
import json, sys, time
import numpy as np, torch
from skorch import NeuralNetClassifier
from torchvision import datasets, transforms
from skal.nn.models import SmallCNN
from skal.strategies import Entropy
torch.set_num_threads(1)
dataset = datasets.ImageFolder(sys.argv[1], transform=transforms.ToTensor())
torch.manual_seed(0)
net = NeuralNetClassifier(SmallCNN, module__in_channels=3, module__image_size=32, module__n_classes=10,
                          criterion=torch.nn.CrossEntropyLoss, batch_size=256, classes=np.arange(10)).initialize()
mask = np.zeros(len(dataset), bool)
mask[:100] = True
t0, c0 = time.perf_counter(), time.process_time()
picks = Entropy().fit(dataset, labeled=mask, estimator=net).query(100)
print(json.dumps({"query_wall": time.perf_counter() - t0, "query_cpu": time.process_time() - c0,
                  "picks": [int(i) for i in picks[:5]]}))
"""


def run(tree, script, *args):
    env = dict(ENV, PYTHONPATH=str(tree))
    out = subprocess.run([sys.executable, "-c", script, *map(str, args)], env=env, check=True, capture_output=True)
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def write_images(root, n):
    sys.path.insert(0, str(HERE))
    from imagefolder_throughput import write_tree  # the same tree as benchmarks/imagefolder_throughput.py

    write_tree(root, n)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="a checkout of the earlier release")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--images", type=int, default=50_000)
    args = parser.parse_args()
    trees = {"before": Path(args.before).resolve(), "after": HERE.parent}
    commits = {
        k: subprocess.run(
            ["git", "-C", str(t), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        for k, t in trees.items()
    }
    results = {k: {"memmap": [], "imagefolder": []} for k in trees}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pool.f32"
        X = __import__("numpy").memmap(path, dtype="float32", mode="w+", shape=(args.rows, 64))
        X[:] = __import__("numpy").random.default_rng(0).normal(size=(args.rows, 64)).astype("float32")
        X.flush()
        del X
        write_images(Path(tmp) / "images", args.images)
        for repeat in range(args.repeats):
            for name in ("before", "after") if repeat % 2 == 0 else ("after", "before"):
                results[name]["memmap"].append(run(trees[name], MEMMAP, path, args.rows))
                results[name]["imagefolder"].append(run(trees[name], IMAGES, Path(tmp) / "images"))
                print(name, repeat, results[name]["memmap"][-1], results[name]["imagefolder"][-1], flush=True)
    same = [r["picks"] for r in results["before"]["imagefolder"]] == [
        r["picks"] for r in results["after"]["imagefolder"]
    ]
    med = {
        k: {w: {m: statistics.median(r[m] for r in runs) for m in runs[0] if m != "picks"} for w, runs in v.items()}
        for k, v in results.items()
    }
    lines = [
        "# The pool protocol against the release before it",
        "",
        f"`python benchmarks/pool_protocol_before_after.py --before <checkout of {commits['before']}> --repeats "
        f"{args.repeats}` — before = {commits['before']}, after = {commits['after']} (with uncommitted changes when "
        f"run from a work tree); {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        "one BLAS / torch thread per process; each run in a fresh process, the trees alternating. Medians of "
        f"{args.repeats} runs.",
        "",
        "| workload | measure | before | after | after / before |",
        "|---|---|---:|---:|---:|",
    ]
    for workload, measures in med["before"].items():
        for measure, before in measures.items():
            after = med["after"][workload][measure]
            lines.append(f"| {workload} | {measure} (s) | {before:.2f} | {after:.2f} | {after / before:.2f}× |")
    lines += ["", f"The ImageFolder query picked the same first rows in every run of both trees: {same}.", ""]
    OUT.mkdir(exist_ok=True)
    (OUT / "pool_protocol.md").write_text("\n".join(lines))
    (OUT / "pool_protocol.json").write_text(json.dumps({"commits": commits, "runs": results}, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
