"""The benchmark runner on tiny suites: records, resume, missing datasets, reports, CLI."""

import json

import numpy as np
import pytest

from skal.bench import SuiteError, load_config, read_records, resolve_strategy, run_suite, summarize, write_report
from skal.bench._report import _aulc
from skal.cli import main
from skal.strategies import Entropy, Subsample


def suite(**kw):
    cfg = {
        "name": "tiny",
        "datasets": [{"name": "digits"}],
        "model": {"name": "mlp", "epochs": 2, "lr": 0.01},
        "strategies": ["Random", "HCLC"],
        "baselines": ["stratified"],
        "seeds": [0],
        "initial_size": 20,
        "query_size": 20,
        "n_rounds": 2,
        "time_candidate": True,
        "quick": {"n_rounds": 1, "dataset": {"n_pool": 300}, "model": {"epochs": 1}},
    }
    cfg.update(kw)
    return cfg


def test_quick_overrides_merge():
    cfg = load_config(suite(), quick=True)
    assert cfg["name"] == "tiny-quick" and cfg["n_rounds"] == 1
    assert cfg["datasets"][0]["n_pool"] == 300 and cfg["model"] == {"name": "mlp", "epochs": 1, "lr": 0.01}
    assert load_config(suite())["n_rounds"] == 2


def test_resolve_strategy():
    assert isinstance(resolve_strategy("Entropy"), Entropy)
    assert isinstance(resolve_strategy("Entropy", n_candidates=50), Subsample)
    assert resolve_strategy("Random", n_candidates=50).__class__.__name__ == "Random"
    for name in ("NoSuchStrategy", "entropy"):
        with pytest.raises(SuiteError, match="unknown strategy"):
            resolve_strategy(name)
    # strategies that draw their own candidate subset get n_candidates set, not a Subsample wrapper
    assert resolve_strategy("GradNorm", n_candidates=50).n_candidates == 50
    assert resolve_strategy("LearningLoss", n_candidates=50).n_candidates == 50


def test_loss_prediction_strategies_get_a_loss_prediction_net(tmp_path):
    from skal.nn import LossPredictionNet

    cfg = suite(strategies=["LearningLoss", "LPLgrad"], baselines=[], time_candidate=False, n_candidates=30)
    cfg["model"] = {"name": "mlp", "epochs": 5, "lr": 0.01}
    records = read_records(run_suite(cfg, tmp_path, quick=True, progress=False))
    used = [r["strategy_used"] for r in records if r["kind"] == "round" and r["round"] == 1]
    assert used[0].startswith("LearningLoss(n_candidates=30") and used[1].startswith("LPLgrad(n_candidates=30")

    from skal.bench._data import prepare_data
    from skal.bench._models import build_model

    net = build_model(cfg["model"], prepare_data({"name": "digits", "n_pool": 100}), loss_prediction=True)
    assert isinstance(net, LossPredictionNet) and net.lpm_detach_epoch == 3  # 60 % of 5 epochs (120 of 200)


def test_run_records_resume_and_report(tmp_path):
    path = run_suite(suite(), tmp_path, progress=False)
    records = read_records(path)
    kinds = [r["kind"] for r in records]
    assert kinds.count("run") == 3 and kinds.count("candidate") == 1
    rounds = [r for r in records if r["kind"] == "round" and r["strategy"] == "HCLC"]
    assert [r["n_labeled"] for r in rounds] == [20, 40, 60]
    assert all(0 <= r["accuracy"] <= 1 and 0 <= r["macro_f1"] <= 1 for r in rounds)
    assert "HighConfidence" in rounds[0]["strategy_used"] and "LeastConfidence" in rounds[1]["strategy_used"]
    strat = [r["n_labeled"] for r in records if r["kind"] == "round" and r["strategy"] == "Stratified (oracle)"]
    assert strat == [20, 40, 60]

    # resume: a second run does nothing; a half-written run is dropped and re-run
    before = path.read_text()
    run_suite(suite(), tmp_path, progress=False)
    assert path.read_text() == before
    lines = [json.loads(line) for line in before.splitlines()]
    keep = [r for r in lines if not (r["kind"] == "run" and r.get("strategy") == "Random")]
    path.write_text("".join(json.dumps(r) + "\n" for r in keep))
    run_suite(suite(), tmp_path, progress=False)
    again = read_records(path)
    assert sum(r["kind"] == "run" for r in again) == 3
    random_rounds = [r for r in again if r["kind"] == "round" and r["strategy"] == "Random"]
    assert len(random_rounds) == 3  # the orphan rounds were replaced, not duplicated
    old = [r["accuracy"] for r in lines if r["kind"] == "round" and r["strategy"] == "Random"]
    assert [r["accuracy"] for r in random_rounds] == pytest.approx(old)  # same seed, same run

    text = write_report(path)
    assert "| labels | Random | HCLC | Stratified (oracle) |" in text
    assert "Time saved" in text
    saved_row = next(line for line in text.splitlines() if line.startswith("| time saved"))
    assert saved_row.split("|")[2].strip() == "0" and float(saved_row.split("|")[3]) >= 0  # Random 0; HCLC > 0
    assert (path.parent / "report.md").exists() and list(path.parent.glob("curve_*.png"))


def test_missing_dataset_is_listed_not_fatal(tmp_path):
    cfg = suite(datasets=[{"name": "mnist"}, {"name": "digits", "n_pool": 200}], strategies=["Random"], baselines=[])
    path = run_suite(cfg, tmp_path / "out", data_home=tmp_path / "empty", progress=False)
    records = read_records(path)
    missing = [r for r in records if r["kind"] == "missing_dataset"]
    assert len(missing) == 1 and "make data" in missing[0]["message"] and "../" not in missing[0]["message"]
    assert any(r["kind"] == "run" and r["dataset"] == "digits" for r in records)
    assert "Skipped: dataset 'mnist' not found" in write_report(path)


def test_aulc_and_labels_to_reach_random():
    assert _aulc([10, 20, 30], [0.5, 0.5, 0.5]) == pytest.approx(0.5)
    assert _aulc([0, 10], [0.0, 1.0]) == pytest.approx(0.5)
    recs = []
    for name, accs in [("Random", [0.5, 0.6, 0.7]), ("A", [0.6, 0.7, 0.8]), ("B", [0.1, 0.2, 0.3])]:
        for k, a in enumerate(accs):
            recs.append(
                {
                    "kind": "round",
                    "dataset": "d",
                    "model": "m",
                    "strategy": name,
                    "seed": 0,
                    "round": k,
                    "n_labeled": 10 * (k + 1),
                    "accuracy": a,
                    "macro_f1": a,
                    "query_seconds": 0.0,
                }
            )
    s = summarize(recs)["d"]["strategies"]
    assert s["Random"]["labels_to_random_final"] == 30
    assert s["A"]["labels_to_random_final"] == 20 and s["B"]["labels_to_random_final"] is None


def test_cli_bench_quick(tmp_path, capsys):
    cfg = tmp_path / "suite.json"
    cfg.write_text(json.dumps(suite(strategies=["Random"], baselines=[], time_candidate=False)))
    assert main(["bench", str(cfg), "--quick", "--out", str(tmp_path / "r"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "tiny-quick" in out and "| 20 |" in out and "| 40 |" in out
    assert np.isfinite(read_records(tmp_path / "r" / "tiny-quick" / "results.jsonl")[0]["accuracy"])


def test_random_start_only_for_strategies_that_need_a_model(tmp_path):
    cfg = suite(
        strategies=["Entropy", "Coreset"], baselines=[], time_candidate=False, random_start_for_uncertainty=True
    )
    records = read_records(run_suite(cfg, tmp_path, quick=True, progress=False))
    first = {r["strategy"]: r["strategy_used"] for r in records if r["kind"] == "round" and r["round"] == 0}
    assert "Random" in first["Entropy"] and first["Coreset"].startswith("Coreset")


def test_rounds_record_picks_diagnostics_cost_and_stopping_values(tmp_path):
    cfg = suite(strategies=["Margin"], baselines=[], stopping=True, cost={str(c): 1.0 + c for c in range(10)})
    cfg["initial_strategy"] = "Random"
    path = run_suite(cfg, tmp_path, quick=True, progress=False)
    rounds = [r for r in read_records(path) if r["kind"] == "round"]
    assert json.loads((path.parent / "suite.json").read_text())["stopping"] is True
    for r in rounds:
        assert len(r["queried"]) == 20 and sum(c for _, c in r["picked_labels"]) == 20
        assert set(r["stopping"]) == {
            "stabilizing_predictions",
            "overall_uncertainty",
            "max_confidence",
            "classification_change",
            "contradiction",
            "score_plateau",
        }
        assert sum(r["confidence"]["counts"]) > 0 and len(r["per_class_accuracy"]) == 10
        assert r["cost"] == pytest.approx(sum((1.0 + c) * n for c, n in r["picked_labels"]))  # class c costs 1 + c
    assert rounds[-1]["total_cost"] == pytest.approx(sum(r["cost"] for r in rounds))


@pytest.mark.parametrize("bad", [{"stopping": "yes"}, {"cost": -1}, {"cost": {"0": "free"}}])
def test_bad_stopping_or_cost_keys_are_refused(bad):
    with pytest.raises(SuiteError, match="stopping|cost"):
        load_config(suite(**bad))
