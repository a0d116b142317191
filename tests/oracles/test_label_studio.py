"""LabelStudioOracle, to_label_studio / from_label_studio and the label config.

The pure parts run everywhere; the oracle's round logic runs against a small
in-memory stand-in of the REST API; the end-to-end tests run a real Label
Studio server (see ``labelstudio_server.py``) and skip when it is not installed.
"""

import json
import os
import threading
import time
import urllib.error
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from skal import ActiveLearner
from skal.exceptions import OracleError
from skal.journal import LabelJournal
from skal.oracles import SKIP, STOP, RoundContext
from skal.oracles._label_studio import (
    LabelStudioOracle,
    annotation_answer,
    config_choices,
    from_label_studio,
    label_config,
    task_data,
    to_label_studio,
)
from skal.strategies import Margin, Random

from ..conftest import real_part_missing
from . import labelstudio_server
from .conftest import FlatLR, images


def choice(label, cancelled=False, id=1):
    result = (
        [] if cancelled else [{"from_name": "label", "to_name": "x", "type": "choices", "value": {"choices": [label]}}]
    )
    return {"id": id, "was_cancelled": cancelled, "result": result}


# -- the label config and the task format ----------------------------------------------------------------------


@pytest.mark.parametrize("kind, tag", [("image", "Image"), ("text", "Text"), ("table", "Table"), ("html", "HyperText")])
def test_label_config_shows_the_row_and_offers_each_class_once(kind, tag):
    classes = ["cat", 'say "hi" & <bye>', 3]
    root = ET.fromstring(label_config(classes, kind))
    shown = root.find(tag)
    assert shown.get("name") == kind and shown.get("value") == f"${kind}"
    choices = root.find("Choices")
    assert choices.get("toName") == kind and choices.get("choice") == "single" and choices.get("name") == "label"
    assert config_choices(label_config(classes, kind)) == ["cat", 'say "hi" & <bye>', "3"]


def test_label_config_needs_classes_and_a_known_kind():
    with pytest.raises(OracleError, match="classes="):
        label_config(None)
    with pytest.raises(ValueError, match="kind"):
        label_config(["a"], "video")


def test_task_data_of_each_row_type():
    kind, uri = task_data(np.zeros((8, 8, 3)))
    assert kind == "image" and uri.startswith("data:image/png;base64,")
    assert task_data("a review") == ("text", "a review")
    assert task_data(pd.DataFrame({"age": [41], "city": ["Oslo"]}).iloc[0]) == ("table", {"age": "41", "city": "Oslo"})


def test_to_label_studio_keeps_the_rows_and_the_models_guess():
    X = np.random.default_rng(0).normal(size=(3, 8, 8))
    tasks = to_label_studio(X[[2, 0]], [12, 10], classes=np.array([0, 1]), proba=[[0.2, 0.8], [0.6, 0.4]])
    assert [t["data"]["skal_row"] for t in tasks] == [12, 10]
    assert all(t["data"]["image"].startswith("data:image/png;base64,") for t in tasks)
    guesses = [(t["predictions"][0]["result"][0]["value"]["choices"], t["predictions"][0]["score"]) for t in tasks]
    assert guesses == [(["1"], 0.8), (["0"], 0.6)]
    assert json.loads(json.dumps(tasks)) == tasks  # plain JSON, as Label Studio imports it
    assert "predictions" not in to_label_studio(["a", "b"], [0, 1])[0]


def test_from_label_studio_reads_labels_skips_and_leaves_out_open_tasks(tmp_path):
    exported = [
        {"id": 1, "data": {"skal_row": 4}, "annotations": [choice("1")]},
        {"id": 2, "data": {"skal_row": 5}, "annotations": [choice(None, cancelled=True)]},
        {"id": 3, "data": {"skal_row": 6}, "annotations": []},
        {"id": 4, "data": {"skal_row": 7}, "annotations": [{"id": 9, "was_cancelled": False, "result": []}]},
        {"id": 5, "data": {"skal_row": 8}, "annotations": [choice(None, True, id=1), choice("0", id=2)]},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(exported))
    for source in (exported, json.dumps(exported), path, str(path)):
        rows, labels = from_label_studio(source, classes=[0, 1])
        assert rows.tolist() == [4, 5, 7, 8] and labels.tolist() == [1, SKIP, SKIP, 0]
    assert from_label_studio(exported)[1].tolist() == ["1", SKIP, SKIP, "0"]  # without classes: the text


def test_from_label_studio_refuses_a_choice_that_is_no_class_and_a_task_without_its_row():
    with pytest.raises(OracleError, match="'maybe', which is not one of the classes"):
        from_label_studio([{"data": {"skal_row": 1}, "annotations": [choice("maybe")]}], classes=["yes", "no"])
    with pytest.raises(OracleError, match="no 'skal_row'"):
        from_label_studio([{"id": 3, "data": {"text": "x"}, "annotations": [choice("yes")]}])


def test_to_and_from_label_studio_round_trip():
    tasks = to_label_studio(["good", "bad", "meh"], [3, 8, 9], classes=["neg", "pos"], proba=np.eye(3, 2))
    for task, answer in zip(tasks, ["pos", "neg", None]):
        task["annotations"] = [choice(answer, cancelled=answer is None)]
    rows, labels = from_label_studio(json.dumps(tasks), classes=["neg", "pos"])
    assert rows.tolist() == [3, 8, 9] and labels.tolist() == ["pos", "neg", SKIP]


def test_annotation_answer_prefers_skals_choices_and_the_first_submission():
    other = {"from_name": "quality", "type": "choices", "value": {"choices": ["blurry"]}}
    ours = {"from_name": "label", "type": "choices", "value": {"choices": ["dog"]}}
    assert annotation_answer([{"id": 2, "result": [other, ours]}]) == "dog"
    assert annotation_answer([choice("b", id=7), choice("a", id=3)]) == "a"


# -- the oracle's rounds, against a stand-in of the REST API ---------------------------------------------------


class FakeLabelStudio:
    """The few endpoints LabelStudioOracle calls, in memory; ``annotate`` plays the annotator."""

    def __init__(self, return_task_ids=True):
        self.projects, self.tasks, self.calls = {}, {}, []
        self.return_task_ids = return_task_ids

    def call(self, method, path, body=None):
        self.calls.append((method, path))
        url = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(url.query))
        parts = url.path.strip("/").split("/")
        if parts == ["api", "projects"] and method == "POST":
            project = dict(body, id=len(self.projects) + 1)
            self.projects[project["id"]] = project
            return project
        if parts == ["api", "projects"]:
            return {"results": [p for p in self.projects.values() if query["title"] in p["title"]], "next": None}
        if parts[:2] == ["api", "projects"] and parts[3:] == ["import"]:
            ids = []
            for task in body:
                ids.append(len(self.tasks) + 1)
                self.tasks[ids[-1]] = dict(task, id=ids[-1], project=int(parts[2]), annotations=[])
            return {"task_count": len(ids), **({"task_ids": ids} if self.return_task_ids else {})}
        if parts[:2] == ["api", "projects"]:
            done = [t for t in self.tasks.values() if t["annotations"]]
            return dict(self.projects[int(parts[2])], total_annotations_number=len(done))
        if parts == ["api", "tasks"]:
            tasks = [t for t in self.tasks.values() if t["project"] == int(query["project"])]
            return {"tasks": tasks, "total": len(tasks)}
        if parts[:2] == ["api", "tasks"]:
            return self.tasks[int(parts[2])]
        raise AssertionError(f"unexpected call {method} {path}")

    def annotate(self, row, label):
        task = next(t for t in self.tasks.values() if t["data"]["skal_row"] == row)
        task["annotations"].append(choice(label, cancelled=label is SKIP, id=len(task["annotations"]) + 1))


def fake_oracle(server, **kw):
    oracle = LabelStudioOracle("http://fake", "token", classes=["flat", "top"], poll_seconds=0.0, **kw)
    oracle._client = lambda: server
    return oracle


def test_a_round_creates_one_task_per_row_with_the_guess_and_yields_answers_as_they_come():
    server, X = FakeLabelStudio(), np.zeros((3, 4, 4))
    context = RoundContext(round=2, classes=np.array(["flat", "top"]), proba=lambda: [[0.9, 0.1], [0.3, 0.7]])
    stream = fake_oracle(server).stream([7, 3], X[:2], context)
    polled = []

    def answer_when_asked(method, path, body=None, call=server.call):
        if path.startswith("/api/projects/1/") and not path.endswith("import?return_task_ids=true"):
            polled.append(path)
            if len(polled) == 2:
                server.annotate(3, "top")
            if len(polled) == 4:
                server.annotate(7, SKIP)
        return call(method, path, body)

    server.call = answer_when_asked
    assert [(p.tolist(), a) for p, a in stream] == [([1], ["top"]), ([0], [SKIP])]
    assert [t["data"]["skal_row"] for t in server.tasks.values()] == [7, 3]
    guesses = [t["predictions"][0] for t in server.tasks.values()]
    assert [(g["result"][0]["value"]["choices"], g["score"]) for g in guesses] == [(["flat"], 0.9), (["top"], 0.7)]
    assert config_choices(server.projects[1]["label_config"]) == ["flat", "top"]
    assert context.recall("labelstudio:1:round:2")["tasks"] == {"7": 1, "3": 2}


def test_a_resumed_round_reuses_its_journaled_tasks_and_a_timeout_stops():
    server, X, context = FakeLabelStudio(), np.zeros((3, 4, 4)), RoundContext(round=0)
    oracle = fake_oracle(server, timeout=0.0)
    assert [(p.tolist(), a) for p, a in oracle.stream([5, 6], X[:2], context)] == [([0], [STOP])]
    server.annotate(5, "flat")
    assert [(p.tolist(), a) for p, a in fake_oracle(server, timeout=0.0).stream([5, 6], X[:2], context)] == [
        ([0], ["flat"]),
        ([1], [STOP]),
    ]
    server.annotate(6, "top")
    assert [(p.tolist(), a) for p, a in fake_oracle(server).stream([6], X[1:2], context)] == [([0], ["top"])]
    assert len(server.tasks) == 2 and len(server.projects) == 1


def test_tasks_imported_before_their_ids_were_journaled_are_found_not_created_again():
    server, X, context = FakeLabelStudio(return_task_ids=False), np.zeros((3, 4, 4)), RoundContext(round=0)
    assert list(fake_oracle(server, timeout=0.0).stream([1, 2], X[:2], context))[-1][1] == [STOP]
    note = context.recall("labelstudio:1:round:0")
    assert note["tasks"] == {"1": 1, "2": 2}  # found by their batch mark
    context.remember("labelstudio:1:round:0", {"batch": note["batch"], "tasks": {}})  # a crash before the ids
    list(fake_oracle(server, timeout=0.0).stream([1, 2], X[:2], context))
    assert len(server.tasks) == 2


def test_a_reused_project_must_offer_every_class():
    server = FakeLabelStudio()
    server.call("POST", "/api/projects/", {"title": "skal", "label_config": label_config(["flat"])})
    with pytest.raises(OracleError, match=r"not the classes \['top'\]"):
        list(fake_oracle(server).stream([0], np.zeros((1, 4, 4)), RoundContext()))


def test_without_classes_or_server_the_oracle_says_what_to_do():
    no_classes = LabelStudioOracle("http://fake", "t", poll_seconds=0.0)
    no_classes._client = FakeLabelStudio
    with pytest.raises(OracleError, match="classes="):
        list(no_classes.stream([0], ["a text"]))
    url = f"http://127.0.0.1:{labelstudio_server.free_port()}"
    with pytest.raises(OracleError, match=f"Label Studio at {url} could not be reached"):
        LabelStudioOracle(url, "t", classes=["a"]).label([0], ["a text"])


# -- a real Label Studio server ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory):
    """``(url, token)`` of a Label Studio server for the session (SQLite in a temporary data dir)."""
    binary = labelstudio_server.binary()
    if not binary.exists() and not os.environ.get("SKAL_LABEL_STUDIO_URL"):
        real_part_missing(f"label-studio is not installed at {binary} (make labelstudio, or set SKAL_LABEL_STUDIO)")
    with labelstudio_server.running(tmp_path_factory.mktemp("labelstudio")) as server:
        yield server


class Annotator(threading.Thread):
    """A person at Label Studio, through its REST API: answers each new task of ``title`` with ``truth``.

    Skips the first task that shows a pre-annotation when ``skip_one``; answers
    at most ``limit`` tasks until ``limit`` is raised.
    """

    def __init__(self, url, token, title, truth, skip_one=False, limit=None):
        super().__init__(daemon=True)
        self.url, self.token, self.title, self.truth = url, token, title, truth
        self.skip_one, self.limit = skip_one, limit
        self.given, self.predictions, self.done = {}, {}, threading.Event()

    def api(self, method, path, body=None):
        return labelstudio_server.api(self.url, self.token, method, path, body)

    def tasks(self):
        projects = self.api("GET", "/api/projects/?" + urllib.parse.urlencode({"title": self.title}))["results"]
        project = next((p["id"] for p in projects if p["title"] == self.title), None)
        if project is None:
            return []
        return self.api("GET", f"/api/tasks/?project={project}&page_size=1000&fields=all")["tasks"]

    def run(self):
        while not self.done.is_set():
            for task in self.tasks():
                row = task["data"]["skal_row"]
                if task["annotations"] or (self.limit is not None and len(self.given) >= self.limit):
                    continue
                self.predictions[row] = task["predictions"]
                if self.skip_one and task["predictions"] and SKIP not in self.given.values():
                    self.api("POST", f"/api/tasks/{task['id']}/annotations/", {"result": [], "was_cancelled": True})
                    self.given[row] = SKIP
                else:
                    value = {"choices": [str(self.truth[row])]}
                    result = [{"from_name": "label", "to_name": "image", "type": "choices", "value": value}]
                    self.api("POST", f"/api/tasks/{task['id']}/annotations/", {"result": result})
                    self.given[row] = self.truth[row]
            time.sleep(0.2)


def rounds_learner():
    return ActiveLearner(
        FlatLR(), Margin(), initial_strategy=Random(), initial_size=6, query_size=4, n_rounds=1, random_state=0
    )


def journal_answers(path, X):
    journal = LabelJournal.open(path, X)
    try:
        return {row: label for row, (_, label) in journal.labels().items()}, journal.skipped()
    finally:
        journal.close()


@pytest.mark.xdist_group("labelstudio")
def test_end_to_end_a_round_answered_in_label_studio(label_studio, tmp_path):
    url, token = label_studio
    X, y = images(60)
    title = f"skal e2e {uuid.uuid4().hex[:8]}"  # a project of its own, also on a server that is reused
    annotator = Annotator(url, token, title, y, skip_one=True)
    annotator.start()
    oracle = LabelStudioOracle(url, token, project=title, classes=["flat", "top"], poll_seconds=0.2, timeout=300)
    try:
        learner = rounds_learner().fit(X, oracle, journal=tmp_path / "labels.db")
    finally:
        annotator.done.set()
    skipped = {row for row, a in annotator.given.items() if a is SKIP}
    labels, journal_skipped = journal_answers(tmp_path / "labels.db", X)
    assert labels == {row: a for row, a in annotator.given.items() if a is not SKIP} and len(labels) == 9
    assert journal_skipped == skipped and len(skipped) == 1 and learner.skipped_[skipped.pop()]
    assert not learner.stopped_ and sorted(learner.labeled_indices_.tolist()) == sorted(labels)
    guessed = [p[0] for p in annotator.predictions.values() if p]  # round 1 had a model: its guess and score
    assert len(guessed) == 4 and all(0.5 <= g["score"] <= 1 and g["model_version"] == "skal" for g in guessed)


@pytest.mark.xdist_group("labelstudio")
def test_end_to_end_a_resumed_fit_creates_no_task_twice(label_studio, tmp_path):
    url, token = label_studio
    X, y = images(60)
    journal = tmp_path / "labels.db"
    title = f"skal resume {uuid.uuid4().hex[:8]}"
    annotator = Annotator(url, token, title, y, limit=3)
    annotator.start()

    def oracle(timeout):
        return LabelStudioOracle(url, token, title, ["flat", "top"], poll_seconds=0.2, timeout=timeout)

    try:
        first = rounds_learner().fit(X, oracle(timeout=15), journal=journal)  # 3 of 6 answered, then the timeout
        assert first.stopped_ and len(first.labeled_indices_) == 3
        assert len(annotator.tasks()) == 6
        annotator.limit = None
        second = rounds_learner().fit(X, oracle(timeout=300), journal=journal)
    finally:
        annotator.done.set()
    rows = [t["data"]["skal_row"] for t in annotator.tasks()]
    assert len(rows) == 10 and len(set(rows)) == 10  # 6 in round 0, 4 in round 1, none twice
    assert not second.stopped_ and len(second.labeled_indices_) == 10
    assert journal_answers(journal, X)[0] == annotator.given


@pytest.mark.xdist_group("labelstudio")
def test_a_personal_access_token_works_like_the_legacy_one(label_studio):
    url, token = label_studio
    try:
        pat = labelstudio_server.api(url, token, "POST", "/api/token/", {})["token"]
    except urllib.error.HTTPError as exc:  # a reused server whose user has one already
        pytest.skip(f"no personal access token could be made on this server: {exc}")
    title = f"skal pat {uuid.uuid4().hex[:8]}"
    oracle = LabelStudioOracle(url, pat, project=title, classes=["neg", "pos"], timeout=0)
    assert [(p.tolist(), a) for p, a in oracle.stream([4], ["a fine review"])] == [([0], [STOP])]
    tasks = Annotator(url, token, title, truth=None).tasks()
    assert [(t["data"]["text"], t["data"]["skal_row"]) for t in tasks] == [("a fine review", 4)]
