"""Record the rows every exported strategy labels in a fixed small run (the behaviour fixture).

Run once before a change to the learner: ``python -m tests.learner.record_picks``.
``tests/learner/test_picks_unchanged.py`` reruns the same runs and compares.
"""

import json
import warnings
from pathlib import Path

from sklearn.linear_model import LogisticRegression

from skal import ActiveLearner
from skal.strategies import Random

from ..conftest import make_blobs_pool
from .test_determinism import STRATEGIES, _net

FIXTURE = Path(__file__).with_name("picks_fixture.json")


def run(strategy, kind):
    X, y = make_blobs_pool(n=90)
    estimator = _net() if kind == "skorch" else LogisticRegression(max_iter=200)
    # a scikit-learn estimator cannot score the first pool: it is drawn at random there
    initial = Random() if kind == "logistic" else None
    # min_classes=1: the behaviour the picks were recorded with (a first pool of one class is trained on, not
    # topped up; the default min_classes=2 came later and changes the runs whose first pool holds one class)
    learner = ActiveLearner(
        estimator, strategy, initial_strategy=initial, initial_size=8, query_size=6, n_rounds=2, random_state=3
    )
    if "min_classes" in learner.get_params():
        learner.set_params(min_classes=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            learner.fit(X, y)
        except (TypeError, ValueError) as exc:  # refused up front for this estimator
            return {"refused": type(exc).__name__}
    return {"labeled_indices": learner.labeled_indices_.tolist()}


def record():
    return {kind: {name: run(s, kind) for name, s in STRATEGIES} for kind in ("skorch", "logistic")}


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(record(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {FIXTURE}")
