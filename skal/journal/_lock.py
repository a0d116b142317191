"""One writer per journal: an OS advisory lock on ``<journal>.lock`` that names its holder.

The lock is ``flock(LOCK_EX | LOCK_NB)`` (``msvcrt.locking`` on Windows) on a
sidecar file that also records the holder's pid, host and start time. The
operating system releases it when the holder's file descriptor closes: at
:meth:`WriterLock.release`, when the journal object is garbage-collected, and
when the process ends in any way (``kill -9`` included), so a dead process
never blocks a journal. The file itself stays (its content is cleared on
release); deleting it while no fit runs is harmless, deleting it while one
runs lets a second writer in.

Within one process a second lock on the same file is refused too (the
registry below), with a message about this process rather than another.
"""

import errno
import json
import os
import socket
import threading
import time
import weakref

from ..exceptions import JournalError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

_HELD = weakref.WeakValueDictionary()  # realpath of a journal -> its WriterLock, in this process
_HELD_LOCK = threading.Lock()
_WINDOWS_OFFSET = 1 << 20  # msvcrt locks bytes: lock one far past the holder's note, which stays readable


def lock_path(path):
    return f"{path}.lock"


def holder(path):
    """``{pid, host, since}`` as written by the process that last took the lock on ``path`` (``{}`` if none)."""
    try:
        with open(lock_path(path), encoding="utf-8") as f:
            text = f.read(4096)
        note = json.loads(text) if text.strip() else {}
        return note if isinstance(note, dict) else {}
    except (OSError, ValueError):
        return {}


def describe(note):
    if not note:
        return "a process that has not written its pid yet"
    return f"pid {note.get('pid')} on host {note.get('host')!r}, since {note.get('since')}"


class WriterLock:
    """The writer lock of one journal. Take it with :meth:`acquire`; it ends with :meth:`release`.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "labels.db")
    >>> lock = WriterLock.acquire(path)
    >>> holder(path)["pid"] == os.getpid()
    True
    >>> WriterLock.acquire(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skal.exceptions.JournalError: the label journal ... is already open in this process ...
    >>> lock.release()
    >>> WriterLock.acquire(path).release()
    """

    def __init__(self, path, key, fd):
        self.path, self._key, self._fd = path, key, fd

    @classmethod
    def acquire(cls, path):
        path = str(path)
        key = os.path.realpath(path)
        with _HELD_LOCK:
            if _HELD.get(key) is not None:
                raise JournalError(
                    f"the label journal {path!r} is already open in this process (a fit still running, in another "
                    "thread or from a callback, or a LabelJournal not closed): one writer at a time. Close it "
                    "first (LabelJournal.close(), or let that fit end)."
                )
            name = lock_path(path)
            try:
                fd = os.open(name, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise JournalError(
                    f"cannot create the lock file {name!r} of the label journal ({exc}); the journal's folder must "
                    "be writable (the lock file, and SQLite's -wal and -shm files, live next to the journal)."
                ) from exc
            try:
                _lock(fd)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK, getattr(errno, "EDEADLK", -1)):
                    raise JournalError(cls._busy_message(path)) from exc
                raise JournalError(
                    f"cannot lock {name!r} for the label journal ({exc}); this file system may not support locks. "
                    "Put the journal on a local disk."
                ) from exc
            note = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
            try:
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, json.dumps(note).encode())
            except OSError:
                pass  # the note only helps the message another opener sees
            lock = cls(path, key, fd)
            _HELD[key] = lock
            return lock

    @staticmethod
    def _busy_message(path):
        note = {}
        for _ in range(20):  # the holder writes its note just after it takes the lock
            note = holder(path)
            if note:
                break
            time.sleep(0.01)
        name = lock_path(path)
        return (
            f"the label journal {path!r} is in use by another process ({describe(note)}): one fit writes a journal "
            "at a time. Wait for it to finish, or if that process is gone, end whatever still holds "
            f"{name!r} open (`fuser -v {name}` or `lsof {name}` lists it; a child process it forked can keep it); "
            "the operating system frees the lock when its last holder exits, even after kill -9. Then call fit "
            "again with the same journal."
        )

    @property
    def held(self):
        return self._fd is not None

    def release(self):
        """Clear the holder's note and free the lock (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with _HELD_LOCK:
            if _HELD.get(self._key) is self:
                del _HELD[self._key]
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        try:
            _unlock(fd)
        except OSError:
            pass
        os.close(fd)  # closing frees the lock anyway

    def __del__(self):  # a journal dropped without close(): clear the note, and closing the descriptor unlocks
        if getattr(self, "_fd", None) is not None:
            try:
                os.ftruncate(self._fd, 0)
                os.close(self._fd)
            except OSError:
                pass


def _lock(fd):
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:  # pragma: no cover - Windows
        os.lseek(fd, _WINDOWS_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)


def _unlock(fd):
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:  # pragma: no cover - Windows
        os.lseek(fd, _WINDOWS_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
