"""Learning curves: a score against labels (or annotation cost), one line or mean ± std band per strategy."""

import numpy as np

from ._layout import new_axes, place_legend, style
from ._sources import histories, is_results, normalized_strategy, runs_by_strategy

__all__ = ["plot_learning_curve", "curve_from_history"]

_X = {"labels": ("n_labeled", "labeled rows (count)"), "cost": ("total_cost", "annotation cost (total_cost units)")}


def _value(record, metric):
    value = record.get(metric)
    if value is None and metric != "score":
        value = (record.get("scores") or {}).get(metric)
    return value


def curve_from_history(history, metric="score", x="n_labeled"):
    """``(x, metric)`` arrays from a learner's ``history_`` (rounds without the metric are dropped).

    ``metric`` is a round key (``"score"``) or a name in the round's
    ``scores`` dict; ``x`` is ``"n_labeled"`` or ``"total_cost"``.

    Examples
    --------
    >>> curve_from_history([{"n_labeled": 10, "score": 0.5}, {"n_labeled": 20, "score": 0.7}])
    (array([10, 20]), array([0.5, 0.7]))
    >>> curve_from_history([{"n_labeled": 10, "scores": {"f1": 0.4}}], metric="f1")
    (array([10]), array([0.4]))
    """
    rows = [(r.get(x), _value(r, metric)) for r in history if _value(r, metric) is not None]
    if not rows:
        raise ValueError(f"history has no '{metric}' values; fit with eval_set=(X_val, y_val) to score each round.")
    if any(n is None for n, _ in rows):
        raise ValueError(
            f"history has no '{x}' per round; plot against cost needs the labels' cost recorded "
            "(total_cost), which this learner or results file does not hold: use x='labels'."
        )
    n, value = zip(*rows)
    return np.asarray(n), np.asarray(value, dtype=float)


def metric_name(source, runs, metric):
    """What the y values are: the scoring's name, ``accuracy`` for a classifier's own ``score``, else ``score``.

    Examples
    --------
    >>> metric_name(None, [[{"scores": {"f1_macro": 0.5}}]], "score")
    'f1_macro'
    >>> metric_name(None, [[{"score": 0.5}]], "score")
    'score'
    """
    if metric != "score":
        return metric
    for h in runs:
        for r in h:
            if r.get("scores"):
                return next(iter(r["scores"]))
    learners = source.values() if isinstance(source, dict) else [source]
    learners = [lr for item in learners for lr in (item if isinstance(item, (list, tuple)) else [item])]
    scoring = {getattr(lr, "scoring", "unknown") for lr in learners if hasattr(lr, "history_")}
    if len(scoring) == 1:
        (scoring,) = scoring
        if scoring is None:
            from sklearn.base import is_classifier

            return "accuracy" if any(is_classifier(lr) for lr in learners if hasattr(lr, "history_")) else "score"
        if isinstance(scoring, str):
            return scoring
    return "score"


def check_one_strategy(name, runs):
    """Raise when the runs of one band used different strategies (rounds after the first pool).

    Examples
    --------
    >>> a = [{"round": 0, "strategy": "Random()"}, {"round": 1, "strategy": "Margin(random_state=1)"}]
    >>> b = [{"round": 0, "strategy": "Random()"}, {"round": 1, "strategy": "Margin(random_state=2)"}]
    >>> check_one_strategy("x", [a, b])
    """
    used = [frozenset(normalized_strategy(name) for name in _strategies_after_first_model(h)) for h in runs]
    kinds = sorted({", ".join(sorted(u)) for u in used if u})
    if len(kinds) > 1:
        where = "the list" if name is None else f"{name!r}"
        raise ValueError(
            f"{where} holds {len(runs)} runs that used different strategies ({' | '.join(kinds)}); one band would "
            "average them without saying so. Pass a dict name -> runs, e.g. "
            "plot_learning_curve({'Margin': margin_runs, 'Random': random_runs})."
        )


def _strategies_after_first_model(history):
    """The outer strategy names (``-> Part`` cut) of the rounds after the first trained one.

    Rounds before it (the first pool, rounds waiting for a second class) ran
    the initial strategy in some seeds and not in others.
    """
    scored = [i for i, r in enumerate(history) if r.get("score", r.get("accuracy")) is not None]
    start = scored[0] + 1 if scored else 1
    return [r["strategy"].split(" -> ")[0] for r in history[start:] if "strategy" in r]


def _band(ax, i, name, runs, metric, xkey):
    points = [curve_from_history(h, metric, xkey) for h in runs]
    if xkey == "n_labeled":  # average only at label counts every run scored (a seed may wait for a class)
        x = np.array(sorted(set.intersection(*(set(p[0].tolist()) for p in points))))
        if not len(x):
            raise ValueError(f"the runs of {name!r} share no label count at which all were scored.")
        values = np.vstack([[dict(zip(p[0].tolist(), p[1]))[n] for n in x] for p in points])
    else:
        length = min(len(p[0]) for p in points)
        x = points[0][0][:length]
        values = np.vstack([p[1][:length] for p in points])
    mean = values.mean(axis=0)
    if len(values) > 1 and xkey != "n_labeled":  # costs differ between runs: average them too
        x = np.vstack([p[0][:length] for p in points]).mean(axis=0)
    label = name
    if len(values) > 1:
        label = f"{name or 'runs'} (mean ± std of {len(values)} runs)"
    color, ls, marker = style(i)
    ax.plot(x, mean, color=color, ls=ls, marker=marker, ms=3.5, label=label)
    if len(values) > 1:
        std = values.std(axis=0)
        ax.fill_between(x, mean - std, mean + std, color=color, alpha=0.15, lw=0)


def plot_learning_curve(curves, *, metric="score", x="labels", dataset=None, seed=None, ax=None, title=None):
    """Draw a score against labels (or annotation cost) for one learner, several, or a benchmark results file.

    Parameters
    ----------
    curves : ActiveLearner, list of dict, list of runs, dict of name -> runs, or path
        A single learner or history is one line. A list of learners/histories
        under one name (several seeds of *one* strategy) is drawn as its mean
        with a ±1 std band, labelled "mean ± std of N runs"; runs of different
        strategies in one list raise ``ValueError`` (pass a dict name -> runs).
        A path to a benchmark ``results.jsonl`` draws one band per strategy
        (mean ± std over seeds) for ``dataset``.
    metric : str, default="score"
        A round key or a name in the round's ``scores`` (``"macro_f1"`` for a
        results file). The y label names the metric: the scoring's name,
        "accuracy" when the learner's ``scoring`` was None (a classifier's own
        ``score``), "score" only when unknown.
    x : {"labels", "cost"}, default="labels"
        Labeled rows, or the annotation cost (``total_cost``) where recorded.
    dataset, seed : optional
        Selectors for a results file (``seed`` draws that seed alone).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> run = [{"round": 0, "n_labeled": 10, "score": 0.5}, {"round": 1, "n_labeled": 20, "score": 0.7}]
    >>> ax = plot_learning_curve({"a": run, "b": [run, run]})
    >>> [line.get_label() for line in ax.lines]
    ['a', 'b (mean ± std of 2 runs)']
    """
    if x not in _X:
        raise ValueError(f"x must be 'labels' or 'cost', got {x!r}.")
    xkey, xlabel = _X[x]
    source = curves
    if is_results(curves):
        dataset, groups = runs_by_strategy(curves, dataset, seed)
        curves = {name: list(seeds.values()) for name, seeds in groups.items()}
        metric = "accuracy" if metric == "score" else metric
        title = title or dataset
    if not isinstance(curves, dict):
        curves = {None: curves}
    groups = {name: histories(runs) for name, runs in curves.items()}
    for name, runs in groups.items():
        check_one_strategy(name, runs)
    ax = new_axes(ax, figsize=(8.4, 4.2) if len(groups) > 5 else (6.4, 4.2))
    for i, (name, runs) in enumerate(groups.items()):
        _band(ax, i, name, runs, metric, xkey)
    name = metric_name(source, [h for runs in groups.values() for h in runs], metric)
    on = "test set" if is_results(source) else "eval_set"
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"{name.replace('_', ' ')} on {on}" + (" (0–1)" if name in ("accuracy", "macro_f1") else ""))
    if title:
        ax.set_title(title)
    if any(name is not None for name in groups) or any(len(r) > 1 for r in groups.values()):
        place_legend(ax)
    ax.grid(alpha=0.3)
    return ax
