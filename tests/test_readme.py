"""The README's Python examples run as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.xdist_group("ray")  # the README's Ray example starts a local cluster: one at a time per machine
def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 2
    namespace = {}
    exec(compile("\n".join(blocks), str(README), "exec"), namespace)
    learner = namespace["learner"]
    assert [r["n_labeled"] for r in learner.history_] == [30, 60, 90, 120, 150, 180]
    assert learner.predict(namespace["X"][:5]).shape == (5,)
    web = namespace["web_learner"]  # "Labeling with people": answered through the page's API
    assert len(web.labeled_indices_) == 20 and (web.labels_ == namespace["y"][web.labeled_indices_]).all()
    stopped = namespace["stopping_learner"]  # "When to stop": a criterion ended the run, the cost was counted
    assert stopped.stop_reason_.startswith("stabilizing predictions") and stopped.history_[-1]["total_cost"] > 300
    big = namespace["big_learner"]  # the memmap pool of "Large pools"
    assert [r["n_labeled"] for r in big.history_] == [400, 900, 1400]
    assert namespace["ray_learner"].labeled_round_.max() == 2  # "Large pools and clusters", on a local Ray cluster
    frozen = namespace["frozen_learner"]  # "Frozen backbones": a FrozenFeatures pipeline
    assert len(frozen.labeled_indices_) == 60 and namespace["backbone"].n_embedded_ == 300


def test_readme_opens_with_the_two_commands():
    lines = [line for line in README.read_text().splitlines() if line.startswith("make ")]
    assert lines[0].startswith("make demo") and lines[1].startswith("make test") and lines[2].startswith("make label")
