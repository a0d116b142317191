"""benchmarks/stopping_evaluation.py: its derived suites are valid and its judging matches a hand count."""

import importlib.util
from pathlib import Path

import pytest

from skal.bench import load_config

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "stopping_evaluation.py"
spec = importlib.util.spec_from_file_location("stopping_evaluation", SCRIPT)
evaluation = importlib.util.module_from_spec(spec)
spec.loader.exec_module(evaluation)


@pytest.mark.parametrize("suite", list(evaluation.MAIN))
def test_every_suite_derives_a_valid_one_strategy_five_seed_suite(suite):
    cfg = load_config(evaluation.derived_config(suite))
    assert len(cfg["strategies"]) == 1 and cfg["seeds"] == [0, 1, 2, 3, 4] and cfg["stopping"] is True
    if suite in evaluation.LONG:
        assert load_config(evaluation.derived_config(suite, long=True))["n_rounds"] == evaluation.LONG[suite]


def test_judge_by_hand():
    # accuracy 0.50, 0.70, 0.795, 0.80: final 0.80, within 1 point from 0.795 at 30 labels -> target 30
    # kappa recorded None, 0.98, 0.995, 0.999: the default (>= 0.99) first met at 30 labels
    kappas = [None, 0.98, 0.995, 0.999]
    history = [
        {"n_labeled": n, "accuracy": a, "stopping": {"stabilizing_predictions": k}}
        for n, a, k in zip([10, 20, 30, 40], [0.5, 0.7, 0.795, 0.8], kappas)
    ]
    target, last, judged = evaluation.judge(history)
    assert (target, last) == (30, 40)
    labels, lost, fired = judged["StabilizingPredictions(threshold=0.99, window=3)"]
    assert (labels, fired) == (30, True) and lost == pytest.approx(-0.005)
    assert judged["StabilizingPredictions(threshold=0.95, window=3)"][0] == 20
    assert judged["ScorePlateau(patience=3)"] == (40, 0.0, False)  # never recorded: counts as the last round
