"""Pictures of one active-learning run, stopped by stabilizing predictions.

Fits ``ActiveLearner(LogisticRegression(), Margin())`` on scikit-learn's digits (1,297-row pool, 500-row test
set) with :class:`skal.stopping.StabilizingPredictions` stopping the run and :class:`skal.stopping.RecordConfidence`
recording the pool's confidence, prints one line per round, and saves four pictures of the run: the pool map
(t-SNE, picks coloured by round), the labeled set's class counts, per-class accuracy and the pool's confidence per
round. About 20 seconds on one CPU core.

    python examples/pictures_of_a_run.py [--out docs/images]
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from skal import ActiveLearner  # noqa: E402
from skal.plotting import (  # noqa: E402
    plot_class_histogram,
    plot_confidence_histograms,
    plot_per_class_accuracy,
    plot_pool_map,
)
from skal.stopping import RecordConfidence, StabilizingPredictions  # noqa: E402
from skal.strategies import Margin, Random  # noqa: E402

PICTURES = {
    "pool_map.png": plot_pool_map,
    "class_counts.png": plot_class_histogram,
    "per_class_accuracy.png": plot_per_class_accuracy,
    "confidence.png": plot_confidence_histograms,
}


def run(random_state=0):
    X, y = load_digits(return_X_y=True)
    X_pool, X_test, y_pool, y_test = train_test_split(X / 16, y, test_size=500, random_state=0, stratify=y)
    learner = ActiveLearner(
        LogisticRegression(max_iter=500),
        Margin(),
        initial_strategy=Random(),
        initial_size=30,
        query_size=30,
        callbacks=[StabilizingPredictions(), RecordConfidence()],
        random_state=random_state,
        verbose=2,
    )
    return learner.fit(X_pool, y_pool, eval_set=(X_test, y_test))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/images")
    args = parser.parse_args(argv)
    learner = run()
    print(f"stopped: {learner.stop_reason_}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, plot in PICTURES.items():
        fig, ax = plt.subplots(figsize=(7.2, 4.6), layout="constrained")
        plot(learner, ax=ax)
        fig.savefig(out / name, dpi=100)
        plt.close(fig)
        print(f"wrote {out / name}")


if __name__ == "__main__":
    main()
