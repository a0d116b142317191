"""Where the plots get their rounds: a fitted learner, a ``history_`` list, or a benchmark ``results.jsonl``.

Everything is turned into *histories* (lists of per-round dicts shaped like
``ActiveLearner.history_``), so each figure is drawn from one representation.
A benchmark round record becomes a round dict whose ``score`` is its test
accuracy and whose ``scores`` holds ``accuracy`` and ``macro_f1``.
"""

import json
import os
import re
from pathlib import Path

import numpy as np

__all__ = ["is_results", "read_records", "as_history", "histories", "select_runs", "runs_by_strategy", "require"]

#: What each per-round key needs, for the message a plot gives when a history lacks it.
HOW_TO_GET = {
    "score": "fit with eval_set=(X_val, y_val) so that each round is scored",
    "labeled_classes": "recorded by ActiveLearner in every round; re-run the benchmark suite with this skal",
    "per_class_accuracy": "fit with eval_set=(X_val, y_val) on a skal that records per-class accuracy, "
    "or re-run the benchmark suite with it",
    "confidence": "recorded for models with predict_proba by a skal that records pool confidence; "
    "re-run the learner or the benchmark suite with it",
    "total_cost": "recorded when labels have a cost; re-run with this skal",
    "queried": "recorded by ActiveLearner in every round; benchmark results written before skal stored the picks "
    "lack it: re-run the suite",
    "stopping": "recorded when stopping criteria are watched; re-run with this skal",
}


def is_results(source):
    """Whether ``source`` names a results file (a path), not a learner or a history.

    Examples
    --------
    >>> is_results("benchmarks/results/tabular/results.jsonl"), is_results([{"round": 0}])
    (True, False)
    """
    return isinstance(source, (str, os.PathLike))


def read_records(path):
    """The JSON lines of a benchmark results file."""
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def as_history(rounds):
    """Benchmark round records (one run) -> a history of round dicts, sorted by round.

    Examples
    --------
    >>> h = as_history([{"round": 1, "n_labeled": 20, "accuracy": 0.7, "macro_f1": 0.6},
    ...                 {"round": 0, "n_labeled": 10, "accuracy": 0.5, "macro_f1": 0.4}])
    >>> [(r["round"], r["score"], r["scores"]["macro_f1"]) for r in h]
    [(0, 0.5, 0.4), (1, 0.7, 0.6)]
    """
    out = []
    for r in sorted(rounds, key=lambda r: r["round"]):
        scores = {k: r[k] for k in ("accuracy", "macro_f1") if r.get(k) is not None}
        out.append(
            {**r, "strategy": r.get("strategy_used", r.get("strategy")), "score": r.get("accuracy"), "scores": scores}
        )
    return out


def histories(runs):
    """One history (a list of round dicts), a learner, or a list of either -> a list of histories."""
    if isinstance(runs, list) and runs and isinstance(runs[0], dict):
        return [runs]
    if isinstance(runs, (list, tuple)):
        return [getattr(run, "history_", run) for run in runs]
    return [getattr(runs, "history_", runs)]


def _pick(kind, wanted, available):
    if wanted is None:
        if len(available) == 1:
            return available[0]
        raise ValueError(f"the results file holds several {kind}s {available}; pass {kind}= one of them.")
    if wanted not in available:
        raise ValueError(f"{kind} {wanted!r} is not in the results file; it holds {available}.")
    return wanted


def _round_records(path, dataset):
    records = [r for r in read_records(path) if r.get("kind") == "round"]
    if not records:
        raise ValueError(f"{path} holds no round records (has the suite run?).")
    dataset = _pick("dataset", dataset, list(dict.fromkeys(r["dataset"] for r in records)))
    return dataset, [r for r in records if r["dataset"] == dataset]


def runs_by_strategy(path, dataset=None, seed=None):
    """``(dataset, {strategy: {seed: history}})`` from a results file, strategies in the order they ran."""
    dataset, records = _round_records(path, dataset)
    out = {}
    for r in records:
        if seed is None or r["seed"] == seed:
            out.setdefault(r["strategy"], {}).setdefault(r["seed"], []).append(r)
    if not out:
        raise ValueError(f"no round of dataset {dataset!r} has seed {seed!r} in {path}.")
    return dataset, {name: {s: as_history(rs) for s, rs in sorted(seeds.items())} for name, seeds in out.items()}


def select_runs(source, dataset=None, strategy=None, seed=None):
    """The histories a one-strategy figure draws, and words saying which: ``(histories, caption)``.

    ``source`` is a learner, a history, a list of either, or a results path
    (then ``dataset``/``strategy`` pick one run group; ``seed`` one seed, else
    every seed).

    Examples
    --------
    >>> select_runs([{"round": 0, "n_labeled": 10}])
    ([[{'round': 0, 'n_labeled': 10}]], '')
    """
    if not is_results(source):
        runs = histories(source)
        return runs, "" if len(runs) == 1 else f"mean of {len(runs)} runs"
    dataset, groups = runs_by_strategy(source, dataset, seed)
    strategy = _pick("strategy", strategy, list(groups))
    seeds = groups[strategy]
    which = f"seed {next(iter(seeds))}" if len(seeds) == 1 else f"mean of {len(seeds)} seeds"
    return list(seeds.values()), f"{dataset}, {strategy}, {which}"


def require(runs, key):
    """Raise a ValueError saying how to get ``key`` when a round of ``runs`` lacks it; else the runs.

    Examples
    --------
    >>> require([[{"round": 0}]], "confidence")
    Traceback (most recent call last):
    ...
    ValueError: the history has no 'confidence' per round: recorded for models with predict_proba by a skal that \
records pool confidence; re-run the learner or the benchmark suite with it.
    """
    if not any(r.get(key) is not None for h in runs for r in h):
        raise ValueError(f"the history has no {key!r} per round: {HOW_TO_GET.get(key, 'not recorded')}.")
    return runs


def normalized_strategy(name):
    """A strategy name without per-round seeds, for comparing runs.

    Examples
    --------
    >>> normalized_strategy("Random(random_state=4261774471)"), normalized_strategy("Margin()")
    ('Random()', 'Margin()')
    """
    name = re.sub(r",?\s*random_state=\d+", "", str(name))
    return re.sub(r"\(\s*,\s*", "(", name)


def labeled_round(history, n_rows):
    """Per pool row, the round it was labeled in (-1 never), from the ``queried`` rows of each round.

    Examples
    --------
    >>> labeled_round([{"round": 0, "queried": [0, 2]}, {"round": 1, "queried": [3]}], 5)
    array([ 0, -1,  0,  1, -1])
    """
    out = np.full(n_rows, -1)
    for r in require([history], "queried")[0]:
        out[np.asarray(r.get("queried", []), dtype=int)] = r["round"]
    return out


def aligned(runs, key):
    """The rounds every run has, as one list of ``key`` values per round (``[run0, run1, ...]``)."""
    length = min(len(h) for h in runs)
    return [[h[k].get(key) for h in runs] for k in range(length)]
