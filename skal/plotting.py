"""Learning-curve plots from ``ActiveLearner.history_``."""

import numpy as np

__all__ = ["plot_learning_curve", "curve_from_history"]


def curve_from_history(history, metric="score"):
    """``(n_labeled, metric)`` arrays from a learner's ``history_`` (rounds without the metric are dropped).

    Examples
    --------
    >>> curve_from_history([{"n_labeled": 10, "score": 0.5}, {"n_labeled": 20, "score": 0.7}])
    (array([10, 20]), array([0.5, 0.7]))
    """
    rows = [(r["n_labeled"], r[metric]) for r in history if r.get(metric) is not None]
    if not rows:
        raise ValueError(f"history has no '{metric}' values; fit with eval_set=(X_val, y_val) to score each round.")
    n, value = zip(*rows)
    return np.asarray(n), np.asarray(value, dtype=float)


def _histories(runs):
    """One history (a list of round dicts), a learner, or a list of either -> list of histories."""
    if isinstance(runs, list) and runs and isinstance(runs[0], dict):
        return [runs]
    if isinstance(runs, list):
        return [getattr(run, "history_", run) for run in runs]
    return [getattr(runs, "history_", runs)]


def plot_learning_curve(curves, *, metric="score", ax=None, title=None):
    """Draw accuracy against labels for one learner or several.

    Parameters
    ----------
    curves : ActiveLearner, list of dict, or dict of name -> (learner | history | list of histories)
        A list of histories under one name is drawn as its mean with a ±1 std band
        (e.g. several seeds).
    metric : str
        The history key on the y axis.
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    if not isinstance(curves, dict):
        curves = {None: curves}
    for name, runs in curves.items():
        points = [curve_from_history(h, metric) for h in _histories(runs)]
        n = points[0][0]
        values = np.vstack([p[1] for p in points if len(p[1]) == len(n)])
        mean = values.mean(axis=0)
        (line,) = ax.plot(n, mean, marker="o", label=name)
        if len(values) > 1:
            std = values.std(axis=0)
            ax.fill_between(n, mean - std, mean + std, color=line.get_color(), alpha=0.2)
    ax.set_xlabel("labels")
    ax.set_ylabel(metric)
    if title:
        ax.set_title(title)
    if any(name is not None for name in curves):
        ax.legend()
    ax.grid(alpha=0.3)
    return ax
