"""WebOracle through its JSON API: a real server on port 0, driven with urllib as a page or a script drives it."""

import copy
import io
import json
import sqlite3
import struct
import threading
import time
import urllib.error
import urllib.request
import zlib

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from skal.oracles import SKIP, STOP, UNDO, RoundContext
from skal.oracles._web import WebOracle, png_bytes, row_view

from .conftest import images, learner

CLASSES = ["cat", "dog", "bird"]
TEXTS = ["a <b>cat</b>", "a dog <script>alert(1)</script>", "a bird", "a cat again"]


def call(oracle, path, body=None, token="ok", header=False, raw=None, method=None):
    """``(status, json)`` of one request; ``token`` "ok" is the oracle's, None none, else that text."""
    token = oracle.token if token == "ok" else token
    base = oracle.url.split("?")[0].rstrip("/")
    url = base + path + ("" if token is None or header else f"?token={token}")
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    action = path.startswith(("/api/answer", "/api/skip", "/api/undo", "/api/stop"))
    request = urllib.request.Request(url, data, method=method or ("POST" if action or data is not None else "GET"))
    if header and token is not None:
        request.add_header("X-Skal-Token", token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text.decode()


def wait_for(oracle, state="question", row=None, timeout=30):
    """The state once it is ``state`` (and, with ``row``, asks that row)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        status, got = call(oracle, "/api/next")
        if status == 200 and got["state"] == state and (row is None or got.get("row") == row):
            return got
        time.sleep(0.01)
    raise AssertionError(f"the page never showed {state} {row}; last: {got}")


class Asking:
    """``oracle.stream(...)`` run in a thread, as the learner runs it; ``chunks`` are what it yielded."""

    def __init__(self, oracle, indices, X_rows, context=None):
        self.chunks, self.error = [], None
        self.thread = threading.Thread(target=self._run, args=(oracle, indices, X_rows, context), daemon=True)
        self.thread.start()

    def _run(self, oracle, indices, X_rows, context):
        try:
            for positions, answers in oracle.stream(indices, X_rows, context):
                self.chunks.append((positions.tolist(), list(answers)))
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.error = exc

    def result(self):
        self.thread.join(30)
        assert not self.thread.is_alive() and self.error is None, self.error
        return self.chunks


@pytest.fixture
def oracle():
    web = WebOracle(CLASSES, output=io.StringIO())
    web.open()
    yield web
    web.close()


def test_open_prints_the_url_with_its_token_and_close_stops_serving():
    out = io.StringIO()
    web = WebOracle(CLASSES, output=out)
    assert web.url is None
    with web:
        assert web.url.startswith("http://127.0.0.1:") and f"token={web.token}" in web.url
        assert web.url in out.getvalue()
        url = web.url
        assert call(web, "/api/next")[1]["state"] == "waiting"
    assert web.url is None
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url.replace("/?", "/api/next?"), timeout=5)


@pytest.mark.parametrize("path", ["/", "/api/next"])
def test_every_request_needs_the_token(oracle, path):
    assert call(oracle, path, token=None)[0] == 401
    assert call(oracle, path, token="guess")[0] == 403
    assert call(oracle, path, token="guess", header=True)[0] == 403
    assert call(oracle, path)[0] == 200
    assert call(oracle, path, header=True)[0] == 200


@pytest.mark.parametrize("action", ["answer", "skip", "undo", "stop"])
def test_actions_need_the_token(oracle, action):
    asking = Asking(oracle, [3], TEXTS[:1])
    wait_for(oracle)
    assert call(oracle, f"/api/{action}", {"row": 3, "label": "cat"}, token=None)[0] == 401
    assert call(oracle, f"/api/{action}", {"row": 3, "label": "cat"}, token="x" * 32)[0] == 403
    assert wait_for(oracle)["row"] == 3  # nothing changed
    call(oracle, "/api/stop", {})
    assert asking.result() == [([0], [STOP])]


def test_the_page_is_served_with_a_strict_policy_and_escapes_what_the_server_writes():
    with WebOracle(["<b>x</b>", "y"], output=io.StringIO()) as web:
        request = urllib.request.Request(web.url)
        with urllib.request.urlopen(request, timeout=30) as response:
            page, headers = response.read().decode(), response.headers
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert headers["Content-Security-Policy"].startswith("default-src 'none'; script-src 'nonce-")
    assert headers["Referrer-Policy"] == "no-referrer" and not any(
        sink in page for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write")
    )
    assert "http://" not in page and "https://" not in page  # no asset from elsewhere


def test_answer_skip_undo_and_stop_stream_one_chunk_each(oracle):
    asking = Asking(oracle, [5, 8, 13], TEXTS[:3])
    first = wait_for(oracle)
    assert first | {"text": None} == {
        "state": "question",
        "round": 0,
        "row": 5,
        "position": 0,
        "n": 3,
        "answered": 0,
        "can_undo": False,
        "kind": "text",
        "text": None,
        "classes": CLASSES,
        "keys": ["1", "2", "3"],
        "guess": None,
        "budget": None,
    }
    assert first["text"] == TEXTS[0]  # as it is: the page inserts it as text
    status, after = call(oracle, "/api/answer", {"row": 5, "label": "dog"})
    assert status == 200 and after["saved"] and after["row"] == 8 and after["answered"] == 1
    assert call(oracle, "/api/skip", {"row": 8})[1]["row"] == 13
    status, undone = call(oracle, "/api/undo", {"row": 8})
    assert status == 200 and undone["row"] == 8 and undone["answered"] == 1
    assert call(oracle, "/api/answer", {"row": 8, "label": "bird"})[1]["row"] == 13
    assert call(oracle, "/api/undo", {"row": 5})[0] == 409  # the last answer is row 8's
    assert call(oracle, "/api/undo")[1]["row"] == 8
    assert call(oracle, "/api/undo")[1]["row"] == 5  # undo walks back
    assert call(oracle, "/api/undo")[0] == 409  # nothing left in this round
    call(oracle, "/api/answer", {"row": 5, "label": "cat"})
    status, stopped = call(oracle, "/api/stop")
    assert status == 200 and stopped["state"] == "stopped"
    assert asking.result() == [
        ([0], ["dog"]),
        ([1], [SKIP]),
        ([1], [UNDO]),
        ([1], ["bird"]),
        ([1], [UNDO]),
        ([0], [UNDO]),
        ([0], ["cat"]),
        ([1], [STOP]),
    ]
    assert call(oracle, "/api/next")[1]["state"] == "stopped"


def test_the_last_answer_ends_the_round_and_label_collects_it(oracle):
    got = {}
    thread = threading.Thread(target=lambda: got.update(labels=oracle.label([2, 4], TEXTS[:2])))
    thread.start()
    wait_for(oracle, row=2)
    call(oracle, "/api/answer", {"row": 2, "label": "bird"})
    status, after = call(oracle, "/api/answer", {"row": 4, "label": "cat"})
    thread.join(30)
    assert status == 200 and after["state"] == "waiting" and after["saved"]
    assert got["labels"].tolist() == ["bird", "cat"] and oracle.n_served == 2


@pytest.mark.parametrize(
    "path, body, raw, status",
    [
        ("/api/answer", {"row": 999, "label": "cat"}, None, 409),  # not asked in this round
        ("/api/answer", {"row": 7, "label": "cat"}, None, 409),  # in this round, but not asked yet
        ("/api/skip", {"row": 999}, None, 409),
        ("/api/answer", None, b"{not json", 400),
        ("/api/answer", None, b"\xff\xfe", 400),
        ("/api/answer", None, b"", 400),
        ("/api/answer", [3, "cat"], None, 400),
        ("/api/answer", {"label": "cat"}, None, 400),
        ("/api/answer", {"row": "3", "label": "cat"}, None, 400),
        ("/api/answer", {"row": True, "label": "cat"}, None, 400),
        ("/api/answer", {"row": 3}, None, 400),
        ("/api/answer", {"row": 3, "label": "cow"}, None, 400),
        ("/api/answer", {"row": 3, "label": ["cat"]}, None, 400),
        ("/api/undo", None, b"[]", 400),
        ("/api/undo", {}, None, 409),  # nothing answered yet
        ("/api/answer", None, b" " * (65 * 1024), 413),
        ("/api/nothing", {}, None, 404),
        ("/favicon.ico", None, None, 404),
    ],
)
def test_bad_requests_are_refused_and_change_nothing(oracle, path, body, raw, status):
    asking = Asking(oracle, [3, 7], TEXTS[:2])
    wait_for(oracle, row=3)
    got_status, got = call(oracle, path, body, raw=raw)
    assert got_status == status and got["error"]
    assert wait_for(oracle)["row"] == 3 and wait_for(oracle)["answered"] == 0
    call(oracle, "/api/stop")
    assert asking.result() == [([0], [STOP])]


def test_an_action_is_a_post(oracle):
    assert call(oracle, "/api/answer", method="GET")[0] == 405


def test_answers_are_refused_while_no_round_is_asked(oracle):
    assert call(oracle, "/api/answer", {"row": 0, "label": "cat"})[0] == 409
    assert call(oracle, "/api/skip", {"row": 0})[0] == 409


def test_a_second_tab_sees_the_same_row_and_its_stale_answer_is_refused(oracle):
    asking = Asking(oracle, [10, 11], TEXTS[:2])
    tab_a, tab_b = wait_for(oracle), wait_for(oracle)
    assert tab_a == tab_b
    assert call(oracle, "/api/answer", {"row": tab_a["row"], "label": "cat"})[0] == 200
    status, refused = call(oracle, "/api/answer", {"row": tab_b["row"], "label": "dog"})
    assert status == 409 and "answered already" in refused["error"] and refused["row"] == 11  # what to show now
    call(oracle, "/api/answer", {"row": 11, "label": "dog"})
    assert asking.result() == [([0], ["cat"]), ([1], ["dog"])]


def test_stop_between_rounds_stops_the_next_round_at_once(oracle):
    assert call(oracle, "/api/stop")[1]["state"] == "stopped"
    asking = Asking(oracle, [1, 2], TEXTS[:2])
    assert asking.result() == [([0], [STOP])]


def test_labels_are_taken_by_their_name_and_given_back_as_the_class():
    with WebOracle(range(10), output=io.StringIO()) as web:
        asking = Asking(web, [4, 6], np.zeros((2, 8, 8)))
        state = wait_for(web)
        assert state["classes"] == [str(c) for c in range(10)]
        assert state["keys"] == list("0123456789")  # a class named by one digit is its own key
        call(web, "/api/answer", {"row": 4, "label": "7"})
        call(web, "/api/answer", {"row": 6, "label": 3})
        chunks = asking.result()
    assert chunks == [([0], [7]), ([1], [3])] and isinstance(chunks[0][1][0], np.integer)


def test_guess_confidence_and_budget_come_from_the_context(oracle):
    proba = np.array([[0.1, 0.7, 0.2], [0.6, 0.3, 0.1]])
    context = RoundContext(round=4, classes=np.array(CLASSES), n_paid=30, budget=50, proba=lambda: proba)
    asking = Asking(oracle, [20, 21], TEXTS[:2], context)
    state = wait_for(oracle)
    assert state["round"] == 4 and state["guess"] == {"label": "dog", "confidence": 0.7}
    assert state["budget"] == {"used": 30, "total": 50}
    state = call(oracle, "/api/answer", {"row": 20, "label": "cat"})[1]
    assert state["guess"] == {"label": "cat", "confidence": 0.6} and state["budget"] == {"used": 31, "total": 50}
    state = call(oracle, "/api/skip", {"row": 21})[1]
    assert state["state"] == "waiting" and state["round"] == 4 and state["budget"] == {"used": 31, "total": 50}
    asking.result()


def test_render_shows_what_the_callable_makes_of_a_row():
    with WebOracle(CLASSES, render=lambda row: row.reshape(4, 4), output=io.StringIO()) as web:
        asking = Asking(web, [0], np.arange(16.0).reshape(1, 16))
        state = wait_for(web)
        assert state["kind"] == "image" and state["image"].startswith("data:image/png;base64,")
        call(web, "/api/stop")
        asking.result()


def test_a_failing_render_is_reported_to_the_page_and_the_session_goes_on():
    def render(row):
        raise KeyError("no picture for this row")

    with WebOracle(CLASSES, render=render, output=io.StringIO()) as web:
        asking = Asking(web, [0], ["text"])
        status, got = call(web, "/api/next")
        while status == 200 and got["state"] == "waiting":
            status, got = call(web, "/api/next")
        assert status == 500 and "no picture for this row" in got["error"]
        assert call(web, "/api/stop")[0] == 200
        assert asking.result() == [([0], [STOP])]


class Safe(str):
    def __html__(self):
        return self


@pytest.mark.parametrize(
    "row, names, expected",
    [
        ("<i>text</i>", None, {"kind": "text", "text": "<i>text</i>"}),
        (b"bytes", None, {"kind": "text", "text": "bytes"}),
        (np.array([1.5, 2]), None, {"kind": "table", "table": [["x0", "1.5"], ["x1", "2"]]}),
        ([3, 4], ["a", "b"], {"kind": "table", "table": [["a", "3"], ["b", "4"]]}),
        (
            pd.Series({"age": 41, "city": "<Oslo>"}),
            None,
            {"kind": "table", "table": [["age", "41"], ["city", "<Oslo>"]]},
        ),
        (pd.DataFrame({"age": [7]}), None, {"kind": "table", "table": [["age", "7"]]}),
        (sparse.csr_matrix([[0, 2.5, 0]]), None, {"kind": "table", "table": [["x1", "2.5"]]}),
        ({"a": 1}, None, {"kind": "table", "table": [["a", "1"]]}),
        ([("len", 3), ("word", "hi")], None, {"kind": "table", "table": [["len", "3"], ["word", "hi"]]}),
        (Safe("<em>trusted</em>"), None, {"kind": "html", "html": "<em>trusted</em>"}),
        (None, None, {"kind": "text", "text": "None"}),
    ],
)
def test_row_view(row, names, expected):
    assert row_view(row, names) == expected


def _png_size_and_pixels(data):
    width, height, depth, color = struct.unpack(">IIBB", data[16:26])
    idat = data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8]
    channels = 1 if color == 0 else 3
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, 1 + width * channels)
    assert depth == 8 and (raw[:, 0] == 0).all()
    return (width, height, channels), raw[:, 1:].reshape(height, width, channels)


@pytest.mark.parametrize(
    "image, size",
    [
        (np.arange(64.0).reshape(8, 8), (256, 256, 1)),
        (np.zeros((5, 7, 2)), (259, 185, 1)),  # no channel axis: averaged to gray
        (np.ones((4, 6, 3)), (258, 172, 3)),
        (np.ones((3, 2, 2)), (256, 256, 3)),  # channels first
        (np.ones((2, 2, 1)), (256, 256, 1)),
        (np.full((300, 10), np.nan), (10, 300, 1)),
    ],
)
def test_png_bytes_is_a_valid_enlarged_png(image, size):
    got, pixels = _png_size_and_pixels(png_bytes(image))
    assert got == size


def test_png_bytes_scales_to_the_full_range():
    _, pixels = _png_size_and_pixels(png_bytes(np.array([[0.0, 16.0]]), min_size=2))
    assert pixels[0, :, 0].tolist() == [0, 255]


@pytest.mark.parametrize(
    "classes, keys",
    [
        (range(10), list("0123456789")),
        (["3", "7"], ["3", "7"]),
        (CLASSES, ["1", "2", "3"]),
        (range(12), list("1234567890")),
    ],
)
def test_keys(classes, keys):
    assert WebOracle(classes).keys == keys


def test_classes_must_have_distinct_names():
    with pytest.raises(ValueError, match="distinct"):
        WebOracle([1, "1"])


def test_a_copy_starts_closed(oracle):
    twin = copy.deepcopy(oracle)
    assert twin.url is None and twin.token == oracle.token
    with twin:
        assert twin.url != oracle.url


# --------------------------------------------------------------------------- with the learner


def labels_in(path):
    with sqlite3.connect(path) as db:
        labels = {row: json.loads(label) for row, label in db.execute("SELECT row, label FROM labels ORDER BY seq")}
        skipped = {row for (row,) in db.execute("SELECT row FROM skipped")}
    return labels, skipped


class Person(threading.Thread):
    """Labels through the API what the page asks: ``decide(state, n_done)`` -> (action, body) or None (the truth)."""

    def __init__(self, oracle, truth, decide=lambda state, n: None):
        super().__init__(daemon=True)
        self.oracle, self.truth, self.decide = oracle, truth, decide
        self.labels, self.skipped, self.asked, self.done, self.standing = {}, set(), [], 0, []

    def run(self):
        while self.oracle.url is None:
            time.sleep(0.01)
        while True:
            try:
                status, state = call(self.oracle, "/api/next")
            except (urllib.error.URLError, ConnectionError, TypeError, AttributeError):
                return  # the fit ended: the server is gone
            if state.get("state") == "stopped":
                return
            if state.get("state") != "question":
                time.sleep(0.01)
                continue
            self.act(state)

    def act(self, state):
        row = state["row"]
        self.asked.append(row)
        action, body = self.decide(state, self.done) or ("answer", {"row": row, "label": str(self.truth[row])})
        status, after = call(self.oracle, f"/api/{action}", body)
        assert status == 200 and after["saved"], after
        self.done += 1
        if action == "answer":
            self.labels[row] = body["label"]
            self.skipped.discard(row)
        elif action == "skip":
            self.skipped.add(row)
            self.labels.pop(row, None)
        elif action == "undo":
            last = self.standing.pop()
            self.labels.pop(last, None)
            self.skipped.discard(last)
        if action in ("answer", "skip"):
            self.standing.append(row)
        if state["answered"] + 1 == state["n"] and action != "undo":
            self.standing = []  # the round is over


def test_a_fit_labels_through_the_api_and_the_journal_holds_exactly_the_answers_given(tmp_path):
    X, y = images(n=60)
    path = tmp_path / "labels.db"
    web = WebOracle(["flat", "top"], output=io.StringIO())

    def decide(state, n):
        if n == 3:
            return "skip", {"row": state["row"]}
        if n in (5, 9):  # undo a label, and once a skip
            return "undo", {}
        if n == 8:
            return "skip", {"row": state["row"]}
        if n == 7:
            return "answer", {"row": state["row"], "label": "flat" if y[state["row"]] == "top" else "top"}
        return None

    person = Person(web, y, decide)
    person.start()
    fitted = learner(n_rounds=2, budget=30).fit(X, web, journal=path)
    person.join(30)
    labels, skipped = labels_in(path)
    assert labels == person.labels and skipped == person.skipped
    assert sorted(fitted.labeled_indices_.tolist()) == sorted(labels)
    assert web.url is None  # closed when the fit ended


def test_stop_then_a_second_fit_asks_only_the_rows_left(tmp_path):
    X, y = images(n=60)
    path = tmp_path / "labels.db"
    first = Person(WebOracle(["flat", "top"], output=io.StringIO()), y, lambda s, n: ("stop", {}) if n == 9 else None)
    first.start()
    stopped = learner().fit(X, first.oracle, journal=path)
    first.join(30)
    assert stopped.stopped_ and labels_in(path)[0] == first.labels and len(first.labels) == 9
    with sqlite3.connect(path) as db:
        interrupted = json.loads(db.execute("SELECT rows FROM queries ORDER BY round DESC").fetchone()[0])
    left = [r for r in interrupted if r not in first.labels]
    second = Person(WebOracle(["flat", "top"], output=io.StringIO()), y)
    second.start()
    resumed = learner().fit(X, second.oracle, journal=path)
    second.join(30)
    assert not resumed.stopped_
    assert not set(second.asked) & set(first.labels)  # answered rows are not asked again
    assert len(left) == 3 and second.asked[:3] == left  # the interrupted round is finished first
    labels, _ = labels_in(path)
    assert labels == {**first.labels, **second.labels}
    assert (resumed.labels_ == y[resumed.labeled_indices_]).all()
