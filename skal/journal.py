"""A durable label journal: every answer an oracle gives is on disk before the learner uses it.

The journal is one SQLite file (standard library, WAL mode, ``synchronous=FULL``).
Each oracle response is written in its own transaction before the learner
touches it: a batch oracle's answers in one commit, a person's answers one
commit each. A crash (an exception, Ctrl-C, SIGKILL, a power cut) can lose
only an answer the oracle had not yet returned.

Tables
------
meta(key, value)
    ``format`` = ``"skal-journal"``, ``version`` = ``1``, ``n_pool``,
    ``pool_sha256`` (of the pool's rows as C-ordered bytes, with shape and
    dtype), ``seed`` (the learner's root seed), ``created``.
queries(round, rows, strategy, time)
    The rows chosen for each round, written before the oracle is asked
    (``rows`` is a JSON list of pool indices).
labels(seq, row, round, label, oracle, strategy, seed, time)
    One line per labeled pool row, in the order answers arrived (``seq``);
    ``row`` is unique, so a row is never labeled twice; ``label`` is JSON.
skipped(row, round, oracle, time)
    Rows the oracle declined; not asked again unless ``retry_skipped=True``.
rounds(round, record)
    A round's history record (JSON), written once the round is labeled and
    trained: a resume takes finished rounds from here instead of asking again.
"""

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .exceptions import JournalError
from .utils._compat import n_rows

__all__ = ["LabelJournal", "ReplayPlan", "pool_fingerprint"]

FORMAT, VERSION = "skal-journal", 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS queries (round INTEGER PRIMARY KEY, rows TEXT NOT NULL, strategy TEXT, time REAL);
CREATE TABLE IF NOT EXISTS labels (
    seq INTEGER PRIMARY KEY, row INTEGER NOT NULL UNIQUE, round INTEGER NOT NULL, label TEXT NOT NULL,
    oracle TEXT, strategy TEXT, seed INTEGER, time REAL NOT NULL);
CREATE TABLE IF NOT EXISTS skipped (row INTEGER PRIMARY KEY, round INTEGER NOT NULL, oracle TEXT, time REAL);
CREATE TABLE IF NOT EXISTS rounds (round INTEGER PRIMARY KEY, record TEXT NOT NULL);
"""


def pool_fingerprint(X):
    """SHA-256 of the pool: its shape, types and values (hashed in blocks, no full copy).

    Arrays hash their rows as C-ordered bytes with shape and dtype; a sparse
    matrix its format, shape and CSR arrays; a DataFrame its column names,
    dtypes and each column's values; a list of texts or objects their text.
    """
    if sp.issparse(X):
        csr = sp.csr_matrix(X)
        h = hashlib.sha256(f"sparse|{csr.shape}|{csr.dtype.str}".encode())
        for part in (csr.indptr, csr.indices, csr.data):
            h.update(np.ascontiguousarray(part).tobytes())
        return h.hexdigest()
    if hasattr(X, "columns") and hasattr(X, "dtypes"):  # a pandas DataFrame
        h = hashlib.sha256(f"frame|{X.shape}".encode())
        for name in X.columns:
            h.update(f"{name!r}|{X[name].dtype}".encode())
            h.update(_array_digest(X[name].to_numpy()).encode())
        return h.hexdigest()
    return _array_digest(np.asarray(X) if not isinstance(X, (list, tuple)) else _as_array(X))


def _as_array(values):
    try:
        return np.asarray(values)
    except ValueError:  # ragged objects
        return np.asarray([repr(v) for v in values])


def _array_digest(X):
    h = hashlib.sha256(f"{X.shape}|{X.dtype.str}".encode())
    step = max(1, (1 << 24) // max(1, X[:1].nbytes))
    for start in range(0, len(X), step):
        block = X[start : start + step]
        if X.dtype.kind == "O":  # object memory holds addresses: hash the values' text instead
            h.update(repr(block.tolist()).encode())
        else:
            h.update(np.ascontiguousarray(block).tobytes())
    return h.hexdigest()


def _to_json(value):
    if isinstance(value, np.generic):
        value = value.item()
    return json.dumps(value)


class LabelJournal:
    """The label journal of one pool. Open it with :meth:`open`.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.db")
    >>> X = np.arange(6.0).reshape(3, 2)
    >>> j = LabelJournal.open(path, X, seed=7)
    >>> j.write_labels(0, [2, 0], ["b", "a"], oracle="demo")
    >>> LabelJournal.open(path, X).labels()
    {2: (0, 'b'), 0: (0, 'a')}
    """

    def __init__(self, path, connection, seed):
        self.path = str(path)
        self._db = connection
        self.seed = seed

    # ----------------------------------------------------------- opening
    @classmethod
    def open(cls, path, X, seed=None):
        """Open (or create) the journal at ``path`` for pool ``X``.

        A new journal records the pool's row count and fingerprint and ``seed``.
        An existing one must belong to the same pool, else :class:`JournalError`
        is raised and nothing is written.
        """
        path = Path(path)
        if path.exists() and path.is_dir():
            raise JournalError(f"journal={str(path)!r} is a directory; give a file path such as 'labels.db'.")
        if not path.parent.exists():
            raise JournalError(
                f"the folder of journal={str(path)!r} does not exist; create {str(path.parent)!r} first."
            )
        n_pool, fingerprint = n_rows(X), pool_fingerprint(X)
        try:
            db = sqlite3.connect(str(path), isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall()) if _has_table(db, "meta") else {}
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"cannot open the label journal {str(path)!r}: {exc}. Is it a skal journal?") from exc
        if not meta and db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            db.close()
            raise JournalError(
                f"{str(path)!r} is an SQLite database but not a skal label journal; give a new path for the journal."
            )
        if meta:
            if meta.get("format") != FORMAT:
                db.close()
                raise JournalError(f"{str(path)!r} is not a skal label journal (format {meta.get('format')!r}).")
            if int(meta["n_pool"]) != n_pool or meta["pool_sha256"] != fingerprint:
                db.close()
                raise JournalError(
                    f"the journal {str(path)!r} belongs to another pool ({meta['n_pool']} rows, fingerprint "
                    f"{meta['pool_sha256'][:12]}…) than the one given ({n_pool} rows, {fingerprint[:12]}…). "
                    "Pass the same pool, in the same row order, to resume; or a new journal path to start over."
                )
            return cls(path, db, int(meta["seed"]) if meta.get("seed") not in (None, "") else None)
        with _transaction(db, path):
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)
            db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [
                    ("format", FORMAT),
                    ("version", str(VERSION)),
                    ("n_pool", str(n_pool)),
                    ("pool_sha256", fingerprint),
                    ("seed", "" if seed is None else str(int(seed))),
                    ("created", time.strftime("%Y-%m-%dT%H:%M:%S%z")),
                ],
            )
        return cls(path, db, seed)

    def close(self):
        self._db.close()

    def __getstate__(self):
        raise TypeError("a LabelJournal holds an open database; pickle the learner, not its journal.")

    # ------------------------------------------------------------ writing
    def write_query(self, round_, rows, strategy):
        with _transaction(self._db, self.path):
            self._db.execute(
                "INSERT OR REPLACE INTO queries (round, rows, strategy, time) VALUES (?, ?, ?, ?)",
                (int(round_), json.dumps([int(r) for r in rows]), strategy, time.time()),
            )

    def write_labels(self, round_, rows, labels, oracle=None, strategy=None, seed=None):
        """Store answers in one transaction (one oracle response)."""
        now = time.time()
        with _transaction(self._db, self.path):
            self._db.executemany(
                "INSERT INTO labels (row, round, label, oracle, strategy, seed, time) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(int(r), int(round_), _to_json(lab), oracle, strategy, seed, now) for r, lab in zip(rows, labels)],
            )

    def write_skipped(self, round_, rows, oracle=None):
        now = time.time()
        with _transaction(self._db, self.path):
            self._db.executemany(
                "INSERT OR REPLACE INTO skipped (row, round, oracle, time) VALUES (?, ?, ?, ?)",
                [(int(r), int(round_), oracle, now) for r in rows],
            )

    def forget_skipped(self):
        with _transaction(self._db, self.path):
            self._db.execute("DELETE FROM skipped")

    def write_round(self, round_, record):
        record = {k: v for k, v in record.items() if k != "queried"}
        with _transaction(self._db, self.path):
            self._db.execute(
                "INSERT OR REPLACE INTO rounds (round, record) VALUES (?, ?)",
                (int(round_), json.dumps(record, default=lambda v: v.item() if hasattr(v, "item") else str(v))),
            )

    def set_seed(self, seed):
        with _transaction(self._db, self.path):
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('seed', ?)", (str(int(seed)),))
        self.seed = int(seed)

    # ------------------------------------------------------------ reading
    def labels(self):
        """``{row: (round, label)}`` in the order they were written."""
        return {
            row: (round_, json.loads(label))
            for row, round_, label in self._db.execute("SELECT row, round, label FROM labels ORDER BY seq")
        }

    def rows_from(self, oracle):
        """Rows whose label came from ``oracle`` (e.g. ``"pseudo"``)."""
        return {row for (row,) in self._db.execute("SELECT row FROM labels WHERE oracle = ?", (oracle,))}

    def skipped(self):
        return {row for (row,) in self._db.execute("SELECT row FROM skipped")}

    def queries(self):
        return {r: json.loads(rows) for r, rows in self._db.execute("SELECT round, rows FROM queries")}

    def rounds(self):
        return {r: json.loads(rec) for r, rec in self._db.execute("SELECT round, record FROM rounds")}

    def replay_plan(self):
        """What earlier sessions left here, as a :class:`ReplayPlan` for the round loop."""
        return ReplayPlan(self.labels(), self.queries(), self.rounds(), self.skipped(), self.rows_from("pseudo"))


@dataclass
class ReplayPlan:
    """An earlier session's queries, answers and finished rounds, to replay without the oracle.

    A resumed run asks the plan, round by round, for the query it made before
    (:meth:`query`), the answers it already holds (:meth:`answers`) and whether
    a finished round's model can be left untrained (:meth:`skips_training`).
    An empty plan (no journal, or a new one) replays nothing.

    Examples
    --------
    >>> plan = ReplayPlan(labels={4: (0, "cat")}, queries={0: [4, 7]})
    >>> plan.query(0).tolist(), plan.answers([4, 7]), plan.query(1)
    ([4, 7], {4: 'cat'}, None)
    """

    labels: dict = field(default_factory=dict)  # row -> (round, label), in the order written
    queries: dict = field(default_factory=dict)  # round -> rows
    rounds: dict = field(default_factory=dict)  # round -> its finished history record
    skipped: set = field(default_factory=set)
    pseudo: set = field(default_factory=set)  # rows whose label is a pseudo-label

    def query(self, round_):
        """The rows this round queried before, or None for a round not journaled."""
        rows = self.queries.get(round_)
        return None if rows is None else np.asarray(rows, dtype=np.intp)

    def answers(self, rows):
        """``{row: label}`` for the rows of ``rows`` that were answered before."""
        return {int(r): self.labels[int(r)][1] for r in rows if int(r) in self.labels}

    def initial_rows(self):
        """Sorted rows labeled in round 0."""
        return sorted(row for row, (round_, _) in self.labels.items() if round_ == 0)

    def finished(self, round_):
        """The history record of a round finished in an earlier session, else None."""
        return self.rounds.get(round_)

    def skips_training(self, round_, warm_start):
        """True when a finished round's model is not needed: the next query is journaled too."""
        return self.finished(round_) is not None and not warm_start and (round_ + 1) in self.queries


def _has_table(db, name):
    return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


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
        return (
            f"could not write to the label journal {self.path!r} ({exc}). Nothing of this write was kept; every "
            "earlier answer is in the journal. Free disk space or fix the file's permissions, then call fit again "
            "with the same journal to resume."
        )
