"""Shared figure helpers: a fresh Axes, colours that stay distinct past ten curves, a legend beside the data."""

__all__ = ["new_axes", "style", "place_legend"]

#: Above this many entries the legend goes outside the axes, on the right, so it never covers a line.
INSIDE_MAX = 5


def new_axes(ax, figsize=(6.4, 4.2)):
    """``ax`` if given, else a new Axes on a constrained-layout figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def style(i):
    """Colour, line style and marker of the ``i``-th curve: tab10 (colourblind-friendly), then dashed, dotted.

    Examples
    --------
    >>> style(0), style(11)
    (('C0', '-', 'o'), ('C1', '--', 's'))
    """
    return f"C{i % 10}", ("-", "--", ":", "-.")[(i // 10) % 4], "osD^v"[(i // 10) % 5]


def place_legend(ax, n=None, **kwargs):
    """A legend inside (best spot) for up to :data:`INSIDE_MAX` entries, else outside on the right."""
    n = len(ax.get_legend_handles_labels()[0]) if n is None else n
    if n == 0:
        return None
    if n <= INSIDE_MAX:
        return ax.legend(fontsize="small", **kwargs)
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize="small", **kwargs)
