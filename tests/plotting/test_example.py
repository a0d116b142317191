"""examples/pictures_of_a_run.py: the README's pictures come from a run that a stopping criterion ended."""

import importlib.util
from pathlib import Path

EXAMPLE = Path(__file__).parents[2] / "examples" / "pictures_of_a_run.py"


def test_the_example_run_stops_by_stabilizing_predictions_and_saves_four_pictures(tmp_path):
    spec = importlib.util.spec_from_file_location("pictures_of_a_run", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    learner = example.run()
    assert learner.stopped_ and learner.stop_reason_.startswith("stabilizing predictions")
    assert learner.history_[-1]["stopping"]["stabilizing_predictions"] >= 0.99
    assert all(r["confidence"] is not None for r in learner.history_)
    example.main(["--out", str(tmp_path)])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(example.PICTURES)
