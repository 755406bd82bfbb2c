"""One training run from a plain configuration: data -> preprocessing -> model -> fit -> report.

``TrainConfig`` holds every choice of a run (the same keys as ``fcnn train``'s options
and as the TOML files under ``configs/``); ``run_experiment`` carries it out and,
given a folder, writes a *run folder*:

    model.safetensors, model.json   the trained network (no pickle)
    preprocess.safetensors          fitted preprocessing state (means, whitening...)
    history.csv, history.json       per-epoch loss/accuracy (train and validation)
    metrics.json, report.txt        test accuracy and per-class precision/recall/F1
    config.json, command.txt        the configuration and the command line used
    history, confusion_matrix,      training figures, .png and .svg (unless figures=False)
    per_class

``load_run`` reads a run folder back for evaluation, export or drawing.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file, save_file

from fcnn.data import Dataset, Pipeline, load_dataset, make_augmentation, make_preprocessing
from fcnn.engine import Tensor, no_grad
from fcnn.metrics import ClassificationReport, precision_recall_f1
from fcnn.nn import MLP, CrossEntropyLoss, HingeLoss
from fcnn.nn.serialization import load_model, read_model_json, save_model
from fcnn.train.callbacks import BestCheckpoint, Callback, EarlyStopping, History
from fcnn.train.loop import fit, predict_scores

PREPROCESS_FILE = "preprocess.safetensors"


#: Defaults of the large image data sets where the digits' defaults (lr 0.05, batch 32,
#: constant rate, no weight decay, 30 epochs) fail a first run: on CIFAR-10 lr 0.05 diverges
#: and lr 0.01 overfits from epoch 9 (42.5% test); on MNIST the best validation epoch was the
#: first (92.8%). With these, 3072-64-10 reaches 52.8% on CIFAR-10 and 784-64-10 97.8% on
#: MNIST in 15 epochs (21 s and 9 s of training, 2 cores). Per-pixel standardisation of
#: MNIST's nearly always black border pixels (std ~1e-4) makes inputs of several hundred, so
#: the MNIST images are standardised per channel.
_IMAGE_DEFAULTS: dict[str, Any] = {"lr": 0.02, "batch_size": 128, "schedule": "cosine",
                                   "weight_decay": 1e-3, "epochs": 15}
_MNIST_DEFAULTS = _IMAGE_DEFAULTS | {"preprocess": ["scale", "channel-standardize"]}
DATASET_DEFAULTS: dict[str, dict[str, Any]] = {
    "cifar10": _IMAGE_DEFAULTS, "mnist": _MNIST_DEFAULTS, "fashion-mnist": _MNIST_DEFAULTS,
}


@dataclass
class TrainConfig:
    """Every choice of one training run; defaults train a two-layer net on digits.

    Example:
        >>> TrainConfig.from_dict({"dataset": "moons", "hidden": [8]}).hidden
        [8]
    """

    dataset: str = "digits"
    data_dir: str | None = None
    dataset_options: dict[str, Any] = field(default_factory=dict)
    preprocess: list[str] = field(default_factory=lambda: ["scale", "standardize"])
    hidden: list[int] = field(default_factory=lambda: [64])
    activation: str = "relu"
    leaky_slope: float = 0.01
    dropout: float = 0.0
    batchnorm: bool = False
    init: str = "pytorch"
    granularity: str = "coarse"
    loss: str = "ce"
    margin: float = 1.0
    label_smoothing: float = 0.0
    optimizer: str = "sgd"
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "constant"
    warmup_steps: int = 0
    clip_norm: float | None = None
    epochs: int = 30
    batch_size: int = 32
    validation_split: float = 0.1
    early_stopping: int | None = None
    augment: list[str] = field(default_factory=list)
    seed: int = 0

    @classmethod
    def keys(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Build from a dict (keys may use '-' or '_'); unknown keys are an error.

        Keys the dict leaves out take the data set's entry in `DATASET_DEFAULTS` if it
        has one, else the class defaults (tuned on the 8x8 digits).

        Example:
            >>> TrainConfig.from_dict({"dataset": "cifar10"}).lr
            0.02
            >>> TrainConfig.from_dict({"dataset": "cifar10", "lr": 0.1}).lr
            0.1
        """
        normalised = {key.replace("-", "_"): value for key, value in values.items()}
        unknown = sorted(set(normalised) - set(cls.keys()))
        if unknown:
            raise ValueError(f"unknown configuration keys {unknown}; valid keys: "
                             f"{', '.join(cls.keys())}.")
        dataset = str(normalised.get("dataset", cls.dataset))
        # a deep copy: a config that edits its preprocess list must not edit the defaults
        return cls(**(copy.deepcopy(DATASET_DEFAULTS.get(dataset, {})) | normalised))

    @classmethod
    def from_toml(cls, path: str | Path) -> TrainConfig:
        return cls.from_dict(read_toml(path))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def read_toml(path: str | Path) -> dict[str, Any]:
    """A TOML file as a dict, with clear errors for a missing or malformed file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"configuration file {path} does not exist.")
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path} is not valid TOML: {error}") from None


@dataclass
class RunResult:
    """What a run produced."""

    model: MLP
    history: History
    report: ClassificationReport
    test_loss: float
    seconds: float
    folder: Path | None
    config: TrainConfig


def prepare_data(config: TrainConfig) -> tuple[Dataset, Pipeline, np.ndarray, np.ndarray]:
    """Load the data set and fit the preprocessing on its training part only.

    Returns the dataset, the fitted pipeline and the preprocessed (X_train, X_test).
    """
    # dataset_options may pin the split with its own "seed" (then config.seed varies only the
    # weights, shuffling and validation split, and the test set stays the same)
    options = {"seed": config.seed, **config.dataset_options}
    dataset = load_dataset(config.dataset, data_dir=config.data_dir, **options)
    preprocessing = make_preprocessing(config.preprocess, dataset.image_shape)
    X_train = preprocessing.fit_transform(dataset.X_train)
    X_test = preprocessing.transform(dataset.X_test)
    return dataset, preprocessing, X_train, X_test


def build_model(config: TrainConfig, in_features: int, num_classes: int) -> MLP:
    """The MLP a configuration describes."""
    return MLP(in_features, config.hidden, num_classes, activation=config.activation,
               leaky_slope=config.leaky_slope, dropout=config.dropout,
               batchnorm=config.batchnorm, init=config.init, seed=config.seed,
               granularity=config.granularity)


def build_loss(config: TrainConfig) -> CrossEntropyLoss | HingeLoss:
    key = config.loss.lower()
    if key in ("hinge", "svm"):
        return HingeLoss(margin=config.margin, granularity=config.granularity)
    if key in ("ce", "cross_entropy", "cross-entropy"):
        return CrossEntropyLoss(label_smoothing=config.label_smoothing,
                                granularity=config.granularity)
    raise ValueError(f"unknown loss {config.loss!r}; valid names: ce, cross_entropy, hinge, svm.")


def run_experiment(config: TrainConfig, folder: str | Path | None = None, progress: bool = True,
                   command: str | None = None, log: Callable[[str], None] | None = print,
                   extra_callbacks: list[Callback] | None = None,
                   figures: bool = True) -> RunResult:
    """Train and test the model ``config`` describes; write a run folder if ``folder`` is given.

    With ``figures`` the run folder also gets training figures (see ``write_run``).
    """
    say = log or (lambda message: None)
    started = time.perf_counter()
    dataset, preprocessing, X_train, X_test = prepare_data(config)
    say(f"data: {dataset.name}: {len(X_train)} training and {len(X_test)} test samples, "
        f"{X_train.shape[1]} features, {dataset.n_classes} classes")
    model = build_model(config, X_train.shape[1], dataset.n_classes)
    say(f"model: {model.extra_repr()}, {model.num_parameters():,} parameters, "
        f"granularity {config.granularity}")
    loss = build_loss(config)
    callbacks: list[Callback] = list(extra_callbacks or [])
    if config.validation_split:
        callbacks.append(BestCheckpoint(monitor="val_loss"))
        if config.early_stopping is not None:
            callbacks.append(EarlyStopping("val_loss", patience=config.early_stopping))
    augment = None
    if config.augment:
        if dataset.image_shape is None:
            raise ValueError(f"augment={config.augment} needs an image data set; "
                             f"{dataset.name!r} has no image shape.")
        augment = make_augmentation(config.augment, dataset.image_shape, seed=config.seed)
    history = fit(model, X_train, dataset.y_train, loss=loss, optimizer=config.optimizer,
                  lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay,
                  epochs=config.epochs, batch_size=config.batch_size, schedule=config.schedule,
                  warmup_steps=config.warmup_steps, clip_norm=config.clip_norm,
                  validation_split=config.validation_split, augment=augment,
                  callbacks=callbacks, progress=progress, seed=config.seed)
    scores = predict_scores(model, X_test)
    report = precision_recall_f1(dataset.y_test, scores.argmax(axis=1),
                                 class_names=dataset.class_names)
    with no_grad():
        test_loss = float(loss(Tensor(scores), dataset.y_test).data)
    seconds = time.perf_counter() - started
    result = RunResult(model, history, report, test_loss, seconds, None, config)
    if folder is not None:
        result.folder = write_run(folder, result, dataset, preprocessing, command,
                                  figures=figures)
    return result


def write_run(folder: str | Path, result: RunResult, dataset: Dataset, preprocessing: Pipeline,
              command: str | None = None, figures: bool = True) -> Path:
    """Write a run folder (see the module docstring).

    With ``figures``, also history, confusion_matrix and per_class (.png and .svg),
    drawn by ``fcnn.viz.training.write_training_figures``.
    """
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
    if figures:
        from fcnn.viz.training import write_training_figures  # plotting only when asked

        predictions = predict_scores(result.model,
                                     preprocessing.transform(dataset.X_test)).argmax(axis=1)
        write_training_figures(folder, result.history, dataset.y_test, predictions,
                               dataset.class_names)
    return folder


@dataclass
class LoadedRun:
    """A run folder read back: the model and what is needed to feed it new data."""

    model: MLP
    preprocessing: Pipeline
    class_names: list[str]
    config: TrainConfig
    folder: Path


def load_run(folder: str | Path) -> LoadedRun:
    """Read a run folder written by ``fcnn train`` (no pickle anywhere)."""
    folder = Path(folder)
    document = read_model_json(folder)
    model = load_model(folder)
    extra = document.get("extra") or {}
    config = TrainConfig.from_dict(extra.get("train_config", {}))
    image_shape = extra.get("image_shape")
    preprocessing = make_preprocessing(extra.get("preprocess", []),
                                       tuple(image_shape) if image_shape else None)
    path = folder / PREPROCESS_FILE
    if path.is_file():
        try:
            preprocessing.load_state_dict(load_file(str(path)))
        except Exception as error:  # safetensors raises several types for a damaged file
            raise ValueError(f"{path} could not be read ({error}); the run folder is damaged."
                             ) from None
    class_names = extra.get("class_names") or [str(i) for i in
                                               range(model.config["out_features"])]
    return LoadedRun(model, preprocessing, class_names, config, folder)
