"""BALD scoring, skal vs baal, on the same Monte Carlo predictions, side by side in one process.

T stochastic passes are simulated as Dirichlet probabilities (seed 0; float32,
as a network produces them), ``(N, C, T)``. baal scores the stored array with
``baal.active.heuristics.BALD().compute_score``. skal runs its own code on
the same passes: a stand-in skorch net replays pass t on its t-th forward
call, ``skal.nn.mc_dropout_stats`` accumulates the running sums of p_t and
H(p_t) chunk by chunk (float64, O(N·C) memory whatever T), then
``skal.strategies.bald`` scores. (skal's NLLLoss path takes log(p + eps), so
scores differ from baal's in the 7th digit.) The table gives the median time of 3 runs, the rise of peak RSS during
scoring (numpy and torch alike) next to the size of the stored passes baal needs, the largest absolute
score difference and whether the top-``n`` picks agree. Each library runs in
its own subprocess so peak RSS is its own.

Needs baal: run it in the peers' venv (``make peers-venv``), where skal is
installed in editable mode, never as a skal dependency:

    .venv-peers/bin/python benchmarks/bald_vs_baal.py

Writes ``benchmarks/results/bald_vs_baal.{md,json}``.
"""

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
from baal.active.heuristics import BALD as BaalBALD

from skal.nn import mc_dropout_stats
from skal.strategies import bald
from skal.utils._selection import top_k


class Replay(torch.nn.Module):
    """A stand-in net whose t-th forward pass over a chunk returns pass t of the stored predictions."""

    def __init__(self, passes):
        super().__init__()
        self.passes = torch.as_tensor(passes)
        self.calls = 0
        self.unused = torch.nn.Parameter(torch.zeros(1))  # skorch wants something to optimise

    def forward(self, ids):
        t = self.calls % self.passes.shape[2]
        self.calls += 1
        return self.passes[ids[:, 0].long(), :, t]


def skal_scores(passes, batch_size=8192):
    """skal's own code path: mc_dropout_stats streams the passes (O(N·C) memory), then bald()."""
    # the peers' venv pins skorch 0.9 for modAL; mc_dropout_stats needs only these attributes of a net
    net = SimpleNamespace(module_=Replay(passes), criterion_=torch.nn.NLLLoss(), batch_size=batch_size, device="cpu")
    ids = np.arange(len(passes), dtype=np.float32)[:, None]
    stats = mc_dropout_stats(net, ids, n_samples=passes.shape[2], seed=0, votes=False)  # as BALD calls it
    return bald(stats.mean_proba, stats.mean_entropy)


def baal_scores(passes):
    return BaalBALD().compute_score(passes)


def make_passes(n, n_classes, n_passes, seed=0):
    """(n, C, T) float32 probabilities; rows differ in how much their passes disagree.

    Drawn in chunks of rows so no float64 copy of the whole array raises the
    process's peak RSS before the measurement starts.
    """
    rng = np.random.default_rng(seed)
    alpha = rng.uniform(0.05, 5.0, size=n)
    passes = np.empty((n, n_classes, n_passes), dtype=np.float32)
    for start in range(0, n, 4096):
        a = alpha[start : start + 4096, None, None]
        g = rng.gamma(np.broadcast_to(a, (len(a), n_classes, n_passes)))
        passes[start : start + len(a)] = g / g.sum(1, keepdims=True)
    return passes


def run_one(lib, n, n_classes, n_passes, out):
    """In a fresh process: time 3 runs, then the peak RSS the scoring added over the loaded passes."""
    passes = make_passes(n, n_classes, n_passes)
    fn = skal_scores if lib == "skal" else baal_scores
    fn(passes[:100])  # warm-up (imports, first allocations)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        scores = fn(passes)
        times.append(time.perf_counter() - t0)
    extra = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
    np.save(out, scores)
    print(json.dumps({"seconds": float(np.median(times)), "peak_extra_mib": extra}))


def measure(lib, n, args):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scores.npy"
        cmd = [sys.executable, __file__, "--one", lib, str(n), "--classes", str(args.classes)]
        cmd += ["--passes", str(args.passes), "--scores-out", str(path)]
        result = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        return result["seconds"], result["peak_extra_mib"], np.load(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--passes", type=int, default=20)
    parser.add_argument("--n-query", type=int, default=1000)
    parser.add_argument("--out", default="benchmarks/results/bald_vs_baal")
    parser.add_argument("--one", nargs=2, metavar=("LIB", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--scores-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        return run_one(args.one[0], int(args.one[1]), args.classes, args.passes, args.scores_out)
    rows = []
    for n in args.sizes:
        stored_mib = n * args.classes * args.passes * 4 / 2**20
        t_skal, m_skal, s_skal = measure("skal", n, args)
        t_baal, m_baal, s_baal = measure("baal", n, args)
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
        "Each library runs in its own process; peak extra memory is the rise of peak RSS during scoring, over the "
        "loaded passes. baal needs the stored (N, C, T) passes (column 'stored'); skal's accumulator never holds "
        "them when it samples a net (here it reads them from the stand-in).",
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
