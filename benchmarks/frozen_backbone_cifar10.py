"""The low-budget recipe end to end: a frozen backbone's features, then TypiClust / k-means / margin with a linear head.

CIFAR-10, a 10,000-row pool (the first 10,000 training images of a seeded permutation) and 2,000 test images
(likewise drawn: the files are ordered by class).

1. **Backbone.** ``skal.nn.SimCLR`` is trained on the pool's images (no labels; ``--simclr-epochs``, seed 0), its
   encoder saved as a checkpoint, and ``skal.nn.FrozenFeatures(encoder, weights=checkpoint, cache=...)`` embeds
   pool and test rows (128-d). The alternative is raw pixels (3,072-d). Both are standardised on the pool.
2. **Active learning.** ``ActiveLearner(LogisticRegression(max_iter=1000), strategy)`` from 10 labels, 10 more a
   round, to 200, for TypiClust and KMeansSampling (both also pick the first 10) and Margin (a random first 10),
   on each feature set, 5 seeds; test accuracy at every round.
3. **Throughput.** ``FrozenFeatures("resnet18", batch_size=256)`` against a bare ``DataLoader`` + forward loop
   (the same model, eval mode, ``torch.inference_mode``, the same batches) over ``--throughput-images`` CIFAR-10
   images at 32 × 32: images per second, median of 3, after a warm-up.

    SKAL_DATA=.data OMP_NUM_THREADS=1 python benchmarks/frozen_backbone_cifar10.py
    python benchmarks/frozen_backbone_cifar10.py --quick --no-write     # a smoke run (a minute)

Writes ``benchmarks/results/frozen_backbone_cifar10.{md,json}``. The SimCLR checkpoint and the feature cache go to
``--work`` (default ``.data/frozen_backbone``; not committed): a second run embeds nothing.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from skal import ActiveLearner
from skal.datasets import load_cifar10
from skal.nn import FrozenFeatures, SimCLR
from skal.strategies import KMeansSampling, Margin, Random, TypiClust

ROOT = Path(__file__).resolve().parents[1]
MEAN = np.array([0.4914, 0.4822, 0.4465], dtype=np.float32).reshape(1, 3, 1, 1)
STD = np.array([0.2470, 0.2435, 0.2616], dtype=np.float32).reshape(1, 3, 1, 1)
STRATEGIES = {
    "TypiClust": lambda: (TypiClust(), None),
    "k-means": lambda: (KMeansSampling(), None),
    "Margin": lambda: (Margin(), Random()),
}


def load(n_pool, n_test):
    data = load_cifar10()
    rows = np.random.default_rng(0).permutation(len(data.x_train))[:n_pool]
    to_chw = lambda x: ((x.astype(np.float32) / 255).transpose(0, 3, 1, 2) - MEAN) / STD  # noqa: E731
    test = np.random.default_rng(1).permutation(len(data.x_test))[:n_test]  # the files are ordered by class
    return to_chw(data.x_train[rows]), data.y_train[rows], to_chw(data.x_test[test]), data.y_test[test]


def simclr_features(X_pool, X_test, epochs, work):
    """Train SimCLR on the pool (seed 0), save its encoder, embed both sets with FrozenFeatures (cached)."""
    checkpoint = work / f"simclr_encoder_{len(X_pool)}_{epochs}ep.pt"
    t0 = time.perf_counter()
    if not checkpoint.exists():
        ssl = SimCLR(max_epochs=epochs, batch_size=256, random_state=0).fit(X_pool)
        torch.save(ssl.net_.module_.encoder.state_dict(), checkpoint)
    train_s = time.perf_counter() - t0
    encoder = SimCLR(random_state=0).fit(X_pool[:2]).net_.module_.encoder  # the architecture; weights come next
    last = [name for name, _ in encoder.named_modules()][-1]  # the Flatten after global pooling
    frozen = FrozenFeatures(encoder, weights=checkpoint, layer=last, cache=work / "cache", batch_size=512)
    t0 = time.perf_counter()
    F_pool = np.asarray(frozen.fit_transform(X_pool))
    embedded = frozen.n_embedded_
    F_test = np.asarray(frozen.transform(X_test))
    return F_pool, F_test, {"simclr_train_s": train_s, "embed_s": time.perf_counter() - t0, "embedded": embedded}


def run_al(F_pool, y_pool, F_test, y_test, strategy, seed, initial_size, query_size, budget):
    main, first = STRATEGIES[strategy]()
    learner = ActiveLearner(
        LogisticRegression(max_iter=1000),
        main,
        initial_strategy=first,
        initial_size=initial_size,
        query_size=query_size,
        n_rounds=(budget - initial_size) // query_size,
        scoring={"accuracy": "accuracy"},
        random_state=seed,
    )
    t0 = time.perf_counter()
    learner.fit(F_pool, y_pool, eval_set=(F_test, y_test))
    return {
        "labels": [r["n_labeled"] for r in learner.history_],
        "accuracy": [(r.get("scores") or {}).get("accuracy") for r in learner.history_],
        "query_s": [r["query_seconds"] for r in learner.history_],
        "seconds": time.perf_counter() - t0,
    }


def throughput(X, repeats=3, batch_size=256):
    """Images / second: FrozenFeatures("resnet18") vs a bare DataLoader + forward loop on the same module."""
    from torch.utils.data import DataLoader, TensorDataset

    frozen = FrozenFeatures("resnet18", batch_size=batch_size).fit()
    module = frozen.module_

    def bare(images):
        out = []
        with torch.inference_mode():
            for (xb,) in DataLoader(TensorDataset(torch.as_tensor(images)), batch_size=batch_size):
                out.append(torch.flatten(module.avgpool(_trunk(module, xb)), 1).numpy())
        return np.concatenate(out)

    bare(X[:batch_size]), frozen.transform(X[:batch_size])  # warm-up
    times = {"bare DataLoader loop": [], "FrozenFeatures": []}
    for _ in range(repeats):
        t0 = time.perf_counter()
        a = bare(X)
        times["bare DataLoader loop"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        b = frozen.transform(X)
        times["FrozenFeatures"].append(time.perf_counter() - t0)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)  # the same features
    return {k: len(X) / float(np.median(v)) for k, v in times.items()}


def _trunk(m, x):
    x = m.maxpool(m.relu(m.bn1(m.conv1(x))))
    return m.layer4(m.layer3(m.layer2(m.layer1(x))))


def summarize(results, checkpoints):
    rows = []
    for features, per in results.items():
        for strategy, runs in per.items():
            acc = np.array([r["accuracy"] for r in runs], dtype=float) * 100
            labels = runs[0]["labels"]
            row = {"features": features, "strategy": strategy, "aulc": (acc.mean(1).mean(), acc.mean(1).std())}
            for c in checkpoints:
                j = labels.index(c)
                row[c] = (acc[:, j].mean(), acc[:, j].std())
            row["query_s"] = float(np.mean([np.mean(r["query_s"][1:]) for r in runs]))
            rows.append(row)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=10_000)
    parser.add_argument("--test", type=int, default=2_000)
    parser.add_argument("--simclr-epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--throughput-images", type=int, default=5_000)
    parser.add_argument("--work", default=str(ROOT / ".data" / "frozen_backbone"))
    parser.add_argument("--quick", action="store_true", help="1,000 rows, 1 epoch, 2 seeds, 40 labels")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.pool, args.test, args.simclr_epochs, args.seeds, args.budget, args.throughput_images = (
            1000,
            300,
            1,
            [0, 1],
            40,
            512,
        )
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    X_pool, y_pool, X_test, y_test = load(args.pool, args.test)
    F_pool, F_test, timing = simclr_features(X_pool, X_test, args.simclr_epochs, work)
    print(json.dumps(timing), flush=True)
    feature_sets = {
        "SimCLR encoder (FrozenFeatures)": (F_pool, F_test),
        "raw pixels": (X_pool.reshape(len(X_pool), -1), X_test.reshape(len(X_test), -1)),
    }
    results = {}
    for name, (P, T) in feature_sets.items():
        scaler = StandardScaler().fit(P)
        P, T = scaler.transform(P).astype(np.float32), scaler.transform(T).astype(np.float32)
        results[name] = {}
        for strategy in STRATEGIES:
            runs = []
            for seed in args.seeds:
                runs.append(run_al(P, y_pool, T, y_test, strategy, seed, 10, 10, args.budget))
                last = runs[-1]
                print(name, strategy, seed, f"{last['accuracy'][-1]:.3f}", f"{last['seconds']:.1f}s", flush=True)
            results[name][strategy] = runs
    speed = throughput(load(args.throughput_images, 1)[0])
    checkpoints = [c for c in (10, 50, 100, 200) if c <= args.budget]
    rows = summarize(results, checkpoints)
    lines = [
        "# Frozen backbone features vs raw pixels, CIFAR-10 low budget",
        "",
        f"`{' '.join(['python', 'benchmarks/frozen_backbone_cifar10.py', *sys.argv[1:]])}` — {os.cpu_count()}-core "
        f"CPU, torch {torch.__version__}, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}.",
        "",
        f"Pool {args.pool:,} CIFAR-10 training images, test {args.test:,}; SimCLR (skal.nn.SimCLR, "
        f"{args.simclr_epochs} epochs on the pool, {timing['simclr_train_s']:.0f} s) then FrozenFeatures embedded "
        f"{timing['embedded']:,} pool rows ({timing['embed_s']:.1f} s with the test rows; 0 rows when the cache "
        "holds them). Logistic regression head, 10 labels then 10 a round; "
        f"mean ± std of test accuracy (%) over {len(args.seeds)} seeds; AULC = the mean over every round.",
        "",
        "| features | strategy | AULC | " + " | ".join(f"{c} labels" for c in checkpoints) + " | query s / round |",
        "|---|---|---:|" + "---:|" * len(checkpoints) + "---:|",
    ]
    for r in rows:
        cells = " | ".join(f"{r[c][0]:.1f} ± {r[c][1]:.1f}" for c in checkpoints)
        lines.append(
            f"| {r['features']} | {r['strategy']} | {r['aulc'][0]:.1f} ± {r['aulc'][1]:.1f} | {cells} | "
            f"{r['query_s']:.2f} |"
        )
    ratio = speed["FrozenFeatures"] / speed["bare DataLoader loop"]
    lines += [
        "",
        f"Embedding throughput, ResNet-18 (random weights) on {args.throughput_images:,} CIFAR-10 images at 32 × 32, "
        "batch 256, median of 3:",
        "",
        "| path | images / s |",
        "|---|---:|",
        *[f"| {k} | {v:,.0f} |" for k, v in speed.items()],
        "",
        f"FrozenFeatures / bare loop: {ratio:.2f}× (goal ≥ 0.9×; the features are equal to 1e-4).",
    ]
    print("\n".join(lines))
    if not args.no_write:
        out = ROOT / "benchmarks" / "results" / "frozen_backbone_cifar10"
        out.with_suffix(".md").write_text("\n".join(lines) + "\n")
        out.with_suffix(".json").write_text(
            json.dumps({"args": vars(args), "timing": timing, "throughput": speed, "results": results}, indent=1)
        )


if __name__ == "__main__":
    main()
