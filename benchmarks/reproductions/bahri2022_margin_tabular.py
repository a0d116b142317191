"""Reproduction: Bahri et al., 2022, "Is margin all you need? An extensive empirical
study of active learning on tabular data" (Dara Bahri, Heinrich Jiang, Tal Schuster,
Afshin Rostamizadeh; Google Research; arXiv:2210.03822, 2022).

The paper runs AL with deep nets (an MLP backbone, with and without SCARF
self-supervised pre-training) on 69 OpenML-CC18 datasets, in several seed-set /
batch-size regimes, and reports aggregate statistics only (how often each method
beats random / beats margin across datasets), not per-dataset accuracies.
Three of its OpenML-CC18 datasets are offline here: letter (OpenML 6), satimage
(OpenML 182, our ``satellite``) and spambase (OpenML 44, our ``spam``).

This script runs margin against the other strategies with skal's public API on
those three sets, with the paper's model family (an MLP, no pre-training) and,
as an extra the issue asked for, a random forest. It reports per dataset x model
x strategy the test accuracy at several label counts and the AULC (mean ± std
over seeds), plus the paper-style aggregate: AULC relative to Random, and
win/tie/loss against Random and against Margin (paired t-test over seeds, p<0.05).

Run (from the repository root):

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/reproductions/bahri2022_margin_tabular.py --seeds 0 1 2 3 4

Results are appended per (dataset, model, strategy, seed) to a JSONL cache, so an
interrupted run resumes; the JSON and Markdown reports are rebuilt at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from scipy import stats  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import LabelEncoder, StandardScaler  # noqa: E402
from skorch import NeuralNetClassifier  # noqa: E402

from skal import ActiveLearner  # noqa: E402
from skal.strategies import BADGE, Coreset, Entropy, LeastConfidence, Margin, Random  # noqa: E402

torch.set_num_threads(1)

HERE = Path(__file__).resolve().parent
OUT = HERE / "results"
DATA = Path(os.environ.get("SKAL_TABULAR_DATA", HERE.parents[2] / "shared" / "datasets" / "tabular"))
if not DATA.exists():
    DATA = Path("/work/shared/datasets/tabular")

# name -> (file, label column, OpenML-CC18 name and id)
DATASETS = {
    "letter": ("letter_recognition.csv", "lettr", "letter (OpenML 6)"),
    "satellite": ("satellite.csv", "classes", "satimage (OpenML 182)"),
    "spam": ("spam.csv", "type", "spambase (OpenML 44)"),
}
STRATEGIES = ["Random", "Margin", "Entropy", "LeastConfidence", "Coreset", "BADGE"]
MODELS = ["mlp", "rf"]
N_ROUNDS = 10  # our choice: 1% seed set + 10 batches of 1% -> 11% of the pool


def load(name):
    """Pool / test split: the README's usual split (letter, satellite); spam has
    none, so a fixed stratified 1,000-row test set (random_state=0)."""
    fname, label, _ = DATASETS[name]
    df = pd.read_csv(DATA / fname)
    y = LabelEncoder().fit_transform(df[label].astype(str))
    X = df.drop(columns=[label]).to_numpy(np.float64)
    if name == "letter":
        Xp, Xt, yp, yt = X[:16000], X[16000:], y[:16000], y[16000:]
    elif name == "satellite":
        Xp, Xt, yp, yt = X[:4435], X[4435:], y[:4435], y[4435:]
    else:
        Xp, Xt, yp, yt = train_test_split(X, y, test_size=1000, stratify=y, random_state=0)
    scaler = StandardScaler().fit(Xp)  # unsupervised, fitted on the pool's features only
    return scaler.transform(Xp).astype(np.float32), scaler.transform(Xt).astype(np.float32), yp, yt


class MLP(torch.nn.Module):
    def __init__(self, n_in=16, n_out=2, width=128):
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Linear(n_in, width), torch.nn.ReLU(), torch.nn.Linear(width, width), torch.nn.ReLU()
        )
        self.head = torch.nn.Linear(width, n_out)

    def forward(self, x):
        return self.head(self.body(x))


class StepsNet(NeuralNetClassifier):
    """A skorch classifier trained for about ``N_STEPS`` Adam steps whatever the
    labeled-set size (a fixed epoch count would give a 44-row seed set two dozen
    steps and a 1,760-row set a thousand): epochs = ceil(N_STEPS / batches per epoch)."""

    N_STEPS = 500

    def fit(self, X, y=None, **fit_params):
        batches = -(-len(X) // self.batch_size)
        self.max_epochs = max(5, -(-self.N_STEPS // batches))
        return super().fit(X, y, **fit_params)


def make_model(kind, n_features, n_classes, seed, steps):
    if kind == "rf":
        return RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=seed)
    StepsNet.N_STEPS = steps
    return StepsNet(
        MLP,
        module__n_in=n_features,
        module__n_out=n_classes,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        optimizer__weight_decay=1e-5,
        batch_size=64,
        max_epochs=10,  # reset in fit from the number of labeled rows
        train_split=None,
        verbose=0,
        device="cpu",
    )


def make_strategy(name, seed):
    return {
        "Random": lambda: Random(random_state=seed),
        "Margin": Margin,
        "Entropy": Entropy,
        "LeastConfidence": LeastConfidence,
        "Coreset": lambda: Coreset(random_state=seed),
        "BADGE": lambda: BADGE(random_state=seed),
    }[name]()


def run_one(dataset, model, strategy, seed, data, n_rounds, steps):
    Xp, Xt, yp, yt = data
    n0 = max(20, round(0.01 * len(Xp)))  # our choice: seed set and batch = 1% of the pool
    learner = ActiveLearner(
        make_model(model, Xp.shape[1], int(max(yp.max(), yt.max()) + 1), seed, steps),
        make_strategy(strategy, seed),
        initial_strategy=Random(random_state=seed),
        initial_size=n0,
        query_size=n0,
        n_rounds=n_rounds,
        classes=np.arange(int(max(yp.max(), yt.max()) + 1)),
        random_state=seed,
    )
    t0 = time.perf_counter()
    learner.fit(Xp, yp, eval_set=(Xt, yt))
    hist = learner.history_
    return {
        "dataset": dataset,
        "model": model,
        "strategy": strategy,
        "seed": seed,
        "n_labeled": [int(h["n_labeled"]) for h in hist],
        "accuracy": [float(h["score"]) for h in hist],
        "seconds": time.perf_counter() - t0,
    }


def aulc(n, acc):
    """Area under the accuracy-vs-labels curve, normalised by the label range (so in accuracy units)."""
    n, acc = np.asarray(n, float), np.asarray(acc, float)
    return float(np.trapezoid(acc, n) / (n[-1] - n[0]))


def mstd(v, scale=100.0):
    v = np.asarray(v, float) * scale
    return f"{v.mean():.1f} ± {v.std(ddof=1) if len(v) > 1 else 0.0:.1f}"


def compare(a, b):
    """win / tie / loss of paired seeds a vs b (paired t-test, p < 0.05)."""
    a, b = np.asarray(a), np.asarray(b)
    d = a - b
    if len(d) < 2 or np.allclose(d, 0):
        return "tie"
    p = stats.ttest_rel(a, b).pvalue
    if np.isnan(p) or p >= 0.05:
        return "tie"
    return "win" if d.mean() > 0 else "loss"


PAPER = {
    "citation": (
        "Dara Bahri, Heinrich Jiang, Tal Schuster, Afshin Rostamizadeh. Is margin all you need? An extensive "
        "empirical study of active learning on tabular data. arXiv:2210.03822, 2022 (Google Research; preprint. "
        "A version titled '... of deep active learning on tabular data' was submitted to ICLR 2023 and ICLR 2024 "
        "on OpenReview; the review record found shows a reject decision)."
    ),
    "protocol_verified": [
        "69 real-world tabular classification datasets from OpenML-CC18 (abstract)",
        "deep neural networks (an MLP backbone as in SCARF), with and without self-supervised (SCARF, "
        "contrastive) pre-training (abstract; ICLR 2024 reviews)",
        "several data regimes: different seed-set sizes and batch sizes (abstract; reviews)",
        "results are aggregated over datasets (how often a method beats random / margin, with statistical "
        "tests); no per-dataset accuracy table for letter, satimage or spambase was found",
    ],
    "protocol_not_found": [
        "exact seed-set and batch sizes, number of rounds, number of trials, MLP width/depth and training "
        "schedule, the exact statistic behind the win counts",
    ],
    "claims": [
        "margin matches or outperforms all other methods (incl. state of the art) in a wide range of settings",
        "no method beats margin in a statistically remarkable way; where differences are significant, BADGE "
        "is the one that does best (reviewer summary)",
        "BALD is significantly worse than random on tabular data (reviewer summary)",
    ],
}


def build_report(rows, args, wall):
    df = pd.DataFrame(rows)
    report = {"paper": PAPER, "command": args.command, "hardware": "2-core x86_64 (CPU only, shared)", "cells": []}
    md = [
        "# Bahri et al., 2022 — margin vs other strategies on tabular data (reproduction)",
        "",
        f"Paper: {PAPER['citation']}",
        "",
        "## Protocol",
        "",
        "| | paper | ours |",
        "|---|---|---|",
        "| datasets | 69 OpenML-CC18 sets | 3 of them offline: letter (OpenML 6), satimage (182), spambase (44) |",
        "| model | MLP (SCARF-style backbone), with and without SCARF pre-training | MLP d-128-128-C (skorch, "
        f"Adam 1e-3, weight decay 1e-5, batch 64, ~{args.steps} steps per fit, retrained from scratch each "
        "round), no pre-training; plus random forest (100 trees) as an extra |",
        "| strategies | margin, entropy, least confidence, BALD, BADGE among others (named in the reviews; the full "
        "list was not found) | Random, Margin, Entropy, "
        "LeastConfidence, Coreset, BADGE (Coreset/BADGE on the MLP's penultimate features; on the inputs for RF) |",
        "| seed set / batch | several regimes (exact sizes not found) | our choice: 1% of the pool each "
        f"(letter 160, satellite 44, spam 36), {args.rounds} rounds |",
        "| splits | not found | letter 16,000/4,000, satellite 4,435/2,000 (usual splits); spam stratified "
        "3,601/1,000 (random_state=0); features standardised on the pool |",
        f"| trials | not found | {len(args.seeds)} seeds ({' '.join(map(str, args.seeds))}) |",
        "| metric | accuracy; aggregate win counts / improvement over random | test accuracy, AULC (accuracy "
        "averaged over the label range), AULC − Random's, win/tie/loss by paired t-test over seeds (p<0.05) |",
        "",
        "The paper gives no per-dataset numbers we could find for these three sets, only aggregate statistics "
        "over 69 sets; the side-by-side below therefore compares its qualitative claims with our aggregate.",
        "",
    ]
    summary = []
    for (ds, model), g in df.groupby(["dataset", "model"], sort=False):
        n = g.iloc[0]["n_labeled"]
        strategies = [s for s in STRATEGIES if s in set(g["strategy"])]
        seeds = sorted(set.intersection(*(set(g[g.strategy == s].seed) for s in strategies)))
        per = {s: g[(g.strategy == s) & g.seed.isin(seeds)].sort_values("seed") for s in strategies}
        acc = {s: np.stack(per[s]["accuracy"].to_list()) for s in strategies}
        au = {s: np.array([aulc(n, a) for a in acc[s]]) for s in strategies}
        picks = sorted({0, len(n) // 4, len(n) // 2, 3 * len(n) // 4, len(n) - 1})
        md += [f"## {ds} — {model} ({len(seeds)} seeds)", "", "Test accuracy (%), mean ± std over seeds.", ""]
        md += ["| labels | " + " | ".join(strategies) + " |", "|---:|" + "---:|" * len(strategies)]
        for i in picks:
            md.append(f"| {n[i]} | " + " | ".join(mstd(acc[s][:, i]) for s in strategies) + " |")
        md.append("| **AULC** | " + " | ".join(mstd(au[s]) for s in strategies) + " |")
        md.append(
            "| AULC − Random | " + " | ".join(f"{100 * (au[s] - au['Random']).mean():+.1f}" for s in strategies) + " |"
        )
        md.append("| vs Random | " + " | ".join(compare(au[s], au["Random"]) for s in strategies) + " |")
        md.append("| vs Margin | " + " | ".join(compare(au[s], au["Margin"]) for s in strategies) + " |")
        md.append("| seconds per run | " + " | ".join(f"{per[s]['seconds'].mean():.0f}" for s in strategies) + " |")
        md.append("")
        cell = {
            "dataset": ds,
            "model": model,
            "seeds": seeds,
            "n_labeled": list(map(int, n)),
            "strategies": {
                s: {
                    "accuracy_mean": acc[s].mean(0).tolist(),
                    "accuracy_std": acc[s].std(0, ddof=1).tolist() if len(seeds) > 1 else [0.0] * len(n),
                    "aulc": au[s].tolist(),
                    "aulc_mean": float(au[s].mean()),
                    "aulc_std": float(au[s].std(ddof=1)) if len(seeds) > 1 else 0.0,
                    "vs_random": compare(au[s], au["Random"]),
                    "vs_margin": compare(au[s], au["Margin"]),
                    "seconds_mean": float(per[s]["seconds"].mean()),
                }
                for s in strategies
            },
        }
        report["cells"].append(cell)
        summary.append(cell)
    # aggregate, paper-style
    md += [
        "## Aggregate over dataset × model cells (the paper's kind of statistic)",
        "",
        "Wins / ties / losses of each strategy's AULC against Random and against Margin (paired t-test over "
        "seeds, p < 0.05), and the mean AULC difference to Random (percentage points).",
        "",
        "| strategy | vs Random W/T/L | vs Margin W/T/L | mean AULC − Random (pp) | best-or-tied-best cells |",
        "|---|---|---|---:|---:|",
    ]
    agg = {}
    for s in STRATEGIES:
        cells = [c for c in summary if s in c["strategies"]]
        if not cells:
            continue
        vr = [c["strategies"][s]["vs_random"] for c in cells]
        vm = [c["strategies"][s]["vs_margin"] for c in cells]
        diff = [100 * (c["strategies"][s]["aulc_mean"] - c["strategies"]["Random"]["aulc_mean"]) for c in cells]
        best = 0
        for c in cells:
            top = max(c["strategies"], key=lambda k: c["strategies"][k]["aulc_mean"])
            if s == top or compare(c["strategies"][s]["aulc"], c["strategies"][top]["aulc"]) == "tie":
                best += 1
        agg[s] = {
            "vs_random": [vr.count("win"), vr.count("tie"), vr.count("loss")],
            "vs_margin": [vm.count("win"), vm.count("tie"), vm.count("loss")],
            "mean_aulc_minus_random_pp": float(np.mean(diff)),
            "best_or_tied_best": best,
            "n_cells": len(cells),
        }
        a = agg[s]
        md.append(
            f"| {s} | {'/'.join(map(str, a['vs_random']))} | {'/'.join(map(str, a['vs_margin']))} | "
            f"{a['mean_aulc_minus_random_pp']:+.2f} | {best}/{len(cells)} |"
        )
    report["aggregate"] = agg
    report["datasets_run"] = f"{df.dataset.nunique()} of the paper's 69"
    report["wall_seconds"] = wall
    md += [
        "",
        "## Paper's claims beside ours",
        "",
        "| paper (aggregate over 69 sets, MLP) | ours (3 sets × {MLP, RF}) |",
        "|---|---|",
        f"| margin matches or beats every other method across settings | Margin beats Random in "
        f"{agg['Margin']['vs_random'][0]}/{agg['Margin']['n_cells']} cells; strategies beating Margin: "
        + (
            ", ".join(f"{k} {v['vs_margin'][0]}" for k, v in agg.items() if k != "Margin" and v["vs_margin"][0])
            or "none"
        )
        + " (cells won) |",
        f"| where differences are significant, BADGE does best | BADGE vs Margin W/T/L "
        f"{'/'.join(map(str, agg.get('BADGE', {}).get('vs_margin', [])))}; BADGE vs Random W/T/L "
        f"{'/'.join(map(str, agg.get('BADGE', {}).get('vs_random', [])))} |",
        "| BALD is significantly worse than random | not run (BALD needs MC dropout; not in this reproduction) |",
        "| per-dataset numbers: none published for these sets (aggregate only) | see the tables above |",
        "",
        "spam is binary, so Margin, Entropy and LeastConfidence rank rows identically there. For the random "
        "forest, Coreset and BADGE use the input features (no penultimate layer).",
        "",
        f"Datasets run: {df.dataset.nunique()} of the paper's 69 (the other 66 OpenML-CC18 sets are not offline).",
        "",
        f"Command: `{args.command}`",
        "",
        f"Hardware: 2-core x86_64 (CPU only, shared with other jobs), Python {platform.python_version()}, "
        f"torch {torch.__version__}. Wall time: {df.seconds.sum() / 60:.1f} min (the sum of the per-run times; "
        f"the runs are sequential in one process; this invocation ran the uncached ones in {wall / 60:.1f} min).",
        "",
    ]
    return report, "\n".join(md)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    p.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    p.add_argument("--strategies", nargs="+", default=STRATEGIES, choices=STRATEGIES)
    p.add_argument("--rounds", type=int, default=N_ROUNDS)
    p.add_argument("--steps", type=int, default=500, help="Adam steps per MLP fit")
    p.add_argument("--quick", action="store_true", help="2 rounds, 1 seed, satellite only, 100 steps: a smoke test")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    args.command = (
        "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/reproductions/bahri2022_margin_tabular.py "
        + " ".join(sys.argv[1:] if argv is None else argv)
    )
    stem = "bahri2022_margin_tabular"
    if args.quick:
        args.seeds, args.datasets, args.rounds, args.steps = [0], ["satellite"], 2, 100
        stem += "_quick"
    args.out.mkdir(parents=True, exist_ok=True)
    cache = args.out / f"{stem}.jsonl"
    rows = [json.loads(line) for line in cache.read_text().splitlines()] if cache.exists() else []
    done = {(r["dataset"], r["model"], r["strategy"], r["seed"]) for r in rows}
    t0 = time.perf_counter()
    loaded = {ds: load(ds) for ds in args.datasets}
    for seed in args.seeds:  # seeds outermost: an interrupted run still covers every cell
        for ds in args.datasets:
            data = loaded[ds]
            for model in args.models:
                for s in args.strategies:
                    if (ds, model, s, seed) in done:
                        continue
                    r = run_one(ds, model, s, seed, data, args.rounds, args.steps)
                    rows.append(r)
                    with cache.open("a") as f:
                        f.write(json.dumps(r) + "\n")
                    print(
                        f"{ds:9s} {model:3s} {s:15s} seed {seed}: final {100 * r['accuracy'][-1]:.1f}% "
                        f"({r['seconds']:.0f}s)",
                        flush=True,
                    )
    rows = [r for r in rows if r["dataset"] in args.datasets and r["seed"] in args.seeds]
    report, md = build_report(rows, args, time.perf_counter() - t0)
    (args.out / f"{stem}.json").write_text(json.dumps(report, indent=1))
    (args.out / f"{stem}.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
