"""skal vs scikit-activeml, modAL and baal on the strategies they share, in one run.

Run it with the peers' own venv (never a skal dependency)::

    make peers-venv   # .venv-peers: torch, scikit-activeml, baal, modAL-python, skal --no-deps
    SKAL_DATA=.data .venv-peers/bin/python benchmarks/peers_side_by_side.py

Protocol: satellite and letter recognition (standardised), logistic regression
(lbfgs, max_iter 500, random_state 0) retrained from scratch each round; per
seed one random initial pool of 30 rows shared by every library; 10 rounds of
30. Each library picks with its own code; skal runs through ``ActiveLearner``.
A shared strategy should give the same curve: for the deterministic ones
(least confidence, margin, entropy) we also count how often a library's batch
equals skal's. Query time is the library's query call (it includes its
``predict_proba``), median per round.

Writes ``benchmarks/results/peers/results.jsonl`` and ``report.md``.
"""

import argparse
import json
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

warnings.filterwarnings("ignore")

STRATEGIES = ["random", "least_confidence", "margin", "entropy", "coreset"]


def make_lr():
    return LogisticRegression(max_iter=500, random_state=0)


# ---------------------------------------------------------------- libraries
def skal_run(X, y, Xt, yt, init, seed, strategy, n, rounds):
    from skal import ActiveLearner
    from skal.strategies import Coreset, Entropy, LeastConfidence, Margin, Random

    make = {
        "random": Random,
        "least_confidence": LeastConfidence,
        "margin": Margin,
        "entropy": Entropy,
        "coreset": lambda: Coreset(embedding="input"),
    }[strategy]
    learner = ActiveLearner(make_lr(), make(), query_size=n, n_rounds=rounds, random_state=seed)
    learner.fit(X, y, labeled_indices=init, labels=y[init], eval_set=(Xt, yt))
    h = learner.history_
    return [r["score"] for r in h], [r["queried"].tolist() for r in h[1:]], [r["query_seconds"] for r in h[1:]]


def _loop(pick, X, y, Xt, yt, init, n, rounds, prepare=None):
    labeled = np.zeros(len(y), bool)
    labeled[init] = True
    accs, batches, secs = [], [], []
    for k in range(rounds + 1):
        clf = make_lr().fit(X[labeled], y[labeled])
        accs.append(clf.score(Xt, yt))
        if k == rounds:
            break
        state = clf if prepare is None else prepare(clf, labeled)  # untimed: e.g. a peer's own model wrapper
        t0 = time.perf_counter()
        batch = np.asarray(pick(state, labeled, k), dtype=int)
        secs.append(time.perf_counter() - t0)
        assert len(set(batch.tolist())) == n and not labeled[batch].any()
        labeled[batch] = True
        batches.append(batch.tolist())
    return accs, batches, secs


def skactiveml_run(X, y, Xt, yt, init, seed, strategy, n, rounds):
    from skactiveml.classifier import SklearnClassifier
    from skactiveml.pool import CoreSet, RandomSampling, UncertaintySampling

    classes = np.unique(y)
    if strategy == "coreset":
        qs = CoreSet(random_state=seed)
    elif strategy == "random":
        qs = RandomSampling(random_state=seed)
    else:
        method = {"least_confidence": "least_confident", "margin": "margin_sampling", "entropy": "entropy"}[strategy]
        qs = UncertaintySampling(method=method, random_state=seed)

    def partial(labeled):
        y_partial = np.full(len(y), np.nan)
        y_partial[labeled] = y[labeled]
        return y_partial

    def prepare(clf, labeled):
        # the same logistic regression, fitted through scikit-activeml's wrapper outside the timed query
        return SklearnClassifier(make_lr(), classes=classes).fit(X, partial(labeled))

    def pick(wrapped, labeled, k):
        if strategy in ("random", "coreset"):
            return qs.query(X, partial(labeled), batch_size=n)
        return qs.query(X, partial(labeled), wrapped, fit_clf=False, batch_size=n)

    return _loop(pick, X, y, Xt, yt, init, n, rounds, prepare)


def modal_run(X, y, Xt, yt, init, seed, strategy, n, rounds):
    if strategy in ("random", "coreset"):
        return None
    from modAL.uncertainty import entropy_sampling, margin_sampling, uncertainty_sampling

    fn = {"least_confidence": uncertainty_sampling, "margin": margin_sampling, "entropy": entropy_sampling}[strategy]

    def pick(clf, labeled, k):
        unlabeled = np.flatnonzero(~labeled)
        out = fn(clf, X[unlabeled], n_instances=n)
        idx = out[0] if isinstance(out, tuple) else out
        return unlabeled[np.asarray(idx)]

    return _loop(pick, X, y, Xt, yt, init, n, rounds)


def baal_run(X, y, Xt, yt, init, seed, strategy, n, rounds):
    if strategy == "coreset":
        return None
    from baal.active import heuristics as h

    def make():
        if strategy == "random":
            try:
                return h.Random(seed=seed)
            except TypeError:
                return h.Random()
        return {"least_confidence": h.Certainty, "margin": h.Margin, "entropy": h.Entropy}[strategy]()

    heuristic = make()

    def pick(clf, labeled, k):
        unlabeled = np.flatnonzero(~labeled)
        ranks = heuristic(clf.predict_proba(X[unlabeled]))
        return unlabeled[np.asarray(ranks)[:n]]

    return _loop(pick, X, y, Xt, yt, init, n, rounds)


def cardinal_run(X, y, Xt, yt, init, seed, strategy, n, rounds):
    if strategy != "coreset":
        return None
    from cardinal.clustering import KCenterGreedy

    def pick(clf, labeled, k):
        unlabeled = np.flatnonzero(~labeled)
        sampler = KCenterGreedy(lambda Z: Z, batch_size=n).fit(X[labeled])
        return unlabeled[np.asarray(sampler.select_samples(X[unlabeled]))]

    return _loop(pick, X, y, Xt, yt, init, n, rounds)


LIBRARIES = {
    "skal": skal_run,
    "scikit-activeml": skactiveml_run,
    "modAL": modal_run,
    "baal": baal_run,
    "cardinal": cardinal_run,
}


# ------------------------------------------------------------------ driver
def load(name, data_home):
    from skal.datasets import load as load_dataset

    d = load_dataset(name, data_home)
    classes, y = np.unique(d.y_train, return_inverse=True)
    yt = np.searchsorted(classes, d.y_test)
    mean, std = d.x_train.mean(0), d.x_train.std(0) + 1e-12
    return (d.x_train - mean) / std, y, (d.x_test - mean) / std, yt


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["satellite", "letter_recognition"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--size", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--out", default="benchmarks/results/peers")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for dist in ("skal", "scikit-activeml", "modAL-python", "baal", "scikit-learn", "torch"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = "not installed"
    records = []
    for dataset in args.datasets:
        X, y, Xt, yt = load(dataset, args.data_home)
        for seed in range(args.seeds):
            init = np.random.default_rng(seed).permutation(len(y))[: args.size]
            for strategy in STRATEGIES:
                for lib, run in LIBRARIES.items():
                    try:
                        res = run(X, y, Xt, yt, init, seed, strategy, args.size, args.rounds)
                    except Exception as exc:
                        records.append(
                            {
                                "dataset": dataset,
                                "seed": seed,
                                "strategy": strategy,
                                "library": lib,
                                "error": repr(exc)[:300],
                            }
                        )
                        print(f"{dataset} {strategy} {lib}: FAILED {exc!r:.200}", flush=True)
                        continue
                    if res is None:
                        continue
                    accs, batches, secs = res
                    records.append(
                        {
                            "dataset": dataset,
                            "seed": seed,
                            "strategy": strategy,
                            "library": lib,
                            "accuracy": accs,
                            "batches": batches,
                            "query_seconds": secs,
                        }
                    )
                print(f"{dataset} seed {seed} {strategy}: done", flush=True)
    with open(out / "results.jsonl", "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    report = make_report(records, args, versions)
    (out / "report.md").write_text(report)
    print(report)


def make_report(records, args, versions):
    lines = [
        "# skal vs peers on shared strategies",
        "",
        f"Command: `python {' '.join(sys.argv)}` — Python {platform.python_version()}, 2-core CPU, "
        f"{time.strftime('%Y-%m-%d')}; " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        "",
        f"Logistic regression, initial {args.size} random rows (shared per seed), {args.rounds} rounds of {args.size}, "
        f"{args.seeds} seeds. Accuracy in %, mean ± std over seeds; AULC = mean accuracy over rounds; "
        "same batches = share of rounds whose batch equals skal's (deterministic strategies, compared as sets); "
        "query = median ms per round.",
        "",
    ]
    errors = [r for r in records if "error" in r]
    for dataset in args.datasets:
        lines += [
            f"## {dataset}",
            "",
            "| strategy | library | final acc | AULC | same batches as skal | query ms |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for strategy in STRATEGIES:
            ok = [r for r in records if r["dataset"] == dataset and r["strategy"] == strategy and "error" not in r]
            skal_batches = {r["seed"]: r["batches"] for r in ok if r["library"] == "skal"}
            for lib in LIBRARIES:
                runs = [r for r in ok if r["library"] == lib]
                if not runs:
                    continue
                acc = 100 * np.array([r["accuracy"] for r in runs])
                same = "—"
                if strategy not in ("random",) and skal_batches:
                    pairs = [(a, b) for r in runs for a, b in zip(r["batches"], skal_batches.get(r["seed"], []))]
                    same = f"{100 * np.mean([sorted(a) == sorted(b) for a, b in pairs]):.0f} %" if pairs else "—"
                ms = 1000 * np.median([s for r in runs for s in r["query_seconds"]])
                lines.append(
                    f"| {strategy} | {lib} | {acc[:, -1].mean():.1f} ± {acc[:, -1].std():.1f} | "
                    f"{acc.mean(1).mean():.1f} ± {acc.mean(1).std():.1f} | {same} | {ms:.1f} |"
                )
        lines.append("")
    if errors:
        lines += ["## Failures (as reported by the library)", ""]
        seen = set()
        for r in errors:
            key = (r["library"], r["strategy"], r["error"])
            if key not in seen:
                seen.add(key)
                lines.append(f"- {r['library']} / {r['strategy']} on {r['dataset']}: `{r['error']}`")
        lines.append("")
    lines += [
        "BALD is in the issue's shared list; skal does not implement it yet (issue 4), so it is not compared here. "
        "Coreset runs on the standardised input features (k-center greedy is deterministic given the labeled set).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
