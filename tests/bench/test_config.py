"""Suite configs are checked before anything runs or is written: names are slugs, every strategy, model and
dataset name comes from an explicit registry, a missing key is named, and a suite with no dataset on disk fails."""

import json

import pytest

import skal.strategies
from skal.bench import (
    MODEL_NAMES,
    DatasetsMissingError,
    SuiteError,
    build_spec,
    load_config,
    read_records,
    resolve_strategy,
    run_suite,
    spec_registry,
    strategy_registry,
)
from skal.cli import main

from .test_runner import suite


def write(tmp_path, cfg, name="suite.json"):
    path = tmp_path / name
    path.write_text(json.dumps(cfg))
    return path


def bench(tmp_path, cfg, *extra, data_home=None):
    args = ["bench", str(write(tmp_path, cfg)), "--quick", "--out", str(tmp_path / "out"), "--no-progress"]
    if data_home is not None:
        args += ["--data-home", str(data_home)]
    return main(args + list(extra))


# --- item 15: suite names are slugs ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../x", "..", "/tmp/abs", "a/b", "Upper", "", "-x", "x y", "x\\y", 3])
def test_suite_name_must_be_a_slug(tmp_path, name):
    with pytest.raises(SuiteError, match="not a slug"):
        load_config(suite(name=name))
    with pytest.raises(SuiteError, match="not a slug"):
        run_suite(suite(name=name), tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_quick_override_cannot_rename_the_suite_to_a_path():
    cfg = suite()
    cfg["quick"]["name"] = "../escape"
    load_config(cfg)  # the full suite is fine
    with pytest.raises(SuiteError, match="not a slug"):
        load_config(cfg, quick=True)


@pytest.mark.parametrize("name", ["ok", "cold_start_1pct", "low-budget", "9lives"])
def test_slug_names_are_accepted(name):
    assert load_config(suite(name=name))["name"] == name


def test_cli_path_name_writes_nothing_outside_out(tmp_path, capsys):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "report.md").write_text("precious")
    out = tmp_path / "deep" / "out"
    for name in ["../../victim", str(victim)]:
        args = ["bench", str(write(tmp_path, suite(name=name))), "--out", str(out), "--no-progress"]
        assert main(args) == 1
        err = capsys.readouterr().err
        assert "not a slug" in err and "Nothing was run or written" in err
    assert (victim / "report.md").read_text() == "precious" and sorted(victim.iterdir()) == [victim / "report.md"]
    assert not (tmp_path / "deep").exists()


def test_a_bad_suite_stops_the_command_before_any_suite_runs(tmp_path, capsys):
    good = write(tmp_path, suite(strategies=["Random"], baselines=[], time_candidate=False), "good.json")
    bad = write(tmp_path, suite(strategies=["Entopy"]), "bad.json")
    assert main(["bench", str(good), str(bad), "--quick", "--out", str(tmp_path / "out"), "--no-progress"]) == 1
    assert "Entopy" in capsys.readouterr().err and not (tmp_path / "out").exists()


# --- item 16: names resolve through registries only --------------------------------------------------------------


def test_registries_hold_concrete_strategies_and_feature_models():
    strategies = strategy_registry()
    assert {"Random", "Entropy", "HCLC", "Margin", "KMeansSampling", "SelfSupervisedLoss"} <= set(strategies)
    assert not {"QueryStrategy", "ScoringStrategy", "entropy", "binning_select", "split_counts"} & set(strategies)
    assert set(spec_registry()) - set(strategies) == {"SimCLR", "VAE", "AdversarialVAE", "FrozenFeatures"}
    assert "small_cnn" in MODEL_NAMES and "logreg" in MODEL_NAMES and "mlp" in MODEL_NAMES


@pytest.mark.parametrize("name", ["__init__", "os", "Entopy", "entropy", "__class__", "np", "_base"])
def test_unknown_strategy_names_are_refused_with_the_known_ones(name):
    before = dict(vars(skal.strategies))
    for call in (
        lambda: resolve_strategy(name),
        lambda: build_spec(name),
        lambda: build_spec({"name": name}),
        lambda: build_spec({"name": "KMeansSampling", "params": {"embedding": {"name": name}}}),
    ):
        with pytest.raises(SuiteError, match=f"unknown strategy.*'{name}'.*known: .*Entropy.*Random") as info:
            call()
    if name == "Entopy":
        assert "did you mean 'Entropy'" in str(info.value)
    assert vars(skal.strategies) == before  # skal.strategies was not touched


@pytest.mark.parametrize(
    "field",
    [
        lambda n: {"strategies": [n]},
        lambda n: {"strategies": [{"label": "x", "strategy": n}]},
        lambda n: {"strategies": [{"label": "x", "strategy": "Margin", "initial_strategy": n}]},
        lambda n: {"strategies": [{"label": "x", "strategy": "Margin", "initial_strategy": {"name": n}}]},
        lambda n: {"initial_strategy": n},
    ],
)
@pytest.mark.parametrize("name", ["__init__", "os", "Entopy"])
def test_suite_with_an_unknown_strategy_fails(tmp_path, capsys, field, name):
    cfg = suite(**field(name))
    with pytest.raises(SuiteError, match=f"unknown strategy.*'{name}'"):
        load_config(cfg)
    assert bench(tmp_path, cfg) == 1
    err = capsys.readouterr().err
    assert "unknown strategy" in err and "known: " in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_nn_names_outside_the_registry_are_refused():
    assert type(build_spec({"name": "VAE", "params": {"max_epochs": 1}})).__name__ == "VAE"
    for name in ["SmallCNN", "MODELS", "torch", "embed", "LossPredictionNet"]:
        with pytest.raises(SuiteError, match="unknown strategy or model"):
            build_spec({"name": name})


def test_strategies_that_need_parameters_say_so():
    with pytest.raises(SuiteError, match=r"cannot build Mix.*\"params\""):
        resolve_strategy("Mix")
    with pytest.raises(SuiteError, match="cannot build Random.*no_such_param"):
        build_spec({"name": "Random", "params": {"no_such_param": 1}})


@pytest.mark.parametrize("where", ["suite", "dataset"])
def test_unknown_model_is_refused(where):
    cfg = suite()
    if where == "suite":
        cfg["model"] = {"name": "__init__"}
    else:
        cfg["datasets"] = [{"name": "digits", "model": {"name": "resnet"}}]
    with pytest.raises(SuiteError, match="unknown model '.*'.*known: .*small_cnn"):
        load_config(cfg)


def test_unknown_dataset_and_baseline_are_refused():
    with pytest.raises(SuiteError, match="unknown dataset 'mnits'.*did you mean 'mnist'"):
        load_config(suite(datasets=[{"name": "mnits"}]))
    with pytest.raises(SuiteError, match="unknown baseline 'oracle'.*stratified"):
        load_config(suite(baselines=["oracle"]))


# --- item 17: malformed suites, exit codes --------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["name", "datasets", "strategies", "seeds", "initial_size", "query_size", "n_rounds"])
def test_missing_key_is_named(tmp_path, capsys, key):
    cfg = suite()
    del cfg[key]
    cfg["quick"].pop(key, None)
    with pytest.raises(SuiteError, match=f"missing key '{key}'"):
        load_config(cfg, quick=True)
    assert bench(tmp_path, cfg) == 1
    err = capsys.readouterr().err
    assert f"missing key '{key}'" in err and "suite.json" in err and "KeyError" not in err


def test_model_is_needed_unless_every_dataset_has_one():
    cfg = suite()
    del cfg["model"]
    with pytest.raises(SuiteError, match="missing key 'model'"):
        load_config(cfg, quick=True)
    cfg["datasets"] = [{"name": "digits", "model": {"name": "logreg"}}]
    assert load_config(cfg, quick=True)["datasets"][0]["model"]["name"] == "logreg"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"strategies": [{"strategy": "Random"}]}, "lacks key 'label'"),
        ({"strategies": []}, "'strategies' is empty"),
        ({"seeds": 0}, "'seeds' must be a list"),
        ({"n_rounds": "2"}, "'n_rounds' must be an integer"),
        ({"datasets": [{"name": "digits", "imbalance": {"ratio": 0.1}}]}, "lacks key 'profile'"),
        ({"strategies": ["Random", "Random"]}, "repeated: Random"),
    ],
)
def test_malformed_suites_are_explained(change, message):
    with pytest.raises(SuiteError, match=message):
        load_config(suite(**change))


def test_unreadable_suite_files(tmp_path, capsys):
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "list.json").write_text("[]")
    for name, message in [("broken.json", "not valid JSON"), ("list.json", "a JSON object"), ("nope.json", "cannot")]:
        assert main(["bench", str(tmp_path / name), "--out", str(tmp_path / "out")]) == 1
        err = capsys.readouterr().err
        assert message in err and name in err


def test_all_datasets_missing_fails_unless_allowed(tmp_path, capsys):
    cfg = suite(datasets=[{"name": "mnist"}, {"name": "cifar10"}], strategies=["Random"], baselines=[])
    with pytest.raises(DatasetsMissingError, match="every dataset is missing"):
        run_suite(cfg, tmp_path / "lib", data_home=tmp_path / "empty", progress=False)

    assert bench(tmp_path, cfg, data_home=tmp_path / "empty") == 1
    err = capsys.readouterr().err
    assert "every dataset is missing" in err and "dataset 'mnist' not found" in err and "cifar10" in err
    assert "make data" in err and "../" not in err

    assert bench(tmp_path, cfg, "--allow-missing", data_home=tmp_path / "empty") == 0
    out, err = capsys.readouterr()
    assert "Skipped: dataset 'mnist' not found" in out and "skipped missing datasets: mnist, cifar10" in err


def test_some_datasets_missing_succeeds_and_lists_them(tmp_path, capsys):
    cfg = suite(
        datasets=[{"name": "mnist"}, {"name": "digits"}], strategies=["Random"], baselines=[], time_candidate=False
    )
    assert bench(tmp_path, cfg, data_home=tmp_path / "empty") == 0
    out, err = capsys.readouterr()
    assert "Skipped: dataset 'mnist' not found" in out and "| 20 |" in out
    assert "skipped missing datasets: mnist" in err


def test_a_dataset_found_later_is_no_longer_reported_missing(tmp_path):
    import numpy as np

    cfg = suite(datasets=[{"name": "mnist"}, {"name": "digits", "n_pool": 200}], strategies=["Random"], baselines=[])
    cfg["time_candidate"] = False
    home = tmp_path / "home"
    home.mkdir()
    path = run_suite(cfg, tmp_path / "out", data_home=home, progress=False)
    assert [r["dataset"] for r in read_records(path) if r["kind"] == "missing_dataset"] == ["mnist"]
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, (60, 28, 28), dtype=np.uint8), np.arange(60) % 3
    np.savez(home / "mnist.npz", x_train=x, y_train=y, x_test=x[:30], y_test=y[:30])
    path = run_suite(cfg, tmp_path / "out", data_home=home, progress=False)
    records = read_records(path)
    assert not [r for r in records if r["kind"] == "missing_dataset"]
    assert any(r["kind"] == "run" and r["dataset"] == "mnist" for r in records)
