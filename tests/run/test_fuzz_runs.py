"""Fuzzing the readers of runs: run folders, checkpoints, sweep logs, configurations, CSV rows.

Each test damages a file written by fcnn itself (bit flips, truncations, overwrites,
inserted or deleted bytes; edited JSON values with the manifest rewritten to match, as a
sender could) and reads it through the public API. Every input must give the right
result or an fcnn error; another exception or a silently different result fails. The
counts join the table of tests/data/test_fuzz.py (FCNN_FUZZ_EXAMPLES=N for longer runs).
"""

from __future__ import annotations

import json
import shutil
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from data.fuzz import FUZZ, expect_dataset_or_fcnn_error, mutated
from hypothesis import given
from hypothesis import strategies as st

from fcnn.data.table import read_features_csv
from fcnn.errors import InputError
from fcnn.files import write_manifest
from fcnn.run import TrainConfig, load_run, run_experiment
from fcnn.sweep import ResultsLog, Sweep, run_sweep
from fcnn.train.checkpoint import load_checkpoint

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz") / "run"
    config = TrainConfig(dataset="moons", hidden=[6], epochs=2, batchnorm=True)
    run_experiment(config, folder, progress=False, log=None, artifacts=())
    return folder


@pytest.fixture(scope="module")
def original(run_folder: Path):
    loaded = load_run(run_folder)
    return loaded.model.state_dict(), loaded.class_names, loaded.preprocessing.state_dict()


def same_run(original):
    weights, names, prep = original

    def check(loaded) -> str | None:
        state = loaded.model.state_dict()
        if state.keys() != weights.keys() or any(not np.array_equal(state[k], weights[k])
                                                 for k in weights):
            return "the weights differ from the run's"
        if loaded.class_names != names:
            return f"class names {loaded.class_names} instead of {names}"
        got = loaded.preprocessing.state_dict()
        if got.keys() != prep.keys() or any(not np.array_equal(got[k], prep[k]) for k in prep):
            return "the preprocessing differs from the run's"
        return None
    return check


FILES = ["model.json", "model.safetensors", "preprocess.safetensors", "history.json",
         "metrics.json", "config.json", "manifest.json"]


@FUZZ
@given(data=st.data())
def test_fuzz_run_folder_bytes(run_folder: Path, original, tmp_path_factory, data) -> None:
    folder = tmp_path_factory.mktemp("bytes") / "run"
    shutil.copytree(run_folder, folder)
    name = data.draw(st.sampled_from(FILES))
    (folder / name).write_bytes(data.draw(mutated((run_folder / name).read_bytes())))
    expect_dataset_or_fcnn_error("run folder (load_run, damaged bytes)",
                                 lambda: load_run(folder), same_run(original))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                  max_size=3),
    max_leaves=6)


def _paths(document, prefix=()):
    """Every (path, value) inside a JSON document."""
    yield prefix, document
    if isinstance(document, dict):
        for key, value in document.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from _paths(value, (*prefix, index))


@FUZZ
@given(data=st.data())
def test_fuzz_run_folder_edited_json(run_folder: Path, original, tmp_path_factory,
                                     data) -> None:
    # a sender edits a value and rewrites the manifest: the deeper checks must hold
    folder = tmp_path_factory.mktemp("json") / "run"
    shutil.copytree(run_folder, folder)
    name = data.draw(st.sampled_from(["model.json", "config.json", "history.json"]))
    document = json.loads((folder / name).read_text())
    paths = [p for p, _ in _paths(document) if p]
    path = data.draw(st.sampled_from(paths))
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = data.draw(JSON_VALUES | st.sampled_from([10**9, [10**9], [], -1, 0]))
    (folder / name).write_text(json.dumps(document))
    write_manifest(folder)
    model_json_changed = name == "model.json"

    def check(loaded) -> str | None:
        if model_json_changed and path[0] == "config" and path[-1] in ("in_features", "hidden",
                                                                       "out_features"):
            return "an edited architecture loaded"
        return same_run(original)(loaded) if path[:2] != ("extra", "class_names") else None

    expect_dataset_or_fcnn_error("run folder (load_run, edited JSON)", lambda: load_run(folder),
                                 check)


def test_a_hostile_model_json_allocates_nothing_large(run_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    document = json.loads((folder / "model.json").read_text())
    document["config"]["hidden"] = [10**9]
    (folder / "model.json").write_text(json.dumps(document))
    write_manifest(folder)
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="describes a network of .* parameters that does "
                                             "not match"):
            load_run(folder)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, peak  # the 1 KB file asked for 16 GB; fcnn used < 20 MB


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    from fcnn.nn import MLP
    from fcnn.train import fit
    from fcnn.train.checkpoint import Checkpoint

    path = tmp_path_factory.mktemp("ckpt") / "last.safetensors"
    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    model = MLP(3, [4], 2, dropout=0.1, seed=0)
    fit(model, X, (X[:, 0] > 0).astype(int), optimizer="adam", epochs=2, progress=False,
        seed=0, callbacks=[Checkpoint(path)])
    return path


@FUZZ
@given(data=st.data())
def test_fuzz_checkpoint(checkpoint: Path, tmp_path_factory, data) -> None:
    original = load_checkpoint(checkpoint)
    path = tmp_path_factory.mktemp("c") / "last.safetensors"
    path.write_bytes(data.draw(mutated(checkpoint.read_bytes())))

    def check(loaded) -> str | None:
        same = loaded.document == original.document and loaded.arrays.keys() == \
            original.arrays.keys() and all(np.array_equal(loaded.arrays[k], original.arrays[k])
                                           for k in original.arrays)
        return None if same else "a damaged checkpoint loaded with other values"

    expect_dataset_or_fcnn_error("checkpoint (load_checkpoint)", lambda: load_checkpoint(path),
                                 check)


@pytest.fixture(scope="module")
def sweep_log(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sweep")
    sweep = Sweep.from_dict({"base": {"dataset": "moons", "hidden": [4], "epochs": 1,
                                      "dataset_options": {"n_samples": 100}},
                             "grid": {"lr": [0.05, 0.1, 0.2]}})
    run_sweep(sweep, folder, n_jobs=1, progress=False, log=None)
    return folder / "results.jsonl"


@FUZZ
@given(data=st.data())
def test_fuzz_sweep_log(sweep_log: Path, tmp_path_factory, data) -> None:
    original = ResultsLog(sweep_log.parent, ["lr"]).read()
    folder = tmp_path_factory.mktemp("log")
    (folder / "results.jsonl").write_bytes(data.draw(mutated(sweep_log.read_bytes())))

    def check(records) -> str | None:
        wrong = [r for r in records if r not in original]
        return f"records never written: {wrong[:1]}" if wrong else None

    expect_dataset_or_fcnn_error("sweep log (ResultsLog.read)",
                                 lambda: ResultsLog(folder, ["lr"]).read(), check)


CONFIG = b'dataset = "moons"\nhidden = [8, 4]\nlr = 0.1\noptimizer = "sgd"\nepochs = 3\n'


@FUZZ
@given(data=st.data())
def test_fuzz_configuration_file(tmp_path_factory, data) -> None:
    path = tmp_path_factory.mktemp("toml") / "c.toml"
    path.write_bytes(data.draw(mutated(CONFIG)))

    def check(config) -> str | None:
        ok = isinstance(config.hidden, list) and all(isinstance(h, int) and h >= 1
                                                     for h in config.hidden)
        return None if ok and config.lr > 0 and config.epochs >= 1 else f"accepted {config!r}"

    expect_dataset_or_fcnn_error("configuration (TrainConfig.from_toml)",
                                 lambda: TrainConfig.from_toml(path), check)


@FUZZ
@given(data=st.data())
def test_fuzz_feature_csv(tmp_path_factory, data) -> None:
    path = tmp_path_factory.mktemp("csv") / "p.csv"
    path.write_bytes(data.draw(mutated(b"x1,x2\n0.5,-1\n2,3.25\n1e3,4\n")))

    def check(result) -> str | None:
        X, lines = result
        ok = X.ndim == 2 and X.shape[1] == 2 and np.isfinite(X).all() and len(lines) == len(X)
        return None if ok else f"rows of shape {X.shape}"

    expect_dataset_or_fcnn_error("feature CSV (read_features_csv)",
                                 lambda: read_features_csv(path, 2), check)
