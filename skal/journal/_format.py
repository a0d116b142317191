"""The journal's file format: schema, pool fingerprint, the label hash chain, and reading a journal back verified."""

import hashlib
import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ..exceptions import JournalError
from ..pools._fingerprint import pool_fingerprint  # noqa: F401  (re-exported: skal.journal.pool_fingerprint)

FORMAT, VERSION = "skal-journal", 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS queries (
    round INTEGER PRIMARY KEY, rows TEXT NOT NULL, strategy TEXT, time REAL, digest TEXT);
CREATE TABLE IF NOT EXISTS labels (
    seq INTEGER PRIMARY KEY, row INTEGER NOT NULL UNIQUE, round INTEGER NOT NULL, label TEXT NOT NULL,
    oracle TEXT, strategy TEXT, seed INTEGER, time REAL NOT NULL, hash TEXT);
CREATE TABLE IF NOT EXISTS skipped (
    row INTEGER PRIMARY KEY, round INTEGER NOT NULL, oracle TEXT, time REAL, digest TEXT);
CREATE TABLE IF NOT EXISTS rounds (round INTEGER PRIMARY KEY, record TEXT NOT NULL, digest TEXT);
"""

META_KEYS = ("format", "version", "n_pool", "pool_sha256", "seed", "created")

FIX_DAMAGED = (
    "restore it from a copy including its -wal file (labels.db and labels.db-wal together), or start a new journal "
    "(another path); export_journal(path, 'labels.csv', verify=False) saves the rows that are still readable"
)


# ------------------------------------------------------------------ hashes
def sha(*values):
    """SHA-256 (hex) of values as a JSON list: the one encoding every hash of the journal uses."""
    return hashlib.sha256(json.dumps(list(values)).encode()).hexdigest()


def chain_start(n_pool, pool_sha256):
    """The hash before the first label row: it ties the chain to the pool."""
    return sha("skal-journal-chain", int(n_pool), pool_sha256)


def label_hash(prev, seq, row, round_, label, oracle, strategy, seed, time_):
    """A label row's hash: the previous row's hash and every column of this one.

    >>> start = chain_start(3, "ab")
    >>> label_hash(start, 1, 2, 0, '"cat"', "demo", None, None, 1.5) == label_hash(start, 1, 2, 0, '"dog"', "demo",
    ...                                                                            None, None, 1.5)
    False
    """
    return sha(prev, seq, row, round_, label, oracle, strategy, seed, time_)


def meta_check(meta):
    """The digest of the meta table (every key but ``check`` itself)."""
    return sha(sorted([k, v] for k, v in meta.items() if k != "check"))


def to_json(value):
    if isinstance(value, np.generic):
        value = value.item()
    return json.dumps(value)


def text_or_none(value):
    return None if value is None else str(value)


# ------------------------------------------------------------------ errors
def damaged(path, detail):
    detail = "".join(c if c.isprintable() else "?" for c in " ".join(str(detail).split()))
    detail = detail if len(detail) <= 200 else detail[:199] + "…"
    return JournalError(f"the label journal {str(path)!r} is damaged ({detail}); {FIX_DAMAGED}.")


@contextmanager
def reading(path, on_error=None):
    """Turn anything a damaged file can raise while it is read into a :class:`JournalError` naming the fix."""
    try:
        yield
    except JournalError:
        if on_error is not None:
            on_error()
        raise
    except sqlite3.Error as exc:
        if on_error is not None:
            on_error()
        raise sqlite_error(path, exc) from exc
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, UnicodeError) as exc:
        if on_error is not None:
            on_error()
        raise damaged(path, f"{type(exc).__name__}: {exc}") from exc


def sqlite_error(path, exc):
    """A JournalError for an SQLite error met while opening or reading ``path``."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return JournalError(
            f"the label journal {str(path)!r} is busy ({exc}): another connection holds it. Try again when the "
            "other program is done with the file."
        )
    if "readonly" in text or "unable to open" in text or "permission" in text or "disk i/o" in text:
        return JournalError(
            f"cannot read or write the label journal {str(path)!r} ({exc}). Check that the file and its folder "
            "exist and are readable and writable (with the -wal and -shm files next to it), and that the disk has "
            "free space; then call fit again with the same journal."
        )
    return damaged(path, f"{type(exc).__name__}: {exc}")


# ------------------------------------------------------------------ reading back, verified
@dataclass
class Contents:
    """A journal read back and verified: meta, label rows (in ``seq`` order), queries, skipped rows, rounds."""

    meta: dict
    labels: list  # (seq, row, round, label, oracle, strategy, seed, time), label decoded
    queries: dict  # round -> [rows]
    skipped: dict  # row -> round
    rounds: dict  # round -> record
    chained: bool  # False for a version-1 journal (no hashes)


def has_table(db, name):
    return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


def read_meta(db, path):
    """The meta table, checked: format, version, pool size and hash, seed, and (version 2) its digest.

    Returns ``{}`` for an empty database; raises :class:`JournalError` for anything else that is not a journal.
    """
    if not has_table(db, "meta"):
        if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise JournalError(
                f"{str(path)!r} is an SQLite database but not a skal label journal; give a new path for the journal."
            )
        return {}
    meta = {}
    for key, value in db.execute("SELECT key, value FROM meta"):
        if not isinstance(key, str) or not isinstance(value, str):
            raise damaged(path, f"meta entry {key!r} is not text")
        meta[key] = value
    if meta.get("format") != FORMAT:
        if set(meta) & {"n_pool", "pool_sha256"}:  # ours, with a damaged format entry
            raise damaged(path, f"meta format is {meta.get('format')!r}")
        raise JournalError(f"{str(path)!r} is not a skal label journal (format {meta.get('format')!r}).")
    missing = [k for k in META_KEYS if k not in meta]
    if missing:
        raise damaged(path, f"meta lacks {', '.join(missing)}")
    version = meta["version"]
    if version not in ("1", str(VERSION)):
        if version.isdigit() and int(version) > VERSION:
            raise JournalError(
                f"the label journal {str(path)!r} has format version {version}, newer than this skal reads "
                f"({VERSION}); upgrade skal to resume it."
            )
        raise damaged(path, f"meta version is {version!r}")
    if version == "1" and {"check", "labels_head"} & set(meta):
        raise damaged(path, "meta says version 1, but the journal has version 2's hashes")
    if version != "1" and meta.get("check") != meta_check(meta):
        raise damaged(path, "the meta table does not match its digest")
    if not meta["n_pool"].isdigit() or len(meta["pool_sha256"]) != 64:
        raise damaged(path, "the pool size or hash in meta is not valid")
    if meta["seed"] and not meta["seed"].removeprefix("-").isdigit():
        raise damaged(path, f"meta seed is {meta['seed']!r}")
    return meta


def read_contents(db, path, meta):
    """Every table of a journal, verified: the label chain (version 2), each row's digest, JSON, pool rows."""
    chained = meta["version"] != "1"
    n_pool = int(meta["n_pool"])
    n_rows = n_pool + sum(size for _, size, _ in json.loads(meta.get("segments", "[]")))  # a grown pool's rows

    def check_row(row, what):
        if not isinstance(row, int) or not 0 <= row < n_rows:
            raise damaged(path, f"{what} names pool row {row!r}, outside the pool of {n_rows} rows")

    def check_digest(digest, what, *values):
        if chained and digest != sha(*values):
            raise damaged(path, f"{what} does not match its digest")

    labels, prev, seen = [], chain_start(n_pool, meta["pool_sha256"]), set()
    extra = ", hash" if chained else ""
    for found in db.execute(
        f"SELECT seq, row, round, label, oracle, strategy, seed, time{extra} FROM labels ORDER BY seq"
    ):
        seq, row, round_, label, oracle, strategy, seed, time_ = found[:8]
        if chained and found[8] != label_hash(prev, seq, row, round_, label, oracle, strategy, seed, time_):
            raise JournalError(
                f"the label journal {str(path)!r} was changed or damaged at label seq {seq!r} (pool row {row!r}): its "
                "hash does not match its content and the rows before it, so this row and every later one cannot be "
                f"trusted. Restore the journal from a copy (with its -wal file), or start a new journal (another "
                f"path); export_journal(path, 'labels.csv', verify=False) saves the rows as they are now."
            )
        if not isinstance(round_, int) or round_ < 0 or not isinstance(seq, int):
            raise damaged(path, f"label seq {seq!r} has round {round_!r}")
        check_row(row, f"label seq {seq}")
        if row in seen:
            raise damaged(path, f"pool row {row} is labeled twice")
        seen.add(row)
        labels.append((seq, row, round_, json.loads(label), oracle, strategy, seed, time_))
        prev = found[8] if chained else None
    if chained and meta.get("labels_head") != prev:
        last = labels[-1][0] if labels else 0
        raise JournalError(
            f"the label journal {str(path)!r} was changed or damaged: its label rows end at seq {last}, but the "
            "chain recorded in meta ends elsewhere (label rows were removed or added by hand). Restore the journal "
            "from a copy (with its -wal file), or start a new journal (another path)."
        )
    extra = ", digest" if chained else ""
    queries = {}
    for found in db.execute(f"SELECT round, rows, strategy, time{extra} FROM queries ORDER BY round"):
        check_digest(found[-1], f"the query of round {found[0]!r}", "queries", *found[:4])
        rows = json.loads(found[1])
        if not isinstance(rows, list):
            raise damaged(path, f"the query of round {found[0]!r} is not a list of rows")
        for row in rows:
            check_row(row, f"the query of round {found[0]!r}")
        queries[found[0]] = rows
    skipped = {}
    for found in db.execute(f"SELECT row, round, oracle, time{extra} FROM skipped ORDER BY row"):
        check_digest(found[-1], f"skipped row {found[0]!r}", "skipped", *found[:4])
        check_row(found[0], "a skipped entry")
        skipped[found[0]] = found[1]
    rounds = {}
    for found in db.execute(f"SELECT round, record{extra} FROM rounds ORDER BY round"):
        check_digest(found[-1], f"the record of round {found[0]!r}", "rounds", *found[:2])
        record = json.loads(found[1])
        if not isinstance(record, dict):
            raise damaged(path, f"the record of round {found[0]!r} is not a JSON object")
        rounds[found[0]] = record
    return Contents(meta, labels, queries, skipped, rounds, chained)


def integrity_check(db, path):
    """SQLite's own check of the file's pages and indexes (catches damage the tables' reads may not touch)."""
    problems = [p for (p,) in db.execute("PRAGMA integrity_check(5)")]
    if problems != ["ok"]:
        raise damaged(path, "; ".join(map(str, problems)))


def upgrade_from_v1(db, meta):
    """Statements and the new meta that make a version-1 journal version 2: hashes over the rows as found.

    A version-1 journal has no hashes, so its rows are trusted as they are when it is upgraded; from then
    on the chain vouches for them.
    """
    db.execute("ALTER TABLE labels ADD COLUMN hash TEXT")
    for table in ("queries", "skipped", "rounds"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN digest TEXT")
    prev = chain_start(int(meta["n_pool"]), meta["pool_sha256"])
    rows = db.execute("SELECT seq, row, round, label, oracle, strategy, seed, time FROM labels ORDER BY seq").fetchall()
    for found in rows:
        prev = label_hash(prev, *found)
        db.execute("UPDATE labels SET hash = ? WHERE seq = ?", (prev, found[0]))
    for table, columns, key in (
        ("queries", "round, rows, strategy, time", "round"),
        ("skipped", "row, round, oracle, time", "row"),
        ("rounds", "round, record", "round"),
    ):
        for found in db.execute(f"SELECT {columns} FROM {table}").fetchall():
            db.execute(f"UPDATE {table} SET digest = ? WHERE {key} = ?", (sha(table, *found), found[0]))
    meta = dict(meta, version=str(VERSION), labels_head=prev)
    meta["check"] = meta_check(meta)
    write_meta(db, meta)
    return meta


def write_meta(db, meta):
    db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(meta.items()))
