"""Run folders: what ``fcnn train`` writes, and reading one back.

A run folder holds::

    model.safetensors, model.json   the trained network (no pickle)
    preprocess.safetensors          fitted preprocessing state (means, whitening...)
    history.csv, history.json       per-epoch loss/accuracy (train and validation)
    metrics.json, report.txt        test accuracy and per-class precision/recall/F1
    config.json, command.txt        the configuration and the command line used
    ...                             files of the artifact writers (training figures)

``load_run`` reads one back for evaluation, export or drawing. A run folder is data,
never instructions: loading one never downloads anything.

Example:
    >>> import tempfile
    >>> from fcnn.run import TrainConfig, run_experiment
    >>> folder = tempfile.mkdtemp() + "/moons"
    >>> result = run_experiment(TrainConfig(dataset="moons", hidden=[8], epochs=2), folder,
    ...                         progress=False, log=None)
    >>> loaded = load_run(folder)
    >>> loaded.model.describe(), loaded.class_names, loaded.config.epochs
    ('2-8-2, relu', ['upper', 'lower'], 2)
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from safetensors.numpy import load_file, save_file

from fcnn.data import Dataset, Pipeline, make_preprocessing
from fcnn.errors import InputError
from fcnn.nn import MLP
from fcnn.nn.serialization import load_model, read_model_json, save_model
from fcnn.run.config import TrainConfig

if TYPE_CHECKING:
    from fcnn.run.experiment import Artifact, RunResult

PREPROCESS_FILE = "preprocess.safetensors"

#: Data set options a received run folder may not use: they would download files or
#: change where data is read from. ``load_run`` drops them with a warning.
UNSAFE_DATASET_OPTIONS = ("base_url", "download", "checksums", "verify")


def write_run(folder: str | Path, result: RunResult, dataset: Dataset, preprocessing: Pipeline,
              command: str | None = None, artifacts: Sequence[Artifact] = ()) -> Path:
    """Write a run folder (see the module docstring); each artifact writer adds its files."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    extra = {"dataset": dataset.name, "class_names": list(dataset.class_names),
             "image_shape": list(dataset.image_shape) if dataset.image_shape else None,
             "preprocess": list(result.config.preprocess),
             "train_config": result.config.to_dict()}
    save_model(result.model, folder, extra=extra)
    state = {key: np.ascontiguousarray(value) for key, value in preprocessing.state_dict().items()}
    save_file(state, str(folder / PREPROCESS_FILE))
    result.history.to_csv(folder / "history.csv")
    result.history.to_json(folder / "history.json")
    metrics = {"test_loss": result.test_loss, "seconds": result.seconds,
               "best_epoch": result.history.best_epoch, **result.report.to_dict()}
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
    (folder / "report.txt").write_text(result.report.to_text() + "\n")
    (folder / "config.json").write_text(json.dumps(result.config.to_dict(), indent=2))
    if command:
        (folder / "command.txt").write_text(command + "\n")
    for artifact in artifacts:
        artifact(folder, result)
    return folder


@dataclass
class LoadedRun:
    """A run folder read back: the model and what is needed to feed it new data."""

    model: MLP
    preprocessing: Pipeline
    class_names: list[str]
    config: TrainConfig
    folder: Path
    dataset: str
    image_shape: tuple[int, ...] | None


def safe_config(stored: dict, folder: Path) -> TrainConfig:
    """The stored configuration of a received run, without options that would act.

    Options in :data:`UNSAFE_DATASET_OPTIONS` are dropped with a warning: a run folder
    cannot make fcnn download files or read them from elsewhere.
    """
    stored = dict(stored)
    options = dict(stored.get("dataset_options") or {})
    unsafe = sorted(key for key in options if key in UNSAFE_DATASET_OPTIONS)
    if unsafe:
        warnings.warn(f"{folder}: the stored data set options {unsafe} are ignored: a run "
                      f"folder is data, and loading it never downloads or redirects reads.",
                      stacklevel=3)
        stored["dataset_options"] = {k: v for k, v in options.items() if k not in unsafe}
    try:
        return TrainConfig.from_dict(stored, where=f"{folder / 'model.json'} train_config: ")
    except ValueError as error:
        raise InputError(f"{error} The run folder was written by another fcnn version or "
                         f"edited.", folder) from None


def load_run(folder: str | Path) -> LoadedRun:
    """Read a run folder written by ``fcnn train`` (no pickle anywhere, no download)."""
    folder = Path(folder)
    document = read_model_json(folder)
    model = load_model(folder)
    extra = document.get("extra") or {}
    config = safe_config(extra.get("train_config", {}), folder)
    image_shape = extra.get("image_shape")
    preprocessing = make_preprocessing(extra.get("preprocess", []),
                                       tuple(image_shape) if image_shape else None)
    path = folder / PREPROCESS_FILE
    if path.is_file():
        try:
            preprocessing.load_state_dict(load_file(str(path)))
        except Exception as error:  # safetensors raises several types for a damaged file
            raise InputError(f"{path} could not be read ({error}); the run folder is damaged.",
                             path) from None
    class_names = extra.get("class_names") or [str(i) for i in
                                               range(model.config["out_features"])]
    return LoadedRun(model, preprocessing, class_names, config, folder,
                     str(extra.get("dataset", config.dataset)),
                     tuple(image_shape) if image_shape else None)
