"""Representation strategies on a pool larger than they should copy: Coreset and KMeansSampling on a memmap.

A 1,000,000 × 128 float32 ``numpy.memmap`` of embeddings (488 MiB: seeded Gaussian blobs) is opened read-only,
10,000 rows are labeled, and each strategy picks 1,000 rows with ``embedding="input"`` (the pool's own rows are
the features)::

    strategy.fit(X, labeled=mask, estimator=None).query(n)

Each strategy runs in its own child process, after ``import torch`` and the skal imports (the baseline). The
parent samples the child's ``/proc/<pid>/status`` every 10 ms from outside (no GIL in the way) and keeps:

- peak anonymous memory (``RssAnon``) above the baseline: what the strategy allocates;
- peak file-backed pages (``RssFile``) above the baseline (which holds the shared libraries): pages of the memmap
  mapped at once (page cache, dropped under memory pressure);
- wall seconds of ``fit`` and of ``query``.

    python benchmarks/representation_memmap.py [--rows 1000000] [--labeled 10000] [--query 1000] [--dir /tmp]

Smoke run: ``--rows 50000 --labeled 1000 --query 100 --no-write``. Writes
``benchmarks/results/representation_memmap.md`` and ``.json`` (not with ``--no-write``).
"""

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from _machine import git_commit, load_average, machine, status_kb  # benchmarks/_machine.py

OUT = Path(__file__).resolve().parent / "results"
D = 128
STRATEGIES = ("Coreset", "KMeansSampling")


def write_pool(path, n, seed=0, blobs=20, block=100_000):
    """``n`` rows around ``blobs`` Gaussian centres (centres ~ N(0, 4² I), rows ~ centre + N(0, I)), float32."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(blobs, D)).astype(np.float32)
    X = np.memmap(path, dtype=np.float32, mode="w+", shape=(n, D))
    for start in range(0, n, block):
        m = min(block, n - start)
        X[start : start + m] = centres[rng.integers(blobs, size=m)] + rng.standard_normal((m, D), dtype=np.float32)
    X.flush()
    del X


# --------------------------------------------------------------------------------------------------- child


PHASES = {  # (module, name): what the phase is, for the table
    ("skal.strategies._diversity", "_nearest_labeled"): "distances to the labeled rows",
    ("skal.strategies._diversity", "kcenter_greedy"): "k-center greedy (incl. distances)",
    ("skal.neighbors", "kmeans_plusplus"): "k-means++ seeding",
    ("skal.strategies._diversity", "kmeans"): "k-means (incl. seeding)",
    ("skal.strategies._diversity", "_nearest_members"): "nearest member per centre",
}


def time_phases():
    """Wrap the helpers the strategies call with timers; returns ``{phase: seconds}``, filled as they run."""
    import functools
    import importlib

    seconds = {}
    for (module, name), phase in PHASES.items():
        mod = importlib.import_module(module)
        fn = getattr(mod, name)

        @functools.wraps(fn)
        def timed(*a, _fn=fn, _phase=phase, **k):
            t0 = time.perf_counter()
            try:
                return _fn(*a, **k)
            finally:
                seconds[_phase] = seconds.get(_phase, 0.0) + time.perf_counter() - t0

        setattr(mod, name, timed)
    return seconds


def child(args):
    import faiss  # noqa: F401 — imported before the baseline, as the strategies import it
    import torch

    from skal import strategies

    phases = time_phases()

    X = np.memmap(args.path, dtype=np.float32, mode="r", shape=(args.rows, D))
    mask = np.zeros(args.rows, dtype=bool)
    mask[np.random.default_rng(1).choice(args.rows, args.labeled, replace=False)] = True
    strategy = getattr(strategies, args.child)(embedding="input", random_state=0)
    base = {"rss_anon_kib": status_kb("RssAnon"), "rss_file_kib": status_kb("RssFile")}
    print(json.dumps(base), flush=True)
    sys.stdin.readline()  # the parent's sampler is running
    t0 = time.perf_counter()
    strategy.fit(X, labeled=mask, estimator=None)
    t1 = time.perf_counter()
    picks = strategy.query(args.query)
    t2 = time.perf_counter()
    ok = len(picks) == args.query and len(set(picks.tolist())) == args.query and not mask[picks].any()
    result = {
        "fit_seconds": t1 - t0,
        "query_seconds": t2 - t1,
        "valid_picks": bool(ok),
        "phase_seconds": phases,
        "torch_threads": torch.get_num_threads(),
        "vm_hwm_kib": status_kb("VmHWM"),
    }
    print(json.dumps(result), flush=True)


# -------------------------------------------------------------------------------------------------- parent


def measure(name, path, args):
    cmd = [sys.executable, __file__, "--child", name, "--path", str(path), "--rows", str(args.rows)]
    cmd += ["--labeled", str(args.labeled), "--query", str(args.query)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    base = json.loads(proc.stdout.readline())
    peak = {"anon": 0, "file": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            anon, file = status_kb("RssAnon", proc.pid), status_kb("RssFile", proc.pid)
            if anon is None:
                return
            peak["anon"], peak["file"] = max(peak["anon"], anon), max(peak["file"], file)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc.stdin.write("go\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    done.set()
    sampler.join()
    if proc.wait() != 0 or not line:
        raise RuntimeError(f"{name}: the child process failed (exit {proc.returncode})")
    result = json.loads(line)
    result.update(
        strategy=name,
        baseline_rss_anon_mib=base["rss_anon_kib"] / 1024,
        peak_rss_anon_above_baseline_mib=(peak["anon"] - base["rss_anon_kib"]) / 1024,
        baseline_rss_file_mib=base["rss_file_kib"] / 1024,
        peak_rss_file_above_baseline_mib=(peak["file"] - base["rss_file_kib"]) / 1024,
    )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--labeled", type=int, default=10_000)
    parser.add_argument("--query", type=int, default=1_000)
    parser.add_argument("--dir", default=None, help="where the memmap is written (default: a temporary folder)")
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES), choices=STRATEGIES)
    parser.add_argument("--no-write", action="store_true", help="print the table; write no results file")
    parser.add_argument("--out", default=str(OUT / "representation_memmap"), help="results path, without suffix")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--path", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    folder = Path(tempfile.mkdtemp(dir=args.dir))
    path = folder / "embeddings.f32"
    load_before, commit = load_average(), git_commit()
    try:
        t0 = time.perf_counter()
        write_pool(path, args.rows)
        write_s = time.perf_counter() - t0
        results = []
        for name in args.strategies:
            results.append(measure(name, path, args))
            print(json.dumps(results[-1]), flush=True)
    finally:
        path.unlink(missing_ok=True)
        folder.rmdir()
    load_after = load_average()

    import faiss
    import torch

    pool_mib = args.rows * D * 4 / 2**20
    command = "python benchmarks/representation_memmap.py" + "".join(
        f" --{k} {v}"
        for k, v, d in (("rows", args.rows, 1_000_000), ("labeled", args.labeled, 10_000), ("query", args.query, 1_000))
        if v != d
    )
    summary = {
        "command": command,
        "machine": machine(),
        "commit": commit,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "faiss": faiss.__version__,
        "numpy": np.__version__,
        "rows": args.rows,
        "features": D,
        "pool_mib": pool_mib,
        "labeled": args.labeled,
        "query": args.query,
        "write_seconds": write_s,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "results": results,
    }
    lines = [
        f"# Coreset and KMeansSampling on a {args.rows:,} × {D} float32 memmap ({pool_mib:.0f} MiB)",
        "",
        f"`{command}` — skal at {summary['commit']}, {summary['machine']}, "
        f"Python {summary['python']}, torch {summary['torch']}, "
        f"faiss {summary['faiss']}, numpy {summary['numpy']}. Load average (1, 5, 15 min) before: {load_before}; "
        f"after: {load_after}.",
        "",
        f"Seeded Gaussian blobs written to a temporary memmap ({write_s:.0f} s), opened read-only; "
        f'{args.labeled:,} rows labeled, `strategy(embedding="input", random_state=0)'
        f".fit(X, labeled=mask, estimator=None).query({args.query:,})`, each strategy in its own process. Anonymous "
        "memory is measured above that process's baseline (torch, faiss and skal imported, memmap opened); "
        "file-backed pages (of the memmap, above the baseline's shared libraries) are page cache, reported apart.",
        "",
        "| strategy | fit s | query s | total s | peak anon MiB | × pool size | peak file-backed MiB | valid picks |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        anon = r["peak_rss_anon_above_baseline_mib"]
        lines.append(
            f"| {r['strategy']} | {r['fit_seconds']:.1f} | {r['query_seconds']:.1f} | "
            f"{r['fit_seconds'] + r['query_seconds']:.1f} | {anon:.0f} | {anon / pool_mib:.2f} | "
            f"{r['peak_rss_file_above_baseline_mib']:.0f} | {'yes' if r['valid_picks'] else 'NO'} |"
        )
    lines += ["", "Where the query time goes (seconds inside skal's helpers, timed by wrapping them):", ""]
    for r in results:
        lines.append(f"- {r['strategy']}: " + "; ".join(f"{k} {v:.1f} s" for k, v in r["phase_seconds"].items()))
    print("\n".join(lines))
    if not args.no_write:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".json").write_text(json.dumps(summary, indent=1) + "\n")
        out.with_suffix(".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
