"""The training loop: minibatches -> forward -> loss -> backward -> optimizer step.

``fit`` sets a run up (loss and optimizer from objects or registry names, a
validation set, callbacks) and calls :func:`train_epoch` once per epoch. It shuffles
with a seeded generator, reports to callbacks with a :class:`TrainState` and a plain
dict of metrics, and returns a :class:`History`. The same seed gives bit-identical
weights.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from fcnn.engine import Tensor, no_grad
from fcnn.errors import ConfigError, DivergenceError
from fcnn.nn.losses import Loss, get_loss
from fcnn.nn.module import Module
from fcnn.optim import Optimizer, clip_grad_norm, get_optimizer
from fcnn.random import Seed, new_generator
from fcnn.train.callbacks import Callback, History, ProgressBar, TrainState
from fcnn.train.checkpoint import Checkpoint, LoadedCheckpoint, load_checkpoint, restore

Augment = Callable[[np.ndarray], np.ndarray]


def check_inputs(X: Any, y: Any | None = None, name: str = "X") -> tuple[np.ndarray, Any]:
    """Validate a feature matrix (and labels) and return X as float32 (no copy if it already is)."""
    X = np.asarray(X)
    if X.dtype.kind not in "fiub":
        raise ValueError(f"{name} must be numeric, got dtype {X.dtype}.")
    if X.ndim != 2:
        hint = " Flatten images first: X.reshape(len(X), -1)." if X.ndim > 2 else ""
        raise ValueError(f"{name} must be a 2-d array (samples, features), got shape "
                         f"{X.shape}.{hint}")
    X = X.astype(np.float32, copy=False)
    if not np.all(np.isfinite(X)):
        rows = np.unique(np.nonzero(~np.isfinite(X))[0])
        raise ValueError(f"{name} contains NaN or infinite values (in {len(rows)} rows, first "
                         f"row {rows[0]}). Clean or impute the data before training.")
    if y is not None:
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(f"labels must be a 1-d array with one label per row of {name} "
                             f"({len(X)}), got shape {y.shape}.")
    return X, y


def _model_granularity(model: Module) -> str:
    for module in model.modules():
        if hasattr(module, "granularity"):
            return module.granularity
    return "coarse"


def _out_features(model: Module) -> int | None:
    outs = [m.out_features for m in model.modules() if hasattr(m, "out_features")]
    return outs[-1] if outs else None


def _check_labels(y: np.ndarray, num_classes: int | None) -> np.ndarray:
    if y.dtype.kind not in "iu":
        if not (y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y))):
            raise ValueError(f"labels must be integer class indices, got dtype {y.dtype} "
                             f"(e.g. {y[:3]}).")
        y = y.astype(np.int64)
    if num_classes is not None and len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must be in 0..{num_classes - 1} (the model has {num_classes} "
                         f"outputs), found values from {y.min()} to {y.max()}. Set out_features "
                         f"to the number of classes.")
    return y.astype(np.int64, copy=False)


def predict_scores(model: Module, X: Any, batch_size: int = 1024) -> np.ndarray:
    """Raw class scores for every row of X, in evaluation mode, without building a graph."""
    X, _ = check_inputs(X)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            chunks = [model(Tensor(X[i:i + batch_size])).data
                      for i in range(0, len(X), batch_size)]
    finally:
        model.train(was_training)
    if not chunks:
        return np.zeros((0, _out_features(model) or 0), dtype=np.float32)
    return np.concatenate(chunks)


def predict(model: Module, X: Any, batch_size: int = 1024) -> np.ndarray:
    """The predicted class (argmax of the scores) for every row of X."""
    return predict_scores(model, X, batch_size).argmax(axis=1)


def evaluate(model: Module, X: Any, y: Any, loss: str | Loss = "cross_entropy",
             batch_size: int = 1024) -> dict[str, float]:
    """Mean loss and accuracy of ``model`` on (X, y)."""
    X, y = check_inputs(X, y)
    y = _check_labels(y, _out_features(model))
    scores = predict_scores(model, X, batch_size)
    loss_fn = get_loss(loss) if isinstance(loss, str) else loss
    with no_grad():
        value = float(loss_fn(Tensor(scores), y).data) if len(y) else float("nan")
    accuracy = float(np.mean(scores.argmax(axis=1) == y)) if len(y) else float("nan")
    return {"loss": value, "accuracy": accuracy}


def split_validation(X: np.ndarray, y: np.ndarray, fraction: float,
                     seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Carve a seeded random ``fraction`` of (X, y) out as a validation set."""
    if not 0 < fraction < 1:
        raise ValueError(f"validation_split must be in (0, 1), got {fraction}.")
    n_val = int(round(len(X) * fraction))
    if n_val < 1 or n_val >= len(X):
        raise ValueError(f"validation_split={fraction} of {len(X)} samples leaves an empty "
                         f"training or validation set.")
    order = np.random.default_rng([seed, 1]).permutation(len(X))
    val, train = np.sort(order[:n_val]), np.sort(order[n_val:])
    return X[train], y[train], X[val], y[val]


class TrainingInterrupted(KeyboardInterrupt):
    """The user stopped training (Ctrl-C) at a batch boundary; ``state`` is where it stopped."""

    def __init__(self, state: TrainState) -> None:
        super().__init__(f"training interrupted in epoch {state.epoch}, after batch "
                         f"{state.batch}")
        self.state = state


def train_epoch(state: TrainState, X: np.ndarray, y: np.ndarray, batch_size: int,
                augment: Augment | None = None, callbacks: Sequence[Callback] = (),
                clip_norm: float | None = None) -> dict[str, float]:
    """One pass over (X, y) in a shuffled order: forward, loss, backward, step per minibatch.

    Continues an epoch a checkpoint left half done when ``state.batch`` > 0 (the same
    order is drawn again from ``state.epoch_start_rng`` and the done batches skipped).
    Returns the epoch's mean training loss and accuracy (over the batches as trained,
    so with dropout and augmentation on).

    Raises:
        DivergenceError: a batch's loss is NaN or infinite (before its update is applied).
        TrainingInterrupted: ``state.interrupted`` was set (Ctrl-C), after the callbacks
            have seen the last finished batch.
    """
    model, loss_fn, optimizer = state.model, state.loss, state.optimizer
    if state.batch == 0:
        state.epoch_start_rng = state.rng.bit_generator.state
        state.epoch_loss_sum = state.epoch_correct = 0.0
    else:  # a checkpoint taken inside this epoch: draw the same order, skip what was done
        state.rng.bit_generator.state = state.epoch_start_rng
    order = state.rng.permutation(len(X))
    for start in range(state.batch * batch_size, len(X), batch_size):
        index = np.sort(order[start:start + batch_size])
        batch, labels = X[index], y[index]
        if augment is not None:
            batch = augment(batch)
        scores = model(Tensor(batch))
        batch_loss = loss_fn(scores, labels)
        value = float(batch_loss.data)
        if not math.isfinite(value):
            raise DivergenceError(
                f"the training loss became {value} in epoch {state.epoch}, batch "
                f"{state.batch + 1}: the learning rate ({optimizer.lr:g}) is probably too high. "
                f"Lower it, or clip the gradient norm (clip_norm).")
        optimizer.zero_grad()
        batch_loss.backward()
        if clip_norm:
            clip_grad_norm(optimizer.params, clip_norm)
        optimizer.step()
        state.step += 1
        state.batch += 1
        state.epoch_loss_sum += value * len(index)
        state.epoch_correct += float(np.sum(scores.data.argmax(axis=1) == labels))
        for callback in callbacks:
            callback.on_batch_end(state, {"loss": value})
        if state.interrupted:
            raise TrainingInterrupted(state)
    state.batch = 0
    return {"loss": state.epoch_loss_sum / len(X), "accuracy": state.epoch_correct / len(X)}


def _build_optimizer(model: Module, optimizer: str | Optimizer, lr: float | None) -> Optimizer:
    """The optimizer ``fit`` uses: an object as it is, or a registry name with its defaults."""
    if isinstance(optimizer, Optimizer):
        if lr is not None:
            raise ConfigError("lr", f"fit: lr={lr!r} was given together with an optimizer "
                                    f"object, whose own learning rate would win; set it there "
                                    f"({type(optimizer).__name__}(model.parameters(), lr={lr!r})) "
                                    f"and leave out lr.")
        mine = {id(p) for p in model.parameters()}
        if not mine <= {id(p) for p in optimizer.params}:
            raise ValueError(f"fit: the {type(optimizer).__name__} does not hold this model's "
                             f"parameters, so training would not change the model; build it "
                             f"with model.parameters().")
        return optimizer
    if not isinstance(optimizer, str):
        raise TypeError(f"fit: optimizer must be a name (e.g. 'sgd', 'adam') or an "
                        f"fcnn.optim.Optimizer, got {type(optimizer).__name__}.")
    options = {} if lr is None else {"lr": lr}
    return get_optimizer(optimizer, model.parameters(), **options)


@contextlib.contextmanager
def _catch_interrupts(state: TrainState) -> Iterator[None]:
    """While training, the first Ctrl-C asks the loop to stop at the next batch boundary.

    A second Ctrl-C interrupts at once. Only the main thread can own the signal; elsewhere
    Ctrl-C keeps Python's default behaviour.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def ask_to_stop(signum: int, frame: Any) -> None:
        if state.interrupted:
            raise KeyboardInterrupt
        state.interrupted = True

    previous = signal.signal(signal.SIGINT, ask_to_stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def fit(model: Module, X: Any, y: Any, *, loss: str | Loss = "cross_entropy",
        optimizer: str | Optimizer = "sgd", lr: float | None = None, epochs: int = 10,
        batch_size: int = 64, clip_norm: float | None = None, validation_split: float = 0.0,
        validation_data: tuple[Any, Any] | None = None, augment: Augment | None = None,
        callbacks: Sequence[Callback] = (), progress: bool = True, seed: Seed = None,
        resume: str | Path | LoadedCheckpoint | None = None) -> History:
    """Train ``model`` on (X, y) with minibatch gradient descent.

    Args:
        model: a Module mapping (N, features) to (N, classes) scores.
        X, y: float features (N, D) and integer labels (N,).
        loss: a name of ``nn.LOSSES`` ("cross_entropy", "hinge", "squared_error"), built
            with its defaults at the model's granularity, or a Loss object
            (``CrossEntropyLoss(label_smoothing=0.1)``).
        optimizer: a name of ``optim.OPTIMIZERS`` ("sgd", "adam", "adamw"), built with its
            defaults, or an Optimizer object (``SGD(model.parameters(), lr=0.1,
            momentum=0.9)``; give a schedule as its ``lr``).
        lr: the learning rate of a named optimizer (an error with an optimizer object).
        epochs, batch_size: passes over the data and samples per step.
        clip_norm: clip the global gradient norm to this value.
        validation_split: fraction of (X, y) held out for validation (seeded).
        validation_data: an explicit (X_val, y_val) instead.
        augment: ``augment(batch) -> batch`` applied to each training batch (e.g.
            ``fcnn.data.make_augmentation``; it holds its own seeded generator).
        callbacks: e.g. EarlyStopping, BestCheckpoint, Checkpoint; they receive a
            :class:`TrainState`. Checkpoints run after the others, so they save the
            others' state of the same epoch.
        progress: show a progress bar (on a terminal) or one line per epoch.
        seed: seeds shuffling and the validation split; None draws from the package-level
            generator (``fcnn.manual_seed``).
        resume: a checkpoint (path or loaded) written by a :class:`Checkpoint` of this
            same run: training continues where it stopped, to the same weights as a run
            that was never stopped (same seed and thread count).

    Returns:
        History with per-epoch loss, accuracy, val_loss, val_accuracy, lr and seconds.

    Raises:
        DivergenceError: the loss became NaN or infinite (a Checkpoint keeps the last good
            state).
        TrainingInterrupted: Ctrl-C; training stopped at a batch boundary (after a
            Checkpoint wrote it).

    Example:
        >>> import numpy as np
        >>> from fcnn.nn import MLP
        >>> from fcnn.optim import SGD
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(200, 2)).astype(np.float32); y = (X[:, 0] > 0).astype(int)
        >>> model = MLP(2, [8], 2, seed=0)
        >>> history = fit(model, X, y, optimizer=SGD(model.parameters(), lr=0.1, momentum=0.9),
        ...               epochs=5, progress=False, seed=0)
        >>> history["accuracy"][-1] > 0.9
        True
    """
    X, y = check_inputs(X, y)
    y = _check_labels(y, _out_features(model))
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ConfigError(name, f"fit: {name} must be a positive integer, got {value!r}.")
    if clip_norm is not None and not clip_norm > 0:
        raise ConfigError("clip_norm", f"fit: clip_norm must be a number > 0 (or None for no "
                                       f"clipping), got {clip_norm!r}.")
    if validation_split and validation_data is not None:
        raise ValueError("give either validation_split or validation_data, not both.")
    rng = new_generator(seed)
    split_seed = seed if isinstance(seed, (int, np.integer)) else int(rng.integers(2**31 - 1))
    X_val = y_val = None
    if validation_split:
        X, y, X_val, y_val = split_validation(X, y, validation_split, split_seed)
    elif validation_data is not None:
        X_val, y_val = check_inputs(*validation_data, name="X_val")
        y_val = _check_labels(y_val, _out_features(model))

    loss_fn = get_loss(loss, granularity=_model_granularity(model)) \
        if isinstance(loss, str) else loss
    optimizer = _build_optimizer(model, optimizer, lr)
    steps_per_epoch = -(-len(X) // batch_size)
    state = TrainState(model, optimizer, loss_fn, History(), epochs=epochs,
                       total_steps=steps_per_epoch * epochs, rng=rng)
    others = [c for c in callbacks if not isinstance(c, Checkpoint)]
    checkpoints = [c for c in callbacks if isinstance(c, Checkpoint)]
    for checkpoint in checkpoints:
        checkpoint.attach(others, augment)
    all_callbacks = ([ProgressBar()] if progress else []) + others + checkpoints
    if resume is not None:
        loaded = resume if isinstance(resume, LoadedCheckpoint) else load_checkpoint(resume)
        restore(loaded, state, others, augment)
    model.train()
    for callback in all_callbacks:
        callback.on_train_begin(state)
    try:
        with _catch_interrupts(state):
            _run_epochs(state, X, y, X_val, y_val, batch_size, augment, all_callbacks,
                        clip_norm)
    finally:
        for callback in all_callbacks:
            callback.on_train_end(state)
        model.train()
    return state.history


def _run_epochs(state: TrainState, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None,
                y_val: np.ndarray | None, batch_size: int, augment: Augment | None,
                callbacks: Sequence[Callback], clip_norm: float | None) -> None:
    """The epoch loop of :func:`fit`, from the first epoch not yet in the history."""
    for epoch in range(len(state.history) + 1, state.epochs + 1):
        state.epoch = epoch
        started = time.perf_counter()
        logs: dict[str, float] = {"epoch": epoch}
        logs.update(train_epoch(state, X, y, batch_size, augment, callbacks, clip_norm))
        if X_val is not None:
            val = evaluate(state.model, X_val, y_val, state.loss)
            logs.update(val_loss=val["loss"], val_accuracy=val["accuracy"])
        logs.update(lr=state.optimizer.schedule(state.optimizer.steps - 1),  # the last step's
                    seconds=time.perf_counter() - started)
        state.history.append(logs)
        for callback in callbacks:
            callback.on_epoch_end(state, logs)
        if state.stop:
            break
