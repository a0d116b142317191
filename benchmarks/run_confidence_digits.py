"""Random-weight confidence sampling (Mohan et al., 2026) and the uncertainty baselines on digits, 5 seeds.

Protocol: sklearn's digits, stratified 70/30 split (pool 1257, test 540, split seed 0);
a 64-128-10 skorch MLP (Adam, lr 3e-3, 60 epochs, batch 32), trained from a fresh
clone each round; 30 initial labels, 30 per round, 8 later rounds. Reports test
accuracy per round (mean ± std over seeds), the area under the learning curve
(mean accuracy over rounds) and seconds per run.

    python benchmarks/run_confidence_digits.py [--seeds 5] [--out benchmarks/results/confidence_digits]

Writes ``<out>.json`` (every run and round) and ``<out>.md`` (the table).
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
from quickstart import make_net  # noqa: E402  (the demo's net: same protocol)

from skal import ActiveLearner  # noqa: E402
from skal.strategies import HC, HCLC, LC, LCHC, RHC, RLC, Entropy, Margin, Random  # noqa: E402

STRATEGIES = {
    "Random": Random(),
    "LC": LC(),
    "HC": HC(),
    "HCLC": HCLC(),
    "LCHC": LCHC(),
    "RHC": RHC(),
    "RLC": RLC(),
    "Margin": Margin(),
    "Entropy": Entropy(),
}


def run(seeds, rounds):
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    X_pool, X_test, y_pool, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    records = []
    for name, strategy in STRATEGIES.items():
        for seed in range(seeds):
            t0 = time.perf_counter()
            learner = ActiveLearner(
                make_net(), strategy, initial_size=30, query_size=30, n_rounds=rounds, random_state=seed
            ).fit(X_pool, y_pool, eval_set=(X_test, y_test))
            seconds = time.perf_counter() - t0
            records.append(
                {
                    "strategy": name,
                    "seed": seed,
                    "seconds": seconds,
                    "n_labeled": [r["n_labeled"] for r in learner.history_],
                    "accuracy": [r["score"] for r in learner.history_],
                    "query_seconds": [r["query_seconds"] for r in learner.history_],
                }
            )
            print(f"{name:8s} seed {seed}: final {records[-1]['accuracy'][-1]:.3f} ({seconds:.1f} s)", flush=True)
    return records


def table(records, seeds):
    names = list(dict.fromkeys(r["strategy"] for r in records))
    labels = records[0]["n_labeled"]
    acc = {n: 100 * np.array([r["accuracy"] for r in records if r["strategy"] == n]) for n in names}
    secs = {n: np.array([r["seconds"] for r in records if r["strategy"] == n]) for n in names}
    lines = [
        f"Test accuracy (%) on digits, mean ± std over {seeds} seeds (pool 1257, test 540).",
        "",
        "| labels | " + " | ".join(names) + " |",
        "|---:|" + "---:|" * len(names),
    ]
    for k, n in enumerate(labels):
        lines.append(
            f"| {n} | " + " | ".join(f"{acc[s][:, k].mean():.1f} ± {acc[s][:, k].std():.1f}" for s in names) + " |"
        )
    auc = {s: acc[s].mean(axis=1) for s in names}
    lines.append(
        "| **mean over rounds** | " + " | ".join(f"{auc[s].mean():.1f} ± {auc[s].std():.1f}" for s in names) + " |"
    )
    lines.append("| seconds per run | " + " | ".join(f"{secs[s].mean():.1f}" for s in names) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--out", default="benchmarks/results/confidence_digits")
    args = parser.parse_args()
    records = run(args.seeds, args.rounds)
    md = table(records, args.seeds)
    meta = {
        "command": " ".join(["python"] + sys.argv),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads, CPU",
    }
    Path(args.out + ".json").write_text(json.dumps({"meta": meta, "runs": records}, indent=1))
    Path(args.out + ".md").write_text(
        f"{md}\n\nCommand: `{meta['command']}` ({meta['machine']}, torch {meta['torch']})\n"
    )
    print("\n" + md)


if __name__ == "__main__":
    main()
