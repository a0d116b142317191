"""TerminalOracle and describe_row: rows of every pool type shown, answers typed, skipped, stopped."""

import io

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from skal import ActiveLearner
from skal.oracles import SKIP, STOP, TerminalOracle, describe_row
from skal.oracles._terminal import parse_answer
from skal.strategies import Entropy, Random

from .conftest import FlatLR, images


def test_terminal_oracle_shows_rows_reads_answers_skips_and_stops(tmp_path):
    X, y = images()
    shown = io.StringIO()
    prompts = []

    def answer(prompt):
        """The person: a typo on the 2nd prompt, ":skip" on the 4th, ":stop" on the 12th, else the true class."""
        prompts.append(prompt)
        scripted = {2: "maybe", 4: ":skip", 12: ":stop"}
        if len(prompts) in scripted:
            return scripted[len(prompts)]
        header = [line for line in shown.getvalue().splitlines() if line.startswith("— row ")][-1]
        return str(y[int(header.split()[2])])

    oracle = TerminalOracle(classes=["flat", "top"], image_dir=tmp_path / "png", input=answer, output=shown)
    learner = ActiveLearner(
        FlatLR(), Entropy(), initial_strategy=Random(), initial_size=6, query_size=6, n_rounds=3, random_state=0
    ).fit(X, oracle, journal=tmp_path / "labels.db")
    text = shown.getvalue()
    assert "is not a class" in text and "image: " in text and ("#" in text or "@" in text)
    assert len(list((tmp_path / "png").glob("row_*.png"))) >= 10
    assert learner.stopped_ and learner.skipped_.sum() == 1
    assert (learner.labels_ == y[learner.labeled_indices_]).all()
    assert oracle.n_served == len(learner.labeled_indices_)


def test_terminal_oracle_describes_table_rows():
    out = io.StringIO()
    oracle = TerminalOracle(feature_names=["age", "income"], input=lambda p: "3", output=out)
    assert [(p.tolist(), a) for p, a in oracle.stream([0], np.array([[41.0, 5.5]]))] == [([0], [3])]
    assert "age=41, income=5.5" in out.getvalue()


def test_terminal_oracle_shows_rows_of_every_pool_type():
    out = io.StringIO()
    oracle = TerminalOracle(input=lambda p: "1", output=out)
    frame = pd.DataFrame({"age": [41, 7], "city": ["Oslo", "Lima"]})
    assert oracle.label([0, 1], frame).tolist() == [1, 1]
    assert oracle.label([2], sparse.csr_matrix([[0.0, 3.0, 0.0]])).tolist() == [1]
    assert oracle.label([3], ["a review to read"]).tolist() == [1]
    text = out.getvalue()
    assert "age=41, city=Oslo" in text and "age=7, city=Lima" in text
    assert "x1=3 (1 of 3 non-zero)" in text and "a review to read" in text


def test_describe_row_ndarray_and_image():
    assert describe_row(np.array([1.0, 2.25, 3])) == "x0=1, x1=2.25, x2=3"
    assert describe_row(np.arange(30)).endswith("x19=19 … (+10)")
    picture = describe_row(np.eye(4))
    assert picture.splitlines()[0] == "@   " and len(picture.splitlines()) == 4
    assert describe_row(np.zeros((3, 6, 6))).splitlines() == [" " * 6] * 6  # channels first, flat: blank


def test_describe_row_dataframe_uses_column_names():
    frame = pd.DataFrame({"age": [41.5], "city": ["Oslo"]}, index=[99])
    assert describe_row(frame) == "age=41.5, city=Oslo"
    assert describe_row(frame.iloc[0]) == "age=41.5, city=Oslo"
    assert describe_row(frame, feature_names=["A", "C"]) == "A=41.5, C=Oslo"


def test_describe_row_sparse_shows_non_zero_entries():
    row = sparse.csr_matrix(([2.0, -1.5], ([0, 0], [3, 997])), shape=(1, 1000))
    assert describe_row(row) == "x3=2, x997=-1.5 (2 of 1000 non-zero)"
    names = [f"w{j}" for j in range(1000)]
    assert describe_row(row, feature_names=names) == "w3=2, w997=-1.5 (2 of 1000 non-zero)"
    assert describe_row(sparse.csr_matrix((1, 5))) == " (0 of 5 non-zero)"


def test_describe_row_text_is_text_truncated():
    assert describe_row("a short text") == "a short text"
    long = "word " * 200
    shown = describe_row(long, max_chars=50)
    assert shown.startswith("word word") and shown.endswith("…") and len(shown) <= 51
    assert describe_row(b"bytes too") == "bytes too"
    assert describe_row({"id": 3}) == "{'id': 3}" and describe_row(None) == ""


def test_parse_answer():
    classes = np.array(["cat", "dog"])
    assert parse_answer("dog", classes) == "dog" and parse_answer(":q", classes) is STOP
    assert parse_answer("2.5", None) == 2.5 and parse_answer("hello", None) == "hello"


@pytest.mark.parametrize("name", ["s", "q", "skip", "stop"])
def test_a_class_named_like_a_command_can_be_given(name):
    script = iter([name, ":skip", ":stop"])
    oracle = TerminalOracle(classes=[name, "other"], input=lambda p: next(script), output=io.StringIO())
    assert oracle.label([0, 1, 2, 3]).tolist() == [name, SKIP, STOP, STOP]
    assert parse_answer(name, [name, "other"]) == name and parse_answer(name.upper(), None) == name.upper()
    assert parse_answer(name, None) == name  # without classes a bare word is a label too


@pytest.mark.parametrize(
    "typed, expected", [(":skip", SKIP), (":s", SKIP), (":SKIP", SKIP), (":stop", STOP), (":q", STOP), (" :Q ", STOP)]
)
def test_commands_start_with_a_colon(typed, expected):
    assert parse_answer(typed, ["stop", "s"]) is expected and parse_answer(typed, None) is expected


def test_the_prompt_shows_the_commands_and_bad_answers_are_asked_again():
    prompts, script, out = [], iter(["", ":sikp", "sk", "s", ":s", "go", ":q"]), io.StringIO()
    oracle = TerminalOracle(classes=["stop", "s", "go"], input=lambda p: prompts.append(p) or next(script), output=out)
    assert oracle.label([0, 1, 2, 3]).tolist() == ["s", SKIP, "go", STOP]
    assert prompts[0] == "label [stop / s / go], or :skip / :stop: " and len(prompts) == 7
    text = out.getvalue()
    assert "The answer is empty" in text and "':sikp' is not a command" in text and "'sk' is not a class" in text


def test_a_bare_command_word_that_is_not_a_class_says_how_to_give_the_command():
    with pytest.raises(ValueError, match=r"'skip' is not a class; .* \(to skip this row type :skip\)"):
        parse_answer("skip", ["cat", "dog"])
    with pytest.raises(ValueError, match=r"\(to stop the session type :stop\)"):
        parse_answer("q", ["cat", "dog"])


def test_a_label_that_starts_with_a_colon_is_typed_with_the_colon_doubled():
    assert parse_answer("::)", [":)", ":("]) == ":)" and parse_answer("::x", None) == ":x"
    with pytest.raises(ValueError, match=r"double the colon \('::\)'\)"):
        parse_answer(":)", [":)", ":("])
    oracle = TerminalOracle(classes=[":)", ":("], input=lambda p: "::(", output=io.StringIO())
    prompts = []
    oracle.input = lambda p: prompts.append(p) or "::("
    assert oracle.label([0]).tolist() == [":("] and prompts[0].startswith("label [::) / ::(]")
