"""BatchBALD, BALD and Random on Repeated MNIST, 10 labels a round (Kirsch, van Amersfoort & Gal, NeurIPS 2019).

Repeated MNIST as in the paper: every pool image appears three times, each copy
with its own isotropic Gaussian noise (standard deviation 0.1 on the normalised
pixels). A strategy that scores rows one by one (BALD) takes all three copies
of an informative image in the same batch; BatchBALD's joint mutual information
gives the second copy little value once the first is in the batch.

Set-up (scaled to two CPU cores; the paper uses all 60,000 images on a GPU):
``--n-base`` MNIST training images drawn at random per seed (default 1,000, so
3,000 pool rows), a 20-row random initial pool, then ``--rounds`` rounds of 10
labels, each model trained from scratch (a small CNN with two dropout layers,
Adam, 60 epochs); accuracy on the first 2,000 MNIST test images. BALD and
BatchBALD use 20 dropout samples; BatchBALD uses its defaults otherwise.
Recorded per round: test accuracy, query seconds, and how many of the round's
10 picks were *redundant*: a copy of an image already labeled or already
picked in the same batch.

Run (each seed in its own process; MNIST in ``.data/mnist.npz``, ``make data``)::

    SKAL_DATA=.data OMP_NUM_THREADS=1 python benchmarks/batchbald_repeated_mnist.py --seeds 0
    ... --seeds 1, --seeds 2, then
    python benchmarks/batchbald_repeated_mnist.py --summarize

Writes ``benchmarks/results/batchbald_repeated_mnist/seed<k>.json`` and ``.../summary.md``.
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from skorch import NeuralNetClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import git_commit  # noqa: E402

from skal import ActiveLearner  # noqa: E402
from skal.datasets import load  # noqa: E402
from skal.strategies import BALD, BatchBALD, Random  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "batchbald_repeated_mnist"
STRATEGIES = {
    "BatchBALD": lambda: BatchBALD(n_samples=20),
    "BALD": lambda: BALD(n_samples=20),
    "Random": lambda: Random(),
}
# no random_state on the strategies: the learner seeds them anew each round from its own (a fixed int would
# replay the same random stream every round)


class Net(torch.nn.Module):
    """Two 5×5 convolutions (16, 32 channels) with max-pooling, dropout 0.5, 128 units, dropout 0.5."""

    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(1, 16, 5),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(16, 32, 5),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Dropout(0.5),
            torch.nn.Flatten(),
            torch.nn.Linear(512, 128),
            torch.nn.ReLU(),
            torch.nn.Dropout(0.5),
        )
        self.head = torch.nn.Linear(128, 10)

    def forward(self, x):
        return self.head(self.features(x))


def repeated_mnist(n_base, seed):
    """``(X_pool, y_pool, base, X_test, y_test)``: n_base images three times with N(0, 0.1) noise each."""
    data = load("mnist")
    X, y, X_test, y_test = data.x_train, data.y_train, data.x_test, data.y_test
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(X), n_base, replace=False)

    def norm(a):
        return ((a.astype(np.float32) / 255.0 - 0.1307) / 0.3081)[:, None]

    base = np.repeat(np.arange(n_base), 3)
    X_pool = norm(X[rows])[base]
    X_pool = (X_pool + rng.normal(0.0, 0.1, X_pool.shape)).astype(np.float32)
    return X_pool, y[rows][base].astype(np.int64), base, norm(X_test[:2000]), y_test[:2000].astype(np.int64)


def net(seed):
    return NeuralNetClassifier(
        Net,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=60,
        batch_size=64,
        train_split=None,
        verbose=0,
        iterator_valid__batch_size=1024,
    )


def redundant(queried, base, labeled_before):
    """Picks whose image is already labeled, or already picked earlier in the same batch."""
    seen = set(base[labeled_before].tolist())
    count = 0
    for row in queried:
        count += base[row] in seen
        seen.add(base[row])
    return int(count)


def run_seed(seed, n_base, rounds):
    X, y, base, X_test, y_test = repeated_mnist(n_base, seed)
    out = {"seed": seed, "n_base": n_base, "pool_rows": len(X), "strategies": {}}
    for name, make in STRATEGIES.items():
        torch.manual_seed(seed)
        t0 = time.perf_counter()
        learner = ActiveLearner(
            net(seed),
            make(),
            initial_strategy=Random(),
            initial_size=20,
            query_size=10,
            n_rounds=rounds,
            random_state=seed,
        ).fit(X, y, eval_set=(X_test, y_test))
        labeled = np.zeros(len(X), bool)
        records = []
        for rec in learner.history_:
            queried = np.asarray(rec["queried"], dtype=np.intp)
            records.append(
                {
                    "round": rec["round"],
                    "n_labeled": rec["n_labeled"],
                    "accuracy": rec["score"],
                    "query_seconds": rec["query_seconds"],
                    "redundant": redundant(queried, base, labeled) if rec["round"] > 0 else None,
                }
            )
            labeled[queried] = True
        out["strategies"][name] = {"rounds": records, "seconds": time.perf_counter() - t0}
        print(name, seed, [round(r["accuracy"], 3) for r in records], flush=True)
    return out


def labels_to(records, target):
    for r in records:
        if r["accuracy"] >= target:
            return r["n_labeled"]
    return None


def summarize():
    runs = [json.loads(p.read_text()) for p in sorted(OUT.glob("seed*.json"))]
    if not runs:
        raise SystemExit(f"no seed*.json in {OUT}; run with --seeds first.")
    names = list(runs[0]["strategies"])
    lines = [
        "# BatchBALD, BALD and Random on Repeated MNIST (10 labels per round)",
        "",
        f"Seeds {[r['seed'] for r in runs]}; {runs[0]['n_base']} MNIST images × 3 noisy copies = "
        f"{runs[0]['pool_rows']} pool rows per seed; 20 random initial labels; accuracy on 2,000 MNIST test images.",
        f"Commits (per seed) {', '.join(str(r.get('commit')) for r in runs)}; {runs[0].get('machine')}. "
        "Commands: the docstring of `benchmarks/batchbald_repeated_mnist.py`.",
        "",
        "| strategy | labels to 90 % (per seed) | accuracy at the last round, mean ± sd | redundant picks "
        "| median query s |",
        "|---|---|---|---|---|",
    ]
    for name in names:
        recs = [r["strategies"][name]["rounds"] for r in runs]
        reach = [labels_to(rs, 0.9) for rs in recs]
        last = np.array([rs[-1]["accuracy"] for rs in recs])
        red = sum(sum(x["redundant"] for x in rs if x["redundant"] is not None) for rs in recs)
        picked = sum(sum(10 for x in rs if x["redundant"] is not None) for rs in recs)
        q = np.median([x["query_seconds"] for rs in recs for x in rs if x["redundant"] is not None])
        lines.append(
            f"| {name} | {', '.join('not reached' if v is None else str(v) for v in reach)} | "
            f"{100 * last.mean():.1f} ± {100 * last.std(ddof=1) if len(last) > 1 else 0:.1f} | "
            f"{red}/{picked} ({100 * red / picked:.0f} %) | {q:.2f} |"
        )
    lines += ["", "Accuracy (%) by labels, mean ± sd over seeds:", ""]
    n_labeled = [x["n_labeled"] for x in runs[0]["strategies"][names[0]]["rounds"]]
    lines.append("| labels | " + " | ".join(names) + " |")
    lines.append("|---" * (len(names) + 1) + "|")
    for i, n in enumerate(n_labeled):
        cells = []
        for name in names:
            acc = np.array([r["strategies"][name]["rounds"][i]["accuracy"] for r in runs]) * 100
            cells.append(f"{acc.mean():.1f} ± {acc.std(ddof=1) if len(acc) > 1 else 0:.1f}")
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    (OUT / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[])
    parser.add_argument("--n-base", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=18)
    parser.add_argument("--summarize", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for seed in args.seeds:
        commit = git_commit()  # what the run starts on
        result = run_seed(seed, args.n_base, args.rounds)
        result["commit"] = commit
        result["machine"] = f"{platform.processor() or platform.machine()}, torch threads {torch.get_num_threads()}"
        (OUT / f"seed{seed}.json").write_text(json.dumps(result, indent=1) + "\n")
    if args.summarize:
        summarize()


if __name__ == "__main__":
    main()
