"""Labels through a CSV file: the batch is written out, a person fills the ``label`` column, ``fit`` reads it."""

import csv
from pathlib import Path

import numpy as np

from ._base import STOP, Oracle, row_at
from ._terminal import describe_row, parse_answer

__all__ = ["FileOracle"]


class FileOracle(Oracle):
    """Labels through a CSV file: the batch is written out, a person fills the ``label`` column, ``fit`` reads it.

    On a batch, if ``path`` does not hold these rows yet, it is written (columns
    ``index``, ``label`` (empty), then a one-line text preview of the row, as
    :func:`~skal.oracles.describe_row` gives it for any pool type) and the
    oracle answers :data:`STOP`: ``fit`` returns. Fill the label column (a
    class, or ``skip``), then call ``fit`` again with the same journal: each
    filled row is one chunk of :meth:`~Oracle.stream`, journaled and used; if
    rows are left empty the stream ends with a :data:`STOP` and they are asked
    again later. Once every row is answered the file is renamed
    ``<name>.answered-<k>.csv``, so the next batch starts a fresh one. Use it
    with ``fit(..., journal=PATH)`` so nothing is asked twice.

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
    >>> [(p.tolist(), a) for p, a in o.stream([5, 9], ["a purring animal", "a barking animal"])]  # writes, stops
    [([0], [skal.oracles.STOP])]
    >>> print(open(path).read().strip())
    index,label,preview
    5,,a purring animal
    9,,a barking animal
    >>> text = open(path).read().replace("5,,", "5,dog,")
    >>> _ = open(path, "w").write(text)
    >>> o.label([5, 9])
    array([np.str_('dog'), skal.oracles.STOP], dtype=object)
    """

    def __init__(self, path, classes=None, feature_names=None):
        super().__init__()
        self.path = path
        self.classes = None if classes is None else np.asarray(classes)
        self.feature_names = feature_names

    def _read(self):
        path = Path(self.path)
        if not path.exists():
            return None
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None or not {"index", "label"} <= set(reader.fieldnames):
                raise ValueError(f"{path} must have 'index' and 'label' columns (as FileOracle writes it).")
            return {int(r["index"]): (r["label"] or "").strip() for r in reader}

    def _stream(self, indices, X_rows):
        found = self._read()
        if found is None or not set(indices.tolist()) <= set(found):
            if found and any(found.values()):
                raise ValueError(
                    f"{self.path} holds answers for another batch that were not read yet. Call fit with the same "
                    "journal= and random_state as when the file was written (the batch is then the same), or move "
                    "the file away to start a new batch."
                )
            self._write(indices, X_rows)
            yield np.array([0]), [STOP]
            return
        unanswered = []
        for k, i in enumerate(indices):
            answer = parse_answer(found[int(i)], self.classes) if found[int(i)] else STOP  # a bad class raises
            if answer is STOP:  # an empty cell or 'stop': asked again later
                unanswered.append(k)
                continue
            yield np.array([k]), [answer]
        if unanswered:
            yield np.array(unanswered[:1]), [STOP]
        else:
            self._archive()

    def _archive(self):
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
                preview = describe_row(row_at(X_rows, k), self.feature_names).replace("\n", " | ")
                w.writerow([int(i), "", preview])
