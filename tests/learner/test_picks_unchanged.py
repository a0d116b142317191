"""The redesign keeps behaviour: every exported strategy labels the rows recorded before it."""

import json

import pytest

from .record_picks import FIXTURE, run
from .test_determinism import STRATEGIES

RECORDED = json.loads(FIXTURE.read_text())


@pytest.mark.parametrize("kind", ["skorch", "logistic"])
@pytest.mark.parametrize("name, strategy", STRATEGIES, ids=[n for n, _ in STRATEGIES])
def test_same_rows_as_recorded(name, strategy, kind):
    assert run(strategy, kind) == RECORDED[kind][name]
