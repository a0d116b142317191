"""Oracles answer ``label(indices, X_rows)`` with one label per queried row.

The learner reads labels only through an oracle, and only for rows it queried.
Oracles for people (``streams = True``) answer one row at a time through
``iter_labels`` and may answer :data:`SKIP` (no label for this row; it is not
asked again) or :data:`STOP` (end the session; the learner trains on what it
has and ``fit`` returns). With ``fit(..., journal=PATH)`` every answer is on
disk before it is used.
"""

import csv
import sys
from pathlib import Path

import numpy as np
from sklearn.utils import column_or_1d

from .utils._random import as_generator

__all__ = [
    "Oracle",
    "SimulatedOracle",
    "CallableOracle",
    "NoisyOracle",
    "TerminalOracle",
    "FileOracle",
    "SKIP",
    "STOP",
    "as_oracle",
]


class _Answer:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"skal.oracles.{self.name}"

    def __reduce__(self):
        return self.name


#: An oracle's answer for "no label for this row": the row is remembered and not asked again.
SKIP = _Answer("SKIP")
#: An oracle's answer for "stop now": the learner keeps every answer so far, trains, and ``fit`` returns.
STOP = _Answer("STOP")


class Oracle:
    """Base class. Subclasses implement ``_answer(indices, X_rows)``.

    Attributes
    ----------
    classes : array or None
        The label space, when the oracle knows it (the options an annotator
        chooses from). The learner validates every answer against it.
    n_served : int
        Labels this oracle has returned so far.
    """

    classes = None
    #: True when answers come one row at a time through ``iter_labels`` (people, files).
    streams = False

    def __init__(self):
        self.n_served = 0

    def iter_labels(self, indices, X_rows=None):
        """Yield ``(position, answer)`` for rows of the batch; an answer may be :data:`SKIP` or :data:`STOP`.

        The default answers the whole batch with :meth:`label`. Streaming
        oracles override it so each answer is journaled as soon as it is given.
        """
        yield from enumerate(self.label(indices, X_rows))

    def label(self, indices, X_rows=None):
        """Labels for pool rows ``indices`` (``X_rows`` are those rows, for oracles that show them)."""
        indices = np.asarray(indices, dtype=np.intp)
        labels = self._answer(indices, X_rows)
        self.n_served += len(indices)
        return labels

    __call__ = label

    def _answer(self, indices, X_rows):  # pragma: no cover - abstract
        raise NotImplementedError


class SimulatedOracle(Oracle):
    """Answers from known labels ``y`` (one per pool row): the usual AL simulation.

    Only the queried entries of ``y`` are read (``y[indices]``, or ``y.iloc``
    for pandas). ``classes`` is the label space: given, or ``np.unique(y)``
    when asked for — a simulation knows the options an annotator would choose
    from, never a row's label before it is queried.

    Examples
    --------
    >>> o = SimulatedOracle(np.array([3, 1, 2]))
    >>> o.label([2, 0]).tolist(), o.n_served
    ([2, 3], 2)
    """

    def __init__(self, y, classes=None):
        super().__init__()
        self.y = np.asarray(y) if isinstance(y, (list, tuple)) else y
        self._classes = None if classes is None else np.asarray(classes)

    def __len__(self):
        return len(self.y)

    @property
    def classes(self):
        if self._classes is None:
            self._classes = np.unique(np.asarray(self.y))
        return self._classes

    def _answer(self, indices, X_rows):
        if hasattr(self.y, "iloc"):
            return np.asarray(self.y.iloc[indices])
        return np.asarray(self.y[indices])


class CallableOracle(Oracle):
    """Wraps ``fn(indices, X_rows) -> labels``: a person, a service, a script.

    With ``per_row=True`` it calls ``fn(index, row)`` once per row and streams
    the answers (each may be :data:`SKIP` or :data:`STOP`): answers given before
    a failure are journaled and kept.

    Examples
    --------
    >>> o = CallableOracle(lambda idx, rows: [int(i) % 2 for i in idx], classes=[0, 1])
    >>> o.label([3, 4])
    [1, 0]
    >>> list(CallableOracle(lambda i, row: int(i) % 2, per_row=True).iter_labels([3, 4]))
    [(0, 1), (1, 0)]
    """

    def __init__(self, fn, classes=None, per_row=False):
        super().__init__()
        self.fn = fn
        self.classes = None if classes is None else np.asarray(classes)
        self.per_row = per_row
        self.streams = bool(per_row)

    def _answer(self, indices, X_rows):
        if self.per_row:
            return [self.fn(i, None if X_rows is None else X_rows[k]) for k, i in enumerate(indices)]
        return self.fn(indices, X_rows)

    def iter_labels(self, indices, X_rows=None):
        if not self.per_row:
            yield from super().iter_labels(indices, X_rows)
            return
        for k, i in enumerate(np.asarray(indices, dtype=np.intp)):
            answer = self.fn(int(i), None if X_rows is None else X_rows[k])
            if answer is not SKIP and answer is not STOP:
                self.n_served += 1
            yield k, answer


class NoisyOracle(SimulatedOracle):
    """A simulated annotator who gives a wrong label with probability ``noise``.

    A wrong answer is drawn uniformly from the other classes. Each row's fate is
    fixed by ``random_state`` and the row index, so a row gets the same answer
    whatever order rows are asked in.

    Examples
    --------
    >>> y = np.arange(1000) % 4
    >>> o = NoisyOracle(y, noise=0.2, random_state=0)
    >>> 0.15 < float(np.mean(o.label(np.arange(1000)) != y)) < 0.25
    True
    """

    def __init__(self, y, noise, random_state=None, classes=None):
        if not 0.0 <= noise <= 1.0:
            raise ValueError(f"noise must lie in [0, 1]; got {noise}.")
        super().__init__(y, classes=classes)
        self.noise = noise
        self.random_state = random_state
        self._draws = None

    def _answer(self, indices, X_rows):
        truth = super()._answer(indices, X_rows)
        classes = self.classes
        if len(classes) < 2 or self.noise == 0:
            return truth
        if self._draws is None:
            rng = as_generator(self.random_state)
            n = len(self.y)
            self._draws = (rng.random(n) < self.noise, rng.integers(0, len(classes) - 1, size=n))
        flip, shift = self._draws[0][indices], self._draws[1][indices]
        codes = np.searchsorted(classes, truth)
        wrong = classes[(codes + 1 + shift) % len(classes)]
        return np.where(flip, wrong, truth)


def _parse(text, classes):
    """A typed answer from what a person wrote: SKIP, STOP, a class (by name or position) or the raw text."""
    text = str(text).strip()
    if text.lower() in ("skip", "s"):
        return SKIP
    if text.lower() in ("stop", "q", "quit"):
        return STOP
    if classes is None:
        for cast in (int, float):
            try:
                return cast(text)
            except ValueError:
                pass
        return text
    names = [str(c) for c in classes]
    if text in names:
        return classes[names.index(text)]
    raise ValueError(f"{text!r} is not a class; answer one of {names[:20]}, 'skip' or 'stop'.")


def describe_row(row, feature_names=None, max_features=20):
    """A short text preview: ``name=value`` pairs for a table row, an ASCII shade map for an image."""
    row = np.asarray(row)
    if row.ndim >= 2:
        img = row if row.ndim == 2 else row.mean(axis=0 if row.shape[0] <= 4 else -1)
        step_r, step_c = max(1, img.shape[0] // 14), max(1, img.shape[1] // 28)
        small = img[::step_r, ::step_c].astype(float)
        lo, hi = float(small.min()), float(small.max())
        shades = " .:-=+*#%@"
        idx = np.zeros_like(small, dtype=int) if hi == lo else ((small - lo) / (hi - lo) * 9).round().astype(int)
        return "\n".join("".join(shades[v] for v in line) for line in idx)
    names = feature_names if feature_names is not None else [f"x{j}" for j in range(row.size)]
    parts = [f"{n}={v:.4g}" if isinstance(v, (float, np.floating)) else f"{n}={v}" for n, v in zip(names, row.ravel())]
    more = f" … (+{row.size - max_features})" if row.size > max_features else ""
    return ", ".join(parts[:max_features]) + more


class TerminalOracle(Oracle):
    """A person at a terminal: each row is shown, the answer is read from the keyboard.

    A table row is printed as ``name=value`` pairs; an image (a row with two
    or more dimensions) as an ASCII preview and, with ``image_dir``, a PNG file
    whose path is printed. Answers: a class name (or, without ``classes``, any
    value), ``skip`` / ``s`` (no label; the row is not asked again), ``stop`` /
    ``q`` (end the session; every answer so far is kept). A mistyped class is
    asked again. Use it with ``fit(..., journal=PATH)`` so answers survive a crash.

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
    >>> answers = iter(["b", "skip"])
    >>> o = TerminalOracle(classes=["a", "b"], input=lambda prompt: next(answers), output=open("/dev/null", "w"))
    >>> [(k, a) for k, a in o.iter_labels([4, 7], np.zeros((2, 3)))]
    [(0, np.str_('b')), (1, skal.oracles.SKIP)]
    """

    streams = True

    def __init__(self, classes=None, feature_names=None, image_dir=None, input=None, output=None):
        super().__init__()
        self.classes = None if classes is None else np.asarray(classes)
        self.feature_names = feature_names
        self.image_dir = image_dir
        self.input = input
        self.output = output

    def _answer(self, indices, X_rows):
        raise TypeError("TerminalOracle answers one row at a time; the learner calls iter_labels.")

    def iter_labels(self, indices, X_rows=None):
        read = self.input or input
        out = self.output or sys.stdout
        options = "" if self.classes is None else f" [{' / '.join(map(str, self.classes))}]"
        for k, i in enumerate(np.asarray(indices, dtype=np.intp)):
            row = None if X_rows is None else np.asarray(X_rows[k])
            print(f"\n— row {int(i)} ({k + 1} of {len(indices)}) —", file=out)
            if row is not None:
                print(describe_row(row, self.feature_names), file=out)
                if self.image_dir is not None and row.ndim >= 2:
                    print(f"image: {self._save_png(int(i), row)}", file=out)
            while True:
                try:
                    answer = _parse(read(f"label{options}, 'skip' or 'stop': "), self.classes)
                    break
                except ValueError as exc:
                    print(exc, file=out)
            if answer is not SKIP and answer is not STOP:
                self.n_served += 1
            yield k, answer
            if answer is STOP:
                return

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


class FileOracle(Oracle):
    """Labels through a CSV file: the batch is written out, a person fills the ``label`` column, ``fit`` reads it.

    On a batch, if ``path`` does not hold these rows yet, it is written (columns
    ``index``, ``label`` (empty), then a text preview of the row) and the
    oracle answers :data:`STOP`: ``fit`` returns. Fill the label column (a
    class, or ``skip``), then call ``fit`` again with the same journal: the
    filled rows are read, journaled and used; rows left empty are asked again
    later. Use it with ``fit(..., journal=PATH)`` so nothing is asked twice.

    Parameters
    ----------
    path : path of the CSV file
    classes : array-like, optional
    feature_names : list of str, optional

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "batch.csv")
    >>> o = FileOracle(path, classes=["cat", "dog"])
    >>> list(o.iter_labels([5, 9], np.zeros((2, 2))))  # writes the file, then stops
    [(0, skal.oracles.STOP)]
    >>> text = open(path).read().replace("5,,", "5,dog,")
    >>> _ = open(path, "w").write(text)
    >>> list(o.iter_labels([5, 9], np.zeros((2, 2))))
    [(0, np.str_('dog')), (1, skal.oracles.STOP)]
    """

    streams = True

    def __init__(self, path, classes=None, feature_names=None):
        super().__init__()
        self.path = path
        self.classes = None if classes is None else np.asarray(classes)
        self.feature_names = feature_names

    def _answer(self, indices, X_rows):
        raise TypeError("FileOracle answers through iter_labels (the learner calls it).")

    def _read(self):
        path = Path(self.path)
        if not path.exists():
            return None
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None or not {"index", "label"} <= set(reader.fieldnames):
                raise ValueError(f"{path} must have 'index' and 'label' columns (as FileOracle writes it).")
            return {int(r["index"]): (r["label"] or "").strip() for r in reader}

    def iter_labels(self, indices, X_rows=None):
        indices = np.asarray(indices, dtype=np.intp)
        found = self._read()
        if found is None or not set(indices.tolist()) <= set(found):
            if found and any(found.values()):
                raise ValueError(
                    f"{self.path} holds answers for another batch that were not read yet. Call fit with the same "
                    "journal= and random_state as when the file was written (the batch is then the same), or move "
                    "the file away to start a new batch."
                )
            self._write(indices, X_rows)
            yield 0, STOP
            return
        missing = False
        for k, i in enumerate(indices):
            text = found[int(i)]
            if not text:
                missing = True
                continue
            answer = _parse(text, self.classes)  # a bad class raises: fix the file and call fit again
            if answer is STOP:
                missing = True
                continue
            if answer is not SKIP:
                self.n_served += 1
            yield k, answer
        if missing:
            yield len(indices) - 1, STOP
        else:  # every row answered: archive the file, so the next batch starts a fresh one
            path = Path(self.path)
            k = 1
            while path.with_name(f"{path.stem}.answered-{k}{path.suffix}").exists():
                k += 1
            path.rename(path.with_name(f"{path.stem}.answered-{k}{path.suffix}"))

    def _write(self, indices, X_rows):
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["index", "label", "preview"])
            for k, i in enumerate(indices):
                preview = "" if X_rows is None else describe_row(X_rows[k], self.feature_names).replace("\n", " | ")
                w.writerow([int(i), "", preview])


def as_oracle(oracle, n_pool):
    """An :class:`Oracle` from an Oracle, a callable or an array of labels."""
    if isinstance(oracle, Oracle):
        found = oracle
    elif callable(oracle) and not hasattr(oracle, "__len__"):
        found = CallableOracle(oracle)
    elif oracle is None:
        raise ValueError(
            "ActiveLearner requires y to be passed, but the target y is None. y is the oracle: "
            "an array of labels (a simulation), a callable fn(indices, X_rows) -> labels, "
            "or an skal.oracles.Oracle."
        )
    else:
        if not (hasattr(oracle, "__len__") and hasattr(oracle, "__getitem__")):
            oracle = np.asarray(oracle)
        if isinstance(oracle, np.ndarray) and oracle.ndim == 2 and oracle.shape[1] == 1:
            oracle = column_or_1d(oracle, warn=True)
        found = SimulatedOracle(oracle)
    if isinstance(found, SimulatedOracle) and len(found) != n_pool:
        raise ValueError(
            f"the label array has {len(found)} entries but the pool has {n_pool} rows; "
            "a simulated oracle needs one label per pool row."
        )
    return found
