"""Run a benchmark suite: datasets × strategies × seeds → JSON lines, resumable."""

import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from ..datasets import DatasetNotFoundError
from ..learner import ActiveLearner
from ..utils._adapter import ModelAdapter
from ..utils._random import derive_seed
from ._config import BASELINES, DatasetsMissingError, SuiteError, build_spec, load_config, resolve_strategy
from ._data import prepare_data, variant_name
from ._models import build_model

__all__ = ["load_config", "run_suite", "resolve_strategy", "build_spec"]

SCORING = {"accuracy": "accuracy", "macro_f1": "f1_macro"}
#: The criteria a suite with ``"stopping": true`` records (their defaults, never stopping).
OBSERVED_CRITERIA = (
    "StabilizingPredictions",
    "OverallUncertainty",
    "MaxConfidence",
    "ClassificationChange",
    "Contradiction",
    "ScorePlateau",
)
#: history_ keys copied into round records when present (see ActiveLearner's history_).
ROUND_EXTRAS = (
    "stopping_params",
    "labeled_classes",
    "picked_labels",
    "per_class_accuracy",
    "confidence",
    "stopping",
    "cost",
    "total_cost",
    "too_few_classes",
)


def _entry(entry, n_candidates):
    """``(label, strategy, initial_strategy or None)`` for a suite's strategy entry (a name or a dict)."""
    if isinstance(entry, str):
        return entry, resolve_strategy(entry, n_candidates), None
    return entry["label"], build_spec(entry["strategy"], n_candidates), build_spec(entry.get("initial_strategy"))


def _label(entry):
    return entry if isinstance(entry, str) else entry["label"]


class _Results:
    """Append-only JSON lines; a run counts as done once its ``run`` record is written.

    ``missing_dataset`` records of earlier invocations are dropped: each invocation looks for the
    datasets it still needs again, and records the ones still missing.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.records = []
        if self.path.exists():
            self.records = [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]
        done = {self.key(r) for r in self.records if r["kind"] in ("run", "candidate", "missing_strategy")}
        # drop rounds of runs that did not finish (a crash mid-run): they are re-run whole
        self.records = [
            r for r in self.records if (r["kind"] != "round" or self.key(r) in done) and r["kind"] != "missing_dataset"
        ]
        self.done = done
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("".join(json.dumps(r) + "\n" for r in self.records))

    @staticmethod
    def key(r):
        return (
            r["kind"] if r["kind"] in ("candidate", "missing_strategy") else "run",
            r.get("dataset"),
            r.get("strategy"),
            r.get("seed"),
        )

    def write(self, *records):
        with open(self.path, "a") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
        self.records.extend(records)
        self.done.update(self.key(r) for r in records if r["kind"] in ("run", "candidate", "missing_strategy"))


def _run_al(cfg, data, model, name, strategy, seed, base, initial_override=None):
    initial = cfg.get("initial_strategy")
    if cfg.get("random_start_for_uncertainty") and "proba" in strategy.needs(None):
        initial = initial or "Random"  # the protocol's random first pool for strategies that need a model
    initial = initial_override if initial_override is not None else (resolve_strategy(initial) if initial else None)
    learner = ActiveLearner(
        model,
        strategy,
        initial_strategy=initial,
        initial_size=cfg["initial_size"],
        query_size=cfg["query_size"],
        n_rounds=cfg["n_rounds"],
        classes=data.classes,
        scoring=SCORING,
        cost=_cost(cfg.get("cost"), data.classes),
        callbacks=_observers(cfg),
        random_state=seed,
    )
    t0 = time.perf_counter()
    learner.fit(data.X_pool, data.y_pool, eval_set=(data.X_test, data.y_test))
    seconds = time.perf_counter() - t0
    rounds = [
        {
            **base,
            "kind": "round",
            "strategy": name,
            "seed": seed,
            "round": r["round"],
            "n_labeled": r["n_labeled"],
            "accuracy": (r.get("scores") or {}).get("accuracy"),  # None: a round left untrained (one class yet)
            "macro_f1": (r.get("scores") or {}).get("macro_f1"),
            "train_seconds": r["train_seconds"],
            "query_seconds": r["query_seconds"],
            "label_seconds": r["label_seconds"],
            "strategy_used": r["strategy"],
            "queried": np.asarray(r["queried"]).tolist(),
            **{key: _json_ready(r[key]) for key in ROUND_EXTRAS if r.get(key) is not None},
        }
        for r in learner.history_
    ]
    return rounds + [{**base, "kind": "run", "strategy": name, "seed": seed, "seconds": seconds}]


def _json_ready(value):
    """Class labels in counts and accuracies as plain Python values (numpy scalars are not JSON)."""
    return json.loads(json.dumps(value, default=lambda v: v.item() if hasattr(v, "item") else str(v)))


def _cost(spec, classes):
    """The learner's ``cost`` from a suite's ``cost``: a number per label, or a JSON object class -> cost."""
    if isinstance(spec, dict):  # JSON keys are strings; the classes may be ints
        missing = [c for c in np.asarray(classes).tolist() if str(c) not in spec]
        if missing:
            raise SuiteError(f"'cost' has no entry for the classes {missing} of this dataset; give every class a cost.")
        return {c: float(spec[str(c)]) for c in np.asarray(classes).tolist()}
    return spec


def _observers(cfg):
    """Callbacks that record without stopping: every stopping criterion when the suite asks for ``stopping``,
    and the pool-confidence histogram of each round (for the report's pictures)."""
    from .. import stopping

    observers = [stopping.RecordConfidence()]
    if cfg.get("stopping"):
        observers += [getattr(stopping, name)(stop=False) for name in OBSERVED_CRITERIA]
    return observers


def _fit_on(model, n_classes, X, y_codes, seed):
    """A fresh clone trained on ``(X, y_codes)``, seeded as the learner trains."""
    adapter, classes = ModelAdapter(model), np.arange(n_classes)
    return adapter.train(adapter.new(n_classes, seed), X, y_codes, classes, seed)


def _candidate(cfg, data, model, seed, base):
    """Seconds to train one model on a random initial pool: what a random-weight first pool saves."""
    rng = np.random.default_rng(derive_seed(seed, "candidate"))
    n = cfg["initial_size"] if isinstance(cfg["initial_size"], int) else int(cfg["initial_size"] * len(data.y_pool))
    rows = rng.permutation(len(data.y_pool))[:n]
    codes = np.searchsorted(data.classes, data.y_pool[rows])
    t0 = time.perf_counter()
    _fit_on(model, len(data.classes), data.X_pool[rows], codes, derive_seed(seed, "train"))
    return {**base, "kind": "candidate", "seed": seed, "n": int(n), "seconds": time.perf_counter() - t0}


def _stratified(cfg, data, model, seed, base, budgets):
    """The oracle baseline of Petersen (DTU 02456): a class-proportional random sample of each budget, from scratch."""
    out = []
    y_codes = np.searchsorted(data.classes, data.y_pool)
    for k, n in enumerate(budgets):
        try:
            rows, _ = train_test_split(
                np.arange(len(y_codes)), train_size=n, stratify=y_codes, random_state=derive_seed(seed, n)
            )
        except ValueError:  # a class too small to stratify at this budget
            rows = np.random.default_rng(derive_seed(seed, n)).permutation(len(y_codes))[:n]
        t0 = time.perf_counter()
        fitted = _fit_on(model, len(data.classes), data.X_pool[rows], y_codes[rows], derive_seed(seed, k, "train"))
        train_s = time.perf_counter() - t0
        proba = ModelAdapter(model).predict_proba(fitted, data.X_test, np.arange(len(data.classes)))
        pred = data.classes[proba.argmax(axis=1)]
        out.append(
            {
                **base,
                "kind": "round",
                "strategy": BASELINES["stratified"],
                "seed": seed,
                "round": k,
                "n_labeled": int(n),
                "accuracy": accuracy_score(data.y_test, pred),
                "macro_f1": f1_score(data.y_test, pred, average="macro"),
                "train_seconds": train_s,
                "query_seconds": 0.0,
                "strategy_used": "stratified sample (uses true labels)",
            }
        )
    return out + [{**base, "kind": "run", "strategy": BASELINES["stratified"], "seed": seed, "seconds": None}]


def run_suite(config, out_dir="benchmarks/results", *, quick=False, data_home=None, progress=True, allow_missing=False):
    """Run a suite; finished runs found in ``out_dir/<name>/results.jsonl`` are skipped.

    The config is validated first (:func:`load_config`): an invalid one raises
    :class:`~skal.bench.SuiteError` before anything is written. A dataset that is not on disk is
    recorded as ``missing_dataset`` (the report lists it) and the others run; when *every* dataset
    of the suite is missing, :class:`~skal.bench.DatasetsMissingError` is raised after the records
    are written, unless ``allow_missing``.

    Returns the path of the results file.
    """
    from tqdm.auto import tqdm

    cfg = load_config(config, quick)
    results = _Results(Path(out_dir) / cfg["name"] / "results.jsonl")
    # the resolved suite next to its results: the report rebuilds the pool from it (the pool map)
    (results.path.parent / "suite.json").write_text(json.dumps(cfg, indent=2) + "\n")
    plan = [
        (d, s, seed)
        for d in cfg["datasets"]
        for s in [_label(e) for e in cfg["strategies"]] + cfg.get("baselines", [])
        for seed in cfg["seeds"]
    ]
    bar = tqdm(total=len(plan), desc=cfg["name"], unit="run", disable=not progress)
    missing = []
    for spec in cfg["datasets"]:
        model_spec = spec.get("model", cfg["model"])
        base = {"suite": cfg["name"], "dataset": variant_name(spec), "model": model_spec["name"]}
        names = [_label(e) for e in cfg["strategies"]] + cfg.get("baselines", [])
        todo = [(s, seed) for s in names for seed in cfg["seeds"]]
        if all(
            results.key({**base, "kind": "run", "strategy": BASELINES.get(s, s), "seed": seed}) in results.done
            for s, seed in todo
        ):
            bar.update(len(todo))
            continue
        try:
            data = prepare_data(spec, data_home)
        except DatasetNotFoundError as exc:
            results.write({**base, "kind": "missing_dataset", "message": str(exc)})
            missing.append(f"{base['dataset']}: {exc}")
            bar.update(len(todo))
            continue
        model = build_model(model_spec, data)
        lpm_model = None  # a LossPredictionNet, built when a strategy needs one
        if cfg.get("time_candidate"):
            for seed in cfg["seeds"]:
                if results.key({**base, "kind": "candidate", "seed": seed}) not in results.done:
                    results.write(_candidate(cfg, data, model, seed, base))
        budgets = None
        for entry in cfg["strategies"] + cfg.get("baselines", []):
            name = _label(entry)
            for seed in cfg["seeds"]:
                bar.update(1)
                if (
                    results.key({**base, "kind": "run", "strategy": BASELINES.get(name, name), "seed": seed})
                    in results.done
                ):
                    continue
                if name == "stratified":
                    budgets = budgets or _budgets(results, base)
                    results.write(*_stratified(cfg, data, model, seed, base, budgets))
                    continue
                name, strategy, initial_override = _entry(entry, cfg.get("n_candidates"))
                bar.set_postfix(dataset=base["dataset"], strategy=name, seed=seed)
                run_model = model
                if "loss" in strategy.requirements():
                    lpm_model = lpm_model or build_model(model_spec, data, loss_prediction=True)
                    run_model = lpm_model
                results.write(*_run_al(cfg, data, run_model, name, strategy, seed, base, initial_override))
    bar.close()
    if len(missing) == len(cfg["datasets"]) and not allow_missing:
        raise DatasetsMissingError(
            f"suite {cfg['name']}: every dataset is missing, nothing ran.\n  "
            + "\n  ".join(missing)
            + "\n(skip such suites with --allow-missing / run_suite(..., allow_missing=True).)"
        )
    return results.path


def _budgets(results, base):
    rounds = [r for r in results.records if r["kind"] == "round" and r["dataset"] == base["dataset"]]
    if not rounds:
        raise ValueError("the stratified baseline needs an active-learning run first, to copy its budgets.")
    first = rounds[0]
    return [r["n_labeled"] for r in rounds if r["strategy"] == first["strategy"] and r["seed"] == first["seed"]]
