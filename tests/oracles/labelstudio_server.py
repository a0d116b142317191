"""A real Label Studio server for the tests: started from its own venv on a free port, SQLite in a temporary dir.

``label-studio`` lives outside skal's environment (it pins Django and its own
numpy): by default ``<repo>/.venv-labelstudio/bin/label-studio``, or the path
in ``SKAL_LABEL_STUDIO``. ``SKAL_LABEL_STUDIO_URL`` with
``SKAL_LABEL_STUDIO_TOKEN`` points the tests at a server already running
instead (to iterate without the cold start of about two minutes).
"""

import json
import os
import secrets
import signal
import socket
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
    port, token = free_port(), secrets.token_hex(16)
    data_dir = Path(data_dir)
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
        yield url, token
    finally:
        _stop(process)
        log.close()


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
