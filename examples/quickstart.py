"""skal quickstart: HCLC vs LC vs Random on scikit-learn's digits with a small skorch MLP.

Runs 5 seeds per strategy, prints mean ± std test accuracy per round and saves
a learning-curve PNG. About a minute on 2 CPU cores.

    python examples/quickstart.py [--seeds 5] [--out examples/learning_curve.png]
"""

import argparse
import time

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from skorch import NeuralNetClassifier  # noqa: E402

from skal import ActiveLearner, plot_learning_curve  # noqa: E402
from skal.strategies import HCLC, LC, Random  # noqa: E402


class MLP(torch.nn.Module):
    def __init__(self, n_in=64, n_hidden=128, n_out=10):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(n_in, n_hidden), torch.nn.ReLU(), torch.nn.Linear(n_hidden, n_out)
        )

    def forward(self, x):
        return self.layers(x)


def make_net():
    return NeuralNetClassifier(
        MLP,
        criterion=torch.nn.CrossEntropyLoss,  # the module returns logits; skorch applies softmax
        optimizer=torch.optim.Adam,
        lr=3e-3,
        max_epochs=60,
        batch_size=32,
        train_split=None,  # tiny labeled sets: no internal validation split
        device="cuda" if torch.cuda.is_available() else "cpu",
        verbose=0,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--out", default="examples/learning_curve.png")
    args = parser.parse_args()

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    X_pool, X_test, y_pool, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    strategies = {"HCLC": HCLC(), "LC": LC(), "Random": Random()}

    runs = {name: [] for name in strategies}
    start = time.perf_counter()
    for name, strategy in strategies.items():
        for seed in range(args.seeds):
            learner = ActiveLearner(
                make_net(), strategy, initial_size=30, query_size=30, n_rounds=args.rounds, random_state=seed
            )
            learner.fit(X_pool, y_pool, eval_set=(X_test, y_test))
            runs[name].append(learner)
        print(f"{name}: {args.seeds} seeds done ({time.perf_counter() - start:.0f} s)", flush=True)

    labels = [r["n_labeled"] for r in runs["Random"][0].history_]
    print(f"\nTest accuracy (%) on digits, mean ± std over {args.seeds} seeds; pool {len(X_pool)}, test {len(X_test)}")
    print(f"{'labels':>7} " + " ".join(f"{name:>13}" for name in strategies))
    for k, n in enumerate(labels):
        cells = []
        for name in strategies:
            acc = 100 * np.array([run.history_[k]["score"] for run in runs[name]])
            cells.append(f"{acc.mean():6.1f} ± {acc.std():4.1f}")
        print(f"{n:>7} " + " ".join(f"{c:>13}" for c in cells))

    ax = plot_learning_curve(runs, title=f"digits, skorch MLP, {args.seeds} seeds (mean ± std)")
    ax.figure.savefig(args.out, dpi=120, bbox_inches="tight")
    print(f"\nlearning curve saved to {args.out}; total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
