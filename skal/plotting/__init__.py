"""Figures of an active-learning run: learning curves, the pool map, class counts, confidence, pick overlap.

Each ``plot_*`` function takes a fitted :class:`~skal.ActiveLearner`, its
``history_`` (a list of per-round dicts), or the path of a benchmark
``results.jsonl`` (with ``dataset=``, ``strategy=``, ``seed=`` selectors), draws
on ``ax`` (a new figure when omitted) and returns the Axes.
:func:`write_html_report` puts them all in one self-contained HTML file.
matplotlib is imported only when a figure is drawn.
"""

from ._curves import curve_from_history, plot_learning_curve
from ._html import write_html_report
from ._overlap import pick_overlap, plot_pick_overlap
from ._pool_map import embed, plot_pool_map
from ._rounds import plot_class_histogram, plot_confidence_histograms, plot_per_class_accuracy

__all__ = [
    "plot_learning_curve",
    "curve_from_history",
    "plot_pool_map",
    "embed",
    "plot_class_histogram",
    "plot_per_class_accuracy",
    "plot_confidence_histograms",
    "plot_pick_overlap",
    "pick_overlap",
    "write_html_report",
]
