"""Hand-made histories and results files in the shape skal records (old and new format), and one real learner."""

import json

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

N_POOL, N_CLASSES, N_ROUNDS = 60, 3, 4


def make_history(strategy="Margin()", seed=0, n_pool=N_POOL):
    """A history with every per-round key the learner records (including cost, stopping, confidence)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n_pool)
    history, total = [], 0.0
    for k in range(N_ROUNDS):
        picked = order[:12] if k == 0 else order[12 + 6 * (k - 1) : 12 + 6 * k]
        n_labeled = 12 + 6 * k
        counts = rng.integers(1, 20, size=10)
        total += 6.0 * (k + 1)
        history.append(
            {
                "round": k,
                "n_labeled": n_labeled,
                "n_queried": len(picked),
                "queried": picked,
                "strategy": "Random()" if k == 0 else strategy,
                "score": 0.5 + 0.1 * k,
                "labeled_classes": [
                    [c, n_labeled // N_CLASSES + (c == 0) * (n_labeled % N_CLASSES)] for c in range(N_CLASSES)
                ],
                "per_class_accuracy": [[c, float(rng.uniform(0.4, 1.0))] for c in range(N_CLASSES)],
                "cost": 6.0 * (k + 1),
                "total_cost": total,
                "stopping": {"stabilizing_predictions": None if k == 0 else 0.5 + 0.1 * k},
                "confidence": {"edges": np.linspace(0, 1, 11).tolist(), "counts": counts.tolist()},
            }
        )
    return history


def round_records(history, dataset, strategy, seed, new=True):
    """A history as benchmark ``round`` records; ``new=False`` keeps only the keys of older results files."""
    out = []
    for r in history:
        rec = {
            "suite": "t",
            "dataset": dataset,
            "model": "logreg",
            "kind": "round",
            "strategy": strategy,
            "seed": seed,
            "round": r["round"],
            "n_labeled": r["n_labeled"],
            "accuracy": r["score"],
            "macro_f1": r["score"] - 0.05,
            "train_seconds": 0.01,
            "query_seconds": 0.01,
            "strategy_used": r["strategy"].replace("()", f"(random_state={seed})"),
        }
        if new:
            rec.update(
                {
                    k: r[k]
                    for k in ("labeled_classes", "per_class_accuracy", "confidence", "stopping", "cost", "total_cost")
                }
            )
            rec["queried"] = np.asarray(r["queried"]).tolist()
            rec["label_seconds"] = 0.0
        out.append(rec)
    return out


def write_results(folder, new=True, suite=True):
    """A results.jsonl of 2 strategies x 2 seeds on 'digits' (+ candidate records) and, optionally, suite.json."""
    records = []
    for name in ("Random", "Margin"):
        for seed in (0, 1):
            records += round_records(make_history(f"{name}()", seed), "digits", name, seed, new)
    records += [
        {"suite": "t", "dataset": "digits", "kind": "candidate", "seed": s, "n": 12, "seconds": 0.5} for s in (0, 1)
    ]
    records.append(
        {
            "suite": "t",
            "dataset": "absent",
            "model": "logreg",
            "kind": "missing_dataset",
            "message": "absent is not on disk",
        }
    )
    path = folder / "results.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    if suite:
        spec = {"name": "t", "n_candidates": 100, "datasets": [{"name": "digits", "n_pool": N_POOL, "n_test": 30}]}
        (folder / "suite.json").write_text(json.dumps(spec))
    return path


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def history():
    return make_history()


@pytest.fixture
def new_results(tmp_path):
    return write_results(tmp_path)


@pytest.fixture
def old_results(tmp_path):
    return write_results(tmp_path, new=False, suite=False)


@pytest.fixture(scope="package")
def fitted():
    """A real learner: logistic regression on 120 rows of digits, 2 rounds of Margin."""
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression

    import skal

    X, y = load_digits(return_X_y=True)
    learner = skal.ActiveLearner(
        LogisticRegression(max_iter=100),
        strategy=skal.strategies.Margin(),
        initial_strategy=skal.strategies.Random(),
        initial_size=30,
        query_size=10,
        n_rounds=2,
        random_state=0,
    )
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return learner.fit(X[:120], y[:120], eval_set=(X[120:200], y[120:200]))
