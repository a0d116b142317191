"""Looking at a journal from outside a fit: :func:`check_journal` and :func:`export_journal` (for the CLI)."""

import csv
import json
import os
import socket
import sqlite3
import urllib.parse
from datetime import datetime, timezone

from ..exceptions import JournalError
from ._format import FIX_DAMAGED, integrity_check, read_contents, read_meta, reading
from ._journal import check_path, not_sqlite
from ._lock import describe, holder, lock_path

__all__ = ["check_journal", "export_journal"]

COLUMNS = ("seq", "row", "round", "label", "oracle", "strategy", "seed", "time")


def _open_readonly(path):
    """A read-only connection that takes no lock: it reads a consistent snapshot even while a fit writes."""
    path = check_path(path)
    if not os.path.isfile(path):
        raise JournalError(f"there is no label journal at {path!r} (no such file).")
    if not_sqlite(path):
        raise JournalError(
            f"{path!r} is not an SQLite file, so not a skal label journal. If it was one, it is damaged: {FIX_DAMAGED}."
        )
    uri = f"file:{urllib.parse.quote(os.path.abspath(path))}?mode=ro"
    db = None
    with reading(path, on_error=lambda: db is not None and db.close()):
        try:
            db = sqlite3.connect(uri, uri=True, timeout=10.0)
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:  # e.g. a -wal without its -shm in a read-only folder: read it read-write
            if db is not None:
                db.close()
            db = sqlite3.connect(path, timeout=10.0)
            db.execute("PRAGMA query_only=1")
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return path, db


def _read_verified(path):
    path, db = _open_readonly(path)
    try:
        with reading(path):
            meta = read_meta(db, path)
            if not meta:
                raise JournalError(f"{path!r} is an empty SQLite database, not a skal label journal.")
            integrity_check(db, path)
            return path, read_contents(db, path, meta)
    finally:
        db.close()


def _writer(path):
    """Who holds (or last held) the writer lock, in words."""
    note = holder(path)
    if not note:
        return "no fit has it open"
    if note.get("host") != socket.gethostname():
        return f"a fit on another host holds it, or ended there without closing it ({describe(note)})"
    try:
        os.kill(int(note["pid"]), 0)
    except PermissionError:
        pass
    except (OSError, ValueError, KeyError, TypeError, OverflowError):
        return (
            f"the last fit ({describe(note)}) ended without closing it (killed or crashed); every answer it "
            "journaled is kept, and the next fit resumes from them"
        )
    return f"a fit is writing it now ({describe(note)})"


def check_journal(path):
    """Verify the journal at ``path`` and describe it in a few lines of text.

    Checks the file (SQLite's integrity check), the format and version, the
    pool metadata (row count and hash, every journaled row inside the pool),
    the label rows' hash chain, and every query, skipped row and round record.
    It takes no lock and writes nothing: it opens the file read-only and reads
    one consistent snapshot, so it may run while a fit writes the journal
    (it then reports what was committed so far, and that a fit is running).
    A read-only SQLite connection cannot remove the ``-wal`` and ``-shm``
    files it opens, so an empty ``labels.db-wal`` and a ``labels.db-shm`` may
    stay next to the journal; they are harmless, and the next fit's close
    removes them.

    Parameters
    ----------
    path : str or path-like
        The journal file (``labels.db``).

    Returns
    -------
    summary : str
        Rows labeled (and how many are pseudo-labels), rounds queried and
        finished, rows skipped, the seed, the pool's size and hash, and who
        has the journal open.

    Raises
    ------
    JournalError
        No such file, not a journal, damaged, or changed by hand (naming the
        first bad label row and the fix).

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from skal.journal import LabelJournal
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.db")
    >>> j = LabelJournal.open(path, np.zeros((5, 2)), seed=3)
    >>> j.write_query(0, [1, 4], "Random()"); j.write_labels(0, [1, 4], ["a", "b"], oracle="demo"); j.close()
    >>> print(check_journal(path))  # doctest: +ELLIPSIS
    /.../labels.db: skal label journal, format version 2, intact (hash chain of 2 label rows verified).
    Pool: 5 rows (sha256 ...). Seed: 3.
    Labeled: 2 rows (0 pseudo-labels), 0 skipped. Rounds: 1 queried, 0 finished.
    Writer: no fit has it open.
    """
    path, found = _read_verified(path)
    meta = found.meta
    pseudo = sum(1 for entry in found.labels if entry[4] == "pseudo")
    if found.chained:
        state = f"format version {meta['version']}, intact (hash chain of {len(found.labels)} label rows verified)"
    else:
        state = "format version 1, readable (no hash chain: the next fit that opens it upgrades it to version 2)"
    wal = f"{path}-wal"
    lines = [
        f"{path}: skal label journal, {state}.",
        f"Pool: {meta['n_pool']} rows (sha256 {meta['pool_sha256'][:16]}…){_grown(meta)}. "
        f"Seed: {meta['seed'] or 'not set yet'}.",
        f"Labeled: {len(found.labels)} rows ({pseudo} pseudo-labels), {len(found.skipped)} skipped. "
        f"Rounds: {len(found.queries)} queried, {len(found.rounds)} finished.",
        f"Writer: {_writer(path)}.",
    ]
    if os.path.exists(wal) and os.path.getsize(wal) > 0:
        lines.append(f"{wal} holds answers not yet copied into {path}: keep the two files together.")
    return "\n".join(lines)


def _label_text(label):
    if isinstance(label, str):
        return label
    try:
        return json.dumps(label)
    except (TypeError, ValueError):  # unreadable bytes in a damaged journal, exported leniently
        return repr(label)


def _time_text(value):
    try:
        return datetime.fromtimestamp(float(value), timezone.utc).isoformat(timespec="milliseconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return str(value)


def export_journal(path, out_csv, *, verify=True):
    """Write the journal's label rows to a CSV file; return the number of rows written.

    Columns ``seq,row,round,label,oracle,strategy,seed,time`` in the order the
    answers arrived. ``label`` is the label itself for a text label and its
    JSON otherwise (``1``, ``2.5``, ``true``); ``time`` is ISO 8601 in UTC.
    Like :func:`check_journal` it takes no lock and writes nothing to the
    journal.

    Parameters
    ----------
    path : str or path-like
        The journal file.
    out_csv : str or path-like
        The CSV file to write (replaced if it exists; not the journal itself).
    verify : bool, default=True
        Verify the journal first, as :func:`check_journal` does, and refuse a
        damaged one. ``False`` saves whatever label rows are still readable,
        in order, stopping at the first unreadable one: a way to keep the
        answers of a damaged journal.

    Returns
    -------
    n_rows : int

    Raises
    ------
    JournalError
        As :func:`check_journal` (with ``verify=True``), or ``out_csv`` names
        the journal or one of its files. Writing the CSV may raise ``OSError``.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from skal.journal import LabelJournal
    >>> folder = tempfile.mkdtemp()
    >>> j = LabelJournal.open(os.path.join(folder, "labels.db"), np.zeros((5, 2)))
    >>> j.write_labels(0, [1, 4], ["a", "b"], oracle="demo"); j.close()
    >>> export_journal(os.path.join(folder, "labels.db"), os.path.join(folder, "labels.csv"))
    2
    >>> print(open(os.path.join(folder, "labels.csv")).read().splitlines()[1])  # doctest: +ELLIPSIS
    1,1,0,a,demo,,,...
    """
    journal = os.path.realpath(os.fspath(path))
    target = os.path.realpath(os.fspath(out_csv))
    if target in {journal, f"{journal}-wal", f"{journal}-shm", lock_path(journal)}:
        raise JournalError(f"out_csv={os.fspath(out_csv)!r} is the journal or one of its files; give another path.")
    rows = _read_verified(path)[1].labels if verify else _read_leniently(path)
    with open(out_csv, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for seq, row, round_, label, oracle, strategy, seed, time_ in rows:
            writer.writerow(
                [seq, row, round_, _label_text(label), oracle or "", strategy or "", "" if seed is None else seed]
                + [_time_text(time_)]
            )
    return len(rows)


def _read_leniently(path):
    path, db = _open_readonly(path)
    rows = []
    try:
        cursor = db.execute("SELECT seq, row, round, label, oracle, strategy, seed, time FROM labels ORDER BY seq")
        for seq, row, round_, label, *rest in cursor:
            try:
                label = json.loads(label)
            except (TypeError, ValueError):
                pass
            rows.append((seq, row, round_, label, *rest))
    except sqlite3.Error as exc:
        if not rows:
            with reading(path):
                raise exc
    finally:
        db.close()
    return rows


def _grown(meta):
    """The text ``, then grew by 50 rows (100..149)`` for each segment appended since the journal began."""
    segments = json.loads(meta.get("segments", "[]"))
    return "".join(f", then grew by {n} rows ({start}..{start + n - 1})" for start, n, _ in segments)
