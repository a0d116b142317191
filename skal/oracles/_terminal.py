"""A person at a terminal: each queried row is shown, the answer is typed; and the row previews people read."""

import sys
from pathlib import Path

import numpy as np
from scipy import sparse

from ._base import SKIP, STOP, Oracle, row_at

__all__ = ["TerminalOracle", "describe_row", "parse_answer", "COMMANDS"]


#: The commands a person types instead of a label; every other answer is a label.
COMMANDS = {":skip": SKIP, ":s": SKIP, ":stop": STOP, ":q": STOP}
_SKIP_HINT, _STOP_HINT = " (to skip this row type :skip)", " (to stop the session type :stop)"
_BARE = {"skip": _SKIP_HINT, "s": _SKIP_HINT, "stop": _STOP_HINT, "q": _STOP_HINT, "quit": _STOP_HINT}


def parse_answer(text, classes, numbers=True):
    """A typed answer from what a person wrote: SKIP, STOP, a class (by name) or, without classes, the value.

    The rule keeps commands apart from labels, so every class can be given:
    an answer that starts with ``:`` is a command, ``:skip`` (or ``:s``; no
    label for this row) or ``:stop`` (or ``:q``; end the session), in any
    case; everything else is a label, so classes named ``s``, ``q``, ``skip``
    or ``stop`` are typed as they are. A label that itself starts with ``:``
    is typed with the colon doubled (``::x`` gives the label ``:x``).

    Parameters
    ----------
    text : str
        What was typed (surrounding blanks are ignored).
    classes : array-like or None
        The options; a label must be one of them, matched by its ``str``
        exactly (``"1"`` is the class ``1``; ``"1.0"`` is not).
    numbers : bool, default True
        Without ``classes``, read a label that is a number as that number
        (``"3"`` gives ``3``); with False it keeps its text (``"007"``).

    Raises
    ------
    ValueError
        An empty answer, an unknown ``:command``, or a label that is not among
        ``classes``; the message says what to type instead.

    Examples
    --------
    >>> parse_answer(" dog ", ["cat", "dog"]), parse_answer(":s", None), parse_answer("3", None)
    ('dog', skal.oracles.SKIP, 3)
    >>> parse_answer("stop", ["stop", "go"]), parse_answer(":stop", ["stop", "go"])
    ('stop', skal.oracles.STOP)
    >>> parse_answer("::x", None), parse_answer("007", None, numbers=False)
    (':x', '007')
    """
    text = str(text).strip()
    if not text:
        raise ValueError(f"The answer is empty; type a label{_choices(classes)}, :skip or :stop.")
    if text.startswith(":") and not text.startswith("::"):
        if text.lower() in COMMANDS:
            return COMMANDS[text.lower()]
        raise ValueError(
            f"{text!r} is not a command; the commands are :skip (or :s) and :stop (or :q). "
            f"To give a label that starts with ':', double the colon (':{text}')."
        )
    label = text[1:] if text.startswith("::") else text
    if classes is None:
        if numbers:
            for cast in (int, float):
                try:
                    return cast(label)
                except ValueError:
                    pass
        return label
    names = [str(c) for c in classes]
    if label in names:
        return classes[names.index(label)]
    hint = _BARE.get(label.lower(), "")
    raise ValueError(f"{label!r} is not a class; answer one of {names[:20]}, :skip or :stop{hint}.")


def _typed(name):
    """How a class is typed: as it is, or with its leading ':' doubled."""
    return ":" + name if name.startswith(":") else name


def _choices(classes):
    return "" if classes is None else f" ({' / '.join(_typed(str(c)) for c in classes)})"


def _pairs(names, values, max_features, total=None):
    parts = [f"{n}={v:.4g}" if isinstance(v, (float, np.floating)) else f"{n}={v}" for n, v in zip(names, values)]
    total = len(parts) if total is None else total
    more = f" … (+{total - max_features})" if total > max_features else ""
    return ", ".join(parts[:max_features]) + more


def _image(img):
    img = img if img.ndim == 2 else img.mean(axis=0 if img.shape[0] <= 4 else -1)
    step_r, step_c = max(1, img.shape[0] // 14), max(1, img.shape[1] // 28)
    small = img[::step_r, ::step_c].astype(float)
    lo, hi = float(small.min()), float(small.max())
    shades = " .:-=+*#%@"
    idx = np.zeros_like(small, dtype=int) if hi == lo else ((small - lo) / (hi - lo) * 9).round().astype(int)
    return "\n".join("".join(shades[v] for v in line) for line in idx)


def describe_row(row, feature_names=None, max_features=20, max_chars=300):
    """A short text preview of one pool row, for a person to label it.

    Parameters
    ----------
    row : one row, as :func:`~skal.oracles._base.row_at` gives it
        A 1-D array (``name=value`` pairs), an image array of two or more
        dimensions (an ASCII shade map), a pandas Series or one-row DataFrame
        (its column names are the feature names), a scipy sparse ``1 × d`` row
        (its non-zero entries), a text (shown truncated) or any other object
        (its ``str``, truncated).
    feature_names : list of str, optional
        Names of the columns; default the DataFrame's columns, else ``x0, x1, …``.
    max_features : int
        Pairs shown before ``… (+k)``.
    max_chars : int
        Characters of a text shown before ``…``.

    Examples
    --------
    >>> import pandas as pd
    >>> from scipy import sparse
    >>> describe_row(np.array([41.0, 5.5]), ["age", "income"])
    'age=41, income=5.5'
    >>> describe_row(pd.DataFrame({"age": [41], "city": ["Oslo"]}))
    'age=41, city=Oslo'
    >>> describe_row(sparse.csr_matrix([[0, 0, 2.5, 0]]))
    'x2=2.5 (1 of 4 non-zero)'
    >>> describe_row("a long review " * 3, max_chars=20)
    'a long review a long…'
    >>> describe_row(np.eye(2)).splitlines()
    ['@ ', ' @']
    """
    if row is None:
        return ""
    if isinstance(row, (str, bytes)):
        text = row.decode(errors="replace") if isinstance(row, bytes) else row
        return text if len(text) <= max_chars else text[:max_chars].rstrip() + "…"
    if sparse.issparse(row):
        row = sparse.csr_matrix(row.reshape(1, -1))
        cols, values = row.indices, row.data
        names = [f"x{j}" if feature_names is None else str(feature_names[j]) for j in cols]
        pairs = _pairs(names, values, max_features)
        return f"{pairs} ({row.nnz} of {row.shape[1]} non-zero)"
    if hasattr(row, "iloc"):  # pandas: a one-row DataFrame or a Series
        series = row.iloc[0] if getattr(row, "ndim", 1) == 2 else row
        names = [str(c) for c in series.index] if feature_names is None else feature_names
        return _pairs(names, series.tolist(), max_features)
    if not isinstance(row, (np.ndarray, list, tuple)):  # a number, a dict, an image object...: its text
        return describe_row(str(row), max_chars=max_chars)
    array = np.asarray(row)
    if array.ndim >= 2:
        return _image(array)
    names = feature_names if feature_names is not None else [f"x{j}" for j in range(array.size)]
    return _pairs(names, array.ravel(), max_features, total=array.size)


class TerminalOracle(Oracle):
    """A person at a terminal: each row is shown, the answer is read from the keyboard.

    Each answer is its own chunk of :meth:`~Oracle.stream`, journaled as soon
    as it is given. A table row is printed as ``name=value`` pairs (a
    DataFrame row with its column names, a sparse row with its non-zero
    entries), a text as text, an image (an array row with two or more
    dimensions) as an ASCII preview and, with ``image_dir``, a PNG file whose
    path is printed. Use it with ``fit(..., journal=PATH)`` so answers survive a crash.

    Answers (the prompt shows them): a class name as it is (or, without
    ``classes``, any value; a number is read as a number), or a command, which
    always starts with ``:`` -- ``:skip`` / ``:s`` (no label; the row is not
    asked again) and ``:stop`` / ``:q`` (end the session; every answer so far
    is kept). So every class can be given, also one named ``s``, ``q``,
    ``skip`` or ``stop``; a class that starts with ``:`` is typed with the
    colon doubled (``::x``). An empty answer, a mistyped class or an unknown
    command is asked again (see :func:`parse_answer`).

    Parameters
    ----------
    classes : array-like, optional
        The options; shown in the prompt and enforced.
    feature_names : list of str, optional
    image_dir : path, optional
        Write each image row to ``image_dir/row_<index>.png`` (needs matplotlib).
    input, output : callable and file, optional
        Where answers come from and prompts go (default ``builtins.input`` and
        ``sys.stdout``); tests pass their own.

    Examples
    --------
    >>> import io
    >>> answers = iter(["b", ":skip"])
    >>> o = TerminalOracle(classes=["a", "b"], input=lambda prompt: next(answers), output=io.StringIO())
    >>> [(p.tolist(), a) for p, a in o.stream([4, 7], np.zeros((2, 3)))]
    [([0], [np.str_('b')]), ([1], [skal.oracles.SKIP])]
    >>> shown = io.StringIO()
    >>> o = TerminalOracle(input=lambda prompt: ":stop", output=shown)
    >>> o.label([1, 2], ["a first text", "a second"])
    array([skal.oracles.STOP, skal.oracles.STOP], dtype=object)
    >>> "a first text" in shown.getvalue(), "a second" in shown.getvalue()
    (True, False)
    >>> answers = iter(["stop", ":stop"])  # a class named like a command is typed as it is
    >>> o = TerminalOracle(classes=["stop", "go"], input=lambda prompt: next(answers), output=io.StringIO())
    >>> o.label([1, 2, 3])
    array([np.str_('stop'), skal.oracles.STOP, skal.oracles.STOP], dtype=object)
    """

    def __init__(self, classes=None, feature_names=None, image_dir=None, input=None, output=None):
        super().__init__()
        self.classes = None if classes is None else np.asarray(classes)
        self.feature_names = feature_names
        self.image_dir = image_dir
        self.input = input
        self.output = output

    def _stream(self, indices, X_rows):
        read = self.input or input
        out = self.output or sys.stdout
        options = "" if self.classes is None else f" [{' / '.join(_typed(str(c)) for c in self.classes)}]"
        for k, i in enumerate(indices):
            print(f"\n— row {int(i)} ({k + 1} of {len(indices)}) —", file=out)
            self._show(int(i), row_at(X_rows, k), out)
            while True:
                try:
                    answer = parse_answer(read(f"label{options}, or :skip / :stop: "), self.classes)
                    break
                except ValueError as exc:
                    print(exc, file=out)
            yield np.array([k]), [answer]

    def _show(self, index, row, out):
        if row is None:
            return
        print(describe_row(row, self.feature_names), file=out)
        if self.image_dir is not None and isinstance(row, np.ndarray) and row.ndim >= 2:
            print(f"image: {self._save_png(index, row)}", file=out)

    def _save_png(self, index, row):
        import matplotlib.pyplot as plt

        path = Path(self.image_dir) / f"row_{index}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        img = row if row.ndim == 2 else (np.moveaxis(row, 0, -1) if row.shape[0] in (1, 3, 4) else row)
        if img.ndim == 3 and img.shape[-1] == 1:
            img = img[..., 0]
        img = img.astype(float)
        img = (img - img.min()) / (np.ptp(img) or 1.0)
        plt.imsave(path, img, cmap="gray" if img.ndim == 2 else None)
        return path
