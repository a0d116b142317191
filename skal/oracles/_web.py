"""A person at a web page: :class:`WebOracle` serves the queried rows on localhost, one at a time.

The page (``GET /?token=…``, one HTML file with inline CSS and JavaScript, no
asset from elsewhere) shows the row, the model's guess, the classes with their
keys, skip, undo, stop and the progress. Behind it sits a JSON API that
scripts and tests can drive as well. Every call needs the session's token, as
the query parameter ``token`` or the header ``X-Skal-Token``: without it the
answer is 401, with a wrong one 403.

API
---
``GET /api/next``
    The state of the session::

        {"state": "question" | "waiting" | "stopped",
         "round": 3,               # the learner's round (a count outside a learner); between rounds the last
         "classes": ["0", "1"],    # the options, as the page shows them and answer takes them
         "keys": ["1", "2"],       # the keys of the first ten classes (see class_keys)
         "budget": {"used": 41, "total": 100} or null,   # labels used of the fit's budget, when it has one
         # only with "state": "question":
         "row": 1234,              # the pool index
         "position": 2, "n": 10,   # position in the round's batch, rows in the batch
         "answered": 2,            # answers standing in this round (labels and skips)
         "can_undo": true,
         "kind": "image" | "text" | "table" | "html",
         "image": "data:image/png;base64,…",   # with kind image
         "text": "…",                           # with kind text
         "table": [["age", "41"], …],           # with kind table
         "html": "…",                           # with kind html (render= returned an object with __html__)
         "guess": {"label": "1", "confidence": 0.87} or null}

    ``waiting``: no round is being labeled (the model trains between rounds,
    or the fit has not started); ``stopped``: the person stopped.
``POST /api/answer`` with ``{"row": i, "label": c}``
    Labels the current row ``i`` (``c`` as in ``classes``). The answer is
    returned once the learner has journaled it: the new state, with
    ``"saved": true``.
``POST /api/skip`` with ``{"row": i}``
    No label for row ``i``; it is not asked again.
``POST /api/undo`` (optionally ``{"row": i}``)
    Takes back the last answer standing in this round (with ``row``, only if
    it is the answer for row ``i``); that row is asked again.
``POST /api/stop``
    Ends the session: the learner trains on what it has and ``fit`` returns.

Errors are JSON ``{"error": "…"}``: 400 for a malformed body (not JSON, no
``row``, an unknown label), 401 / 403 for a missing / wrong token, 404 for an
unknown path, 409 for an answer that is not for the row asked now (a row not
in this round, one answered already, e.g. from a second tab, or no round
being labeled), 413 for a body over 64 KiB.
"""

import base64
import hmac
import html
import json
import queue
import secrets
import struct
import sys
import threading
import zlib
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit

import numpy as np
from scipy import sparse

from ._base import SKIP, STOP, UNDO, Oracle, row_at

__all__ = ["WebOracle", "class_keys", "png_bytes", "row_view"]

_MAX_BODY = 64 * 1024
_SAVE_TIMEOUT = 60.0  # seconds an answer's response waits for the learner to journal it
_KEYS = "1234567890"
_EXAMPLE = '{"row": 12, "label": "3"}'


def _to_uint8(img):
    """An image array scaled to 0–255 (its own min to max); NaN is black."""
    img = np.nan_to_num(np.asarray(img, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = float(img.min()), float(img.max())
    scaled = np.zeros_like(img) if hi == lo else (img - lo) / (hi - lo) * 255.0
    return np.round(scaled).astype(np.uint8)


def _as_image(array):
    """A 2-D gray or ``H × W × 3`` array from an image row (``C × H × W`` and ``H × W × 1`` included)."""
    img = np.asarray(array)
    if img.ndim == 3 and img.shape[0] in (1, 3, 4) and img.shape[-1] not in (1, 3, 4):
        img = np.moveaxis(img, 0, -1)
    if img.ndim == 3 and img.shape[-1] == 4:
        img = img[..., :3]
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if img.ndim == 3 and img.shape[-1] != 3:
        img = img.mean(axis=-1)
    while img.ndim > 3:
        img = img.mean(axis=0)
    return img


def png_bytes(image, min_size=256):
    """A PNG file of an image array: gray 2-D or RGB ``H × W × 3``, scaled to 0–255 and enlarged.

    Standard library only (``zlib`` and ``struct``). The image is enlarged by
    an integer factor (nearest neighbour) until its longer side is at least
    ``min_size`` pixels, so an 8 × 8 digit is visible.

    Examples
    --------
    >>> data = png_bytes(np.eye(8), min_size=64)
    >>> data[:8], struct.unpack(">II", data[16:24])
    (b'\\x89PNG\\r\\n\\x1a\\n', (64, 64))
    """
    pixels = _to_uint8(_as_image(image))
    h, w = pixels.shape[:2]
    factor = max(1, -(-min_size // max(h, w, 1)))
    pixels = np.repeat(np.repeat(pixels, factor, axis=0), factor, axis=1)
    h, w = pixels.shape[:2]
    color = 0 if pixels.ndim == 2 else 2  # gray or RGB, 8 bits each
    raw = b"".join(b"\x00" + line.tobytes() for line in pixels)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(raw, 6))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def _cell(value):
    if isinstance(value, (float, np.floating)):
        return f"{value:.4g}"
    return str(value.item() if isinstance(value, np.generic) else value)


def _table(names, values):
    return {"kind": "table", "table": [[str(n), _cell(v)] for n, v in zip(names, values)]}


def row_view(row, feature_names=None):
    """How the page shows one row: a dict with ``kind`` and its ``image``, ``text``, ``table`` or ``html``.

    An array of two or more dimensions is an image (a PNG data URI); PNG bytes
    are shown as they are; a text is text; a 1-D array, a pandas row, a sparse
    row (its non-zero entries), a dict or a list of ``(name, value)`` pairs is
    a table; an object with ``__html__`` (already safe HTML, e.g. from a
    ``render=`` callable) is shown in a sandboxed frame; anything else as its
    ``str``. Text is never interpreted as HTML: the page inserts it as text.

    Examples
    --------
    >>> row_view("<b>a review</b>")
    {'kind': 'text', 'text': '<b>a review</b>'}
    >>> row_view(np.array([41.0, 5.5]), ["age", "income"])
    {'kind': 'table', 'table': [['age', '41'], ['income', '5.5']]}
    >>> row_view({"city": "Oslo"})
    {'kind': 'table', 'table': [['city', 'Oslo']]}
    >>> row_view(np.zeros((8, 8)))["image"][:22]
    'data:image/png;base64,'
    """
    if hasattr(row, "__html__"):
        return {"kind": "html", "html": str(row.__html__())}
    if isinstance(row, bytes) and row.startswith(b"\x89PNG"):
        return {"kind": "image", "image": "data:image/png;base64," + base64.b64encode(row).decode()}
    if isinstance(row, (str, bytes)):
        return {"kind": "text", "text": row.decode(errors="replace") if isinstance(row, bytes) else row}
    if sparse.issparse(row):
        row = sparse.csr_matrix(row.reshape(1, -1))
        names = [f"x{j}" if feature_names is None else feature_names[j] for j in row.indices]
        return _table(names, row.data)
    if hasattr(row, "iloc"):  # pandas: a Series or a one-row DataFrame
        series = row.iloc[0] if getattr(row, "ndim", 1) == 2 else row
        return _table(series.index if feature_names is None else feature_names, series.tolist())
    if isinstance(row, dict):
        return _table(row.keys(), row.values())
    if isinstance(row, (list, tuple)) and row and all(isinstance(p, (list, tuple)) and len(p) == 2 for p in row):
        return _table([p[0] for p in row], [p[1] for p in row])
    if isinstance(row, (np.ndarray, list, tuple)) and np.asarray(row).dtype.kind in "biuf":
        array = np.asarray(row)
        if array.ndim >= 2:
            return {"kind": "image", "image": "data:image/png;base64," + base64.b64encode(png_bytes(array)).decode()}
        names = feature_names if feature_names is not None else [f"x{j}" for j in range(array.size)]
        return _table(names, array.ravel())
    return {"kind": "text", "text": str(row)}


def class_keys(names):
    """The key of each class: its own name when every class is one digit, else ``1`` … ``9``, ``0`` by position.

    Only the first ten classes get a key; the others are chosen with their buttons.

    Examples
    --------
    >>> class_keys(["0", "1", "2"]), class_keys(["cat", "dog"])
    (['0', '1', '2'], ['1', '2'])
    >>> len(class_keys([f"c{k}" for k in range(12)]))
    10
    """
    if len(names) <= 10 and all(len(n) == 1 and n in _KEYS for n in names):
        return list(names)
    return list(_KEYS[: len(names)])


class _Refused(Exception):
    """A request the session refuses: an HTTP status and a message for the person or script."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class _Event:
    """One answer handed from an HTTP thread to the learner's thread; ``saved`` tells the sender how it went."""

    def __init__(self, position, answer, last=False):
        self.position, self.answer, self.last = position, answer, last
        self.saved = None
        self.done = threading.Event()

    def settle(self, saved):
        self.saved = saved
        self.done.set()


class _Round:
    """The rows of one stream and the answers standing, in the order given (the undo stack)."""

    def __init__(self, number, indices, X_rows, context):
        self.number, self.indices, self.X_rows, self.context = number, indices, X_rows, context
        self.given = []  # [(position, answer)]: answered positions are 0 … len(given) - 1
        self.events = queue.SimpleQueue()
        self.views = {}
        self.guesses = None

    @property
    def position(self):
        return len(self.given)

    @property
    def complete(self):
        return len(self.given) == len(self.indices)

    def n_labels(self):
        return sum(answer is not SKIP for _, answer in self.given)


class WebOracle(Oracle):
    """A person at a web page on localhost: each queried row is shown, the answer is a key press or a click.

    ``learner.fit(X, WebOracle(classes), journal="labels.db")`` serves the page
    for the whole fit and prints its URL. The page shows the round's rows one
    at a time (an image row as a picture, a text as text, a table row as a
    table, or what ``render`` makes of it), the model's guess and confidence
    once there is a model, and the progress: answered in this round, labels
    used of the budget. Keys: ``1`` … ``9``, ``0`` for the first ten classes
    (a class named by one digit is its own key: ``3`` is the class ``3``),
    ``s`` skip, ``u`` or Backspace undo the last answer of the round, Escape
    stop for now. Each answer is journaled as soon as it is given; a reload
    of the page shows the same row, and running the same ``fit`` again
    resumes from the journal. The last answer of a round ends the round (the
    model trains), so it cannot be undone on the page. The JSON API behind the
    page is documented in :mod:`skal.oracles._web`.

    Parameters
    ----------
    classes : array-like
        The options (required): each is shown by its ``str``, which must be unique.
    host : str, default "127.0.0.1"
        The address to listen on. Keep the default unless the page must be
        reached from another machine: anyone with the URL (and its token) can label.
    port : int, default 0
        The port; 0 picks a free one.
    render : callable, optional
        ``render(row) -> shown``: what to show for a row (as
        :func:`~skal.oracles._base.row_at` gives it) instead of the row itself:
        an array (an image when 2-D or more), a text, PNG bytes, a dict or list
        of ``(name, value)`` pairs (a table), or an object with ``__html__``
        (HTML you trust, shown in a sandboxed frame without scripts).
    feature_names : list of str, optional
        Names of a table row's columns (default the DataFrame's, else ``x0, x1, …``).
    output : file, optional
        Where the URL is printed (default ``sys.stdout``).

    Attributes
    ----------
    url : str or None
        The page's address with its token, once serving.
    token : str
        The session's secret, required by every request.

    Examples
    --------
    A script can answer through the API what a person answers on the page:

    >>> import io, json, threading, time, urllib.request
    >>> oracle = WebOracle(classes=["cat", "dog"], output=io.StringIO())
    >>> oracle.open()
    >>> def post(path, body):
    ...     req = urllib.request.Request(oracle.url.replace("/?", path + "?"), json.dumps(body).encode(), method="POST")
    ...     return json.load(urllib.request.urlopen(req))
    >>> def person():
    ...     for row, label in [(7, "dog"), (9, "cat")]:
    ...         while json.load(urllib.request.urlopen(oracle.url.replace("/?", "/api/next?"))).get("row") != row:
    ...             time.sleep(0.01)
    ...         post("/api/answer", {"row": row, "label": label})
    >>> threading.Thread(target=person).start()
    >>> oracle.label([7, 9], ["a dog", "a cat"]).tolist()
    ['dog', 'cat']
    >>> oracle.close()
    """

    _takes_context = True

    def __init__(self, classes, host="127.0.0.1", port=0, render=None, feature_names=None, output=None):
        super().__init__()
        self.classes = np.asarray(classes)
        self.host, self.port, self.render = host, port, render
        self.feature_names, self.output = feature_names, output
        self.names = [str(c) for c in self.classes.tolist()]
        if self.classes.ndim != 1 or not self.names or len(set(self.names)) != len(self.names):
            raise ValueError(f"classes must be a non-empty list of options with distinct names; got {self.names!r}.")
        self.keys = class_keys(self.names)
        self.token = secrets.token_urlsafe(24)
        self.url = None
        self._server = self._thread = None
        self._lock = threading.Lock()
        self._round = self._last = None
        self._phase, self._stop_asked, self._rounds = "waiting", False, 0

    # ------------------------------------------------------------------ lifetime
    def open(self):
        """Start serving the page (in a daemon thread) and print its URL; a no-op when serving."""
        if self._server is not None:
            return
        with self._lock:
            self._phase, self._stop_asked, self._round, self._last = "waiting", False, None, None
        server = _Server((self.host, self.port), _Handler)
        server.oracle = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="skal-web-oracle", daemon=True)
        self._thread.start()
        host, port = server.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        self.url = f"http://{host}:{port}/?token={self.token}"
        print(f"Label the queried rows at {self.url}", file=self.output or sys.stdout, flush=True)

    def close(self):
        """Stop serving; answers waiting for the learner are released. A no-op when not serving."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        self._thread.join()
        self.url = self._thread = None

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc):
        self.close()

    def __getstate__(self):  # a lock and a server do not travel: a copy starts closed
        state = self.__dict__.copy()
        state.update(_lock=None, _server=None, _thread=None, _round=None, _last=None, url=None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ the learner's side
    def _stream(self, indices, X_rows, context=None):
        self.open()  # outside a learner nobody else does
        guesses = self._guesses(context, len(indices))  # the model's pass, before the page can ask
        with self._lock:
            number = self._rounds if context is None else context.round
            self._rounds += 1
            rnd = _Round(number, indices, X_rows, context)
            rnd.guesses = guesses
            stop_asked, self._stop_asked = self._stop_asked, False
            self._round, self._last, self._phase = rnd, rnd, ("stopped" if stop_asked else "question")
        if stop_asked:  # "stop for now" while the model trained
            yield np.array([0]), [STOP]
            return
        pending = None
        try:
            while True:
                pending = _next_event(rnd.events)
                yield np.array([pending.position]), [pending.answer]
                event, pending = pending, None
                event.settle(True)  # resumed: the learner has journaled it
                if event.last or event.answer is STOP:
                    return
        finally:
            with self._lock:
                if self._round is rnd:
                    self._round = None
                    self._phase = "stopped" if self._phase == "stopped" else "waiting"
            if pending is not None:  # closed at a STOP (nothing to journal) or by an error in the learner
                pending.settle(pending.answer is STOP)
            while not rnd.events.empty():
                rnd.events.get().settle(False)

    def _guesses(self, context, n):
        """Per row ``(label name, confidence)`` from the context's probabilities, or None without a model."""
        proba = None if context is None else context.proba()
        if proba is None or context.classes is None:
            return None
        proba = np.asarray(proba, dtype=float)
        if proba.shape != (n, len(context.classes)):
            return None
        top = proba.argmax(axis=1)
        return [(str(np.asarray(context.classes)[k].item()), float(p[k])) for k, p in zip(top, proba)]

    # ------------------------------------------------------------------ the page's side (HTTP threads)
    def state(self):
        """The JSON-ready state ``GET /api/next`` returns (see the module docstring)."""
        with self._lock:
            return self._state()

    def _state(self):
        rnd, phase = self._round, self._phase
        shown = rnd if rnd is not None else self._last  # between rounds: the round just labeled
        state = {
            "state": phase,
            "round": None if shown is None else shown.number,
            "classes": self.names,
            "keys": self.keys,
            "budget": self._budget(shown),
        }
        if phase != "question" or rnd is None or rnd.complete:
            state["state"] = "stopped" if phase == "stopped" else "waiting"
            return state
        k = rnd.position
        if k not in rnd.views:
            row = row_at(rnd.X_rows, k)
            rnd.views[k] = row_view(row if self.render is None else self.render(row), self.feature_names)
        guess = None if rnd.guesses is None else dict(zip(("label", "confidence"), rnd.guesses[k]))
        state.update(row=int(rnd.indices[k]), position=k, n=len(rnd.indices), answered=k, can_undo=k > 0)
        state.update(rnd.views[k], guess=guess)
        return state

    def _budget(self, rnd):
        context = None if rnd is None else rnd.context
        if context is None or context.budget is None:
            return None
        return {"used": int(context.n_paid + rnd.n_labels()), "total": int(context.budget)}

    def submit(self, action, body):
        """Apply ``action`` (answer, skip, undo, stop) from a request body; the event to wait for, or None."""
        with self._lock:
            rnd = self._round
            if action == "stop":
                return self._stop(rnd)
            if self._phase != "question" or rnd is None or rnd.complete:
                raise _Refused(HTTPStatus.CONFLICT, f"no row is being asked now (the session is {self._phase}).")
            if action == "undo":
                return self._undo(rnd, body)
            position = self._check_row(rnd, body)
            answer = SKIP if action == "skip" else self._label(body)
            rnd.given.append((position, answer))
            event = _Event(position, answer, last=rnd.complete)
            rnd.events.put(event)
            return event

    def _stop(self, rnd):
        if self._phase == "stopped":
            return None
        self._phase = "stopped"
        if rnd is None or rnd.complete:  # between rounds: the next round stops at once
            self._stop_asked = True
            return None
        event = _Event(rnd.position, STOP)
        rnd.events.put(event)
        return event

    def _undo(self, rnd, body):
        if not rnd.given:
            raise _Refused(HTTPStatus.CONFLICT, "there is no answer in this round to undo.")
        position, _ = rnd.given[-1]
        if "row" in body and _row_of(body) != int(rnd.indices[position]):
            raise _Refused(
                HTTPStatus.CONFLICT, f"the last answer is for row {int(rnd.indices[position])}, not {body['row']}."
            )
        rnd.given.pop()
        event = _Event(position, UNDO)
        rnd.events.put(event)
        return event

    def _check_row(self, rnd, body):
        row, k = _row_of(body), rnd.position
        if row != int(rnd.indices[k]):
            asked = set(np.asarray(rnd.indices).tolist())
            why = "was answered already" if row in asked else "is not asked in this round"
            raise _Refused(HTTPStatus.CONFLICT, f"row {row} {why}; the row asked now is {int(rnd.indices[k])}.")
        return k

    def _label(self, body):
        label = body.get("label")
        if isinstance(label, bool) or not isinstance(label, (str, int, float)) or str(label) not in self.names:
            raise _Refused(HTTPStatus.BAD_REQUEST, f"label must be one of {self.names[:20]}; got {label!r}.")
        return self.classes[self.names.index(str(label))]

    def page(self, nonce):
        """The labeling page's HTML, with the CSP nonce of its inline script and style."""
        text = resources.files(__package__).joinpath("_web_page.html").read_text(encoding="utf-8")
        return text.replace("{{nonce}}", nonce).replace("{{title}}", html.escape(f"skal · {', '.join(self.names)}"))


def _next_event(events):
    """The next answer from the page; a timed wait, so that Ctrl-C reaches the learner's thread."""
    while True:
        try:
            return events.get(timeout=0.2)
        except queue.Empty:
            pass


def _row_of(body):
    row = body.get("row")
    if isinstance(row, bool) or not isinstance(row, int):
        raise _Refused(HTTPStatus.BAD_REQUEST, f'the body needs "row": the pool index asked (an integer); got {row!r}.')
    return row


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    oracle = None


class _Handler(BaseHTTPRequestHandler):
    """One request: the token checked, then the page, the state or an action."""

    server_version = "skal-web-oracle"

    def log_message(self, format, *args):  # a person labels in the page, not in the log
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def _handle(self, method):
        url = urlsplit(self.path)
        try:
            self._check_token(url)
            if method == "GET" and url.path == "/":
                return self._send_page()
            if method == "GET" and url.path == "/api/next":
                return self._send_json(HTTPStatus.OK, self.server.oracle.state())
            action = url.path.removeprefix("/api/")
            if url.path.startswith("/api/") and action in ("answer", "skip", "undo", "stop"):
                if method != "POST":
                    raise _Refused(HTTPStatus.METHOD_NOT_ALLOWED, f"{url.path} takes POST.")
                return self._act(action)
            raise _Refused(HTTPStatus.NOT_FOUND, f"no such page: {url.path}")
        except _Refused as refused:
            extra = self.server.oracle.state() if refused.status == HTTPStatus.CONFLICT else {}
            self._send_json(refused.status, {**extra, "error": str(refused)})
        except Exception as exc:  # e.g. a render= callable that fails: the page shows why
            self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"{type(exc).__name__}: {exc}"})

    def _check_token(self, url):
        given = self.headers.get("X-Skal-Token") or (parse_qs(url.query).get("token") or [None])[0]
        if not given:
            raise _Refused(HTTPStatus.UNAUTHORIZED, "a token is needed: open the URL the labeling process printed.")
        if not hmac.compare_digest(given.encode(), self.server.oracle.token.encode()):
            raise _Refused(HTTPStatus.FORBIDDEN, "wrong token: open the URL the labeling process printed.")

    def _act(self, action):
        event = self.server.oracle.submit(action, self._body(required=action in ("answer", "skip")))
        saved = True
        if event is not None:
            event.done.wait(_SAVE_TIMEOUT)
            saved = bool(event.saved)
        if event is not None and event.saved is False:
            raise _Refused(HTTPStatus.INTERNAL_SERVER_ERROR, "the learner did not accept this answer; see its console.")
        self._send_json(HTTPStatus.OK, {**self.server.oracle.state(), "saved": saved})

    def _body(self, required):
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise _Refused(HTTPStatus.BAD_REQUEST, "Content-Length is not a number.") from None
        if length > _MAX_BODY:
            raise _Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the body is over {_MAX_BODY} bytes.")
        raw = self.rfile.read(length) if length > 0 else b""
        if not raw.strip() and not required:
            return {}
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise _Refused(HTTPStatus.BAD_REQUEST, f"the body is not JSON; send e.g. {_EXAMPLE}.") from None
        if not isinstance(body, dict):
            raise _Refused(HTTPStatus.BAD_REQUEST, f"the body must be a JSON object, e.g. {_EXAMPLE}.")
        return body

    def _send_page(self):
        nonce = secrets.token_urlsafe(16)
        csp = (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src data:; "
            "connect-src 'self'; frame-src 'self' about:; base-uri 'none'; form-action 'none'"
        )
        self._send(HTTPStatus.OK, self.server.oracle.page(nonce).encode(), "text/html; charset=utf-8", csp)

    def _send_json(self, status, payload):
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _send(self, status, data, content_type, csp="default-src 'none'"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", csp)
        self.end_headers()
        self.wfile.write(data)
