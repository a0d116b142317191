"""A durable label journal: every answer an oracle gives is on disk before the learner uses it.

The journal is one SQLite file (standard library, WAL mode, ``synchronous=FULL``).
Each oracle response is written in its own transaction before the learner
touches it: a batch oracle's answers in one commit, a person's answers one
commit each. A crash (an exception, Ctrl-C, SIGKILL, a power cut) can lose
only an answer the oracle had not yet returned.

Files
-----
``labels.db``
    The journal. After a fit ends (normally or by an exception) it holds every
    answer: :meth:`LabelJournal.close` checkpoints the WAL into it.
``labels.db-wal``, ``labels.db-shm``
    SQLite's write-ahead log and its index, present while a fit runs and after
    a crash (``kill -9``, power cut). Recent answers may live only in the
    ``-wal`` file until the next open folds them in: copy or move it together
    with ``labels.db``, never delete it on its own. (:func:`check_journal`
    and :func:`export_journal` read-only may leave an empty pair behind.)
``labels.db.lock``
    The writer lock (``flock``), naming the pid and host of the fit that holds
    it. One fit writes a journal at a time; a second gets a
    :class:`~skal.exceptions.JournalError` naming the first. The operating
    system frees the lock when its process ends, ``kill -9`` included. The
    file stays (empty) after a fit; delete it only while no fit runs.

Tables (format version 2)
-------------------------
meta(key, value)
    ``format`` = ``"skal-journal"``, ``version`` = ``2``, ``n_pool``,
    ``pool_sha256`` (of the pool's rows as C-ordered bytes, with shape and
    dtype), ``seed`` (the learner's root seed), ``created``, ``labels_head``
    (the hash of the last label row) and ``check`` (a digest of the others).
queries(round, rows, strategy, time, digest)
    The rows chosen for each round, written before the oracle is asked
    (``rows`` is a JSON list of pool indices).
labels(seq, row, round, label, oracle, strategy, seed, time, hash)
    One line per labeled pool row, in the order answers arrived (``seq``);
    ``row`` is unique, so a row is never labeled twice; ``label`` is JSON.
    ``hash`` = SHA-256 of the previous row's hash and this row's columns (the
    first row chains from the pool's size and hash): a hash chain.
skipped(row, round, oracle, time, digest)
    Rows the oracle declined; not asked again unless ``retry_skipped=True``.
rounds(round, record, digest)
    A round's history record (JSON), written once the round is labeled and
    trained: a resume takes finished rounds from here instead of asking again.

``digest`` is the SHA-256 of the row's other columns.

Verification
------------
:meth:`LabelJournal.open` runs SQLite's integrity check and verifies the chain,
``labels_head`` and every digest; each read verifies again. A mismatch
raises :class:`~skal.exceptions.JournalError` naming the first bad label row
(``seq`` and pool row); a damaged file (random bytes, a truncated copy) raises
``JournalError`` too, never a raw ``sqlite3`` or JSON error. The chain is
tamper *evidence* against edits and damage, not a signature: it has no
secret key, so someone who recomputes every hash can rewrite it.

A version-1 journal (skal before the chain) is upgraded in place the first time
a fit opens it: its rows are hashed as found (version 1 kept no hashes to
check them against) and ``version`` becomes 2. :func:`check_journal` reads a
version-1 journal without changing it.
"""

from ._format import pool_fingerprint
from ._journal import LabelJournal
from ._plan import ReplayPlan
from ._tools import check_journal, export_journal

__all__ = ["LabelJournal", "ReplayPlan", "pool_fingerprint", "check_journal", "export_journal"]
