"""The ``skal`` command line: --version, exit codes, and the journal commands."""

import csv
import subprocess
import sys

import pytest

import skal
import skal.journal
from skal.cli import main
from skal.exceptions import JournalError


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"skal {skal.__version__}"


def test_python_m_skal_version():
    done = subprocess.run([sys.executable, "-m", "skal", "--version"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == f"skal {skal.__version__}"


def test_usage_errors_exit_2(capsys):
    for argv in ([], ["nope"], ["journal"], ["journal", "check"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
    capsys.readouterr()


def test_report_of_a_missing_file(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope.jsonl")]) == 1
    assert "skal report: error: cannot read" in capsys.readouterr().err


# --- journal wiring (stand-ins for skal.journal's functions) ---------------------------------------------------------


def test_journal_check_prints_the_summary(monkeypatch, capsys, tmp_path):
    seen = []
    monkeypatch.setattr(skal.journal, "check_journal", lambda f: seen.append(f) or "ok: 3 answers", raising=False)
    assert main(["journal", "check", str(tmp_path / "j.sqlite")]) == 0
    assert capsys.readouterr().out.strip() == "ok: 3 answers" and seen == [str(tmp_path / "j.sqlite")]


def test_journal_check_error_goes_to_stderr_with_exit_1(monkeypatch, capsys):
    def broken(path):
        raise JournalError(f"{path} is not a skal journal")

    monkeypatch.setattr(skal.journal, "check_journal", broken, raising=False)
    assert main(["journal", "check", "x.sqlite"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.strip() == "skal journal check: error: x.sqlite is not a skal journal"


def test_journal_export_prints_rows_written(monkeypatch, capsys):
    seen = []
    monkeypatch.setattr(skal.journal, "export_journal", lambda f, o: seen.append((f, o)) or 7, raising=False)
    assert main(["journal", "export", "j.sqlite", "out.csv"]) == 0
    assert capsys.readouterr().out.strip() == "7" and seen == [("j.sqlite", "out.csv")]

    def broken(path, out):
        raise JournalError("cannot export")

    monkeypatch.setattr(skal.journal, "export_journal", broken, raising=False)
    assert main(["journal", "export", "j.sqlite", "out.csv"]) == 1
    assert "skal journal export: error: cannot export" in capsys.readouterr().err


def test_journal_commands_without_the_functions(monkeypatch, capsys):
    monkeypatch.delattr(skal.journal, "check_journal", raising=False)
    monkeypatch.delattr(skal.journal, "export_journal", raising=False)
    assert main(["journal", "check", "j.sqlite"]) == 1
    assert "no skal.journal.check_journal" in capsys.readouterr().err
    assert main(["journal", "export", "j.sqlite", "o.csv"]) == 1
    assert "no skal.journal.export_journal" in capsys.readouterr().err


# --- journal commands on a real journal -----------------------------------------------------------------------------


def _needs(name):
    if not hasattr(skal.journal, name):
        pytest.skip(f"skal.journal.{name} is not written yet")


@pytest.fixture
def journal_file(tmp_path):
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from skal import ActiveLearner
    from skal.strategies import Random

    X, y = make_classification(n_samples=60, n_features=5, n_informative=3, random_state=0)
    path = tmp_path / "labels.sqlite"
    ActiveLearner(
        LogisticRegression(), initial_strategy=Random(), initial_size=10, query_size=10, n_rounds=1, random_state=0
    ).fit(X, y, journal=path)
    return path


def test_journal_check_on_a_real_journal(journal_file, capsys):
    _needs("check_journal")
    assert main(["journal", "check", str(journal_file)]) == 0
    out = capsys.readouterr().out.strip()
    assert out and out == str(skal.journal.check_journal(journal_file)).strip()


def test_journal_check_refuses_a_file_that_is_not_a_journal(tmp_path, capsys):
    _needs("check_journal")
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"not a database at all" * 10)
    assert main(["journal", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("skal journal check: error: ") and "Traceback" not in err


def test_journal_export_on_a_real_journal(journal_file, tmp_path, capsys):
    _needs("export_journal")
    out_csv = tmp_path / "labels.csv"
    assert main(["journal", "export", str(journal_file), str(out_csv)]) == 0
    written = int(capsys.readouterr().out.strip())
    with open(out_csv, newline="") as f:
        rows = list(csv.reader(f))
    assert written == 20  # 10 initial + 10 queried labels
    assert len(rows) in (written, written + 1)  # one row per label, perhaps under a header


def test_journal_cli_by_subprocess(journal_file):
    _needs("check_journal")
    done = subprocess.run(
        [sys.executable, "-m", "skal", "journal", "check", str(journal_file)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and done.stdout.strip()


def test_report_writes_markdown_and_one_html_page(tmp_path, capsys):
    from .plotting.conftest import write_results

    path = write_results(tmp_path)
    assert main(["report", str(path)]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "report.md").exists() and (tmp_path / "report.html").exists()
    assert f"HTML report: {tmp_path / 'report.html'}" in out
    assert 'src="data:image/png;base64,' in (tmp_path / "report.html").read_text()
