"""How much two runs picked the same rows: the Jaccard index of their labeled sets after each round."""

import numpy as np

from ._layout import new_axes
from ._sources import normalized_strategy, require, runs_by_strategy, select_runs

__all__ = ["plot_pick_overlap", "pick_overlap"]


def pick_overlap(a, b):
    """Per round, the Jaccard index of the rows labeled so far by two runs (histories with ``queried``).

    Examples
    --------
    >>> a = [{"round": 0, "queried": [0, 1]}, {"round": 1, "queried": [2]}]
    >>> b = [{"round": 0, "queried": [0, 1]}, {"round": 1, "queried": [3]}]
    >>> pick_overlap(a, b)
    array([1. , 0.5])
    """
    require([a], "queried"), require([b], "queried")
    seen_a, seen_b, out = set(), set(), []
    for ra, rb in zip(a, b):
        seen_a.update(np.asarray(ra.get("queried", []), int).tolist())
        seen_b.update(np.asarray(rb.get("queried", []), int).tolist())
        union = seen_a | seen_b
        out.append(len(seen_a & seen_b) / len(union) if union else 1.0)
    return np.asarray(out)


def _name(history):
    """The strategy of a run's later rounds (its first pool is often Random)."""
    names = [r.get("strategy") for r in history if r.get("round", 0) > 0 and r.get("strategy")]
    return normalized_strategy(names[-1] if names else history[0].get("strategy", "run"))


def _pairs(a, b, results, dataset):
    """Pairs of histories to compare and the legend's words for them."""
    if results is None:
        (ra, *more_a), _ = select_runs(a)
        (rb, *more_b), _ = select_runs(b)
        if more_a or more_b:
            raise ValueError("plot_pick_overlap compares two runs: pass one learner or history for a and for b.")
        return [(ra, rb)], f"{_name(ra)} vs {_name(rb)}"
    sel_a, sel_b = (s if isinstance(s, tuple) else (s, None) for s in (a, b))
    dataset, groups = runs_by_strategy(results, dataset)
    for name, _ in (sel_a, sel_b):
        if name not in groups:
            raise ValueError(f"strategy {name!r} is not in {results}; it holds {list(groups)}.")
    seeds_a = [sel_a[1]] if sel_a[1] is not None else list(groups[sel_a[0]])
    seeds_b = [sel_b[1]] if sel_b[1] is not None else list(groups[sel_b[0]])
    if sel_a[1] is None and sel_b[1] is None:  # pair the runs seed by seed
        seeds_a = seeds_b = [s for s in seeds_a if s in groups[sel_b[0]]]
    pairs = [(groups[sel_a[0]][sa], groups[sel_b[0]][sb]) for sa, sb in zip(seeds_a, seeds_b)]
    if not pairs:
        raise ValueError(
            f"{sel_a[0]!r} and {sel_b[0]!r} share no seed in {results}; name one per side: (strategy, seed)."
        )
    which = f"seed {seeds_a[0]}" if len(pairs) == 1 else f"mean ± std over {len(pairs)} seeds (paired)"
    if seeds_a != seeds_b:
        which = f"seed {seeds_a[0]} vs seed {seeds_b[0]}"
    return pairs, f"{dataset}: {sel_a[0]} vs {sel_b[0]}, {which}"


def plot_pick_overlap(a, b, *, results=None, dataset=None, ax=None, title=None):
    """Draw, per round, the share of labeled rows two runs have in common (Jaccard of the cumulative sets).

    1 means both runs hold exactly the same rows; a shared initial pool starts
    at 1 and the line falls as the strategies' picks part ways.

    Parameters
    ----------
    a, b : ActiveLearner or history (list of dict); or, with ``results``, a strategy name or (strategy, seed)
        With a results file, two strategy names pair their runs seed by seed
        (mean ± std band over the shared seeds); a (strategy, seed) tuple
        picks one run.
    results : path to a results.jsonl, optional
    dataset : str, optional
        Selector for a results file.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> a = [{"round": 0, "n_labeled": 2, "queried": [0, 1]}, {"round": 1, "n_labeled": 3, "queried": [2]}]
    >>> b = [{"round": 0, "n_labeled": 2, "queried": [0, 1]}, {"round": 1, "n_labeled": 3, "queried": [3]}]
    >>> plot_pick_overlap(a, b).lines[0].get_ydata()
    array([1. , 0.5])
    """
    pairs, label = _pairs(a, b, results, dataset)
    values = [pick_overlap(ha, hb) for ha, hb in pairs]
    length = min(len(v) for v in values)
    values = np.vstack([v[:length] for v in values])
    n = np.asarray([r["n_labeled"] for r in pairs[0][0][:length]])
    ax = new_axes(ax, figsize=(6.4, 3.6))
    mean = values.mean(axis=0)
    ax.plot(n, mean, marker="o", ms=4, color="C0", label=label)
    if len(values) > 1:
        std = values.std(axis=0)
        ax.fill_between(n, np.clip(mean - std, 0, 1), np.clip(mean + std, 0, 1), color="C0", alpha=0.15, lw=0)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("labeled rows (count)")
    ax.set_ylabel("shared labeled rows (Jaccard, 0–1)")
    ax.grid(alpha=0.3)
    ax.set_title(title or f"pick overlap\n{label}", fontsize="medium")
    return ax
