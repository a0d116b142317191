"""Label scikit-learn's bundled digits yourself, in a browser: ``make label``.

Serves a labeling page on localhost and prints its URL; open it, press the
digit you see (each digit key labels its own class, as the buttons show),
``s`` to skip, ``u`` to undo, Escape to stop for now. Each answer is saved in
the journal at once; run the same command again to continue where you stopped.
The first 10 rows are drawn at random; then a LogisticRegression picks the
next rows by Margin sampling and the page shows its guess.

    python examples/label_digits.py [--journal labels.db] [--budget 200] [--port 0]
"""

import argparse

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.oracles import WebOracle
from skal.strategies import Margin, Random


def as_image(row):
    """A digit row (64 values) as the 8 × 8 image the page shows."""
    return np.asarray(row).reshape(8, 8)


def build(budget=200, host="127.0.0.1", port=0, output=None):
    """``(learner, X, oracle)``: the digits pool, a learner spending ``budget`` labels, and the labeling page."""
    X = load_digits().data
    oracle = WebOracle(classes=range(10), host=host, port=port, render=as_image, output=output)
    learner = ActiveLearner(
        LogisticRegression(max_iter=1000),
        Margin(),
        initial_strategy=Random(),
        initial_size=10,
        query_size=10,
        budget=budget,
        classes=range(10),
        random_state=0,
    )
    return learner, X, oracle


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journal", default="labels.db", help="the label journal (default: labels.db here)")
    parser.add_argument("--budget", type=int, default=200, help="labels to ask for in all (default: 200)")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: 0, a free one)")
    args = parser.parse_args(argv)
    learner, X, oracle = build(args.budget, args.host, args.port)
    learner.fit(X, oracle, journal=args.journal)
    state = "stopped for now" if learner.stopped_ else "done"
    print(f"{state}: {len(learner.labeled_indices_)} labels in {args.journal}; run again to continue.")
    return learner


if __name__ == "__main__":
    main()
