"""A real Label Studio server for the tests: started from its own venv on a free port, SQLite in a temporary dir.

``label-studio`` lives outside skal's environment (it pins Django and its own
numpy): by default ``<repo>/.venv-labelstudio/bin/label-studio``, or the path
in ``SKAL_LABEL_STUDIO``. ``SKAL_LABEL_STUDIO_URL`` with
``SKAL_LABEL_STUDIO_TOKEN`` points the tests at a server already running
instead.

A cold start (Django's migrations on an empty SQLite database) takes one to
two minutes on two busy cores; a start from a migrated database about 15 s.
So the first start saves its freshly migrated database (and the user's token)
as a template next to the binary (``<venv>/skal-test-template/``), and later
starts copy it into their new temporary data dir. ``SKAL_LABEL_STUDIO_TEMPLATE=0``
turns that off; deleting the folder (or the venv) forgets it.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

DEFAULT_BINARY = Path(__file__).resolve().parents[2] / ".venv-labelstudio" / "bin" / "label-studio"


def binary():
    """The ``label-studio`` executable to start: ``SKAL_LABEL_STUDIO`` or the project's ``.venv-labelstudio``."""
    return Path(os.environ.get("SKAL_LABEL_STUDIO", DEFAULT_BINARY))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(url, token, method, path, body=None):
    """One JSON call to the server, as an annotator's script makes it."""
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
    return json.loads(text) if text else None


def _answers(url, token):
    try:
        api(url, token, "GET", "/api/projects/")
        return True
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def running(data_dir, start_timeout=600):
    """``(url, token)`` of a Label Studio server started for the block; its process group is killed after."""
    if os.environ.get("SKAL_LABEL_STUDIO_URL"):
        yield os.environ["SKAL_LABEL_STUDIO_URL"].rstrip("/"), os.environ["SKAL_LABEL_STUDIO_TOKEN"]
        return
    port, data_dir = free_port(), Path(data_dir)
    template = _template_dir()
    token = _from_template(template, data_dir) or secrets.token_hex(16)
    env = dict(os.environ, LABEL_STUDIO_BASE_DATA_DIR=str(data_dir), DJANGO_DB="sqlite")
    command = [
        str(binary()), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
        "--data-dir", str(data_dir), "--username", "annotator@skal.test", "--password", secrets.token_hex(8),
        "--user-token", token, "--enable-legacy-api-token", "--log-level", "WARNING",
    ]  # fmt: skip
    log = open(data_dir / "server.log", "wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while not _answers(url, token):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = (data_dir / "server.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"label-studio did not start (exit {process.poll()}):\n{tail}")
            time.sleep(1.0)
        _save_template(template, data_dir, token)
        yield url, token
    finally:
        _stop(process)
        log.close()


def _template_dir():
    """Where the migrated database is kept: in the server's venv (None when off, or not a venv)."""
    venv = binary().resolve().parents[1]
    if os.environ.get("SKAL_LABEL_STUDIO_TEMPLATE", "1") == "0" or not (venv / "pyvenv.cfg").exists():
        return None
    return venv / "skal-test-template"


def _from_template(template, data_dir):
    """Copy a saved migrated database into ``data_dir``; its user's token, or None without a template."""
    if template is None or not (template / "token").exists():
        return None
    shutil.copyfile(template / "label_studio.sqlite3", data_dir / "label_studio.sqlite3")
    return (template / "token").read_text().strip()


def _save_template(template, data_dir, token):
    """Keep the database of a cold start, just migrated and with its user, for the next starts."""
    if template is None or template.exists():
        return
    partial = template.with_name(f"{template.name}.{os.getpid()}")
    try:
        partial.mkdir()
        source = sqlite3.connect(data_dir / "label_studio.sqlite3")
        target = sqlite3.connect(partial / "label_studio.sqlite3")
        source.backup(target)  # a consistent copy while the server runs
        source.close()
        target.close()
        (partial / "token").write_text(token)
        partial.rename(template)  # whole or not at all; a session that saved one first wins
    except (OSError, sqlite3.Error):
        pass  # a read-only venv, or another session's template: the next start is a cold one or uses that
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _stop(process):
    """SIGTERM to the server's process group, SIGKILL to whatever is left of it after 15 s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
