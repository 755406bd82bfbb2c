"""The committed training configurations (configs/*.toml) and the accuracy benchmark's rows.

Every configuration must parse into a TrainConfig with valid names, and a tiny version of
each (1 epoch on the embedded digits) must run through ``fcnn train --config``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from fcnn.cli import main
from fcnn.data import dataset_names, make_augmentation, make_preprocessing
from fcnn.optim import get_optimizer
from fcnn.run import TrainConfig, build_loss

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = sorted(path for path in (ROOT / "configs").glob("*.toml")
                 if not path.name.startswith("sweep-"))  # sweep files have their own tests


def load_benchmark():
    spec = importlib.util.spec_from_file_location("accuracy_benchmark",
                                                  ROOT / "benchmarks" / "accuracy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_there_are_configurations():
    names = {path.stem for path in CONFIGS}
    assert {"cifar10-best", "mnist-best", "digits-best", "cifar10-linear-svm",
            "cifar10-linear-softmax", "cifar10-two-layer"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=lambda path: path.stem)
def test_config_parses_with_valid_names(path):
    config = TrainConfig.from_toml(path)
    assert config.dataset in dataset_names()
    make_preprocessing(config.preprocess, (3, 32, 32))
    if config.augment:
        make_augmentation(config.augment, (3, 32, 32))
    build_loss(config)
    from fcnn.nn import Linear

    get_optimizer(config.optimizer, Linear(2, 2).parameters(), lr=config.lr)
    assert config.epochs >= 1 and config.batch_size >= 1
    if config.dataset in ("cifar10", "mnist", "fashion-mnist"):
        # relative to the repository root, next to which CI puts a copy of shared/
        assert config.data_dir == "../shared/data"


@pytest.mark.parametrize("path", CONFIGS, ids=lambda path: path.stem)
def test_tiny_version_runs_through_the_cli(path, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["train", "--config", str(path), "--dataset", "digits", "--epochs", "1",
                 "--out", str(out), "--no-progress"])
    assert code == 0
    saved = json.loads((out / "config.json").read_text())
    expected = TrainConfig.from_toml(path)
    # the file's options reached the run, the command-line ones won
    assert saved["dataset"] == "digits" and saved["epochs"] == 1
    for key in ("hidden", "loss", "optimizer", "lr", "preprocess", "augment", "dropout",
                "batchnorm", "label_smoothing", "batch_size"):
        assert saved.get(key) == expected.to_dict().get(key), key
    metrics = json.loads((out / "metrics.json").read_text())
    from fcnn.data import load_dataset
    from fcnn.run import load_run
    from fcnn.train import predict

    loaded = load_run(out)
    digits = load_dataset("digits", **{"seed": saved["seed"], **saved["dataset_options"]})
    predictions = predict(loaded.model, loaded.preprocessing.transform(digits.X_test))
    assert metrics["accuracy"] == float((predictions == digits.y_test).mean())
    assert "test accuracy" in capsys.readouterr().out


def test_digits_split_is_pinned_by_dataset_options():
    from fcnn.run import prepare_data

    config = TrainConfig.from_toml(ROOT / "configs" / "digits-best.toml")
    first = prepare_data(config)[0]
    second = prepare_data(config.replace(seed=5))[0]
    assert (first.y_test == second.y_test).all() and (first.X_test == second.X_test).all()
    # without the pin, the seed also moves the split
    third = prepare_data(config.replace(seed=5, dataset_options={}))[0]
    assert not (first.X_test.shape == third.X_test.shape
                and (first.X_test == third.X_test).all())


def test_benchmark_rows_point_to_committed_configs():
    benchmark = load_benchmark()
    for row in benchmark.ROWS:
        assert row.path.is_file(), row.name
    assert [row.name for row in benchmark.select_rows(["lecture"])] == [
        "cifar10-linear-svm", "cifar10-linear-softmax", "cifar10-two-layer"]
    with pytest.raises(SystemExit, match="unknown rows \\['cifar100'\\]"):
        benchmark.select_rows(["cifar100"])


def test_benchmark_summary_line():
    benchmark = load_benchmark()
    row = benchmark.Row("digits-best", "digits", "best MLP", target=0.98, time_limit=10)
    config = TrainConfig.from_toml(row.path)
    record = {"config": config.to_dict(),
              "machine_before": {"load_1min": 1.0, "cpu": "A"}, "machine_after": {"load_1min": 2.0},
              "seeds": [{"accuracy": 0.98, "seconds": 3.0, "in_features": 64},
                        {"accuracy": 0.99, "seconds": 5.0, "in_features": 64}]}
    line = benchmark.summarise(row, record)
    assert line["model"] == "best MLP 64-256-10"
    assert line["test accuracy (%)"] == "98.50 ± 0.71"
    assert line["wall time (s)"] == "4.0"
    assert line["target met"].startswith("yes")
    assert line["CPU"] == "A"
    record["seeds"][0]["accuracy"] = 0.97  # one seed below the target
    assert benchmark.summarise(row, record)["target met"].startswith("no")


def parse_train(argv):
    from fcnn.cli import build_parser
    from fcnn.cli.train import config_from_args

    return config_from_args(build_parser().parse_args(["train", *argv]))


def test_dataset_defaults_fill_only_what_nobody_set(tmp_path):
    # the digits' lr 0.05, batch 32, constant rate diverge or overfit on the large image sets
    assert parse_train([]).lr == TrainConfig().lr
    cifar = parse_train(["--dataset", "cifar10"])
    assert (cifar.lr, cifar.batch_size, cifar.schedule, cifar.weight_decay, cifar.epochs) == \
        (0.02, 128, "cosine", 1e-3, 15)
    assert cifar.preprocess == TrainConfig().preprocess
    assert parse_train(["--dataset", "cifar10", "--lr", "0.2"]).lr == 0.2
    config = tmp_path / "c.toml"
    config.write_text('dataset = "cifar10"\nlr = 0.3\n')
    from_file = parse_train(["--config", str(config)])
    assert (from_file.lr, from_file.epochs) == (0.3, 15)
    assert parse_train(["--config", str(config), "--epochs", "2"]).epochs == 2
    # the data set's learning rate was tuned for SGD: Adam keeps its own default
    assert parse_train(["--dataset", "cifar10", "--optimizer", "adam"]).lr == 1e-3
    assert parse_train(["--dataset", "cifar10", "--optimizer", "adam"]).weight_decay == 0.0
    mnist = parse_train(["--dataset", "mnist"])
    assert mnist.preprocess == ["scale", "channel-standardize"] and mnist.lr == 0.02
    assert parse_train(["--dataset", "mnist", "--preprocess", "scale"]).preprocess == ["scale"]


def test_dataset_defaults_apply_to_every_way_of_building_a_config():
    # sweeps and the Python API build their configurations with from_dict too
    assert TrainConfig.from_dict({"dataset": "fashion-mnist"}).schedule == "cosine"
    assert TrainConfig.from_dict({"dataset": "moons"}).schedule == TrainConfig().schedule
    saved = TrainConfig.from_dict({"dataset": "cifar10", "schedule": "constant"}).to_dict()
    assert TrainConfig.from_dict(saved).schedule == "constant"  # a saved run is kept as it was
    # each config gets its own copy: editing one's preprocess list leaves the next untouched
    TrainConfig.from_dict({"dataset": "mnist"}).preprocess.append("zca")
    assert TrainConfig.from_dict({"dataset": "mnist"}).preprocess == ["scale",
                                                                      "channel-standardize"]


def test_train_help_lists_the_data_set_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    printed = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert ("for cifar10: --batch-size 128, --schedule cosine, --epochs 15, --lr 0.02 (with "
            "sgd), --weight-decay 0.001 (with sgd)") in printed
    assert "--preprocess scale channel-standardize" in printed
    # every option of every registry entry is a flag, with the entry's defaults
    assert "--betas [X ...] decay rates of Adam's first and second moment averages [adam, " \
        "adamw] (default: 0.9 0.999 with adam, 0.9 0.999 with adamw)" in printed
    assert "--loss NAME the loss (one of: cross_entropy, hinge, squared_error;" in printed


def test_benchmark_append_merges_seeds_of_the_same_configuration():
    benchmark = load_benchmark()
    config = TrainConfig().to_dict()

    def record(seeds, load):
        cpu = f"cpu{load:g}"
        return {"row": "r", "config": dict(config, seed=seeds[-1]),
                "machine_before": {"load_1min": load, "cpu": cpu},
                "machine_after": {"load_1min": load, "cpu": cpu},
                "seeds": [{"seed": seed, "accuracy": seed / 10} for seed in seeds]}

    merged = benchmark.merge_records(record([0, 1], 1.0), record([1, 2], 3.0))
    assert [run["seed"] for run in merged["seeds"]] == [0, 1, 2]
    # each seed keeps the machine it ran on (the saved seed 0 on cpu1, seeds 1-2 on cpu3)
    assert [run["cpu"] for run in merged["seeds"]] == ["cpu1", "cpu3", "cpu3"]
    assert merged["machine_before"]["load_1min"] == 1.0
    assert merged["machine_after"]["load_1min"] == 3.0
    other = record([3], 1.0)
    other["config"]["lr"] = 1.0
    with pytest.raises(SystemExit, match="another configuration"):
        benchmark.merge_records(record([0], 1.0), other)
