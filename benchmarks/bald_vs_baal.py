"""BALD scoring, skal vs baal, on the same Monte Carlo predictions, side by side in one process.

T stochastic passes are simulated as Dirichlet probabilities (seed 0; float32,
as a network produces them), ``(N, C, T)``. baal scores the stored array with
``baal.active.heuristics.BALD().compute_score``. skal consumes the same passes
one at a time, as ``skal.nn.mc_dropout_stats`` does on a net: a running
sum of p_t and of H(p_t), then ``skal.strategies.bald`` (O(N·C) memory
whatever T). The table gives the median time of 3 runs, the peak extra memory
(tracemalloc) including the stored passes baal needs, the largest absolute
score difference and whether the top-``n`` picks agree.

Needs baal: run it in the peers' venv (``make peers-venv``), where skal is
installed in editable mode, never as a skal dependency:

    .venv-peers/bin/python benchmarks/bald_vs_baal.py

Writes ``benchmarks/results/bald_vs_baal.{md,json}``.
"""

import argparse
import json
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from baal.active.heuristics import BALD as BaalBALD
from scipy.special import xlogy

from skal.strategies import bald
from skal.utils._selection import top_k


def skal_streaming(passes):
    """Accumulate pass by pass, as mc_dropout_stats does on a net."""
    n, c, t = passes.shape
    sum_p = np.zeros((n, c))
    sum_h = np.zeros(n)
    for i in range(t):
        p = passes[:, :, i].astype(np.float64)
        sum_p += p
        sum_h -= xlogy(p, p).sum(1)
    return bald(sum_p / t, sum_h / t)


def baal_scores(passes):
    return BaalBALD().compute_score(passes)


def measure(fn, passes):
    times, scores = [], None
    for _ in range(3):
        t0 = time.perf_counter()
        scores = fn(passes)
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    fn(passes)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return float(np.median(times)), peak, scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--passes", type=int, default=20)
    parser.add_argument("--n-query", type=int, default=1000)
    parser.add_argument("--out", default="benchmarks/results/bald_vs_baal")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    for n in args.sizes:
        # rows differ in how much the passes disagree: a per-row concentration
        alpha = rng.uniform(0.05, 5.0, size=(n, 1, 1))
        passes = rng.gamma(np.broadcast_to(alpha, (n, args.classes, args.passes)))
        passes = (passes / passes.sum(1, keepdims=True)).astype(np.float32)
        stored_mib = passes.nbytes / 2**20
        t_skal, m_skal, s_skal = measure(skal_streaming, passes)
        t_baal, m_baal, s_baal = measure(baal_scores, passes)
        picks_skal = top_k(s_skal, args.n_query)
        picks_baal = np.argsort(-s_baal, kind="stable")[: args.n_query]
        row = dict(
            n_rows=n,
            n_classes=args.classes,
            n_passes=args.passes,
            stored_passes_mib=stored_mib,
            skal_s=t_skal,
            baal_s=t_baal,
            skal_peak_extra_mib=m_skal,
            baal_peak_extra_mib=m_baal,
            max_abs_score_diff=float(np.max(np.abs(s_skal - s_baal))),
            same_top_n=bool(set(picks_skal.tolist()) == set(picks_baal.tolist())),
        )
        rows.append(row)
        print(json.dumps(row), flush=True)
    from importlib.metadata import version

    meta = dict(
        command="python benchmarks/bald_vs_baal.py " + " ".join(sys.argv[1:]),
        baal=version("baal"),
        numpy=np.__version__,
        python=platform.python_version(),
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    lines = [
        "# BALD scoring on the same MC predictions: skal vs baal",
        "",
        f"Command: `.venv-peers/bin/{meta['command']}` — baal {meta['baal']}, numpy {meta['numpy']}, "
        f"median of 3 runs. T = {args.passes} passes, C = {args.classes}; top-{args.n_query} compared.",
        "Peak extra memory is what the scoring allocates; baal also needs the stored (N, C, T) passes "
        "(column 'stored'), which skal's streaming accumulator never holds when it samples a net.",
        "",
        "| rows | stored passes (MiB) | skal (s) | baal (s) | skal peak extra (MiB) | baal peak extra (MiB) "
        "| max abs diff | same top-n |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n_rows']:,} | {r['stored_passes_mib']:.0f} | {r['skal_s']:.3f} | {r['baal_s']:.3f} | "
            f"{r['skal_peak_extra_mib']:.0f} | {r['baal_peak_extra_mib']:.0f} | {r['max_abs_score_diff']:.1e} | "
            f"{r['same_top_n']} |"
        )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(out.with_suffix(".md").read_text())


if __name__ == "__main__":
    main()
