"""Query time and peak memory of BatchBALD and EPIG (and BALD for scale) at 10k and 100k pool rows, on CPU.

Pool: ``default_rng(0).standard_normal((N, 64), dtype=float32)``; model: a skorch
MLP 64 → 256 → ReLU → Dropout(0.5) → 10 classes, initialised with seed 0
(random weights: the time does not depend on what the net learned); 100 labeled
rows. Each strategy uses K = 20 dropout samples and picks 10 rows:
``BatchBALD()`` (exact joint entropies up to 1,000 configurations, 1,000
sampled configurations after, so steps 5–10 are sampled), ``EPIG()`` (100
target rows drawn from the pool), ``BALD(n_samples=20)``.

Each cell runs in its own subprocess after a 2,000-row warm-up. "fit s" is the
forward passes (and EPIG's scoring); "query s" is the selection; "extra MiB"
is the peak RSS during fit + query minus the RSS before it (the peak is reset
through ``/proc/self/clear_refs``), next to the size of the (N, K, C) float32
log-probabilities.

    OMP_NUM_THREADS=1 python benchmarks/batchbald_epig_speed.py  # writes results/batchbald_epig_speed.{json,md}
    OMP_NUM_THREADS=1 python benchmarks/batchbald_epig_speed.py --sizes 10000
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import git_commit, status_kb  # noqa: E402

OUT = Path(__file__).resolve().parent / "results"
STRATEGIES = ("BatchBALD", "EPIG", "BALD")
K, C, D, N_PICK = 20, 10, 64, 10


def make(name):
    from skal.strategies import BALD, EPIG, BatchBALD

    return {"BatchBALD": BatchBALD(n_samples=K), "EPIG": EPIG(n_samples=K), "BALD": BALD(n_samples=K)}[name]


def net():
    import torch
    from skorch import NeuralNetClassifier

    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(D, 256), torch.nn.ReLU(), torch.nn.Dropout(0.5), torch.nn.Linear(256, C)
    )
    return NeuralNetClassifier(
        module, criterion=torch.nn.CrossEntropyLoss, batch_size=4096, classes=list(range(C))
    ).initialize()


def run_cell(name, N):
    X = np.random.default_rng(0).standard_normal((N, D), dtype=np.float32)
    labeled = np.zeros(N, bool)
    labeled[np.random.default_rng(1).permutation(N)[:100]] = True
    model = net()
    warm = np.random.default_rng(2).standard_normal((2000, D), dtype=np.float32)
    make(name).set_params(random_state=0).fit(warm, estimator=model).query(N_PICK)
    base = status_kb("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        reset = True
    except OSError:
        reset = False
    strategy = make(name).set_params(random_state=0)
    t0 = time.perf_counter()
    strategy.fit(X, labeled=labeled, estimator=model)
    t1 = time.perf_counter()
    picks = strategy.query(N_PICK)
    t2 = time.perf_counter()
    peak = status_kb("VmHWM")
    return {
        "strategy": name,
        "N": N,
        "fit_seconds": t1 - t0,
        "query_seconds": t2 - t1,
        "extra_mib": (peak - base) / 1024,
        "peak_reset": reset,
        "log_proba_mib": N * K * C * 4 / 2**20,
        "picks": picks.tolist(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--cell", nargs=2, metavar=("STRATEGY", "N"))
    args = parser.parse_args()
    if args.cell:
        print(json.dumps(run_cell(args.cell[0], int(args.cell[1]))))
        return
    rows = []
    for N in args.sizes:
        for name in STRATEGIES:
            done = subprocess.run(
                [sys.executable, __file__, "--cell", name, str(N)], capture_output=True, text=True, check=True
            )
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            r = rows[-1]
            print(
                f"{name} N={N}: fit {r['fit_seconds']:.1f} s, query {r['query_seconds']:.1f} s, "
                f"+{r['extra_mib']:.0f} MiB",
                flush=True,
            )
    meta = {
        "commit": git_commit(),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "command": "OMP_NUM_THREADS=1 python benchmarks/batchbald_epig_speed.py",
    }
    (OUT / "batchbald_epig_speed.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    lines = [
        "# BatchBALD and EPIG: query time and peak memory on CPU",
        "",
        f"`{meta['command']}` at commit {meta['commit']} ({meta['machine']}, "
        f"OMP_NUM_THREADS={meta['omp_num_threads']}).",
        f"K = {K} dropout samples, C = {C} classes, 64 features, an MLP with 256 hidden units, {N_PICK} picks, "
        "100 labeled rows.",
        "",
        "| strategy | N | fit s (forward passes) | query s (selection) | total s | extra MiB | (N, K, C) float32 MiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['strategy']} | {r['N']:,} | {r['fit_seconds']:.1f} | {r['query_seconds']:.1f} | "
            f"{r['fit_seconds'] + r['query_seconds']:.1f} | {r['extra_mib']:.0f} | {r['log_proba_mib']:.0f} |"
        )
    (OUT / "batchbald_epig_speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
