"""Query time of the uncertainty strategies on large pools.

A stand-in model returns fixed softmax probabilities (C = 10, from Gaussian
logits, seed 0) so the time is skal's scoring and selection, not a network.
Each cell is the median of 3 repeats of ``fit`` + ``query(1000)`` with 10 % of
the pool labeled; peak extra memory is measured with tracemalloc in a 4th run.

    python benchmarks/query_speed_uncertainty.py [--sizes 10000 100000 1000000]

Writes ``benchmarks/results/query_speed_uncertainty.md``.
"""

import argparse
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from skal.strategies import Entropy, LeastConfidence, Margin, Random


class FixedProba:
    """Rows of X hold their own row id; predict_proba looks the probabilities up."""

    def __init__(self, proba):
        self.proba = proba

    def predict_proba(self, X):
        return self.proba[X[:, 0].astype(np.int64)]


def measure(strategy, X, labeled, model, n):
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        strategy.fit(X, labeled=labeled, estimator=model).query(n)
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    strategy.fit(X, labeled=labeled, estimator=model).query(n)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return float(np.median(times)), peak / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--out", default="benchmarks/results/query_speed_uncertainty.md")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    for n_pool in args.sizes:
        logits = rng.normal(size=(n_pool, 10))
        proba = np.exp(logits - logits.max(axis=1, keepdims=True))
        proba /= proba.sum(axis=1, keepdims=True)
        X = np.arange(n_pool, dtype=np.float64)[:, None]
        labeled = rng.random(n_pool) < 0.1
        model = FixedProba(proba)
        for strategy in (LeastConfidence(), Margin(), Entropy(), Random(random_state=0)):
            seconds, mib = measure(strategy, X, labeled, model, 1000)
            rows.append((n_pool, type(strategy).__name__, seconds, mib))
            print(
                f"N={n_pool:>9,} {type(strategy).__name__:16s} {seconds * 1e3:9.1f} ms  peak {mib:8.1f} MiB", flush=True
            )
    lines = [
        "fit + query(1000), C = 10, 10 % labeled; median of 3; peak = tracemalloc peak of one run.",
        "",
        "| N | strategy | ms | peak MiB |",
        "|---:|---|---:|---:|",
    ]
    lines += [f"| {n:,} | {name} | {s * 1e3:.1f} | {m:.1f} |" for n, name, s, m in rows]
    cmd = " ".join(["python"] + sys.argv)
    lines += ["", f"Command: `{cmd}` (Python {platform.python_version()}, numpy {np.__version__}, 2-core CPU)"]
    Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
