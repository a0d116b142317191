"""Every speed and memory goal of the "fast at every size" work, measured in one run, one thread each.

Runs, one after another, each in its own process with ``OMP_NUM_THREADS=1``:

====================  ==========================================================================================
coreset_gaussian      ``query_speed.py --sizes 30000 --methods coreset`` (N × 128 standard normal, 200 picks)
coreset_cifar10_cnn   ``query_speed.py --data cifar10-cnn --sizes 30000 60000 --methods coreset`` (a SmallCNN's
                      CIFAR-10 features: ``cifar10_cnn_features.py`` makes them first when they are missing)
typiclust             ``query_speed.py --sizes 100000 --methods typiclust``
kmeans_memmap         ``representation_memmap.py --strategies KMeansSampling`` (1M × 128 memmap, 1,000 picks)
grad_norms            ``grad_norms_speed.py --threads 1`` (MLP, SmallCNN; the reference per-row loop)
bald_vs_baal          ``bald_vs_baal.py --sizes 1000000`` in the peers' venv (baal 2.1.0)
import_footprint      ``import_footprint.py`` (a scikit-learn-only run: is torch imported?)
====================  ==========================================================================================

then writes ``benchmarks/results/speed_goals.md`` (and ``.json``): one row per goal with skal's figure, the
peer's, the goal, and whether this run met it — computed from the numbers, never written by hand. Each step's
own tables go to ``benchmarks/results/speed_goals/``.

    SKAL_DATA=.data python benchmarks/speed_goals.py            # about 10 minutes on 2 cores; needs make peers-venv
    python benchmarks/speed_goals.py --summarize                # rebuild the table from the steps' results
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from _machine import git_commit, load_average, machine  # benchmarks/_machine.py

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
OUT = HERE / "results" / "speed_goals"
SKAL = str(ROOT / ".venv/bin/python")
PEERS = str(ROOT / ".venv-peers/bin/python")


def steps():
    """``name: (python, script, arguments)``; each writes ``OUT/name.{md,json}``."""
    return {
        "coreset_gaussian": (SKAL, "query_speed.py", ["--sizes", "30000", "--methods", "coreset"]),
        "coreset_cifar10_cnn": (
            SKAL,
            "query_speed.py",
            ["--data", "cifar10-cnn", "--sizes", "30000", "60000", "--methods", "coreset"],
        ),
        "typiclust": (SKAL, "query_speed.py", ["--sizes", "100000", "--methods", "typiclust"]),
        "kmeans_memmap": (SKAL, "representation_memmap.py", ["--strategies", "KMeansSampling"]),
        "grad_norms": (
            SKAL,
            "grad_norms_speed.py",
            ["--threads", "1", "--cases", "MLP 54-256-256-7 (tabular)", "SmallCNN 28x28 (MNIST)"],
        ),
        "bald_vs_baal": (PEERS, "bald_vs_baal.py", ["--sizes", "1000000"]),
        "import_footprint": (SKAL, "import_footprint.py", []),
    }


def run_steps(names):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    OUT.mkdir(parents=True, exist_ok=True)
    if "coreset_cifar10_cnn" in names:
        from cifar10_cnn_features import features_path

        if not features_path().exists():
            subprocess.run([SKAL, str(HERE / "cifar10_cnn_features.py")], check=True, env=env)
    log = {}
    for name in names:
        python, script, args = steps()[name]
        cmd = [python, str(HERE / script), *args, "--out", str(OUT / name)]
        print("$", " ".join(cmd[1:]), flush=True)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, env=env)
        seconds = time.perf_counter() - t0
        log[name] = {"command": " ".join(["python", f"benchmarks/{script}", *args]), "seconds": seconds}
    return log


def _load(name):
    return json.loads((OUT / f"{name}.json").read_text())


def _query_rows(name, method, N):
    rows = [r for r in _load(name)["rows"] if r["method"] == method and r["N"] == N and "seconds" in r]
    return {r["library"]: r for r in rows}


def _coreset_row(name, N, what, goal_s, goal_x):
    cells = _query_rows(name, "coreset", N)
    skal, peer = cells["skal"], cells["scikit-activeml"]
    ratio = peer["seconds"] / skal["seconds"]
    exact = cells["reference"]["set_hash"] == skal["set_hash"]
    others = ", ".join(
        f"{lib} {c['seconds'] / skal['seconds']:.1f}x" for lib, c in cells.items() if lib not in ("skal", "reference")
    )
    met = ratio >= goal_x and exact and (goal_s is None or skal["seconds"] <= goal_s)
    goal = (f"≤ {goal_s} s and " if goal_s else "") + f"≥ {goal_x}× scikit-activeml, exact picks"
    return dict(
        figure=f"Coreset, {what}, N = {N:,}, 200 picks",
        skal=f"{skal['seconds']:.2f} s; same picks as the float64 greedy: {'yes' if exact else 'NO'}",
        peer=f"scikit-activeml {peer['seconds']:.2f} s ({ratio:.1f}×); {others}",
        goal=goal,
        met=met,
    )


def summary_rows():
    rows = [
        _coreset_row("coreset_gaussian", 30_000, "isotropic", 0.2, 6),
        _coreset_row("coreset_cifar10_cnn", 30_000, "CIFAR-10 CNN features", None, 10),
        _coreset_row("coreset_cifar10_cnn", 60_000, "CIFAR-10 CNN features", None, 10),
    ]
    cells = _query_rows("typiclust", "typiclust", 100_000)
    skal, peer = cells["skal"], cells["scikit-activeml"]
    ratio = peer["seconds"] / skal["seconds"]
    rows.append(
        dict(
            figure="TypiClust, N = 100k, 200 picks",
            skal=f"{skal['seconds']:.2f} s",
            peer=f"scikit-activeml {peer['seconds']:.2f} s ({ratio:.1f}×)",
            goal="≤ 3 s and ≥ 6× scikit-activeml",
            met=skal["seconds"] <= 3 and ratio >= 6,
        )
    )
    km = _load("kmeans_memmap")
    res = next(r for r in km["results"] if r["strategy"] == "KMeansSampling")
    share = res["peak_rss_anon_above_baseline_mib"] / km["pool_mib"]
    rows.append(
        dict(
            figure=f"k-means sampling, {km['rows']:,} × {km['features']} memmap, {km['query']:,} picks",
            skal=f"+{res['peak_rss_anon_above_baseline_mib']:.0f} MiB ({share:.2f}× the {km['pool_mib']:.0f} MiB "
            f"features), {res['query_seconds']:.0f} s; valid picks: {'yes' if res['valid_picks'] else 'NO'}",
            peer="—",
            goal="≤ 0.5× the features",
            met=share <= 0.5 and res["valid_picks"],
        )
    )
    for r in _load("grad_norms")["rows"]:
        if not r["model"].startswith("SmallCNN"):
            continue
        rows.append(
            dict(
                figure=f"GradNorm, {r['model']}, {r['n_rows']:,} rows, {r['norm']}",
                skal=f"{r['skal_s']:.3f} s ({r['speedup']:.1f}× the loop; one batched forward + backward alone: "
                f"{r['batched_backward_s']:.3f} s); max rel. diff {r['max_rel_diff']:.0e}",
                peer=f"per-row loop {r['reference_loop_s']:.3f} s",
                goal="≥ 5× the loop, equal to 1e-4",
                met=r["speedup"] >= 5 and r["max_rel_diff"] <= 1e-4,
            )
        )
    for r in _load("bald_vs_baal")["rows"]:
        ratio = r["baal_s"] / r["skal_s"]
        rows.append(
            dict(
                figure=f"BALD scoring, {r['n_rows']:,} rows, T = {r['n_passes']}",
                skal=f"{r['skal_s']:.2f} s, +{r['skal_peak_extra_mib']:.0f} MiB",
                peer=f"baal {r['baal_s']:.2f} s ({ratio:.1f}×), +{r['baal_peak_extra_mib']:.0f} MiB; "
                f"same top-n: {'yes' if r['same_top_n'] else 'NO'}",
                goal="≥ 1.5× faster, same top-k",
                met=ratio >= 1.5 and r["same_top_n"],
            )
        )
    fit = _load("import_footprint")["scikit-learn-only fit (3 rounds)"]
    rows.append(
        dict(
            figure="a scikit-learn-only fit (LogisticRegression, Entropy, 3 rounds)",
            skal=f"{fit['peak_mib']:.0f} MiB peak RSS, {fit['seconds']:.1f} s; torch imported: "
            f"{'yes' if fit['torch'] else 'no'}",
            peer="—",
            goal="no torch import",
            met=not fit["torch"],
        )
    )
    return rows


def write_summary(meta):
    rows = summary_rows()
    lines = [
        "# Speed and memory goals, one run",
        "",
        f"`{meta['command']}` — skal at {meta['commit']}, {meta['machine']}, one thread per process "
        f"(OMP_NUM_THREADS=1), {meta['date']}. Load average before: {meta['load_before']}; after: "
        f"{meta['load_after']}. Each step's table is in `benchmarks/results/speed_goals/`; peers run in "
        "`.venv-peers` (scikit-activeml, cardinal, ALiPy, baal).",
        "",
        "| figure | skal | peer | goal | met |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['figure']} | {r['skal']} | {r['peer']} | {r['goal']} | {'yes' if r['met'] else 'no'} |")
    lines += ["", "Steps:", ""]
    lines += [f"- {name}: `{step['command']}` ({step['seconds']:.0f} s)" for name, step in meta["steps"].items()]
    path = HERE / "results" / "speed_goals"
    path.with_suffix(".md").write_text("\n".join(lines) + "\n")
    path.with_suffix(".json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", nargs="+", default=list(steps()), choices=list(steps()))
    parser.add_argument("--summarize", action="store_true", help="only rebuild the table from the steps' files")
    args = parser.parse_args()
    meta_path = OUT / "meta.json"
    if args.summarize:
        return write_summary(json.loads(meta_path.read_text()))
    load_before = load_average()
    log = run_steps(args.steps)
    previous = json.loads(meta_path.read_text())["steps"] if meta_path.exists() else {}
    meta = dict(
        command="python benchmarks/speed_goals.py " + " ".join(sys.argv[1:]),
        commit=git_commit(),
        machine=machine(),
        date=time.strftime("%Y-%m-%d"),
        load_before=load_before,
        load_after=load_average(),
        steps={**previous, **log},
    )
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    write_summary(meta)


if __name__ == "__main__":
    main()
