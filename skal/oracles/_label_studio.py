"""Labels through a Label Studio server: each round's rows become tasks, annotators answer them there.

Label Studio's REST API is spoken with the standard library (``urllib``):
the official ``label-studio-sdk`` 2.x pins ``opencv-python-headless`` 4.12,
which requires ``numpy<2.3``, and pulls some forty packages (nltk, black,
datamodel-code-generator, ...) for the few calls needed here.
"""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

from ..exceptions import OracleError
from ._base import SKIP, STOP, Oracle, row_at
from ._web import row_view

__all__ = ["LabelStudioOracle", "label_config", "to_label_studio", "from_label_studio"]

#: The ``name`` of the ``<Choices>`` tag skal writes and the ``from_name`` of its results.
CHOICES_NAME = "label"
#: Task data key holding the pool row a task asks for.
ROW_KEY = "skal_row"
#: Task data key naming the import a task came from, to find tasks whose ids were not journaled.
BATCH_KEY = "skal_batch"
_OBJECT_TAGS = {"image": "Image", "text": "Text", "table": "Table", "html": "HyperText"}


def task_data(row, feature_names=None):
    """``(kind, value)`` of one pool row as Label Studio task data: an image, a text, a table or HTML.

    An array of two or more dimensions is an image (a PNG ``data:`` URI), a
    text stays a text, a 1-D array, a pandas row, a sparse row or a dict is a
    table (``{name: value}``), as :func:`skal.oracles._web.row_view` sees it.

    Examples
    --------
    >>> task_data("a purring animal")
    ('text', 'a purring animal')
    >>> task_data(np.array([41.0, 5.5]), ["age", "income"])
    ('table', {'age': '41', 'income': '5.5'})
    >>> kind, value = task_data(np.eye(4)); kind, value[:22]
    ('image', 'data:image/png;base64,')
    """
    view = row_view(row, feature_names)
    kind = view["kind"]
    value = dict((str(k), v) for k, v in view["table"]) if kind == "table" else view[kind]
    return kind, value


def label_config(classes, kind="image"):
    """The labeling config of a skal project: the row (``kind``) and one single choice among ``classes``.

    Parameters
    ----------
    classes : array-like
        The choices, each written as its ``str``.
    kind : {"image", "text", "table", "html"}
        How the row is shown: ``<Image>``, ``<Text>``, ``<Table>`` or
        ``<HyperText>``, reading the task data key of the same name.

    Examples
    --------
    >>> print(label_config(["cat", "dog"], "text"))
    <View>
      <Text name="text" value="$text"/>
      <Choices name="label" toName="text" choice="single" showInline="true">
        <Choice value="cat"/>
        <Choice value="dog"/>
      </Choices>
    </View>
    """
    if kind not in _OBJECT_TAGS:
        raise ValueError(f"kind must be one of {sorted(_OBJECT_TAGS)}, got {kind!r}.")
    if classes is None or len(classes) == 0:
        raise OracleError("Label Studio needs the classes to offer: pass LabelStudioOracle(..., classes=[...]).")
    choices = "\n".join(f"    <Choice value={quoteattr(str(c))}/>" for c in classes)
    return (
        f'<View>\n  <{_OBJECT_TAGS[kind]} name="{kind}" value="${kind}"/>\n'
        f'  <Choices name="{CHOICES_NAME}" toName="{kind}" choice="single" showInline="true">\n'
        f"{choices}\n  </Choices>\n</View>"
    )


def config_choices(config):
    """The values of the ``<Choice>`` tags of a labeling config, in order.

    Examples
    --------
    >>> config_choices(label_config([1, 2]))
    ['1', '2']
    """
    return [c.get("value") for c in ET.fromstring(config).iter("Choice")]


def prediction(label, score, kind, model_version="skal"):
    """A Label Studio prediction (pre-annotation): the model's choice ``label`` with its ``score``.

    Examples
    --------
    >>> prediction("dog", 0.8, "text")["result"][0]["value"]
    {'choices': ['dog']}
    """
    result = {"from_name": CHOICES_NAME, "to_name": kind, "type": "choices", "value": {"choices": [str(label)]}}
    return {"result": [result], "score": float(score), "model_version": str(model_version)}


def _guesses(proba, classes):
    """``[(class, probability), ...]`` of the top class per row, or None without probabilities."""
    if proba is None or classes is None:
        return None
    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 2 or proba.shape[1] != len(classes):
        return None
    top = proba.argmax(axis=1)
    return [(classes[k], p[k]) for k, p in zip(top, proba)]


def to_label_studio(X_rows, indices, classes=None, proba=None, feature_names=None, model_version="skal"):
    """Label Studio tasks (its JSON import format) for pool rows, with the model's guess as a pre-annotation.

    For teams that move files by hand: write the list with ``json.dump``,
    import it into a project whose config is :func:`label_config`, export the
    annotated tasks as JSON and read them back with :func:`from_label_studio`.

    Parameters
    ----------
    X_rows : rows in the pool's type
        The rows to label, as ``learner.pool.rows(indices)`` or ``X[indices]``.
    indices : array-like of int
        Their pool indices, kept in each task's data as ``skal_row``.
    classes : array-like, optional
        The columns of ``proba``.
    proba : ndarray of shape (n, n_classes), optional
        The model's probabilities; its top class and probability become the
        task's prediction (``score``).
    feature_names : list of str, optional
        Names of the columns of a table row.
    model_version : str, default "skal"

    Returns
    -------
    list of dict
        ``{"data": {<kind>: ..., "skal_row": i}, "predictions": [...]}`` per row.

    Examples
    --------
    >>> tasks = to_label_studio(["a purring animal"], [7], ["cat", "dog"], proba=[[0.9, 0.1]])
    >>> tasks[0]["data"], tasks[0]["predictions"][0]["score"]
    ({'text': 'a purring animal', 'skal_row': 7}, 0.9)
    """
    indices = np.asarray(indices).reshape(-1)
    guesses = _guesses(proba, classes)
    tasks = []
    for k, i in enumerate(indices):
        kind, value = task_data(row_at(X_rows, k), feature_names)
        task = {"data": {kind: value, ROW_KEY: int(i)}}
        if guesses is not None:
            label, score = guesses[k]
            task["predictions"] = [prediction(_plain(label), score, kind, model_version)]
        tasks.append(task)
    return tasks


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def annotation_answer(annotations, classes=None):
    """The answer a task's annotations give: a class, :data:`SKIP`, or None while it is not annotated.

    The first submitted annotation (by id) with a choice gives its class; a
    task whose annotations are all skipped or cancelled (``was_cancelled``)
    or submitted without a choice is :data:`SKIP`.

    Examples
    --------
    >>> done = {"id": 3, "was_cancelled": False, "result": [{"type": "choices", "value": {"choices": ["1"]}}]}
    >>> annotation_answer([done], classes=[0, 1]), annotation_answer([{"id": 4, "was_cancelled": True}])
    (1, skal.oracles.SKIP)
    >>> annotation_answer([]) is None
    True
    """
    if not annotations:
        return None
    for annotation in sorted(annotations, key=lambda a: a.get("id") or 0):
        if annotation.get("was_cancelled"):
            continue
        choice = _choice(annotation.get("result") or [])
        if choice is not None:
            return _as_class(choice, classes)
    return SKIP


def _choice(result):
    """The first chosen value of a result list, preferring skal's ``<Choices name="label">``."""
    found = [r for r in result if r.get("type") == "choices" and (r.get("value") or {}).get("choices")]
    found.sort(key=lambda r: r.get("from_name") != CHOICES_NAME)
    return found[0]["value"]["choices"][0] if found else None


def _as_class(choice, classes):
    if classes is None:
        return choice
    names = [str(c) for c in classes]
    if choice not in names:
        raise OracleError(
            f"Label Studio answered {choice!r}, which is not one of the classes {names[:20]}; make the project's "
            "<Choice> values the str of each class (label_config(classes) writes them), or pass those classes."
        )
    return _plain(np.asarray(classes, dtype=object)[names.index(choice)])


def from_label_studio(exported, classes=None):
    """Rows and answers from a Label Studio JSON export of tasks that :func:`to_label_studio` wrote.

    Parameters
    ----------
    exported : list of dict, JSON text or path to a ``.json`` file
        Label Studio's "JSON" export (each task with its ``data`` and
        ``annotations``).
    classes : array-like, optional
        Map each chosen text back to its class (``"1"`` gives the class
        ``1``); a choice that is not a class raises
        :class:`~skal.exceptions.OracleError`. Without them labels stay text.

    Returns
    -------
    rows : ndarray of int
        The ``skal_row`` of each annotated task; tasks not annotated yet are left out.
    labels : ndarray of object
        The class chosen, or :data:`~skal.oracles.SKIP` for a task skipped
        or cancelled (or submitted with no choice).

    Examples
    --------
    >>> done = {"was_cancelled": False, "result": [{"type": "choices", "value": {"choices": ["dog"]}}]}
    >>> exported = [{"data": {"skal_row": 7}, "annotations": [done]},
    ...             {"data": {"skal_row": 9}, "annotations": [{"was_cancelled": True, "result": []}]},
    ...             {"data": {"skal_row": 12}, "annotations": []}]
    >>> rows, labels = from_label_studio(exported)
    >>> rows.tolist(), labels.tolist()
    ([7, 9], ['dog', skal.oracles.SKIP])
    """
    tasks = _load(exported)
    rows, labels = [], []
    for task in tasks:
        data = task.get("data") or {}
        if ROW_KEY not in data:
            raise OracleError(
                f"Task {task.get('id', '?')} has no {ROW_KEY!r} in its data: import tasks written by "
                "to_label_studio (they keep the pool row) and export them as Label Studio JSON."
            )
        answer = annotation_answer(task.get("annotations") or task.get("completions") or [], classes)
        if answer is not None:
            rows.append(int(data[ROW_KEY]))
            labels.append(answer)
    out = np.empty(len(labels), dtype=object)
    out[:] = labels
    return np.asarray(rows, dtype=np.intp), out


def _load(exported):
    if isinstance(exported, (str, Path)) and not str(exported).lstrip().startswith(("[", "{")):
        exported = Path(exported).read_text(encoding="utf-8")
    if isinstance(exported, str):
        exported = json.loads(exported)
    return [exported] if isinstance(exported, dict) else list(exported)


class _Client:
    """Label Studio's REST API over ``urllib``: JSON in and out, a legacy token or a personal access token."""

    def __init__(self, url, api_key, timeout=30.0):
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self._bearer = None

    def _auth(self, refresh=False):
        if not _is_jwt(self.api_key):
            return f"Token {self.api_key}"
        if self._bearer is None or refresh:  # a personal access token is a JWT refresh token
            self._bearer = self._send("POST", "/api/token/refresh/", {"refresh": self.api_key}, None)["access"]
        return f"Bearer {self._bearer}"

    def call(self, method, path, body=None):
        try:
            return self._send(method, path, body, self._auth())
        except urllib.error.HTTPError as exc:
            if exc.code == 401 and _is_jwt(self.api_key):  # the short-lived access token ran out
                return self._send(method, path, body, self._auth(refresh=True))
            raise

    def _send(self, method, path, body, auth):
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = auth
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - the user's server
            text = response.read().decode()
        return json.loads(text) if text else None


def _is_jwt(key):
    return str(key).count(".") == 2


def _http_error(exc, what, url):
    """An OracleError for a failed call, with what the server said."""
    if isinstance(exc, urllib.error.HTTPError):
        detail = exc.read().decode(errors="replace")[:300]
        hint = (
            " (check api_key: the legacy token or personal access token of Account & Settings)"
            if exc.code
            in (
                401,
                403,
            )
            else ""
        )
        return OracleError(f"Label Studio at {url} refused to {what}: HTTP {exc.code}{hint}. {detail}")
    return OracleError(f"Label Studio at {url} could not be reached to {what}: {exc}. Is the server running?")


class _Notes:
    """The store a LabelStudioOracle keeps its task ids in outside a learner (a RoundContext's stand-in)."""

    def __init__(self, round_):
        self.round, self.classes, self._notes = round_, None, {}

    def proba(self):
        return None

    def remember(self, key, value):
        self._notes[key] = value

    def recall(self, key, default=None):
        return self._notes.get(key, default)


class LabelStudioOracle(Oracle):
    """Labels through a Label Studio server: each round's rows become tasks, answered by its annotators.

    For each batch the oracle creates one task per queried row in
    ``project`` (an image row as a PNG, a text inline, a table row as a
    ``<Table>``) with the model's guess and its probability as a
    pre-annotation, then polls the tasks every ``poll_seconds`` and yields
    each answer as soon as it is submitted, so the learner journals it at once.
    A task skipped or cancelled in Label Studio (or submitted with no choice)
    answers :data:`~skal.oracles.SKIP`. With ``timeout`` seconds passed and
    tasks still open the oracle answers :data:`~skal.oracles.STOP`: ``fit``
    returns with what it has.

    The task ids of each round are kept in the fit's journal
    (``fit(..., journal=PATH)``, through the round context): a resumed fit
    finds the tasks it created and never creates them twice, and answers
    given in Label Studio in the meantime are read at once.

    Parameters
    ----------
    url : str
        The server, e.g. ``"http://localhost:8080"``.
    api_key : str
        A legacy API token (sent as ``Token <key>``) or a personal access
        token (a JWT, exchanged at ``/api/token/refresh/``), from Account &
        Settings.
    project : int or str, default "skal"
        A project id, or a title: the project with that title is reused, or
        created with :func:`label_config` for ``classes`` and the kind of
        the first row. None means ``"skal"``.
    classes : array-like, optional
        The choices offered; default the classes the learner knows. Each
        ``<Choice>`` value is the ``str`` of a class and is mapped back to it.
    poll_seconds : float, default 1.0
    timeout : float, optional
        Seconds a round waits for answers before it answers STOP.
    feature_names : list of str, optional
        Column names of table rows.
    model_version : str, default "skal"
        The ``model_version`` of the pre-annotations.

    Attributes
    ----------
    project_id_ : int
        The project the tasks go to, once the first batch resolved it.

    Examples
    --------
    >>> oracle = LabelStudioOracle("http://localhost:8080", "my-token", project="Reviews", classes=["neg", "pos"])
    >>> oracle.poll_seconds, oracle.project
    (1.0, 'Reviews')
    """

    _takes_context = True

    def __init__(
        self,
        url,
        api_key,
        project="skal",
        classes=None,
        poll_seconds=1.0,
        timeout=None,
        feature_names=None,
        model_version="skal",
    ):
        super().__init__()
        self.url = url
        self.api_key = api_key
        self.project = project
        self.classes = None if classes is None else np.asarray(classes)
        self.poll_seconds = poll_seconds
        self.timeout = timeout
        self.feature_names = feature_names
        self.model_version = model_version
        self._calls = 0

    def _client(self):
        return _Client(self.url, self.api_key)

    def _call(self, client, method, path, body=None, what="answer"):
        try:
            return client.call(method, path, body)
        except (urllib.error.URLError, OSError) as exc:
            raise _http_error(exc, what, self.url) from None

    def _stream(self, indices, X_rows, context=None):
        if context is None:
            context, self._calls = _Notes(self._calls), self._calls + 1
        classes = self.classes if self.classes is not None else context.classes
        client = self._client()
        project = self._project(client, classes, lambda: task_data(row_at(X_rows, 0))[0])
        tasks = self._tasks(client, project, indices, X_rows, context)
        yield from self._poll(client, project, tasks, classes)

    # -- the project -----------------------------------------------------------------------------------------

    def _project(self, client, classes, kind):
        """The project id: the one given, the one titled ``project``, or a new one with skal's label config.

        ``kind()`` gives how rows are shown (``"image"``, ``"text"``, ...), for a new project's config.
        """
        if getattr(self, "project_id_", None) is None:
            if isinstance(self.project, (int, np.integer)):
                found = self._call(client, "GET", f"/api/projects/{int(self.project)}/", what="find the project")
            else:
                found = self._find_project(client, self._title())
            if found is None:
                body = {"title": self._title(), "label_config": label_config(classes, kind())}
                found = self._call(client, "POST", "/api/projects/", body, what="create the project")
            self._check_choices(found, classes)
            self.project_id_ = int(found["id"])
        return self.project_id_

    def _title(self):
        return "skal" if self.project is None else str(self.project)

    def _find_project(self, client, title):
        page = 1
        while True:
            query = urllib.parse.urlencode({"title": title, "page": page, "page_size": 100})
            found = self._call(client, "GET", f"/api/projects/?{query}", what="list the projects")
            results = found.get("results", []) if isinstance(found, dict) else found
            exact = [p for p in results if p.get("title") == title]
            if exact:
                return exact[0]
            if not (isinstance(found, dict) and found.get("next")):
                return None
            page += 1

    def _check_choices(self, project, classes):
        if classes is None or not project.get("label_config"):
            return
        offered = config_choices(project["label_config"])
        lacking = [str(c) for c in classes if str(c) not in offered]
        if lacking:
            raise OracleError(
                f"Label Studio project {project.get('id')} ({project.get('title')!r}) offers the choices "
                f"{offered[:20]} but not the classes {lacking[:20]}; add them to its labeling config, or "
                "give LabelStudioOracle another project title (a new project gets every class)."
            )

    # -- the tasks -------------------------------------------------------------------------------------------

    def _tasks(self, client, project, indices, X_rows, context):
        """``{position: task id}`` for the batch: tasks journaled for this round, the others created now."""
        key = f"labelstudio:{project}:round:{context.round}"
        note = dict(context.recall(key) or {})
        known = {int(r): int(t) for r, t in (note.get("tasks") or {}).items()}
        rows = [int(i) for i in indices]
        missing = [k for k, r in enumerate(rows) if r not in known]
        if missing and note.get("batch"):  # an import may have landed before its ids were journaled
            known.update({r: t for r, t in self._find_batch(client, project, note["batch"]).items() if r in rows})
            missing = [k for k, r in enumerate(rows) if r not in known]
        if missing:
            batch = note.get("batch") or uuid.uuid4().hex
            context.remember(key, {"batch": batch, "tasks": {str(r): t for r, t in known.items()}})
            guesses = _guesses(context.proba(), context.classes)
            items = [
                (rows[k], *task_data(row_at(X_rows, k), self.feature_names), None if guesses is None else guesses[k])
                for k in missing
            ]
            known.update(self._import(client, project, items, batch))
            context.remember(key, {"batch": batch, "tasks": {str(r): t for r, t in known.items()}})
        lost = [r for r in rows if r not in known]
        if lost:
            raise OracleError(
                f"Label Studio project {project} did not report the tasks created for rows {lost[:10]}; "
                "check the server's log. Nothing of this batch was answered yet."
            )
        return {k: known[r] for k, r in enumerate(rows)}

    def _import(self, client, project, items, batch):
        """Create one task per ``(row, kind, value, guess)``, the guess as its prediction; ``{row: task id}``."""
        tasks = []
        for row, kind, value, guess in items:
            task = {"data": {kind: value, ROW_KEY: row, BATCH_KEY: batch}}
            if guess is not None:
                task["predictions"] = [prediction(_plain(guess[0]), guess[1], kind, self.model_version)]
            tasks.append(task)
        path = f"/api/projects/{project}/import?return_task_ids=true"
        answer = self._call(client, "POST", path, tasks, what="create the tasks")
        ids = answer.get("task_ids") if isinstance(answer, dict) else None
        if not ids or len(ids) != len(tasks):  # a server that does not return ids: find them by batch
            found = self._find_batch(client, project, batch)
            return {row: found[row] for row, *_ in items if row in found}
        return {row: int(t) for (row, *_), t in zip(items, ids)}

    def _find_batch(self, client, project, batch):
        """``{row: task id}`` of the project's tasks created for ``batch`` (a scan of the project's tasks)."""
        found, page = {}, 1
        while True:
            query = urllib.parse.urlencode({"project": project, "page": page, "page_size": 100})
            listed = self._call(client, "GET", f"/api/tasks/?{query}", what="list the tasks")
            tasks = listed.get("tasks", []) if isinstance(listed, dict) else listed
            for task in tasks:
                data = task.get("data") or {}
                if data.get(BATCH_KEY) == batch and ROW_KEY in data:
                    found.setdefault(int(data[ROW_KEY]), int(task["id"]))
            total = listed.get("total", 0) if isinstance(listed, dict) else 0
            if not tasks or page * 100 >= total:
                return found
            page += 1

    # -- the answers -----------------------------------------------------------------------------------------

    def _poll(self, client, project, tasks, classes):
        """Yield ``([position], [answer])`` for each task as it is annotated; STOP once ``timeout`` has passed."""
        pending = dict(tasks)
        start, seen = time.monotonic(), None
        while pending:
            progress = self._progress(client, project)
            if progress != seen or progress is None:
                seen = progress
                for position, task in sorted(pending.items()):
                    # the task, not /annotations/: that list leaves out skipped (cancelled) annotations
                    found = self._call(client, "GET", f"/api/tasks/{task}/", what="read a task")
                    annotations = found.get("annotations") or []
                    answer = annotation_answer(annotations, classes)
                    if answer is not None:
                        del pending[position]
                        yield np.array([position]), [answer]
            if not pending:
                return
            if self.timeout is not None and time.monotonic() - start >= self.timeout:
                yield np.array([min(pending)]), [STOP]
                return
            time.sleep(self.poll_seconds)

    def _progress(self, client, project):
        """The project's annotation counters: when they have not moved, no task needs to be read again."""
        found = self._call(client, "GET", f"/api/projects/{project}/", what="read the project")
        keys = ("total_annotations_number", "skipped_annotations_number", "num_tasks_with_annotations")
        values = tuple(found.get(k) for k in keys)
        return None if None in values else values
