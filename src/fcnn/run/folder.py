"""Run folders: complete or absent, one writer at a time, verified when read back.

While a run trains it lives in ``FOLDER.partial``: its configuration, command line,
checkpoints and a lock. When it finishes, its files and a manifest of their SHA-256
are written there and the folder is renamed to ``FOLDER`` in one step, so ``FOLDER``
is either a complete run or absent, never a mix. A finished run folder holds::

    model.safetensors, model.json   the trained network (no pickle)
    preprocess.safetensors          fitted preprocessing state (means, whitening...)
    history.csv, history.json       per-epoch loss/accuracy (train and validation)
    metrics.json, report.txt        status, test accuracy and per-class precision/recall/F1
    config.json, command.txt        the configuration and the command line used
    ...                             files of the artifact writers (training figures)
    manifest.json                   size and SHA-256 of every file above

An existing run is never overwritten unless asked (``overwrite=True``), and then the
old run stays whole until the new one is complete. A run that was stopped (Ctrl-C,
kill -9, a full disk) continues from its last checkpoint with ``resume=True``.

``load_run`` reads a run folder back for evaluation, export or drawing. A run folder
is data, never instructions: loading one checks the manifest, never downloads and
never reads files outside the folder.

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

import itertools
import json
import os
import shutil
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from safetensors.numpy import load_file, save_file

from fcnn.data import Dataset, Pipeline, make_preprocessing
from fcnn.errors import InputError, MissingFileError
from fcnn.files import (
    FolderLock,
    atomic_path,
    disk_error,
    read_manifest,
    verify_manifest,
    write_atomic,
    write_json,
    write_manifest,
)
from fcnn.nn import MLP
from fcnn.nn.serialization import load_model, read_model_json, save_model
from fcnn.run.config import TrainConfig

if TYPE_CHECKING:
    from fcnn.run.experiment import Artifact, RunResult

PREPROCESS_FILE = "preprocess.safetensors"
CONFIG_FILE = "config.json"
CHECKPOINT = "checkpoints/last.safetensors"
PARTIAL = ".partial"

#: Data set options a received run folder may not use: they would download files or
#: change where data is read from. ``load_run`` drops them with a warning.
UNSAFE_DATASET_OPTIONS = ("base_url", "download", "checksums", "verify")


def partial_of(folder: Path) -> Path:
    """Where the run that will become ``folder`` lives while it trains."""
    return folder.with_name(folder.name + PARTIAL)


class RunFolder:
    """A run being written: its ``.partial`` staging folder, locked, and where it will go.

    Use :meth:`create`, :meth:`create_unique` or :meth:`resume`; then
    :meth:`write_start`, train with checkpoints at :attr:`checkpoint`, and
    :meth:`publish` (or :meth:`release` to leave it for a later resume).
    """

    def __init__(self, final: Path, staging: Path, lock: FolderLock) -> None:
        self.final, self.staging, self.lock = final, staging, lock

    @property
    def checkpoint(self) -> Path:
        return self.staging / CHECKPOINT

    @staticmethod
    def _claim(final: Path) -> RunFolder:
        """Make and lock ``final``.partial; FileExistsError if it exists."""
        staging = partial_of(final)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            staging.mkdir()
        except FileExistsError:
            raise
        except OSError as error:
            raise disk_error(error, staging, "create the run folder") from None
        return RunFolder(final, staging, FolderLock(staging).acquire())

    @classmethod
    def create(cls, folder: str | Path, overwrite: bool = False) -> RunFolder:
        """Claim ``folder`` for a new run, before any training (so a bad --out fails early).

        Raises:
            InputError: ``folder`` is a file, holds a run and ``overwrite`` is off, or its
                ``.partial`` holds an unfinished run (resume it, or remove it).
            DiskError: the folder cannot be created or written.
        """
        final = Path(folder)
        if final.exists() and not final.is_dir():
            raise InputError(f"--out {final} is a file, not a folder; choose a folder name for "
                             f"the run.", final)
        if final.exists() and any(final.iterdir()) and not overwrite:
            raise InputError(f"{final} already holds a run (or other files); choose another "
                             f"--out, or pass --overwrite to replace it (the old run stays whole "
                             f"until the new one is complete).", final)
        try:
            return cls._claim(final)
        except FileExistsError:
            staging = partial_of(final)
            FolderLock(staging).acquire().release()  # another process writing it: say so
            raise InputError(f"{staging} holds an unfinished run: continue it with `fcnn train "
                             f"--resume {final}`, or remove {staging} to start again.",
                             staging) from None

    @classmethod
    def create_unique(cls, folder: str | Path) -> RunFolder:
        """Claim ``folder``, or ``folder-2``, ``folder-3``...: the first name nobody uses."""
        base = Path(folder)
        for n in itertools.count(1):
            final = base if n == 1 else base.with_name(f"{base.name}-{n}")
            if final.exists():
                continue
            try:
                return cls._claim(final)
            except FileExistsError:
                continue
        raise AssertionError("unreachable")

    @classmethod
    def resume(cls, folder: str | Path) -> RunFolder:
        """Take over the unfinished run of ``folder`` (given as FOLDER or FOLDER.partial)."""
        final = Path(folder)
        if final.name.endswith(PARTIAL):
            final = final.with_name(final.name[:-len(PARTIAL)])
        staging = partial_of(final)
        if not staging.is_dir():
            done = (final / "manifest.json").is_file()
            raise InputError(f"{final} is a finished run: nothing to resume." if done else
                             f"no unfinished run at {staging} (a run that was stopped lives "
                             f"there until it finishes).", final)
        return RunFolder(final, staging, FolderLock(staging).acquire())

    def write_start(self, config: TrainConfig, command: str | None) -> None:
        """Record what the run is, so that it can be resumed as it was started."""
        write_json(self.staging / CONFIG_FILE, config.to_dict())
        if command:
            write_atomic(self.staging / "command.txt", command + "\n")

    def read_config(self) -> TrainConfig:
        path = self.staging / CONFIG_FILE
        if not path.is_file():
            raise InputError(f"{path} is missing: the unfinished run cannot be resumed. Remove "
                             f"{self.staging} and train again.", path)
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise InputError(f"{path} is damaged ({error}); remove {self.staging} and train "
                             f"again.", path) from None
        return safe_config(stored, path)

    def publish(self, keep_checkpoints: bool = False) -> Path:
        """Write the manifest and move the run into place in one rename; return its folder.

        An old run at the same place (``overwrite``) is moved aside first and removed only
        once the new one is in place.
        """
        if not keep_checkpoints:
            shutil.rmtree(self.staging / "checkpoints", ignore_errors=True)
        (self.staging / FolderLock.NAME).unlink(missing_ok=True)
        old = None
        try:
            write_manifest(self.staging)
            _sync_tree(self.staging)
            if self.final.exists():
                old = self.final.with_name(f"{self.final.name}.replaced-{time.time_ns()}")
                os.replace(self.final, old)
            os.replace(self.staging, self.final)
        except OSError as error:
            if old is not None and not self.final.exists():
                os.replace(old, self.final)  # put the old run back
            raise disk_error(error, self.final, "finish the run folder") from None
        finally:
            self.release()
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.final

    def release(self) -> None:
        self.lock.release()


def _sync_tree(folder: Path) -> None:
    """Flush every file of ``folder`` to the disk before the folder is renamed into place."""
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb+") as handle:
                os.fsync(handle.fileno())


def write_run(folder: str | Path, result: RunResult, dataset: Dataset, preprocessing: Pipeline,
              artifacts: Sequence[Artifact] = (), status: dict[str, Any] | None = None) -> None:
    """Write a run's files into ``folder`` (the staging folder of a :class:`RunFolder`)."""
    folder = Path(folder)
    extra = {"dataset": dataset.name, "class_names": list(dataset.class_names),
             "image_shape": list(dataset.image_shape) if dataset.image_shape else None,
             "preprocess": list(result.config.preprocess),
             "train_config": result.config.to_dict()}
    save_model(result.model, folder, extra=extra)
    state = {key: np.ascontiguousarray(value) for key, value in preprocessing.state_dict().items()}
    with atomic_path(folder / PREPROCESS_FILE) as temporary:
        save_file(state, str(temporary))
    result.history.to_csv(folder / "history.csv")
    result.history.to_json(folder / "history.json")
    write_json(folder / "metrics.json", {
        **(status or {"status": "complete"}), "test_loss": result.test_loss,
        "seconds": result.seconds, "best_epoch": result.history.best_epoch,
        **result.report.to_dict()})
    write_atomic(folder / "report.txt", result.report.to_text() + "\n")
    write_json(folder / CONFIG_FILE, result.config.to_dict())
    for artifact in artifacts:
        artifact(folder, result)


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


def safe_config(stored: Any, where: Path) -> TrainConfig:
    """The stored configuration of a received run, without options that would act.

    Options in :data:`UNSAFE_DATASET_OPTIONS` are dropped with a warning: a run folder
    cannot make fcnn download files or read them from elsewhere.
    """
    if not isinstance(stored, dict):
        raise InputError(f"{where}: the stored configuration is not a table; the run folder "
                         f"is damaged.", where)
    stored = dict(stored)
    options = stored.get("dataset_options")
    if isinstance(options, dict):
        unsafe = sorted(key for key in options if key in UNSAFE_DATASET_OPTIONS)
        if unsafe:
            warnings.warn(f"{where}: the stored data set options {unsafe} are ignored: a run "
                          f"folder is data, and loading it never downloads or redirects reads.",
                          stacklevel=3)
            stored["dataset_options"] = {k: v for k, v in options.items() if k not in unsafe}
    try:
        return TrainConfig.from_dict(stored, where=f"{where}: ")
    except ValueError as error:
        raise InputError(f"{error} The run folder was written by another fcnn version or "
                         f"edited.", where) from None


def _check_extra(extra: Any, model: MLP, where: Path) -> tuple[list[str], tuple | None]:
    """The class names and image shape of ``model.json``'s extra table, checked."""
    if not isinstance(extra, dict):
        raise InputError(f"{where}: 'extra' is not a table; the file was edited.", where)
    class_names = extra.get("class_names")
    out_features = model.config["out_features"]
    if not isinstance(class_names, list) or len(class_names) != out_features or \
            not all(isinstance(name, str) for name in class_names):
        raise InputError(f"{where}: 'extra.class_names' must list the {out_features} class "
                         f"names as strings; the file was edited.", where)
    shape = extra.get("image_shape")
    if shape is not None and not (
            isinstance(shape, list) and len(shape) == 3 and
            all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in shape)):
        raise InputError(f"{where}: 'extra.image_shape' must be [C, H, W] or null; the file "
                         f"was edited.", where)
    return class_names, tuple(shape) if shape else None


def _load_preprocessing(folder: Path, steps: Any, config: TrainConfig,
                        image_shape: tuple | None) -> Pipeline:
    """The fitted preprocessing of a run: its steps from ``model.json``, checked against the
    configuration, and exactly the state they need from ``preprocess.safetensors``."""
    where = folder / "model.json"
    if not isinstance(steps, list) or steps != list(config.preprocess):
        raise InputError(f"{where}: its preprocessing steps {steps} differ from its "
                         f"configuration's {config.preprocess}; the file was edited.", where)
    try:
        preprocessing = make_preprocessing(steps, image_shape)
    except (ValueError, TypeError) as error:
        raise InputError(f"{where}: {error}", where) from None
    path = folder / PREPROCESS_FILE
    try:
        state = load_file(str(path)) if path.is_file() else {}
    except Exception as error:  # safetensors raises several types for a damaged file
        raise InputError(f"{path} could not be read ({error}); the run folder is damaged.",
                         path) from None
    expected = {f"{i}.{name}" for i, step in enumerate(preprocessing.steps)
                for name in step.state_names}
    if set(state) != expected:
        raise InputError(f"{path} holds the state {sorted(state)[:6]} but the preprocessing "
                         f"{config.preprocess} needs {sorted(expected)[:6]}; the run folder was "
                         f"edited or is damaged.", path)
    try:
        preprocessing.load_state_dict(state)
    except (ValueError, TypeError) as error:
        raise InputError(f"{path} does not fit the preprocessing {config.preprocess} ({error}).",
                         path) from None
    return preprocessing


def load_run(folder: str | Path) -> LoadedRun:
    """Read a run folder written by ``fcnn train`` (verified, no pickle, no download).

    Raises:
        InputError: a file is missing, damaged or edited (named), or the folder is not a
            finished run.
    """
    folder = Path(folder)
    if partial_of(folder).is_dir() and not folder.is_dir():
        raise InputError(f"{folder} has not finished training: continue it with `fcnn train "
                         f"--resume {folder}`.", folder)
    if not folder.is_dir():
        raise MissingFileError(f"no run folder at {folder}: expected a folder written by "
                               f"`fcnn train` (it holds model.json, model.safetensors and a "
                               f"manifest).", folder)
    if read_manifest(folder) is not None or not (folder / "model.json").is_file():
        verify_manifest(folder)
    else:
        warnings.warn(f"{folder} was written before fcnn kept manifests: only its weights are "
                      f"verified.", stacklevel=2)
    document = read_model_json(folder)
    model = load_model(folder)
    extra = document.get("extra") or {}
    class_names, image_shape = _check_extra(extra, model, folder / "model.json")
    config = safe_config(extra.get("train_config", {}), folder / "model.json")
    preprocessing = _load_preprocessing(folder, extra.get("preprocess", []), config, image_shape)
    return LoadedRun(model, preprocessing, class_names, config, folder,
                     str(extra.get("dataset", config.dataset)), image_shape)
