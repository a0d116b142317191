"""Labels through a CSV file: the batch is written out, a person fills the ``label`` column, ``fit`` reads it."""

import codecs
import csv
import json
from pathlib import Path

import numpy as np

from ..exceptions import OracleError
from ._base import STOP, Oracle, row_at
from ._terminal import describe_row, parse_answer

__all__ = ["FileOracle"]

#: A written cell that starts with one of these is prefixed with ``'``: a spreadsheet would run it as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text):
    """A text cell a spreadsheet shows as text: one that starts like a formula gets a leading ``'`` (OWASP).

    Examples
    --------
    >>> safe_cell('=HYPERLINK("http://x")'), safe_cell("-1.5 stars"), safe_cell("a cat")
    ('\\'=HYPERLINK("http://x")', "'-1.5 stars", 'a cat')
    """
    text = str(text)
    return "'" + text if text.startswith(FORMULA_START) else text


class FileOracle(Oracle):
    """Labels through a CSV file: the batch is written out, a person fills the ``label`` column, ``fit`` reads it.

    On a batch, if ``path`` does not hold these rows yet, it is written (columns
    ``index``, ``label`` (empty), then a one-line text preview of the row, as
    :func:`~skal.oracles.describe_row` gives it for any pool type) and the
    oracle answers :data:`STOP`: ``fit`` returns. Fill the label column, then
    call ``fit`` again with the same journal: each filled row is one chunk of
    :meth:`~Oracle.stream`, journaled and used; if rows are left empty the
    stream ends with a :data:`STOP` and they are asked again later. Once every
    row is answered the file is renamed ``<name>.answered-<k>.csv``, so the
    next batch starts a fresh one. Use it with ``fit(..., journal=PATH)`` so
    nothing is asked twice.

    A ``label`` cell holds, as at the terminal (:func:`parse_answer`):

    - a label: a class as it is, also one named ``s``, ``q``, ``skip`` or
      ``stop``. With ``classes`` the text must equal the ``str`` of one class
      exactly (``"1"`` is the class ``1``, ``"1.0"`` is not) and gives that
      class; without ``classes`` it keeps its text (``"007"`` stays
      ``"007"``; pass ``classes`` to get numbers). A label that starts with
      ``:`` is written with the colon doubled (``::x``);
    - ``:skip`` (or ``:s``): no label for this row; it is not asked again;
    - nothing (or ``:stop`` / ``:q``): not answered yet; asked again later.

    The file is checked whole before any answer is used; a bad file yields
    nothing and raises :class:`~skal.exceptions.OracleError` naming the line
    and the fix: an index that is not a whole number (``57.0`` is read as 57),
    the same index twice with different answers (the same answer twice is
    read once), an index that is not a row of the batch (FileOracle records
    the rows it wrote in a hidden file ``.<name>.rows`` next to ``path``;
    without it any index the file holds counts as written), a label that is
    not a class or an unknown ``:command``. Lines with every cell empty are
    ignored.

    Text cells written (the previews) that start with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return get a leading ``'``, so that a
    spreadsheet shows them as text instead of running them as a formula
    (CSV injection; OWASP's guidance).

    Parameters
    ----------
    path : path of the CSV file
    classes : array-like, optional
    feature_names : list of str, optional
    encoding : str, default "utf-8"
        The file's text encoding, for writing and reading. A UTF-8 file is read
        with or without a byte-order mark (Excel's "CSV UTF-8" writes one); pass
        ``"utf-8-sig"`` to write one, so that Excel shows non-ASCII previews
        right, or e.g. ``"cp1252"`` for a file Excel saved as plain "CSV".

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
    >>> _ = open(path, "w").write(text.replace("9,,", "9,:skip,"))
    >>> o.label([5, 9])
    array([np.str_('dog'), skal.oracles.SKIP], dtype=object)
    """

    def __init__(self, path, classes=None, feature_names=None, encoding="utf-8"):
        super().__init__()
        self.path = path
        self.classes = None if classes is None else np.asarray(classes)
        self.feature_names = feature_names
        self.encoding = encoding

    def _rows_path(self):
        path = Path(self.path)
        return path.with_name(f".{path.name}.rows")

    def _read(self):
        """``[(line, index, cell), ...]`` of the file (None when there is none), each index a whole number."""
        path = Path(self.path)
        if not path.exists():
            return None
        encoding = "utf-8-sig" if codecs.lookup(self.encoding).name == "utf-8" else self.encoding
        rows = []
        try:
            with open(path, newline="", encoding=encoding) as f:
                reader = csv.DictReader(f)
                if reader.fieldnames is None or not {"index", "label"} <= {n.strip() for n in reader.fieldnames}:
                    raise OracleError(
                        f"{path} must have 'index' and 'label' columns (as FileOracle writes it); its header is "
                        f"{reader.fieldnames}. Save it as CSV with commas, keeping the first line as written."
                    )
                reader.fieldnames = [n.strip() for n in reader.fieldnames]
                for r in reader:
                    cells = [c for c in r.values() if isinstance(c, str)]
                    if not any(c.strip() for c in cells):
                        continue  # a blank line a spreadsheet left
                    index, cell = (r["index"] or "").strip(), (r["label"] or "").strip()
                    rows.append((reader.line_num, _whole_number(index, path, reader.line_num), cell))
        except UnicodeDecodeError as exc:
            raise OracleError(
                f"{path} is not {self.encoding} text ({exc.reason} at byte {exc.start}). Save it as 'CSV UTF-8', "
                f"or pass FileOracle(..., encoding=...) with the encoding it was saved in (e.g. 'cp1252')."
            ) from None
        return rows

    def _written(self):
        """The rows FileOracle wrote to this file, or None when it did not record them."""
        try:
            return set(json.loads(self._rows_path().read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def _stream(self, indices, X_rows):
        rows = self._read()
        asked = indices.tolist()
        held = {i for _, i, _ in (rows or ())}
        if rows is None or not set(asked) <= held:
            if rows and any(cell for _, _, cell in rows):
                lacking = sorted(set(asked) - held)
                raise OracleError(
                    f"{self.path} holds answers for another batch that were not read yet (it lacks rows "
                    f"{lacking[:10]} of this one). Call fit with the same journal= and random_state as when the "
                    "file was written (the batch is then the same), or move the file away to start a new batch."
                )
            self._write(indices, X_rows)
            yield np.array([0]), [STOP]
            return
        answers = self._answers(rows, asked)  # every check of the file, before anything is yielded
        unanswered = []
        for k, i in enumerate(asked):
            if answers[i] is STOP:  # an empty cell or ':stop': asked again later
                unanswered.append(k)
                continue
            yield np.array([k]), [answers[i]]
        if unanswered:
            yield np.array(unanswered[:1]), [STOP]
        else:
            self._archive()

    def _answers(self, rows, asked):
        """``{index: answer}`` for the ``asked`` rows (STOP where unanswered); raises on any bad line."""
        path = Path(self.path)
        written = self._written()
        batch = set(asked) | (written if written is not None and set(asked) <= written else {i for _, i, _ in rows})
        for line, i, _ in rows:
            if i not in batch:
                raise OracleError(
                    f"{path}, line {line}: index {i} is not a row of this batch (its rows are "
                    f"{sorted(batch)[:10]}{' …' if len(batch) > 10 else ''}). Delete that line, or correct its "
                    "index to the row it answers."
                )
        seen = {}
        for line, i, cell in rows:
            if i in seen and seen[i][1] != cell:
                raise OracleError(
                    f"{path}: index {i} is on lines {seen[i][0]} and {line} with different answers "
                    f"({seen[i][1]!r} and {cell!r}). Keep the line with the right answer and delete the other."
                )
            seen.setdefault(i, (line, cell))
        answers = {}
        for i in asked:
            line, cell = seen[i]
            try:
                answers[i] = parse_answer(cell, self.classes, numbers=False) if cell else STOP
            except ValueError as exc:
                raise OracleError(
                    f"{path}, line {line} (index {i}): {exc} Correct the cell, or leave it empty to answer later."
                ) from None
        return answers

    def _archive(self):
        path = Path(self.path)
        k = 1
        while path.with_name(f"{path.stem}.answered-{k}{path.suffix}").exists():
            k += 1
        path.rename(path.with_name(f"{path.stem}.answered-{k}{path.suffix}"))
        self._rows_path().unlink(missing_ok=True)

    def _write(self, indices, X_rows):
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding=self.encoding) as f:
            w = csv.writer(f)
            w.writerow(["index", "label", "preview"])
            for k, i in enumerate(indices):
                preview = describe_row(row_at(X_rows, k), self.feature_names)
                preview = preview.replace("\r\n", "\n").replace("\r", "\n").replace("\n", " | ")
                w.writerow([int(i), "", safe_cell(preview)])
        self._rows_path().write_text(json.dumps([int(i) for i in indices]))


def _whole_number(text, path, line):
    """A file's index cell as an int: ``57`` or ``57.0``; anything else raises, naming the line."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is not None and value.is_integer():
        return int(value)
    raise OracleError(
        f"{path}, line {line}: index {text!r} is not a row number. Write the pool row's index as a whole number "
        "(as FileOracle wrote it, e.g. 57), or delete the line."
    )
