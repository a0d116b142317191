"""Ray with 2 local workers against local scoring of a 1,000,000-row image pool on a small CNN.

The pool is ``--rows`` seeded 1x8x8 float32 images in a ``numpy.memmap`` file (written to a temporary folder,
or ``--dir``, and deleted at the end). The model is a small CNN (Conv2d(1, 8, 3) + ReLU + AdaptiveAvgPool2d(1)
+ Flatten + Dropout + Linear(8, 10)) in a skorch ``NeuralNetClassifier`` (batch_size 1024), initialized with
``torch.manual_seed(0)`` and fit for 5 epochs (batches of 64) on 2,000 pool rows. 1,000 rows are labeled.

Each pass is ``Entropy().fit(pool, labeled=mask, estimator=net).query(1000)``, timed end to end, on

- the memmap itself (local: skal's ``map_rows`` in this process), with torch on its default threads and on one
  thread (as in a Ray worker that reserves 1 CPU: Ray sets ``OMP_NUM_THREADS=1`` there), and
- ``skal.distributed.RayPool(memmap, num_workers=2)`` after ``ray.init(num_cpus=2, include_dashboard=False)``
  (``map_batches`` on an actor pool of 2 actors, 1 CPU each, chunks of 8,192 rows), and with one worker: the
  throughput of a worker that has a core to itself (the other one runs the driver).

The first local and the first Ray pass are reported apart; then each repeat runs every kind of pass once, one
after another, so all see the same load on a shared machine. The picks of every pass must equal the first
local pass's; the scores are compared bitwise, else by their largest difference. Margin is checked once the
same way, and one local pass in Ray's 8,192-row chunks tells whether a difference comes from the chunking.

Overheads: a Ray pass over a pool of a single 8,192-row chunk (a memmap of the file's first 8,192 rows) is the
fixed cost of a pass; the time a worker spends per 8,192-row chunk is ``(T_ray - T_fixed) / n_chunks *
num_workers``, against the local time per 8,192 rows. The driver's CPU seconds (``time.process_time``) and its
RSS (``VmRSS`` of /proc/self/status, sampled every 10 ms: the peak rise over the value before the pass) are
reported for each kind of pass, with ``ru_maxrss`` of the whole run and the load average before each pass.

    python benchmarks/ray_scoring.py [--rows 1000000] [--repeats 3] [--workers 2] [--dir /tmp]

Writes ``benchmarks/results/ray_scoring.md`` (``--out`` to write elsewhere, e.g. for a smoke test).
"""

import argparse
import logging
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

import numpy as np
from _machine import status_kb  # benchmarks/_machine.py

OUT = Path(__file__).resolve().parent / "results" / "ray_scoring.md"
SHAPE = (1, 8, 8)
N_CLASSES = 10
CHUNK = 8192


class PeakRSS(threading.Thread):
    """Peak ``VmRSS`` (MiB) of this process while running, sampled every 10 ms."""

    def __init__(self):
        super().__init__(daemon=True)
        self.base = status_kb("VmRSS") / 1024
        self.peak = self.base
        self._done = threading.Event()

    def run(self):
        while not self._done.is_set():
            self.peak = max(self.peak, status_kb("VmRSS") / 1024)
            time.sleep(0.01)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self.join()
        self.peak = max(self.peak, status_kb("VmRSS") / 1024)

    @property
    def rise(self):
        return self.peak - self.base


def write_pool(path, n, seed=0, block=100_000):
    """Noisy copies of 10 fixed 8x8 templates (one per class, drawn at random); returns the labels."""
    rng = np.random.default_rng(seed)
    templates = rng.standard_normal((N_CLASSES, *SHAPE), dtype=np.float32)
    X = np.memmap(path, dtype=np.float32, mode="w+", shape=(n, *SHAPE))
    y = np.empty(n, dtype=np.int64)
    for start in range(0, n, block):
        m = min(block, n - start)
        labels = rng.integers(N_CLASSES, size=m)
        X[start : start + m] = templates[labels] + rng.standard_normal((m, *SHAPE), dtype=np.float32)
        y[start : start + m] = labels
    X.flush()
    del X
    return y


def open_pool(path, n):
    return np.memmap(path, dtype=np.float32, mode="r", shape=(n, *SHAPE))


def make_net(X, y, rows):
    import torch
    from skorch import NeuralNetClassifier
    from torch import nn

    torch.manual_seed(0)
    module = nn.Sequential(
        nn.Conv2d(1, 8, 3),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(8, N_CLASSES),
    )
    net = NeuralNetClassifier(
        module,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=0.01,
        max_epochs=5,
        batch_size=1024,
        iterator_train__batch_size=64,
        train_split=None,
        verbose=0,
        device="cpu",
    )
    rows = np.sort(rows)
    net.fit(np.ascontiguousarray(X[rows]), y[rows])
    return net


def scoring_pass(strategy, pool, labeled, net, n_query, threads=None):
    """Seconds and driver CPU seconds of ``strategy.fit(...).query(n_query)``, picks, scores, peak RSS rise (MiB).

    ``threads``: torch's intra-op threads for the pass (None: as they are).
    """
    import torch

    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    load = os.getloadavg()[0]
    try:
        with PeakRSS() as rss:
            t0, c0 = time.perf_counter(), time.process_time()
            fitted = strategy.fit(pool, labeled=labeled, estimator=net)
            picks = fitted.query(n_query)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        torch.set_num_threads(before)
    return {"seconds": seconds, "cpu": cpu, "picks": picks, "scores": fitted.scores_, "rss_rise": rss.rise,
            "load": load}  # fmt: skip


def local_scores_in_chunks(pool, labeled, net, chunk_rows, threads=1):
    """Entropy's scores of the unlabeled rows as ``Entropy._score`` computes them, in ``chunk_rows``-row chunks."""
    import torch

    from skal.pools._scoring import map_rows
    from skal.strategies import Entropy
    from skal.strategies._base import proba_scores

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return map_rows(pool, np.flatnonzero(~labeled), partial(proba_scores, score=Entropy._score_proba), net,
                        chunk_rows=chunk_rows, contiguous_ok=True)  # fmt: skip
    finally:
        torch.set_num_threads(before)


def per_row_us(net, X):
    """Microseconds per row, torch on 1 thread, best of 3: skorch's ``predict_proba`` of ``X``, the module alone."""
    import torch

    def best(f):
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            f()
            times.append(time.perf_counter() - t0)
        return min(times) / len(X) * 1e6

    def forward():
        with torch.no_grad():
            for start in range(0, len(X), 1024):
                net.module_(torch.from_numpy(X[start : start + 1024]))

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return best(lambda: net.predict_proba(X)), best(forward)
    finally:
        torch.set_num_threads(before)


def compare(reference, run):
    """``(same picks, bitwise-equal scores, max absolute difference, max relative difference)`` of the scores."""
    a, b = reference["scores"], run["scores"]
    same_nan = bool(np.array_equal(np.isnan(a), np.isnan(b)))
    ok = ~np.isnan(a)
    absolute = np.abs(a[ok] - b[ok])
    relative = absolute / np.maximum(np.abs(a[ok]), np.finfo(np.float64).tiny)
    bitwise = same_nan and bool(np.array_equal(a[ok], b[ok]))
    same = bool(np.array_equal(reference["picks"], run["picks"]))
    return same, bitwise, float(absolute.max(initial=0.0)), float(relative.max(initial=0.0))


def scorer_actors():
    """Scoring actors the cluster has started so far (alive or dead), or None if Ray's state does not answer."""
    try:
        import ray

        return sum("_ChunkScorer" in a.get("ActorClassName", "") for a in ray._private.state.actors().values())
    except Exception:
        return None


def worker_threads():
    """torch's intra-op threads in a Ray task that reserves 1 CPU, as the scoring actors do."""
    import ray

    @ray.remote(num_cpus=1)
    def threads():
        import torch

        return torch.get_num_threads(), os.environ.get("OMP_NUM_THREADS")

    return ray.get(threads.remote())


def med(values):
    return statistics.median(values)


def fmt_s(values):
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{med(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3, help="timed passes of each kind after the first ones")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", default=None, help="folder for the pool file (default: a temporary one)")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    argv = " ".join(sys.argv[1:])

    # Ray's distributed tqdm replaces builtins.print in the driver as soon as it prints a worker's log or error
    # message; a skorch net keeps the original print (its PrintLog callback's sink), which then no longer pickles
    # and ``RayPool`` cannot ``ray.put`` the net. Keep print as it is.
    os.environ.setdefault("RAY_TQDM_PATCH_PRINT", "0")
    import ray
    import skorch
    import torch

    from skal.distributed import RayPool
    from skal.strategies import Entropy, Margin

    try:
        from skal.pools._scoring import auto_chunk_rows
    except ImportError:  # before chunks grew with narrow rows
        auto_chunk_rows = None

    n, n_query, n_labeled, W = args.rows, 1000, 1000, args.workers
    threads = torch.get_num_threads()
    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="skal-ray-bench-"))
    path = folder / "ray_scoring_pool.dat"
    load_start = os.getloadavg()
    try:
        t0 = time.perf_counter()
        y = write_pool(path, n)
        write_s = time.perf_counter() - t0
        rng = np.random.default_rng(1)
        fit_rows = np.sort(rng.choice(n, size=2000, replace=False))
        labeled = np.zeros(n, dtype=bool)
        labeled[rng.choice(fit_rows, size=n_labeled, replace=False)] = True
        X = open_pool(path, n)
        net = make_net(X, y, fit_rows)
        train_acc = float((net.predict(np.ascontiguousarray(X[fit_rows])) == y[fit_rows]).mean())
        local_chunk = auto_chunk_rows(X, net, contiguous_ok=True) if auto_chunk_rows else CHUNK
        skorch_us, forward_us = per_row_us(net, np.array(X[: min(n, local_chunk)]))
        del X

        t0 = time.perf_counter()
        ray.init(num_cpus=W, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
        init_s = time.perf_counter() - t0
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        ray_threads = worker_threads()

        # Every pass opens the memmap afresh, so the file pages it maps count in its RSS.
        def local(threads_=None, strategy=Entropy, rows=n, mask=labeled, k=n_query):
            return scoring_pass(strategy(), open_pool(path, rows), mask, net, k, threads_)

        def remote(workers, strategy=Entropy, rows=n, mask=labeled, k=n_query):
            before = scorer_actors()
            run = scoring_pass(strategy(), RayPool(open_pool(path, rows), num_workers=workers), mask, net, k)
            after = scorer_actors()
            run["actors"] = None if None in (before, after) else after - before
            return run

        one_chunk = np.zeros(CHUNK, dtype=bool)  # a pool of one chunk, none labeled
        kinds = {
            "local": lambda: local(),
            "local1": lambda: local(1),
            "ray": lambda: remote(W),
            "ray1": lambda: remote(1),
            "fixed_local": lambda: local(rows=CHUNK, mask=one_chunk, k=10),
            "fixed_ray": lambda: remote(W, rows=CHUNK, mask=one_chunk, k=10),
            "fixed_ray1": lambda: remote(1, rows=CHUNK, mask=one_chunk, k=10),
        }
        first_local = local()
        first_ray = remote(W)
        runs = {kind: [] for kind in kinds}
        for _ in range(args.repeats):
            for kind, run in kinds.items():
                runs[kind].append(run())
        margin_local, margin_ray = local(strategy=Margin), remote(W, strategy=Margin)
        local_8192 = local_scores_in_chunks(open_pool(path, n), labeled, net, CHUNK)
        load_end = os.getloadavg()
        ray.shutdown()
    finally:
        if path.exists():
            path.unlink()
        if not args.dir:
            shutil.rmtree(folder, ignore_errors=True)

    # Equality against the first local pass.
    names = {"local": f"local, torch on {threads} threads", "local1": "local, torch on 1 thread",
             "ray": f"Ray, {W} workers", "ray1": "Ray, 1 worker"}  # fmt: skip
    eq = {kind: [compare(first_local, r) for r in runs[kind]] for kind in names}
    eq["ray"].insert(0, compare(first_local, first_ray))
    margin_eq = compare(margin_local, margin_ray)
    assert all(e[0] for es in eq.values() for e in es) and margin_eq[0], f"picks differ: {eq} {margin_eq}"
    unlabeled = ~labeled
    ray_vs_8192 = bool(np.array_equal(runs["ray"][-1]["scores"][unlabeled], local_8192))
    local_vs_8192 = bool(np.array_equal(first_local["scores"][unlabeled], local_8192))

    n_scored = n - n_labeled
    n_chunks = -(-n_scored // CHUNK)
    n_chunks_local = -(-n_scored // local_chunk)
    T = {kind: med([r["seconds"] for r in rs]) for kind, rs in runs.items()}
    cpu = {kind: med([r["cpu"] for r in rs]) for kind, rs in runs.items()}
    rate = {kind: n_scored / T[kind] for kind in names}
    best = "local1" if T["local1"] < T["local"] else "local"
    F, F1 = T["fixed_ray"], T["fixed_ray1"]
    per_chunk = {
        "local": T["local"] * CHUNK / n_scored,
        "local1": T["local1"] * CHUNK / n_scored,
        "ray": (T["ray"] - F) / n_chunks * W,
        "ray1": (T["ray1"] - F1) / n_chunks,
    }
    # A worker with a core to itself (not measurable when a pass is not longer than the fixed cost: tiny pools).
    r_worker = n_scored / (T["ray1"] - F1) if T["ray1"] > F1 else float("nan")
    r_local = rate[best]
    min_workers = int(np.floor(r_local / r_worker)) + 1 if r_worker > 0 else 0

    def break_even(w):
        gain = 1 / r_local - 1 / (w * r_worker)
        return F / gain if gain > 0 else float("inf")

    def cluster_s(w, rows):
        return F + rows / (w * r_worker)

    mem_total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    machine = f"{os.cpu_count()}-core {platform.machine()}, {mem_total:.0f} GiB RAM"
    versions = (
        f"Python {platform.python_version()}, torch {torch.__version__}, skorch {skorch.__version__}, "
        f"ray {ray.__version__}, numpy {np.__version__}"
    )
    loads = [r["load"] for rs in runs.values() for r in rs] + [first_local["load"], first_ray["load"]]
    mib = n * int(np.prod(SHAPE)) * 4 / 2**20
    yes = {True: "yes", False: "no"}
    lines = [
        f"# Ray ({W} local workers) against local scoring: {n:,} rows of 1×8×8 images, a small CNN",
        "",
        f"`python benchmarks/ray_scoring.py{' ' + argv if argv else ''}` — {machine}; {versions}. The machine was "
        f"shared with other jobs: load average (1 min) {load_start[0]:.1f} at the start, {min(loads):.1f}–"
        f"{max(loads):.1f} before the passes, {load_end[0]:.1f} at the end.",
        "",
        f"Pool: {n:,} seeded float32 1×8×8 images in a `numpy.memmap` ({mib:.0f} MiB, written in {write_s:.1f} s, "
        "deleted afterwards). Model: Conv2d(1, 8, 3) + ReLU + AdaptiveAvgPool2d(1) + Flatten + Dropout + "
        "Linear(8, 10) in a skorch `NeuralNetClassifier` (batch_size 1024, `torch.manual_seed(0)`, 5 epochs in "
        f"batches of 64 on 2,000 pool rows, training accuracy {train_acc:.2f}). {n_labeled:,} rows labeled; a pass "
        f"is `Entropy().fit(pool, labeled=mask, estimator=net).query({n_query})` over the other {n_scored:,}.",
        "",
        f"- local: the memmap, in this process, chunks of {local_chunk:,} rows (skal's `auto_chunk_rows` for this "
        f"pool: {n_chunks_local} chunks); torch on its default {threads} threads, and on 1 thread",
        f"- Ray: `RayPool(memmap, num_workers={W})` after `ray.init(num_cpus={W}, include_dashboard=False, "
        f"log_to_driver=False)` ({init_s:.1f} s; `RAY_TQDM_PATCH_PRINT=0`, progress bars off); 1 CPU per actor, "
        f"torch on {ray_threads[0]} thread(s) in a worker (OMP_NUM_THREADS={ray_threads[1]}), chunks of "
        f"{CHUNK:,} rows ({n_chunks} chunks); and with 1 worker",
        f"- the first local and the first Ray pass apart, then {args.repeats} rounds of one pass of each kind in "
        "turn; times are medians (min–max) over the rounds",
        "",
        "## Same picks",
        "",
        "| strategy | path | passes | same 1,000 picks as the first local pass | scores bitwise equal "
        "| max abs. diff | max rel. diff |",
        "|---|---|---:|---|---|---:|---:|",
    ]
    for kind, name in names.items():
        es = eq[kind]
        lines.append(
            f"| Entropy | {name} | {len(es)} | {yes[all(e[0] for e in es)]} | {yes[all(e[1] for e in es)]} | "
            f"{max(e[2] for e in es):.1e} | {max(e[3] for e in es):.1e} |"
        )
    lines += [
        f"| Margin | Ray, {W} workers vs local | 1 | {yes[margin_eq[0]]} | {yes[margin_eq[1]]} | {margin_eq[2]:.1e} | "
        f"{margin_eq[3]:.1e} |",
        "",
        f"A local pass in Ray's {CHUNK:,}-row chunks gives bitwise the Ray scores: {yes[ray_vs_8192]}; and the "
        f"scores of the local pass in {local_chunk:,}-row chunks: {yes[local_vs_8192]}. "
        + (
            "So a difference comes from the chunking (the span of a chunk, read as one view, is cut into the "
            "net's 1,024-row batches at other rows, and a float32 batch of another size may round differently), "
            "not from running in another process."
            if ray_vs_8192 and not local_vs_8192
            else ""
        ),
        "",
        "## Throughput",
        "",
        "| path | seconds | rows/s | vs local (default threads) | vs local (1 thread) | driver CPU s | "
        "driver peak RSS rise, MiB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]

    def row(name, rs, t):
        return (
            f"| {name} | {fmt_s([r['seconds'] for r in rs])} | {n_scored / t:,.0f} | {T['local'] / t:.2f} | "
            f"{T['local1'] / t:.2f} | {med([r['cpu'] for r in rs]):.1f} | {med([r['rss_rise'] for r in rs]):.0f} |"
        )

    lines += [
        row(f"local, torch on {threads} threads, first pass", [first_local], first_local["seconds"]),
        row(f"local, torch on {threads} threads", runs["local"], T["local"]),
        row("local, torch on 1 thread", runs["local1"], T["local1"]),
        row(f"Ray, {W} workers, first pass", [first_ray], first_ray["seconds"]),
        row(f"**Ray, {W} workers**", runs["ray"], T["ray"]),
        row("Ray, 1 worker", runs["ray1"], T["ray1"]),
        "",
        f"Driver CPU s: `time.process_time` of this process during the pass (all its threads). Driver RSS: the peak "
        f"rise of `VmRSS` during a pass over its value before (a local pass maps the {mib:.0f} MiB pool file into "
        f"the driver; a Ray pass reads it in the workers). `ru_maxrss` of the whole run: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB.",
        "",
        "## Overhead",
        "",
        "| | seconds |",
        "|---|---:|",
        f"| a local pass over a pool of one {CHUNK:,}-row chunk | "
        f"{fmt_s([r['seconds'] for r in runs['fixed_local']])} |",
        f"| **a Ray pass ({W} workers) over a pool of one {CHUNK:,}-row chunk: fixed cost T_fixed** | "
        f"{fmt_s([r['seconds'] for r in runs['fixed_ray']])} |",
        f"| the same with 1 worker, T_fixed,1 | {fmt_s([r['seconds'] for r in runs['fixed_ray1']])} |",
        f"| per {CHUNK:,} rows, local on {threads} threads: T_local × {CHUNK:,} / {n_scored:,} | "
        f"{per_chunk['local']:.3f} |",
        f"| per {CHUNK:,} rows, local on 1 thread | {per_chunk['local1']:.3f} |",
        f"| skorch `predict_proba` of one local chunk ({min(n, local_chunk):,} rows), 1 thread, per row; the "
        f"module's forward pass alone | {skorch_us * 1e-6:.1e}; {forward_us * 1e-6:.1e} |",
        f"| **per {CHUNK:,}-row chunk in a Ray worker, {W} workers: (T_ray − T_fixed) / {n_chunks} × {W}** | "
        f"{per_chunk['ray']:.3f} |",
        f"| per {CHUNK:,}-row chunk in a Ray worker alone: (T_ray,1 − T_fixed,1) / {n_chunks} | "
        f"{per_chunk['ray1']:.3f} |",
    ]
    started = [r["actors"] for r in [first_ray, *runs["ray"]]]
    if None not in started:
        lines.append(f"| scoring actors started by each {W}-worker pass (count, not seconds) | "
                     f"{', '.join(map(str, started))} |")  # fmt: skip
    ray_faster = max(r["seconds"] for r in runs["ray"]) < min(r["seconds"] for r in runs[best])
    ray_slower = min(r["seconds"] for r in runs["ray"]) > max(r["seconds"] for r in runs[best])
    thread_effect = (
        f"made the local pass {T['local'] / T['local1']:.1f}× slower"
        if T["local"] > 1.1 * T["local1"]
        else ("did not speed up the local pass" if T["local"] > 0.9 * T["local1"] else "sped the local pass up")
    )
    lines += [
        "",
        "## What this says",
        "",
        f"On this {os.cpu_count()}-core machine a Ray pass with {W} workers took {T['ray']:.1f} s: "
        f"**{T['local'] / T['ray']:.2f}× the throughput of the local pass with torch on its default {threads} "
        f"threads ({T['local']:.1f} s) and {T['local1'] / T['ray']:.2f}× that of the local pass with torch on 1 "
        f"thread ({T['local1']:.1f} s)**; the faster local pass here is the one on "
        f"{'1 thread' if best == 'local1' else f'{threads} threads'}. "
        + (
            "Ray was faster in every round (the slowest Ray pass beat the fastest local one)."
            if ray_faster
            else "Ray was slower in every round."
            if ray_slower
            else "The ranges of the rounds overlap."
        ),
        "",
        f"torch's {threads} threads {thread_effect} ({T['local']:.1f} s against {T['local1']:.1f} s on one) and "
        f"used {cpu['local'] / cpu['local1']:.1f}× its CPU time. There is little for them to share: skorch's "
        f"`predict_proba` of one chunk took {skorch_us:.1f} µs per row on 1 thread, of which the module's forward "
        f"pass is {forward_us:.1f} µs; the rest is its DataLoader collating the rows one by one in Python, on one "
        "core (the GIL) whatever torch's threads do. A Ray worker that reserves 1 CPU runs torch on 1 thread "
        "(Ray sets `OMP_NUM_THREADS=1`), so the fair local baseline is the faster of the two local settings.",
        "",
    ]
    why_fixed = (
        f"Every pass pays a fixed cost of **{F:.1f} s** (a pass over a single chunk; "
        f"{T['fixed_local']:.2f} s locally): Ray Data builds a dataset and a new actor pool for every pass, and "
        "each actor starts a worker process, imports torch and skal and fetches the model and the pool's handle "
        "from the object store."
    )
    per_chunk_text = (
        f"Past that, a worker spent {per_chunk['ray']:.3f} s per {CHUNK:,}-row chunk while {W} shared the machine "
        f"with the driver and {per_chunk['ray1']:.3f} s alone, against {per_chunk['local1']:.3f} s per "
        f"{CHUNK:,} rows locally on 1 thread ({per_chunk['local']:.3f} s on {threads})"
    )
    if ray_faster or T["ray"] < T[best]:
        lines.append(
            f"Ray {'was' if ray_faster else 'was mostly'} faster on {os.cpu_count()} cores although its workers "
            f"share them with the driver (which spent {cpu['ray']:.1f} s of CPU per Ray pass on Ray Data's executor "
            "and on gathering the scores), because a local pass is bound to about one core by the Python part of "
            f"the work (on {threads} threads it kept {cpu['local'] / T['local']:.1f} cores busy), while {W} Ray "
            f"workers are {W} processes, each with its own interpreter, that score chunks side by side. That is "
            "what Ray buys on one machine: more Python processes, not faster scoring. "
            f"{why_fixed} {per_chunk_text}: a worker takes {per_chunk['ray'] / per_chunk[best]:.2f}× the local time "
            f"per chunk, so the gain of {W} workers is what that and the fixed cost leave of {W}×."
        )
    else:
        lines.append(
            f"Against that baseline Ray was not faster on {os.cpu_count()} cores: the {W} workers and the driver "
            f"(which spent {cpu['ray']:.1f} s of CPU per Ray pass on Ray Data's executor and on gathering the scores) "
            "share the cores a local pass has to itself, and "
            f"{why_fixed[0].lower() + why_fixed[1:]} {per_chunk_text}."
        )
    if not min_workers:
        lines += ["", "The pool is too small here to separate the per-chunk cost from the fixed cost.", ""]
    else:
        ws = sorted({min_workers, *[w for w in (2, 4, 16) if w > min_workers]})
        lines += [
            "",
            f"One worker with a core of its own scores about {r_worker:,.0f} rows/s, the local pass "
            f"{r_local:,.0f} rows/s. On a cluster of W such workers a pass takes about T(N) ≈ {F:.1f} s + "
            f"N / (W × {r_worker:,.0f} rows/s) + the transfer of the results: 8 bytes of score per row, plus the "
            f"8-byte position `map_batches` returns with it ({16 * n / 2**20:.0f} MiB for {n:,} rows, about "
            f"{16 * n * 8 / 1e9:.2f} s at 1 Gbit/s; here it goes through the local object store). For W = {W} "
            f"that gives {cluster_s(W, n_scored):.1f} s for this pool against the {T['ray']:.1f} s measured, where "
            f"the driver and the workers shared {os.cpu_count()} cores. Ray beats the local pass when "
            f"W × r_worker > r_local (W ≥ {min_workers} here) and the pool is past the break-even size "
            "N* = T_fixed / (1 / r_local − 1 / (W × r_worker)): "
            + ", ".join(f"W = {w}: N* ≈ {break_even(w):,.0f} rows" for w in ws)
            + ". Estimated passes: "
            + "; ".join(
                f"{rows_:,} rows: local {rows_ / r_local:,.0f} s, W = 8: {cluster_s(8, rows_):,.0f} s, W = 32: "
                f"{cluster_s(32, rows_):,.0f} s"
                for rows_ in (n, 10 * n, 100 * n)
            )
            + ". What scales is the per-chunk work (chunks are independent: a worker needs only the model and its "
            "rows); the fixed cost does not, and neither does the driver's gather (one scalar per row). So Ray "
            f"pays off when a local pass takes several times the fixed cost of {F:.1f} s (here {T[best]:.0f} s, "
            f"{T[best] / F:.1f}×): more rows, a heavier model or a GPU per worker. Below T_fixed × r_local ≈ "
            f"{F * r_local:,.0f} rows (N* for W → ∞) it costs more than it saves with this model, however many "
            "workers.",
            "",
        ]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
