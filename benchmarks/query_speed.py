"""Query time and peak memory of the representation strategies, skal vs peers, in one run.

Data: ``E = np.random.default_rng(0).standard_normal((N, 128), dtype=float32)``;
100 labeled rows (the first 100 of ``default_rng(1).permutation(N)``); labels for
BADGE's model: 4 classes from the signs of the first two features; BADGE scores
a logistic regression fitted on the labeled rows (``H = E``, as for a linear model).

Each cell runs in its own subprocess (clean peak RSS, a memory cap and a time
limit): ``fit`` + ``query(n)``. "extra MiB" is the peak RSS minus the RSS once
``E`` is in memory. Peers run in ``.venv-peers`` (``make peers-venv`` installs
scikit-activeml, cardinal, ALiPy, modAL and baal there), never as skal dependencies.

    python benchmarks/query_speed.py                      # all cells, writes results/query_speed.{json,md}
    python benchmarks/query_speed.py --sizes 10000 30000  # fewer sizes
    python benchmarks/query_speed.py --data cifar10-cnn --sizes 30000 60000 --methods coreset
                                                          # real CNN features (cifar10_cnn_features.py first)
"""

import argparse
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
D = 128
N_LABELED = 100


def picks_for(method, N):
    if method == "coreset":
        return 1000 if N >= 1_000_000 else 200
    return 200


def make_data(N):
    """``--data gaussian`` (the default): isotropic noise; ``clustered``: 100 Gaussian blobs (centres N(0, 1),
    spread 0.2), as embeddings of a trained net cluster by class."""
    kind = os.environ.get("SKAL_BENCH_DATA", "gaussian")
    if kind == "cifar10-cnn":  # real embeddings: benchmarks/cifar10_cnn_features.py writes them
        from cifar10_cnn_features import features_path

        F = np.load(features_path(), mmap_mode="r")
        if N > len(F):
            raise ValueError(f"--data cifar10-cnn has {len(F):,} rows; asked for {N:,}.")
        E = np.ascontiguousarray(F[np.sort(np.random.default_rng(0).permutation(len(F))[:N])])
    elif kind == "clustered":
        rng = np.random.default_rng(0)
        centres = rng.standard_normal((100, D))
        E = (centres[rng.integers(100, size=N)] + 0.2 * rng.standard_normal((N, D))).astype(np.float32)
    else:
        E = np.random.default_rng(0).standard_normal((N, D), dtype=np.float32)
    labeled = np.zeros(N, bool)
    labeled[np.random.default_rng(1).permutation(N)[:N_LABELED]] = True
    y = (E[:, 0] > 0).astype(int) + 2 * (E[:, 1] > 0).astype(int)
    return E, labeled, y


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# ------------------------------------------------------------------ cells
def cell_skal(method, E, labeled, y, n):
    from sklearn.linear_model import LogisticRegression

    from skal.strategies import BADGE, Coreset, KMeansSampling, TypiClust

    if method == "badge":
        clf = LogisticRegression(max_iter=300).fit(E[labeled], y[labeled])
        return BADGE(embedding="input", random_state=0).fit(E, labeled=labeled, estimator=clf).query(n)
    cls = {"coreset": Coreset, "typiclust": TypiClust, "kmeans": KMeansSampling}[method]
    return cls(embedding="input", random_state=0).fit(E, labeled=labeled).query(n)


def cell_reference(method, E, labeled, y, n):
    """Exact float64 numpy k-center greedy, chunked: the correctness reference for coreset."""
    assert method == "coreset"
    E64 = E.astype(np.float64)
    sq = (E64 * E64).sum(1)
    d = np.full(len(E), np.inf)
    L = E64[labeled]
    for s in range(0, len(L), 64):
        block = sq[:, None] + (L[s : s + 64] ** 2).sum(1)[None, :] - 2 * E64 @ L[s : s + 64].T
        d = np.minimum(d, block.min(1))
    taken = labeled.copy()
    picks = []
    for _ in range(n):
        i = int(np.argmax(np.where(taken, -1.0, d)))
        picks.append(i)
        taken[i] = True
        d = np.minimum(d, np.maximum(sq + sq[i] - 2 * E64 @ E64[i], 0))
    return np.asarray(picks)


def cell_skactiveml(method, E, labeled, y, n):
    from skactiveml.pool import Badge, CoreSet, TypiClust

    y_partial = np.full(len(E), np.nan)
    y_partial[labeled] = y[labeled]
    if method == "coreset":
        return CoreSet(random_state=0).query(E, y_partial, batch_size=n)
    if method == "typiclust":
        return TypiClust(random_state=0).query(E, y_partial, batch_size=n)
    if method == "badge":
        from skactiveml.classifier import SklearnClassifier
        from sklearn.linear_model import LogisticRegression

        clf = SklearnClassifier(LogisticRegression(max_iter=300), classes=np.arange(4)).fit(E, y_partial)
        return Badge(random_state=0).query(E, y_partial, clf, fit_clf=False, batch_size=n)
    raise KeyError(method)


def cell_cardinal(method, E, labeled, y, n):
    from cardinal.clustering import KCenterGreedy

    assert method == "coreset"
    unlabeled = np.flatnonzero(~labeled)
    sampler = KCenterGreedy(lambda X: X, batch_size=n).fit(E[labeled])
    return unlabeled[np.asarray(sampler.select_samples(E[unlabeled]))]


def cell_alipy(method, E, labeled, y, n):
    from alipy.query_strategy import QueryInstanceCoresetGreedy

    assert method == "coreset"
    qs = QueryInstanceCoresetGreedy(E, y, np.arange(len(E)))
    return np.asarray(qs.select(np.flatnonzero(labeled).tolist(), np.flatnonzero(~labeled).tolist(), batch_size=n))


CELLS = {
    "skal": cell_skal,
    "reference": cell_reference,
    "scikit-activeml": cell_skactiveml,
    "cardinal": cell_cardinal,
    "ALiPy": cell_alipy,
}
METHODS = {
    "coreset": ["skal", "reference", "scikit-activeml", "cardinal", "ALiPy"],
    "typiclust": ["skal", "scikit-activeml"],
    "badge": ["skal", "scikit-activeml"],
    "kmeans": ["skal"],
}


def run_cell(lib, method, N):
    # warm-up on a small problem: imports (torch, faiss, the peer's package) and lazy set-up are not timed
    Ew, lw, yw = make_data(2000)
    CELLS[lib](method, Ew, lw, yw, 20)
    E, labeled, y = make_data(N)
    base = rss_mib()
    n = picks_for(method, N)
    t0 = time.perf_counter()
    picks = np.asarray(CELLS[lib](method, E, labeled, y, n)).ravel()
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    unique = len(set(picks.tolist())) == n and not labeled[picks].any()
    digest = hashlib.sha1(np.sort(picks).astype(np.int64).tobytes()).hexdigest()[:12]
    ordered = hashlib.sha1(picks.astype(np.int64).tobytes()).hexdigest()[:12]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mib": peak,
                "extra_mib": peak - base,
                "E_mib": E.nbytes / 2**20,
                "n": n,
                "valid": bool(unique),
                "set_hash": digest,
                "order_hash": ordered,
            }
        )
    )


# --------------------------------------------------------------- driver
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000, 1_000_000])
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--timeout", type=int, default=300)
    parser.add_argument("--mem-gib", type=float, default=10.0)
    parser.add_argument("--skal-python", default=str(ROOT / ".venv/bin/python"))
    parser.add_argument("--peers-python", default=str(ROOT / ".venv-peers/bin/python"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/query_speed"))
    parser.add_argument("--data", choices=["gaussian", "clustered", "cifar10-cnn"], default="gaussian")
    parser.add_argument("--cell", nargs=3, metavar=("LIB", "METHOD", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cell:
        lib, method, N = args.cell
        limit = int(float(os.environ.get("SKAL_MEM_GIB", "10")) * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        return run_cell(lib, method, int(N))
    os.environ["SKAL_BENCH_DATA"] = args.data  # the cells' subprocesses read it (a cell keeps its parent's)

    rows = []
    for method in args.methods:
        for N in args.sizes:
            for lib in METHODS[method]:
                if lib == "reference" and N > 100_000:
                    continue
                python = args.skal_python if lib in ("skal", "reference") else args.peers_python
                cmd = [python, __file__, "--cell", lib, method, str(N)]
                env = {**os.environ, "SKAL_MEM_GIB": str(args.mem_gib), "PYTHONWARNINGS": "ignore"}
                t0 = time.perf_counter()
                try:
                    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, env=env)
                    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
                    row = (
                        json.loads(lines[-1])
                        if lines
                        else {"error": (out.stderr.strip().splitlines() or ["?"])[-1][:200]}
                    )
                except subprocess.TimeoutExpired:
                    row = {"error": f"timeout after {args.timeout} s"}
                row.update(library=lib, method=method, N=N, wall=time.perf_counter() - t0)
                rows.append(row)
                print(json.dumps(row), flush=True)
    Path(args.out + ".json").write_text(json.dumps({"command": " ".join(sys.argv), "rows": rows}, indent=1))
    Path(args.out + ".md").write_text(table(rows))
    print(table(rows))


def table(rows):
    lines = [
        (
            f"fit + query on N x {D} float32 Gaussian embeddings (`np.random.default_rng(0).standard_normal`), "
            if os.environ.get("SKAL_BENCH_DATA", "gaussian") == "gaussian"
            else f"fit + query on N x {D} float32 clustered embeddings (100 blobs, centres N(0, 1), spread 0.2), "
            if os.environ.get("SKAL_BENCH_DATA") == "clustered"
            else f"fit + query on N x {D} float32 CIFAR-10 embeddings (a SmallCNN's features after 2 epochs: "
            "benchmarks/cifar10_cnn_features.py; N rows drawn with default_rng(0)), "
        )
        + f"{N_LABELED} labeled; picks: coreset 200 (1000 at N = 1M), others 200. "
        f"Python {platform.python_version()}, 2-core CPU, {time.strftime('%Y-%m-%d')}.",
        "",
        "Imports and set-up are warmed up on a 2,000-row problem first; extra MiB = peak RSS minus RSS with E loaded.",
        "",
        "| method | N | library | seconds | time / skal's | peak RSS MiB | extra MiB (E) | same set as skal | valid |",
        "|---|---:|---|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        skal = next(
            (s for s in rows if s["library"] == "skal" and s["method"] == r["method"] and s["N"] == r["N"]), None
        )
        if "error" in r:
            lines.append(f"| {r['method']} | {r['N']:,} | {r['library']} | {r['error']} | | | | | |")
            continue
        speedup = (
            f"{r['seconds'] / skal['seconds']:.1f}x" if skal and "seconds" in skal and r["library"] != "skal" else ""
        )
        same = (
            "—"
            if not skal or r["library"] == "skal" or "set_hash" not in skal
            else ("yes" if r["set_hash"] == skal["set_hash"] else "no")
        )
        lines.append(
            f"| {r['method']} | {r['N']:,} | {r['library']} | {r['seconds']:.2f} | {speedup} | {r['peak_mib']:.0f} | "
            f"{r['extra_mib']:.0f} ({r['E_mib']:.0f}) | {same} | {'yes' if r['valid'] else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
