"""``make check-parts``: one line per real part, naming the one that cannot start and why, and exit 1."""

import pytest

from . import check_parts


def _broken_server():
    raise RuntimeError("label-studio did not start (exit 1):\nTraceback\n  File x\nTypeError: Unknown option 'x'")


@pytest.mark.parametrize(
    ("check", "line"),
    [
        (_broken_server, "real part 'labelstudio' cannot start: label-studio did not start (exit 1): | TypeError"),
        (lambda: [][0], "real part 'labelstudio' cannot start: IndexError: list index out of range"),
    ],
)
def test_a_part_that_cannot_start_is_named_in_one_line_and_fails(monkeypatch, capsys, check, line):
    monkeypatch.setattr(check_parts, "CHECKS", {"labelstudio": check, "ray": lambda: None})
    assert check_parts.main(["ray", "labelstudio"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "ray: ok"
    assert len(out) == 2 and out[1].startswith(line)


def test_every_part_that_starts_says_ok(monkeypatch, capsys):
    monkeypatch.setattr(check_parts, "CHECKS", {"ray": lambda: None, "browser": lambda: None})
    assert check_parts.main([]) == 0
    assert capsys.readouterr().out.splitlines() == ["ray: ok", "browser: ok"]


def test_in_ci_a_missing_part_fails_its_tests_instead_of_skipping(monkeypatch):
    from .conftest import real_part_missing

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="real part missing in CI: ray is not installed"):
        real_part_missing("ray is not installed")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="ray is not installed"):
        real_part_missing("ray is not installed")
