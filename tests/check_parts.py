"""Start each real part the tests drive, once, and say in one line which one cannot start and why.

``.ci/run`` runs this (``make check-parts``) before ``make test``: in CI a part
that is missing or broken must fail the run loudly, not turn its tests into
skips. The parts are the ones the tests start themselves: a local Ray cluster,
a Label Studio server from ``.venv-labelstudio`` (its first start also saves the
migrated database the tests then reuse), and Debian's headless chromium driven
through chromedriver by selenium.

Run it as ``python -m tests.check_parts [ray] [labelstudio] [browser]`` (all
three by default). It prints ``<part>: ok`` for each part that started and
``real part '<part>' cannot start: <why>`` for each that did not, then exits 1.
"""

import shutil
import sys
import tempfile
import traceback


def check_ray():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        assert ray.get(ray.put(41)) + 1 == 42
    finally:
        ray.shutdown()


def check_labelstudio():
    from .oracles import labelstudio_server

    binary = labelstudio_server.binary()
    if not binary.exists():
        raise RuntimeError(f"{binary} does not exist (make labelstudio builds it)")
    with tempfile.TemporaryDirectory() as data_dir, labelstudio_server.running(data_dir) as (url, token):
        labelstudio_server.api(url, token, "GET", "/api/projects/")


def check_browser():
    for program, package in (("chromium", "chromium"), ("chromedriver", "chromium-driver")):
        if shutil.which(program) is None:
            raise RuntimeError(f"{program} is not on PATH (apt-get install {package}; make browser does it)")
    import os

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # selenium-manager must not fetch anything
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get("data:text/html,<title>skal</title>")
        assert driver.title == "skal", driver.title
    finally:
        driver.quit()


CHECKS = {"ray": check_ray, "labelstudio": check_labelstudio, "browser": check_browser}


def _why(exc):
    """The error's last meaningful line: what a reader needs to know which part broke and how."""
    lines = [line.strip() for line in traceback.format_exception_only(exc)[-1].splitlines() if line.strip()]
    if isinstance(exc, RuntimeError) and "did not start" in str(exc):
        lines = [str(exc).splitlines()[0]] + [line for line in str(exc).splitlines()[1:] if "Error" in line][-1:]
    return " | ".join(lines)


def main(argv=None):
    names = (argv if argv is not None else sys.argv[1:]) or list(CHECKS)
    failed = []
    for name in names:
        try:
            CHECKS[name]()
        except Exception as exc:  # each part reports its own failure, then the next is tried
            failed.append(name)
            print(f"real part {name!r} cannot start: {_why(exc)}", flush=True)
        else:
            print(f"{name}: ok", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
