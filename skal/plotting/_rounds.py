"""Per-round figures of one strategy: labeled class counts, per-class accuracy, the pool's confidence."""

import numpy as np

from ._layout import new_axes, place_legend
from ._sources import aligned, is_results, require, select_runs

__all__ = ["plot_class_histogram", "plot_per_class_accuracy", "plot_confidence_histograms"]


def _sorted(classes):
    try:
        return sorted(classes)
    except TypeError:
        return sorted(classes, key=str)


def class_table(runs, key):
    """``(classes, values)``: the ``[[class, value], ...]`` pairs of ``key`` per round, averaged over runs.

    ``values`` has one row per round (rounds every run reached) and one column
    per class; a class a run lacks in a round counts as 0 (``NaN`` for
    accuracies).

    Examples
    --------
    >>> class_table([[{"c": [[1, 2], [0, 4]]}, {"c": [[0, 5], [1, 5]]}]], "c")
    ([0, 1], array([[4., 2.],
           [5., 5.]]))
    """
    rounds = aligned(require(runs, key), key)
    classes = _sorted({c for per_run in rounds for pairs in per_run for c, _ in pairs or []})
    fill = 0.0 if key in ("labeled_classes", "picked_labels") else np.nan
    table = np.full((len(rounds), len(runs), len(classes)), fill)
    where = {c: j for j, c in enumerate(classes)}
    for k, per_run in enumerate(rounds):
        for i, pairs in enumerate(per_run):
            for c, v in pairs or []:
                table[k, i, where[c]] = v
    with np.errstate(all="ignore"):
        return classes, np.nanmean(table, axis=1) if np.isnan(fill) else table.mean(axis=1)


def _round_ticks(runs):
    """Tick labels ``round\\n(labels)`` for the rounds every run reached."""
    n = [np.mean(v) for v in aligned(runs, "n_labeled")]
    return [f"{k}\n({v:.0f})" for k, v in enumerate(n)]


def _title(ax, title, what, caption):
    ax.set_title(title or (what + (f"\n{caption}" if caption else "")), fontsize="medium")


def plot_class_histogram(source, *, dataset=None, strategy=None, seed=None, ax=None, title=None):
    """Stacked bars of the labeled set's class counts after each round (``labeled_classes``).

    One bar per round, one tab10 colour per class stacked bottom-up in class
    order, so both the set's growth and its balance read off one figure; the
    legend (one entry per class) sits outside on the right above five classes.
    From a results file with several seeds, the counts are the mean over seeds.

    Parameters
    ----------
    source : ActiveLearner, history (list of dict), list of either, or path to a results.jsonl
    dataset, strategy, seed : optional
        Selectors for a results file (``seed=None``: mean over every seed).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> history = [{"round": 0, "n_labeled": 3, "labeled_classes": [[0, 2], [1, 1]]},
    ...            {"round": 1, "n_labeled": 5, "labeled_classes": [[0, 3], [1, 2]]}]
    >>> len(plot_class_histogram(history).patches)  # 2 rounds x 2 classes
    4
    """
    runs, caption = select_runs(source, dataset, strategy, seed)
    classes, counts = class_table(runs, "labeled_classes")
    ax = new_axes(ax)
    bottom = np.zeros(len(counts))
    cmap = "tab10" if len(classes) <= 10 else "tab20"
    import matplotlib.pyplot as plt

    colors = plt.get_cmap(cmap).colors
    for j, c in enumerate(classes):
        ax.bar(
            np.arange(len(counts)),
            counts[:, j],
            bottom=bottom,
            color=colors[j % len(colors)],
            label=str(c),
            width=0.75,
            edgecolor="white",
            linewidth=0.4,
        )
        bottom += counts[:, j]
    ax.set_xticks(np.arange(len(counts)), _round_ticks(runs), fontsize="small")
    ax.set_xlabel("round (labeled rows)")
    ax.set_ylabel("labeled rows per class (count)")
    ax.grid(axis="y", alpha=0.3)
    place_legend(ax, title="class", reverse=True)
    _title(ax, title, "class counts of the labeled set", caption)
    return ax


def _annotate(ax, values, fmt, vmin=0.0, vmax=1.0):
    if values.size > 400:
        return
    for (k, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            dark = (v - vmin) / (vmax - vmin or 1) < 0.55
            ax.text(j, k, fmt(v), ha="center", va="center", fontsize="small", color="white" if dark else "black")


def plot_per_class_accuracy(source, *, dataset=None, strategy=None, seed=None, ax=None, title=None):
    """A heatmap of per-class accuracy: rounds (rows) × classes (columns), each cell annotated in percent.

    Why a heatmap: at 10 classes, ten lines cross and overlap near the top of
    the axis (most classes sit between 85 and 100 %), and tab10's colours must
    be matched to a legend; a cell grid shows every value at once, the weak
    class stands out as a dark column, and a round's progress reads down it.
    Cells use viridis (dark = low, yellow = 1; the scale starts at 0.5, or
    lower when a cell is lower, so differences near the top show); a class with no test rows is
    blank. From a results file with several seeds, each cell is the mean over
    seeds.

    Parameters
    ----------
    source : ActiveLearner, history (list of dict), list of either, or path to a results.jsonl
    dataset, strategy, seed : optional
        Selectors for a results file (``seed=None``: mean over every seed).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> history = [{"round": 0, "n_labeled": 3, "per_class_accuracy": [[0, 0.5], [1, 1.0]]}]
    >>> ax = plot_per_class_accuracy(history)
    >>> len(ax.images), [t.get_text() for t in ax.texts]
    (1, ['50', '100'])
    """
    runs, caption = select_runs(source, dataset, strategy, seed)
    classes, acc = class_table(runs, "per_class_accuracy")
    ax = new_axes(ax, figsize=(max(4.5, 0.55 * len(classes) + 2.2), max(3.0, 0.36 * len(acc) + 1.8)))
    low = min(0.5, np.floor(10 * np.nanmin(acc, initial=1.0)) / 10)  # contrast where the values are
    image = ax.imshow(acc, cmap="viridis", vmin=low, vmax=1, aspect="auto", interpolation="nearest")
    _annotate(ax, acc, lambda v: f"{100 * v:.0f}", vmin=low)
    ax.set_xticks(np.arange(len(classes)), [str(c) for c in classes])
    ax.set_yticks(np.arange(len(acc)), [t.replace("\n", " ") for t in _round_ticks(runs)], fontsize="small")
    ax.set_xlabel("class")
    ax.set_ylabel("round (labeled rows)")
    on = "test set" if is_results(source) else "eval_set"
    ax.figure.colorbar(image, ax=ax, label=f"accuracy on {on} ({low:g}–1; cells in %)", shrink=0.9)
    _title(ax, title, "per-class accuracy", caption)
    return ax


def confidence_table(runs):
    """``(edges, shares)``: the confidence histogram per round as shares of the sampled rows, mean over runs.

    Examples
    --------
    >>> confidence_table([[{"confidence": {"edges": [0, 0.5, 1], "counts": [1, 3]}}]])
    (array([0. , 0.5, 1. ]), array([[0.25, 0.75]]))
    """
    rounds = aligned(require(runs, "confidence"), "confidence")
    edges = next((np.asarray(h["edges"], float) for per_run in rounds for h in per_run if h), None)
    if edges is None:
        raise ValueError(
            "no round that every run reached records a confidence histogram: fit with "
            "callbacks=[skal.stopping.RecordConfidence()]."
        )
    shares = np.full((len(rounds), len(edges) - 1), np.nan)
    for k, per_run in enumerate(rounds):
        got = [np.asarray(h["counts"], float) / max(1, np.sum(h["counts"])) for h in per_run if h]
        if got:
            shares[k] = np.mean(got, axis=0)
    return edges, shares


def plot_confidence_histograms(source, *, dataset=None, strategy=None, seed=None, ax=None, title=None):
    """The pool's confidence per round: a heatmap of rounds (rows) × confidence bins, with each round's mean.

    Confidence is the largest predicted probability of a sampled unlabeled
    pool row (``confidence`` of each round). A cell's colour (viridis) is the
    share of that round's sampled rows in the bin; white dots joined by a line
    mark each round's mean confidence, so the mass moving right (towards 1)
    as the model learns reads at a glance. From a results file with several
    seeds, shares are the mean over seeds. Rounds without a histogram (no
    model yet) stay blank.

    Parameters
    ----------
    source : ActiveLearner, history (list of dict), list of either, or path to a results.jsonl
    dataset, strategy, seed : optional
        Selectors for a results file (``seed=None``: mean over every seed).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> history = [{"round": 0, "n_labeled": 3, "confidence": {"edges": [0, 0.5, 1], "counts": [3, 1]}},
    ...            {"round": 1, "n_labeled": 5, "confidence": {"edges": [0, 0.5, 1], "counts": [1, 3]}}]
    >>> ax = plot_confidence_histograms(history)
    >>> len(ax.collections), len(ax.lines)
    (1, 1)
    """
    runs, caption = select_runs(source, dataset, strategy, seed)
    edges, shares = confidence_table(runs)
    ax = new_axes(ax, figsize=(6.4, max(3.0, 0.36 * len(shares) + 1.8)))
    rows = np.arange(len(shares) + 1) - 0.5
    mesh = ax.pcolormesh(edges, rows, np.ma.masked_invalid(shares), cmap="viridis", vmin=0)
    centres = (edges[1:] + edges[:-1]) / 2
    mean = shares @ centres
    ax.plot(mean, np.arange(len(shares)), color="white", marker="o", ms=4, lw=1, mec="black", mew=0.5)
    ax.set_ylim(len(shares) - 0.5, -0.5)
    ax.set_xlim(edges[0], edges[-1])
    ax.set_yticks(np.arange(len(shares)), [t.replace("\n", " ") for t in _round_ticks(runs)], fontsize="small")
    ax.set_xlabel("confidence: max predicted probability (0–1)")
    ax.set_ylabel("round (labeled rows)")
    ax.figure.colorbar(mesh, ax=ax, label="share of sampled unlabeled rows", shrink=0.9)
    _title(ax, title, "confidence of the unlabeled pool (white dots: each round's mean)", caption)
    return ax
