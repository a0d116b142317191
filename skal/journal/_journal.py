"""LabelJournal: open (lock, verify, upgrade), write one transaction per oracle response, read back, close."""

import json
import os
import sqlite3
import time
from pathlib import Path

from ..exceptions import JournalError
from ..pools._protocol import as_pool
from ._format import (
    FIX_DAMAGED,
    FORMAT,
    SCHEMA,
    VERSION,
    chain_start,
    has_table,
    integrity_check,
    label_hash,
    meta_check,
    read_contents,
    read_meta,
    reading,
    sha,
    sqlite_error,
    text_or_none,
    to_json,
    upgrade_from_v1,
    write_meta,
)
from ._lock import WriterLock
from ._plan import ReplayPlan

__all__ = ["LabelJournal"]

SQLITE_MAGIC = b"SQLite format 3\x00"


def check_path(path):
    """``path`` as text, if it names a file a journal can live in; else a :class:`JournalError` naming the fix."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise JournalError(f"journal= must be a file path (a str or pathlib.Path), not {type(path).__name__}.")
    text = os.fsdecode(os.fspath(path))
    if text.strip() in ("", ":memory:") or text.startswith("file:") or "mode=memory" in text:
        raise JournalError(
            f"journal={text!r} is not a file: an in-memory SQLite database is gone when the process ends, so it "
            "would keep no answer. Give a file path such as 'labels.db' (or journal=None for no journal)."
        )
    if Path(text).is_dir():
        raise JournalError(f"journal={text!r} is a directory; give a file path such as 'labels.db'.")
    if not Path(text).parent.exists():
        raise JournalError(f"the folder of journal={text!r} does not exist; create {str(Path(text).parent)!r} first.")
    return text


def not_sqlite(path):
    """True for an existing, non-empty file that does not start like an SQLite database."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError:
        return False
    return bool(head) and head != SQLITE_MAGIC


def connect(path):
    db = sqlite3.connect(path, isolation_level=None, timeout=10.0)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    return db


class LabelJournal:
    """The label journal of one pool. Open it with :meth:`open`; :meth:`close` it when done.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.db")
    >>> X = np.arange(6.0).reshape(3, 2)
    >>> j = LabelJournal.open(path, X, seed=7)
    >>> j.write_labels(0, [2, 0], ["b", "a"], oracle="demo")
    >>> j.close()
    >>> j = LabelJournal.open(path, X)
    >>> j.labels(), j.seed
    ({2: (0, 'b'), 0: (0, 'a')}, 7)
    >>> j.close()
    """

    def __init__(self, path, connection, lock, meta):
        self.path = str(path)
        self._db, self._lock, self._meta = connection, lock, meta
        self.seed = int(meta["seed"]) if meta.get("seed") else None

    # ----------------------------------------------------------- opening
    @classmethod
    def open(cls, path, X, seed=None):
        """Open (or create) the journal at ``path`` for pool ``X``, as its only writer until :meth:`close`.

        A new journal records the pool's row count and fingerprint and ``seed``.
        An existing one is verified (SQLite's integrity check, the label hash
        chain, every row's digest) and must belong to the same pool; a
        version-1 journal is upgraded to version 2 in place. Any problem
        raises :class:`JournalError` and nothing is written. While it is open,
        another :meth:`open` of the same file, in this process or another,
        raises :class:`JournalError` naming the holder.
        """
        path = check_path(path)
        pool = as_pool(X)
        n_pool = len(pool)
        lock = WriterLock.acquire(path)
        db = None
        try:
            if not_sqlite(path):
                raise JournalError(
                    f"{path!r} is not an SQLite file, so not a skal label journal: give a new path for the journal. "
                    f"If it was a journal, it is damaged: {FIX_DAMAGED}."
                )
            with reading(path):
                db = connect(path)
                meta = read_meta(db, path)
                if meta:
                    integrity_check(db, path)
                    read_contents(db, path, meta)
            grown = None
            if meta:
                grown = check_same_pool(path, meta, pool)
            if not meta:
                fingerprint = pool.fingerprint()
                meta = {
                    "format": FORMAT,
                    "version": str(VERSION),
                    "n_pool": str(n_pool),
                    "pool_sha256": fingerprint,
                    "seed": "" if seed is None else str(int(seed)),
                    "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "labels_head": chain_start(n_pool, fingerprint),
                }
                meta["check"] = meta_check(meta)
                with _transaction(db, path):
                    for statement in filter(str.strip, SCHEMA.split(";")):
                        db.execute(statement)
                    write_meta(db, meta)
            elif meta["version"] == "1":
                with _transaction(db, path):
                    meta = upgrade_from_v1(db, meta)
            if grown is not None:  # rows appended since the last open: a new segment, in the digested meta
                meta = dict(meta, segments=json.dumps(segments(meta) + [grown]))
                meta["check"] = meta_check(meta)
                with _transaction(db, path):
                    write_meta(db, meta)
        except BaseException:
            if db is not None:
                db.close()
            lock.release()
            raise
        return cls(path, db, lock, meta)

    def close(self):
        """Checkpoint the WAL into the journal file (so ``labels.db`` alone holds every answer), close, unlock.

        Idempotent. A failed checkpoint is not an error: the answers stay in
        ``labels.db-wal`` and the next open reads them.
        """
        db, self._db = self._db, None
        if db is None:
            return
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        finally:
            try:
                db.close()
            finally:
                self._lock.release()

    @property
    def closed(self):
        return self._db is None

    @property
    def _conn(self):
        if self._db is None:
            raise JournalError(f"the label journal {self.path!r} is closed; open it again with LabelJournal.open.")
        return self._db

    def __getstate__(self):
        raise TypeError("a LabelJournal holds an open database; pickle the learner, not its journal.")

    # ------------------------------------------------------------ writing
    def _set_meta(self, **changes):
        """Write meta changes (with its new digest) inside the caller's transaction; returns the new meta."""
        meta = dict(self._meta, **changes)
        meta["check"] = meta_check(meta)
        write_meta(self._conn, {k: meta[k] for k in (*changes, "check")})
        return meta

    def write_query(self, round_, rows, strategy):
        values = (int(round_), json.dumps([int(r) for r in rows]), text_or_none(strategy), time.time())
        with _transaction(self._conn, self.path):
            self._conn.execute(
                "INSERT OR REPLACE INTO queries (round, rows, strategy, time, digest) VALUES (?, ?, ?, ?, ?)",
                (*values, sha("queries", *values)),
            )

    def write_labels(self, round_, rows, labels, oracle=None, strategy=None, seed=None):
        """Store answers in one transaction (one oracle response), each row chained to the one before."""
        now, db = time.time(), self._conn
        oracle, strategy, seed = text_or_none(oracle), text_or_none(strategy), None if seed is None else int(seed)
        with _transaction(db, self.path):
            seq = db.execute("SELECT coalesce(max(seq), 0) FROM labels").fetchone()[0]
            head = self._meta["labels_head"]
            for row, label in zip(rows, labels):
                seq += 1
                values = (seq, int(row), int(round_), to_json(label), oracle, strategy, seed, now)
                head = label_hash(head, *values)
                db.execute(
                    "INSERT INTO labels (seq, row, round, label, oracle, strategy, seed, time, hash) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*values, head),
                )
            meta = self._set_meta(labels_head=head)
        self._meta = meta

    def write_skipped(self, round_, rows, oracle=None):
        now = time.time()
        with _transaction(self._conn, self.path):
            for r in rows:
                values = (int(r), int(round_), text_or_none(oracle), now)
                self._conn.execute(
                    "INSERT OR REPLACE INTO skipped (row, round, oracle, time, digest) VALUES (?, ?, ?, ?, ?)",
                    (*values, sha("skipped", *values)),
                )

    def undo_label(self, row):
        """Delete the last label written, which must be pool row ``row`` (a person's undo), in one transaction.

        The chain head goes back to the label before it, so the journal verifies
        as if the label had never been given.
        """
        db = self._conn
        with _transaction(db, self.path):
            last = db.execute("SELECT seq, row FROM labels ORDER BY seq DESC LIMIT 1").fetchone()
            if last is None or last[1] != int(row):
                raise JournalError(
                    f"cannot undo the label of pool row {int(row)}: only the last label written can be undone "
                    f"(it is {'none' if last is None else f'row {last[1]}'})."
                )
            before = db.execute("SELECT hash FROM labels WHERE seq < ? ORDER BY seq DESC LIMIT 1", (last[0],))
            before = before.fetchone()
            head = before[0] if before else chain_start(int(self._meta["n_pool"]), self._meta["pool_sha256"])
            db.execute("DELETE FROM labels WHERE seq = ?", (last[0],))
            meta = self._set_meta(labels_head=head)
        self._meta = meta

    def unskip(self, row):
        """Forget that pool row ``row`` was skipped (a person's undo of a skip)."""
        with _transaction(self._conn, self.path):
            self._conn.execute("DELETE FROM skipped WHERE row = ?", (int(row),))

    def write_note(self, key, value):
        """Keep a JSON-serializable ``value`` under ``key`` (an oracle's state, e.g. the tasks it created)."""
        text = json.dumps(value)
        with _transaction(self._conn, self.path):
            self._conn.execute(_NOTES_TABLE)
            self._conn.execute(
                "INSERT OR REPLACE INTO notes (key, value, digest) VALUES (?, ?, ?)",
                (str(key), text, sha("notes", str(key), text)),
            )

    def note(self, key, default=None):
        """The value :meth:`write_note` kept under ``key``, or ``default``; a note that fails its digest raises."""
        db = self._conn
        if not has_table(db, "notes"):
            return default
        found = db.execute("SELECT value, digest FROM notes WHERE key = ?", (str(key),)).fetchone()
        if found is None:
            return default
        if found[1] != sha("notes", str(key), found[0]):
            raise JournalError(f"the journal note {key!r} in {self.path!r} does not match its digest: {FIX_DAMAGED}.")
        return json.loads(found[0])

    def notes(self):
        """A dict-like view of the notes for :class:`skal.oracles.RoundContext`: ``get`` and item assignment."""
        return _Notes(self)

    def forget_skipped(self):
        with _transaction(self._conn, self.path):
            self._conn.execute("DELETE FROM skipped")

    def write_round(self, round_, record):
        record = {k: v for k, v in record.items() if k != "queried"}
        text = json.dumps(record, default=lambda v: v.item() if hasattr(v, "item") else str(v))
        with _transaction(self._conn, self.path):
            self._conn.execute(
                "INSERT OR REPLACE INTO rounds (round, record, digest) VALUES (?, ?, ?)",
                (int(round_), text, sha("rounds", int(round_), text)),
            )

    def set_seed(self, seed):
        with _transaction(self._conn, self.path):
            meta = self._set_meta(seed=str(int(seed)))
        self._meta, self.seed = meta, int(seed)

    # ------------------------------------------------------------ reading
    def _read(self):
        """Every table, verified. A damaged journal raises :class:`JournalError` and is closed (lock freed)."""
        with reading(self.path, on_error=self.close):
            return read_contents(self._conn, self.path, self._meta)

    def labels(self):
        """``{row: (round, label)}`` in the order they were written."""
        return {row: (round_, label) for _, row, round_, label, *_ in self._read().labels}

    def rows_from(self, oracle):
        """Rows whose label came from ``oracle`` (e.g. ``"pseudo"``)."""
        return {row for _, row, _, _, source, *_ in self._read().labels if source == oracle}

    def skipped(self):
        return set(self._read().skipped)

    def queries(self):
        return self._read().queries

    def rounds(self):
        return self._read().rounds

    def replay_plan(self):
        """What earlier sessions left here, as a :class:`ReplayPlan` for the round loop (one verified read)."""
        found = self._read()
        return ReplayPlan(
            {row: (round_, label) for _, row, round_, label, *_ in found.labels},
            found.queries,
            found.rounds,
            set(found.skipped),
            {row for _, row, _, _, source, *_ in found.labels if source == "pseudo"},
        )


_NOTES_TABLE = "CREATE TABLE IF NOT EXISTS notes (key TEXT PRIMARY KEY, value TEXT NOT NULL, digest TEXT)"


class _Notes:
    """The journal's notes as the small mapping a RoundContext writes to."""

    def __init__(self, journal):
        self._journal = journal

    def get(self, key, default=None):
        return self._journal.note(key, default)

    def __setitem__(self, key, value):
        self._journal.write_note(key, value)


class _transaction:
    """BEGIN IMMEDIATE … COMMIT; on failure ROLLBACK (the file stays readable) and a JournalError naming the fix."""

    def __init__(self, db, path):
        self.db, self.path = db, path

    def __enter__(self):
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise JournalError(self._message(exc)) from exc

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                self.db.execute("COMMIT")
                return False
            except sqlite3.Error as commit_exc:
                exc = commit_exc
        try:
            self.db.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        if isinstance(exc, sqlite3.Error):
            raise JournalError(self._message(exc)) from exc
        return False

    def _message(self, exc):
        if isinstance(exc, sqlite3.IntegrityError):
            return (
                f"the label journal {self.path!r} already holds an answer for one of these rows ({exc}): a row is "
                "labeled once. The oracle answered a row twice; nothing of this write was kept."
            )
        text = str(exc).lower()
        if "malformed" in text or "not a database" in text:
            return sqlite_error(self.path, exc).args[0]
        return (
            f"could not write to the label journal {self.path!r} ({exc}). Nothing of this write was kept; every "
            "earlier answer is in the journal. Free disk space or fix the file's permissions, then call fit again "
            "with the same journal to resume."
        )


def segments(meta):
    """The pool's segments after its first rows: ``[[start, n_rows, sha256], ...]`` (empty for a pool never grown)."""
    return json.loads(meta.get("segments", "[]"))


def check_same_pool(path, meta, pool):
    """Check ``pool`` is the journal's pool, or that pool with rows appended: the new segment then, else None.

    The first ``n_pool`` rows and each recorded segment must have the
    fingerprints the journal recorded; rows past them form a new segment
    ``[start, n_rows, sha256]`` (returned, for the caller to record).
    """
    n_first, recorded = int(meta["n_pool"]), segments(meta)
    spans = [[0, n_first, meta["pool_sha256"]], *recorded]
    n_recorded = n_first + sum(size for _, size, _ in recorded)
    if len(pool) == n_first and not recorded:  # the usual case: the whole pool, hashed once
        if pool.fingerprint() == meta["pool_sha256"]:
            return None
        _another_pool(path, meta, pool, 0, n_first)
    if len(pool) < n_recorded:
        raise JournalError(
            f"the journal {path!r} belongs to another pool, of {n_recorded} rows; the pool given has {len(pool)}: rows "
            "are never taken out of a journaled pool. Pass the whole pool (new rows may be appended at its end), or a "
            "new journal path to start over."
        )
    try:
        for start, size, sha in spans:
            if pool.span(start, start + size).fingerprint() != sha:
                _another_pool(path, meta, pool, start, start + size)
        if len(pool) == n_recorded:
            return None
        return [n_recorded, len(pool) - n_recorded, pool.span(n_recorded, len(pool)).fingerprint()]
    except TypeError as exc:  # a Dataset or pool object cannot say the fingerprint of its first rows
        raise JournalError(f"the journal {path!r} was written for {n_recorded} rows and {exc}") from None


def _another_pool(path, meta, pool, start, stop):
    raise JournalError(
        f"the journal {path!r} belongs to another pool: its rows {start}..{stop - 1} (of {meta['n_pool']} first rows, "
        f"fingerprint {meta['pool_sha256'][:12]}…) differ from the rows given ({len(pool)} rows). Pass the same "
        "pool, in the same row order (new rows may be appended at its end), to resume; or a new journal path to "
        "start over."
    )
