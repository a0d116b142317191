"""A pool larger than the memory it may use: 10,000,000 × 64 float32 rows (2.4 GB) in a numpy.memmap.

ActiveLearner(LogisticRegression(), Entropy(), initial_strategy=Random()) runs 3 rounds (1,000 labels each) on
the memmap opened read-only. Measured in this process, after ``import torch`` (the baseline the target is
stated against):

- peak anonymous memory (``RssAnon`` of /proc/self/status, sampled every 20 ms) above the baseline: what the
  run allocates. File-backed pages of the memmap (``RssFile``) are reported apart: the kernel maps the pages
  a pass reads and drops them under memory pressure, so they are cache, not memory the run holds;
- each round's query and training seconds against one bare pass of ``predict_proba`` over the pool in the
  same 8,192-row chunks (the floor for any uncertainty strategy).

    python benchmarks/memmap_pool.py [--rows 10000000] [--dir /tmp]

Writes ``benchmarks/results/memmap_pool.md`` and ``.json``.
"""

import argparse
import json
import platform
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "results"
D = 64


def status_kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class PeakSampler(threading.Thread):
    """Samples RssAnon and RssFile every 20 ms until stopped; keeps the peaks (MiB)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_anon = self.peak_file = 0.0
        self._done = threading.Event()

    def run(self):
        while not self._done.is_set():
            self.peak_anon = max(self.peak_anon, status_kb("RssAnon") / 1024)
            self.peak_file = max(self.peak_file, status_kb("RssFile") / 1024)
            time.sleep(0.02)

    def stop(self):
        self._done.set()
        self.join()


def write_pool(path, n, seed=0, block=500_000):
    """Rows of standard normals; the label is the sign of a fixed random direction, with 10 % noise."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=D)
    X = np.memmap(path, dtype=np.float32, mode="w+", shape=(n, D))
    y = np.empty(n, dtype=np.int8)
    for start in range(0, n, block):
        rows = rng.standard_normal((min(block, n - start), D), dtype=np.float32)
        X[start : start + len(rows)] = rows
        y[start : start + len(rows)] = (rows @ w + rng.normal(scale=2.0, size=len(rows)) > 0).astype(np.int8)
    X.flush()
    del X
    return y


def bare_pass(model, X, chunk=8192):
    t0 = time.perf_counter()
    for start in range(0, len(X), chunk):
        model.predict_proba(X[start : start + chunk])
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()

    import torch  # noqa: F401 — the baseline of the target includes torch
    from sklearn.linear_model import LogisticRegression

    from skal import ActiveLearner
    from skal.strategies import Entropy, Random

    folder = Path(args.dir or tempfile.mkdtemp())
    path = folder / "pool.dat"
    t0 = time.perf_counter()
    y = write_pool(path, args.rows)
    write_s = time.perf_counter() - t0
    X = np.memmap(path, dtype=np.float32, mode="r", shape=(args.rows, D))

    base_anon = status_kb("RssAnon") / 1024
    sampler = PeakSampler()
    sampler.start()
    learner = ActiveLearner(
        LogisticRegression(max_iter=200), Entropy(), initial_strategy=Random(), initial_size=1000,
        query_size=1000, n_rounds=2, random_state=0,
    )  # fmt: skip
    t0 = time.perf_counter()
    learner.fit(X, y)
    fit_s = time.perf_counter() - t0
    sampler.stop()
    floor_s = bare_pass(learner.estimator_, X)

    rounds = [
        {k: r[k] for k in ("round", "n_labeled", "query_seconds", "label_seconds", "train_seconds")}
        for r in learner.history_
    ]
    result = {
        "rows": args.rows,
        "features": D,
        "pool_gb": args.rows * D * 4 / 1e9,
        "write_seconds": write_s,
        "fit_seconds": fit_s,
        "bare_predict_proba_pass_seconds": floor_s,
        "baseline_rss_anon_mib": base_anon,
        "peak_rss_anon_above_baseline_mib": sampler.peak_anon - base_anon,
        "peak_rss_file_mib": sampler.peak_file,
        "rounds": rounds,
        "machine": f"{platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores",
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "memmap_pool.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = [
        f"# A {args.rows:,} × {D} float32 memmap pool (LogisticRegression, Entropy, 3 rounds)",
        "",
        f"`python benchmarks/memmap_pool.py --rows {args.rows}` — {result['machine']}. Pool written to disk "
        f"first ({result['pool_gb']:.2f} GB, {write_s:.0f} s), then opened read-only.",
        "",
        f"- peak anonymous memory above the baseline (after `import torch`): "
        f"**{result['peak_rss_anon_above_baseline_mib']:.0f} MiB** (target ≤ 500 MiB)",
        f"- peak file-backed pages of the memmap mapped at once: {result['peak_rss_file_mib']:.0f} MiB (page cache)",
        f"- one bare `predict_proba` pass over the pool in 8,192-row chunks: {floor_s:.2f} s",
        "",
        "| round | labels | query s | train s | query / bare pass |",
        "|---|---|---|---|---|",
    ]
    for r in rounds:
        ratio = "—" if r["round"] == 0 else f"{r['query_seconds'] / floor_s:.2f}×"
        lines.append(
            f"| {r['round']} | {r['n_labeled']} | {r['query_seconds']:.2f} | {r['train_seconds']:.2f} | {ratio} |"
        )
    lines += ["", "Round 0 is a Random first pool (no model to score with). Target: query ≤ 1.1× the bare pass."]
    (OUT / "memmap_pool.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    path.unlink()


if __name__ == "__main__":
    main()
