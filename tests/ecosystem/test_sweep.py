"""Sweeps: grid and random trials, results table, resuming, joblib and a real Dask cluster."""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from fcnn import sweep as sweep_module
from fcnn.cli import main
from fcnn.run import TrainConfig
from fcnn.run.config import to_toml
from fcnn.sweep import ResultsLog, Sweep, apply_params, run_sweep, trial_id

TINY = {"dataset": "moons", "dataset_options": {"n_samples": 200}, "hidden": [8], "epochs": 2,
        "batch_size": 32}


def tiny_sweep(**grid) -> Sweep:
    return Sweep.from_dict({"base": TINY, "grid": grid or {"lr": [0.05, 0.2]}})


def read_csv(folder: Path) -> list[dict[str, str]]:
    with open(folder / "results.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_grid_is_every_combination_in_file_order() -> None:
    sweep = tiny_sweep(lr=[0.01, 0.1], activation=["relu", "tanh", "sigmoid"])
    trials = sweep.trials()
    expected = [{"lr": lr, "activation": a}
                for lr, a in itertools.product([0.01, 0.1], ["relu", "tanh", "sigmoid"])]
    assert [t.params for t in trials] == expected
    assert len({t.id for t in trials}) == 6
    assert trials[4].config["lr"] == 0.1 and trials[4].config["activation"] == "tanh"
    assert trials[4].config["epochs"] == 2  # from the base


def test_width_and_depth_set_the_hidden_layers() -> None:
    assert apply_params({"hidden": [64]}, {"width": 16, "depth": 3})["hidden"] == [16, 16, 16]
    assert apply_params({"hidden": [64, 32]}, {"depth": 1})["hidden"] == [64]
    with pytest.raises(ValueError, match="not both"):
        apply_params({}, {"hidden": [3], "width": 4})
    with pytest.raises(ValueError, match="no hidden layer"):
        apply_params({"hidden": []}, {"depth": 2})


def test_random_search_is_seeded_and_stays_in_range() -> None:
    space = {"lr": {"low": 1e-3, "high": 1e-1, "log": True},
             "dropout": {"low": 0.0, "high": 0.5}, "width": {"low": 4, "high": 64, "int": True},
             "activation": ["relu", "tanh"]}

    def draw(seed: int) -> list[dict]:
        sweep = Sweep.from_dict({"base": TINY, "random": space, "n_trials": 30, "seed": seed})
        return [t.params for t in sweep.trials()]

    first = draw(0)
    assert first == draw(0) and first != draw(1)
    assert len(first) == 30
    lrs = np.array([p["lr"] for p in first])
    assert lrs.min() >= 1e-3 and lrs.max() <= 1e-1
    assert np.mean(lrs < 1e-2) > 0.25  # log-uniform: about half below the geometric middle
    assert all(0 <= p["dropout"] <= 0.5 for p in first)
    assert all(isinstance(p["width"], int) and 4 <= p["width"] <= 64 for p in first)
    assert {p["activation"] for p in first} == {"relu", "tanh"}


def test_trial_ids_are_stable_and_depend_on_every_option() -> None:
    config = {**TINY, "lr": 0.1}
    assert trial_id(config) == trial_id(dict(reversed(list(config.items()))))
    assert trial_id(config) != trial_id({**config, "seed": 1})
    assert trial_id({"lr": 0.05}) == trial_id(TrainConfig(lr=0.05).to_dict())


@pytest.mark.parametrize("values, message", [
    ({"base": TINY}, "exactly one of a \\[grid\\] table"),
    ({"base": TINY, "grid": {"lr": [0.1]}, "random": {"lr": [0.1]}}, "exactly one"),
    ({"base": TINY, "grid": {"learning_rate": [0.1]}}, "unknown option 'learning_rate'"),
    ({"base": TINY, "grid": {"lr": []}}, "empty list"),
    ({"base": TINY, "grid": {"lr": 0.1}}, "expected a list of values"),
    ({"base": TINY, "random": {"lr": {"low": 0.1}}}, "needs 'low' and 'high'"),
    ({"base": TINY, "random": {"lr": {"low": 0, "high": 1, "log": True}}}, "low > 0"),
    ({"base": TINY, "random": {"lr": [0.1]}, "n_trials": 0}, "n_trials must be a positive"),
    ({"base": TINY, "grid": {"lr": [0.1]}, "metric": "f1"}, "unknown metric 'f1'"),
    ({"base": {**TINY, "validation_split": 0}, "grid": {"lr": [0.1]}}, "needs a validation set"),
    ({"base": {"epoch": 3}, "grid": {"lr": [0.1]}},
     "unknown configuration key 'epoch'. Did you mean 'epochs'\\?"),
    ({"base": TINY, "grid": {"lr": [0.1]}, "workers": 3}, "unknown sweep keys \\['workers'\\]"),
])
def test_bad_sweep_files_are_clear_errors(values, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Sweep.from_dict(values)


def test_a_bad_value_is_caught_before_any_training() -> None:
    sweep = tiny_sweep(activation=["relu", "gelu"])
    with pytest.raises(ValueError, match="trial with activation='gelu' is invalid: activation: "
                                         "expected one of relu"):
        sweep.trials()
    with pytest.raises(ValueError, match="optimizer: expected one of sgd, adam, adamw; got "
                                         "'lbfgs'"):
        tiny_sweep(optimizer=["lbfgs"]).trials()
    # an option of one optimizer swept beside another optimizer is caught too
    with pytest.raises(ValueError, match="momentum: applies to optimizer sgd, not to adam"):
        tiny_sweep(optimizer=["sgd", "adam"], momentum=[0.5]).trials()


def test_run_writes_the_table_and_the_best_config(tmp_path: Path) -> None:
    sweep = tiny_sweep(lr=[0.01, 0.3], width=[2, 16])
    result = run_sweep(sweep, tmp_path, n_jobs=1, progress=False, log=None)
    rows = read_csv(tmp_path)
    assert [r["trial"] for r in rows] == [t.id for t in sweep.trials()]
    assert list(rows[0]) == ["trial", "status", "lr", "width", "val_accuracy", "val_loss",
                             "test_accuracy", "test_loss", "epochs", "seconds", "error"]
    assert all(r["status"] == "ok" and r["epochs"] == "2" for r in rows)
    best = max(rows, key=lambda r: (float(r["val_accuracy"]), -float(r["val_loss"])))
    assert result.best["trial"] == best["trial"]
    assert result.best["test_accuracy"] == pytest.approx(float(best["test_accuracy"]))
    text = result.to_text()
    assert f"best: trial {best['trial']}" in text and "validation accuracy" in text
    # best-config.toml trains the best trial again with `fcnn train --config`
    config = TrainConfig.from_toml(tmp_path / "best-config.toml")
    assert trial_id(config.to_dict()) == best["trial"]


def test_resume_skips_finished_trials(tmp_path: Path, monkeypatch) -> None:
    sweep = tiny_sweep(lr=[0.05, 0.1, 0.2])
    real_run_trial = sweep_module.run_trial
    ran: list[str] = []

    def interrupted_after_one(config):
        if ran:
            raise KeyboardInterrupt
        ran.append(trial_id(config))
        return real_run_trial(config)

    monkeypatch.setattr(sweep_module, "run_trial", interrupted_after_one)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(sweep, tmp_path, n_jobs=1, progress=False, log=None)
    assert [r["trial"] for r in read_csv(tmp_path)] == ran  # the finished trial was saved

    def counting(config):
        ran.append(trial_id(config))
        return real_run_trial(config)

    monkeypatch.setattr(sweep_module, "run_trial", counting)
    messages: list[str] = []
    result = run_sweep(sweep, tmp_path, n_jobs=1, progress=False, log=messages.append)
    assert "1 already recorded" in messages[0] and "running 2" in messages[0]
    assert sorted(ran) == sorted(t.id for t in sweep.trials())  # each trial ran exactly once
    assert len(result.rows) == 3 and len(read_csv(tmp_path)) == 3
    ran.clear()
    run_sweep(sweep, tmp_path, n_jobs=1, progress=False, log=None)
    assert ran == []


def test_failed_trials_are_recorded_and_retried(tmp_path: Path, monkeypatch) -> None:
    sweep = tiny_sweep(lr=[0.05, 0.1])
    failing = sweep.trials()[1].id
    real = sweep_module.run_experiment

    def flaky(config, **kwargs):
        if trial_id(config.to_dict()) == failing:
            raise FloatingPointError("the training loss became nan")
        return real(config, **kwargs)

    monkeypatch.setattr(sweep_module, "run_experiment", flaky)
    result = run_sweep(sweep, tmp_path, n_jobs=1, progress=False, log=None)
    failed = [r for r in result.rows if r["status"] == "failed"]
    assert [r["trial"] for r in failed] == [failing]
    assert "FloatingPointError: the training loss became nan" in result.to_text()
    monkeypatch.setattr(sweep_module, "run_experiment", real)
    messages: list[str] = []
    result = run_sweep(sweep, tmp_path, n_jobs=1, progress=False, log=messages.append)
    assert "2 already recorded" in messages[0] and "running 0" in messages[0]  # not rerun
    assert [r["status"] for r in result.rows].count("failed") == 1
    result = run_sweep(sweep, tmp_path, n_jobs=1, progress=False, log=None, retry_failed=True)
    assert all(r["status"] == "ok" for r in result.rows) and len(result.rows) == 2


def test_a_log_of_another_sweep_is_not_mixed_in(tmp_path: Path) -> None:
    run_sweep(tiny_sweep(lr=[0.05]), tmp_path, n_jobs=1, progress=False, log=None)
    with pytest.raises(ValueError, match="holds trials of a sweep over \\['lr'\\], this sweep "
                                         "varies \\['width'\\]"):
        run_sweep(tiny_sweep(width=[4]), tmp_path, n_jobs=1, progress=False, log=None)


def test_a_torn_last_record_is_never_misread(tmp_path: Path) -> None:
    sweep = tiny_sweep(lr=[0.05, 0.1])
    run_sweep(sweep, tmp_path / "whole", n_jobs=1, progress=False, log=None)
    log = (tmp_path / "whole" / "results.jsonl").read_bytes()
    expected = {r["trial"]: r for r in ResultsLog(tmp_path / "whole", ["lr"]).read()}
    first_line = log.index(b"\n") + 1
    for cut in range(first_line, len(log)):  # every byte of the second record, as a kill
        folder = tmp_path / f"cut{cut}"
        folder.mkdir()
        (folder / "results.jsonl").write_bytes(log[:cut])
        rows = ResultsLog(folder, ["lr"]).read()
        assert [r["trial"] for r in rows] == [list(expected)[0]] or cut == len(log) - 1
        for row in rows:
            assert row == expected[row["trial"]]  # whole records only, never a torn value
    folder = tmp_path / "resumed"
    folder.mkdir()
    (folder / "results.jsonl").write_bytes(log[:len(log) - 7])
    result = run_sweep(sweep, folder, n_jobs=1, progress=False, log=None)
    assert sorted(r["trial"] for r in result.rows) == sorted(expected)
    def timeless(rows):
        return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]

    # the torn tail was cut off and its trial trained again, to the same numbers
    assert timeless(ResultsLog(folder, ["lr"]).read()) == timeless(expected.values())


def test_a_damaged_record_in_the_middle_is_named(tmp_path: Path) -> None:
    run_sweep(tiny_sweep(lr=[0.05, 0.1]), tmp_path, n_jobs=1, progress=False, log=None)
    path = tmp_path / "results.jsonl"
    data = bytearray(path.read_bytes())
    at = data.index(b"val_accuracy") + 20
    data[at] = ord("9") if data[at] != ord("9") else ord("8")
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="results.jsonl, line 1: the record is damaged"):
        run_sweep(tiny_sweep(lr=[0.05, 0.1]), tmp_path, n_jobs=1, progress=False, log=None)


def test_huge_grids_are_refused_before_anything_is_listed(tmp_path: Path) -> None:
    big = Sweep.from_dict({"base": {"dataset": "moons"},
                           "grid": {"lr": [0.1] * 100, "epochs": list(range(1, 101)),
                                    "seed": list(range(100)), "batch_size": [8] * 100}})
    assert big.count() == 100_000_000
    with pytest.raises(ValueError, match="describes 100,000,000 trials, more than max_trials "
                                         "= 10,000"):
        big.trials()
    with pytest.raises(ValueError, match="max_trials must be a positive integer"):
        Sweep.from_dict({"base": {}, "grid": {"lr": [0.1]}, "max_trials": "many"})


def test_parallel_joblib_processes(tmp_path: Path) -> None:
    pytest.importorskip("joblib")
    result = run_sweep(tiny_sweep(lr=[0.05, 0.1, 0.2]), tmp_path, n_jobs=2, progress=False,
                       log=None)
    assert len(result.rows) == 3 and all(r["status"] == "ok" for r in result.rows)
    assert not math.isnan(result.best["val_accuracy"])


def test_dask_cluster_runs_the_trials(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    sweep = tiny_sweep(lr=[0.05, 0.2], width=[4, 8])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  processes=True, dashboard_address=None) as cluster:
        assert len(cluster.workers) == 2
        result = run_sweep(sweep, tmp_path, scheduler=cluster.scheduler_address,
                           progress=False, log=None)
        # the scheduler saw four run_trial tasks computed by its workers
        assert cluster.scheduler.task_prefixes["run_trial"].state_counts["memory"] == 4
    assert sorted(r["trial"] for r in result.rows) == sorted(t.id for t in sweep.trials())
    assert all(r["status"] == "ok" for r in result.rows)


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr(sweep_module, "CONNECT_TIMEOUT", "0.5s")
    with pytest.raises(ValueError, match="could not connect to the Dask scheduler at "
                                         "tcp://127.0.0.1:9"):
        run_sweep(tiny_sweep(), tmp_path, scheduler="tcp://127.0.0.1:9", progress=False,
                  log=None)


def test_cli_sweep_prints_a_summary_and_resumes(tmp_path: Path, capsys) -> None:
    config = tmp_path / "tiny.toml"
    config.write_text('metric = "val_loss"\n[base]\n' + to_toml(TINY) +
                      '\n[grid]\nlr = [0.05, 0.1]\n')
    out = tmp_path / "sweep"
    assert main(["sweep", "--config", str(config), "--out", str(out), "--jobs", "1",
                 "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "running 2 one at a time in this process" in printed and "best: trial" in printed
    assert "val_loss" in printed.split("best: trial")[1]  # ranked by the chosen metric
    assert main(["sweep", "--config", str(config), "--out", str(out), "--no-progress"]) == 0
    assert "2 already recorded" in capsys.readouterr().out
    assert len(read_csv(out)) == 2


def test_cli_sweep_reports_a_bad_file(tmp_path: Path, capsys) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[base]\nepochs = 2\n")
    assert main(["sweep", "--config", str(config), "--out", str(tmp_path / "s")]) == 2
    assert "bad.toml: a sweep needs exactly one of" in capsys.readouterr().err


def test_to_toml_round_trips_a_config(tmp_path: Path) -> None:
    config = TrainConfig(hidden=[32, 16], augment=["flip"], dataset_options={"noise": 0.1},
                         batchnorm=True, clip_norm=None).to_dict()
    (tmp_path / "c.toml").write_text(to_toml(config))
    assert TrainConfig.from_toml(tmp_path / "c.toml").to_dict() == config


def test_example_sweep_config_is_valid() -> None:
    path = Path(__file__).parents[2] / "configs" / "sweep-digits.toml"
    sweep = Sweep.from_toml(path)
    assert len(sweep.trials()) == 12 and sweep.metric == "val_accuracy"
