"""One training run from a configuration: data -> preprocessing -> model -> fit -> report.

``run_experiment(config)`` carries a :class:`~fcnn.run.config.TrainConfig` out and,
given a folder, writes a run folder (see ``fcnn.run.folder``). Each object of the run
(model, loss, optimizer with its schedule, augmentation) is built from the
configuration by the registries, through the ``build_*`` functions below.

Example:
    >>> config = TrainConfig(hidden=[16], optimizer="adam", loss="hinge", margin=0.5)
    >>> build_model(config, 64, 10).describe(), build_loss(config)
    ('64-16-10, relu', HingeLoss(margin=0.5, reduction='mean'))
    >>> optimizer = build_optimizer(config, build_model(config, 64, 10), total_steps=100)
    >>> type(optimizer).__name__, optimizer.lr
    ('Adam', 0.001)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fcnn.data import Dataset, Pipeline, load_dataset, make_augmentation, make_preprocessing
from fcnn.engine import Tensor, no_grad
from fcnn.errors import DivergenceError, InputError
from fcnn.metrics import ClassificationReport, precision_recall_f1
from fcnn.nn import LOSSES, MLP, Loss
from fcnn.optim import OPTIMIZERS, Optimizer, make_schedule
from fcnn.run.config import TrainConfig
from fcnn.run.folder import RunFolder, write_run
from fcnn.train import (
    BestCheckpoint,
    Callback,
    EarlyStopping,
    History,
    L1Shrink,
    fit,
    predict_scores,
)
from fcnn.train.checkpoint import Checkpoint, load_checkpoint
from fcnn.train.loop import split_validation


@dataclass
class RunResult:
    """What a run produced, with what its reports and figures need."""

    model: MLP
    history: History
    report: ClassificationReport
    test_loss: float
    seconds: float
    folder: Path | None
    config: TrainConfig
    y_test: np.ndarray
    predictions: np.ndarray
    class_names: list[str]


#: Writes extra files (figures...) into a run folder being written: ``writer(folder, result)``.
Artifact = Callable[[Path, RunResult], None]


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
               **config.entry_options("activation"), dropout=config.dropout,
               batchnorm=config.batchnorm, init=config.init, seed=config.seed,
               granularity=config.granularity)


def build_loss(config: TrainConfig) -> Loss:
    """The loss a configuration describes, at its granularity."""
    return LOSSES.create(config.loss, options=config.entry_options("loss"),
                         granularity=config.granularity)


def build_optimizer(config: TrainConfig, model: MLP, total_steps: int) -> Optimizer:
    """The optimizer a configuration describes, its learning rate following the schedule."""
    options = config.entry_options("optimizer")
    rate = make_schedule(config.schedule, options.pop("lr"), total_steps, config.warmup_steps,
                         **config.entry_options("schedule"))
    return OPTIMIZERS.get(config.optimizer).target(model.parameters(), lr=rate, **options)


def run_experiment(config: TrainConfig, folder: str | Path | RunFolder | None = None,
                   progress: bool = True, command: str | None = None,
                   log: Callable[[str], None] | None = print,
                   extra_callbacks: Sequence[Callback] = (), artifacts: Sequence[Artifact] = (),
                   overwrite: bool = False, checkpoint_seconds: float | None = 300.0
                   ) -> RunResult:
    """Train and test the model ``config`` describes; write a run folder if ``folder`` is given.

    With a folder, the run is claimed before anything else (a folder that cannot be written
    fails at once), trains in ``FOLDER.partial`` with a checkpoint at every epoch end (and
    every ``checkpoint_seconds``), and is moved into place, complete, at the end. Stopped
    runs continue with :func:`resume_experiment`.

    Args:
        config: the run.
        folder: the run folder to write, a claimed :class:`RunFolder`, or None (nothing is
            written).
        progress: show a progress bar (one line per epoch when not on a terminal).
        command: the command line, kept in the run folder.
        log: where progress lines go (None: nowhere).
        extra_callbacks: more callbacks for ``fit``.
        artifacts: writers of extra files in the run folder, e.g. the training figures of
            ``fcnn.viz.training.write_run_figures``.
        overwrite: replace a run already at ``folder`` (it stays whole until the new one
            is complete).
        checkpoint_seconds: also checkpoint inside an epoch after this long (None: only at
            epoch ends and on Ctrl-C).

    Raises:
        DivergenceError: the loss became NaN or infinite; with a folder, the run is written
            with status "diverged" and the weights of its last good epoch, checkpoints kept.
        TrainingInterrupted: Ctrl-C; the checkpoint is written and the run can be resumed.
    """
    run = RunFolder.create(folder, overwrite) if isinstance(folder, (str, Path)) else folder
    if run is not None:
        run.write_start(config, command)
    return _train(config, run, progress, log, extra_callbacks, artifacts, checkpoint_seconds,
                  resume=False)


def resume_experiment(folder: str | Path, progress: bool = True,
                      log: Callable[[str], None] | None = print,
                      extra_callbacks: Sequence[Callback] = (),
                      artifacts: Sequence[Artifact] = (),
                      checkpoint_seconds: float | None = 300.0) -> RunResult:
    """Continue the stopped run of ``folder`` from its last checkpoint, as it was configured.

    The result is bit for bit the run that was never stopped (same thread count).
    """
    run = RunFolder.resume(folder)
    try:
        config = run.read_config()
    except BaseException:
        run.release()
        raise
    return _train(config, run, progress, log, extra_callbacks, artifacts, checkpoint_seconds,
                  resume=True)


def _callbacks(config: TrainConfig, run: RunFolder | None, validate: bool,
               extra: Sequence[Callback], checkpoint_seconds: float | None
               ) -> tuple[list[Callback], BestCheckpoint | None]:
    """The callbacks of a run: the caller's, the best epoch and early stopping (with a
    validation set), and the checkpoint (with a run folder)."""
    callbacks: list[Callback] = list(extra)
    best = BestCheckpoint(monitor="val_loss") if validate else None
    if best is not None:
        callbacks.append(best)
        if config.early_stopping is not None:
            callbacks.append(EarlyStopping("val_loss", patience=config.early_stopping))
    if config.l1:
        callbacks.append(L1Shrink(config.l1))
    if run is not None:
        callbacks.append(Checkpoint(run.checkpoint, every_seconds=checkpoint_seconds))
    return callbacks, best


def _last_good(run: RunFolder, model: MLP, best: BestCheckpoint | None) -> History:
    """After a divergence: the history of the last checkpoint, and its weights in ``model``
    unless ``fit`` already restored the best epoch's."""
    saved = load_checkpoint(run.checkpoint)
    history = History()
    for record in saved.document["history"]["epochs"]:
        history.append(record)
    history.best_epoch = saved.document["history"]["best_epoch"]
    if best is None or best.best_state is None:
        model.load_state_dict(saved.arrays_under("model."))
    return history


def _train(config: TrainConfig, run: RunFolder | None, progress: bool,
           log: Callable[[str], None] | None, extra_callbacks: Sequence[Callback],
           artifacts: Sequence[Artifact], checkpoint_seconds: float | None,
           resume: bool) -> RunResult:
    say = log or (lambda message: None)
    status = None
    try:
        started = time.perf_counter()
        dataset, preprocessing, X_train, X_test = prepare_data(config)
        say(f"data: {dataset.name}: {len(X_train)} training and {len(X_test)} test samples, "
            f"{X_train.shape[1]} features, {dataset.n_classes} classes")
        model = build_model(config, X_train.shape[1], dataset.n_classes)
        say(f"model: {model.describe()}, {model.num_parameters():,} parameters, "
            f"granularity {config.granularity}")
        y_train, validation = dataset.y_train, None
        if config.validation_split:
            X_train, y_train, X_val, y_val = split_validation(
                X_train, y_train, config.validation_split, config.seed)
            validation = (X_val, y_val)
        steps = -(-len(X_train) // config.batch_size) * config.epochs
        loss = build_loss(config)
        callbacks, best = _callbacks(config, run, validation is not None, extra_callbacks,
                                     checkpoint_seconds)
        augment = None
        if config.augment:
            if dataset.image_shape is None:
                raise InputError(f"augment={config.augment} needs an image data set; "
                                 f"{dataset.name!r} has no image shape.")
            augment = make_augmentation(config.augment, dataset.image_shape, seed=config.seed)
        start_from = run.checkpoint if resume and run.checkpoint.is_file() else None
        if start_from is not None:
            say(f"resuming from {start_from}")
        try:
            history = fit(model, X_train, y_train, loss=loss,
                          optimizer=build_optimizer(config, model, steps), epochs=config.epochs,
                          batch_size=config.batch_size, clip_norm=config.clip_norm,
                          validation_data=validation, augment=augment, callbacks=callbacks,
                          progress=progress, seed=config.seed, resume=start_from)
        except DivergenceError as error:
            if run is None or not run.checkpoint.is_file():
                raise  # nothing good to keep
            history = _last_good(run, model, best)
            status = {"status": "diverged", "error": str(error)}
        scores = predict_scores(model, X_test)
        predictions = scores.argmax(axis=1)
        report = precision_recall_f1(dataset.y_test, predictions,
                                     class_names=dataset.class_names)
        with no_grad():
            test_loss = float(loss(Tensor(scores), dataset.y_test).data)
        result = RunResult(model, history, report, test_loss, time.perf_counter() - started,
                           None, config, dataset.y_test, predictions, list(dataset.class_names))
        if run is None:
            return result
        write_run(run.staging, result, dataset, preprocessing, artifacts, status)
        result.folder = run.publish(keep_checkpoints=status is not None)
    finally:
        if run is not None:
            run.release()  # a run that stopped stays in FOLDER.partial, ready to resume
    if status is not None:
        kept = "the best epoch" if best is not None and best.best_state is not None else \
            f"epoch {len(history)}, the last good one"
        raise DivergenceError(f"{status['error']} The run was written to {result.folder} with "
                              f"status 'diverged' and the weights of {kept}; its checkpoints "
                              f"are kept in {result.folder / 'checkpoints'}.")
    return result
