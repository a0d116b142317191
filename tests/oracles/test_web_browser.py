"""WebOracle's page in a real headless browser: Debian's chromium driven by selenium through its chromedriver.

Nothing downloads a browser: the tests skip (fail in CI), saying why, when selenium,
``chromium`` or ``chromedriver`` is missing (``apt-get install chromium
chromium-driver``; ``pip install selenium``). The labeling test takes the
README's screenshot, ``docs/images/web_oracle.png``: it writes it when the file
is missing or ``SKAL_UPDATE_SCREENSHOT=1`` is set, so a test run leaves the
checkout clean otherwise.
"""

import importlib.util
import io
import json
import os
import shutil
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

from skal.oracles import STOP
from skal.oracles._web import WebOracle

from ..conftest import real_part_missing

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "images" / "web_oracle.png"
WAIT = 60  # seconds: a busy 2-core CI machine trains and renders slowly


def _missing():
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    for program, package in (("chromium", "chromium"), ("chromedriver", "chromium-driver")):
        if shutil.which(program) is None:
            return f"{program} is not on PATH (apt-get install {package})"
    return None


pytestmark = pytest.mark.xdist_group("browser")


@pytest.fixture(scope="module")
def browser():
    if _missing() is not None:
        real_part_missing(_missing())
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # selenium-manager must not fetch anything
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=900,820"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


def _example():
    spec = importlib.util.spec_from_file_location("label_digits", ROOT / "examples" / "label_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Page:
    """The page as a person uses it: what it shows, and keys pressed on it."""

    def __init__(self, driver):
        self.driver = driver

    def text(self, element_id):
        from selenium.webdriver.common.by import By

        element = self.driver.find_element(By.ID, element_id)
        return element.text if element.is_displayed() else None

    def until(self, condition, what):
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, WAIT, poll_frequency=0.05).until(lambda d: condition(), what)

    def row(self):
        """The pool row shown now, or None when the page shows no question."""
        text = self.text("rowid")
        return int(text.split()[1]) if text else None

    def asking(self, position):
        """Wait until the page asks the row at ``position`` of its round (counted from 0); that row."""
        self.until(lambda: (self.text("rowid") or "").endswith(f"· {position + 1} of 10"), f"position {position}")
        return self.row()

    def press(self, key):
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(self.driver).send_keys(key).perform()

    def notice(self):
        return self.text("notice-title")


def _journal(path):
    with sqlite3.connect(path) as db:
        labels = {row: json.loads(label) for row, label in db.execute("SELECT row, label FROM labels ORDER BY seq")}
        skipped = {row for (row,) in db.execute("SELECT row FROM skipped")}
    return labels, skipped


def test_label_with_keys_undo_skip_reload_and_stop(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys

    example = _example()
    truth = example.load_digits().target
    learner, X, oracle = example.build(budget=40, output=io.StringIO())
    path, result = tmp_path / "labels.db", {}

    def fit():
        try:
            result["learner"] = learner.fit(X, oracle, journal=path)
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            result["error"] = exc

    thread = threading.Thread(target=fit, daemon=True)
    thread.start()
    page, given, skipped = Page(browser), {}, set()
    page.until(lambda: oracle.url is not None or "error" in result, "the page's URL")
    assert "error" not in result, result.get("error")
    browser.get(oracle.url)

    # Round 0: no model yet. Keys for labels, a skip taken back, a wrong label taken back, a reload.
    for k in range(3):
        row = page.asking(k)
        page.press(str(truth[row]))
        given[row] = int(truth[row])
    row = page.asking(3)
    assert page.text("guess") == ""  # no model yet
    page.press("s")
    assert page.asking(4) != row
    page.press("u")  # the skip is taken back: the same row again
    assert page.asking(3) == row
    page.press(str(truth[row]))
    given[row] = int(truth[row])
    row = page.asking(4)
    page.press(str((truth[row] + 1) % 10))
    page.asking(5)
    page.press(Keys.BACKSPACE)  # the wrong label is taken back
    assert page.asking(4) == row
    browser.refresh()  # a reload mid-round shows the same row and progress
    assert page.asking(4) == row and page.text("progress-text").startswith("4 of 10 in this round")
    page.press(str(truth[row]))
    given[row] = int(truth[row])
    for k in range(5, 10):
        row = page.asking(k)
        if k == 7:
            page.press("s")
            skipped.add(row)
        else:
            page.press(str(truth[row]))
            given[row] = int(truth[row])

    # Round 1: the model guesses; two labels, the screenshot, then "stop for now".
    for k in range(2):
        row = page.asking(k)
        page.press(str(truth[row]))
        given[row] = int(truth[row])
    page.asking(2)
    page.until(lambda: "model's guess" in (page.text("guess") or ""), "the model's guess")
    assert "labels used: 11 of 40" in page.text("budget-text")
    shot = tmp_path / "web_oracle.png"
    browser.save_screenshot(str(shot))
    if os.environ.get("SKAL_UPDATE_SCREENSHOT") == "1" or not SCREENSHOT.exists():  # else the tree stays clean
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
    page.press(Keys.ESCAPE)
    page.until(lambda: page.notice() in ("Stopped for now.", "The labeling session has ended."), "the stop")
    thread.join(WAIT)

    assert "error" not in result, result.get("error")
    fitted = result["learner"]
    assert fitted.stopped_ and len(fitted.history_) == 2
    assert _journal(path) == (given, skipped)  # exactly the answers standing, nothing undone
    assert sorted(fitted.labeled_indices_.tolist()) == sorted(given)
    assert shot.stat().st_size > 10_000
    page.until(lambda: page.notice() == "The labeling session has ended.", "the end of the session")


def test_row_text_is_shown_as_text_never_run(browser):
    texts = ["<img src=x onerror=\"document.title='pwned'\">", "<b>bold?</b> & <script>document.title='x'</script>"]
    got = {}
    with WebOracle(["ok", "bad"], output=io.StringIO()) as oracle:
        thread = threading.Thread(target=lambda: got.update(labels=oracle.label([0, 1], texts)), daemon=True)
        thread.start()
        page = Page(browser)
        browser.get(oracle.url)
        for k, text in enumerate(texts):
            page.until(lambda k=k: page.row() == k, f"row {k}")
            assert page.text("view") == text and not browser.find_elements("css selector", "#view img, #view b")
            page.press("1")
        thread.join(WAIT)
        assert browser.title == "skal · ok, bad"  # no script of the rows ran
    assert got["labels"].tolist() == ["ok", "ok"]


def test_buttons_stop_and_more_than_ten_classes(browser):
    from selenium.webdriver.common.by import By

    classes = [f"c{k}" for k in range(12)]
    chunks = []
    with WebOracle(classes, output=io.StringIO()) as oracle:
        thread = threading.Thread(
            target=lambda: chunks.extend(oracle.stream([5, 6], np.eye(2)[:, :2].reshape(2, 2))), daemon=True
        )
        thread.start()
        page = Page(browser)
        browser.get(oracle.url)
        page.until(lambda: page.row() == 5, "row 5")
        buttons = browser.find_elements(By.CSS_SELECTOR, "#classes button")
        assert [b.get_attribute("data-label") for b in buttons] == classes
        assert [len(b.find_elements(By.TAG_NAME, "kbd")) for b in buttons] == [1] * 10 + [0] * 2
        buttons[11].click()  # a class without a key
        page.until(lambda: page.row() == 6, "row 6")
        browser.find_element(By.ID, "stop").click()
        page.until(lambda: page.notice() == "Stopped for now.", "the stop")
        thread.join(WAIT)
    assert [(p.tolist(), list(a)) for p, a in chunks] == [([0], ["c11"]), ([1], [STOP])]
