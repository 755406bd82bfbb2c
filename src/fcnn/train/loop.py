"""The training loop: minibatches -> forward -> loss -> backward -> optimizer step.

``fit`` shuffles with a seeded generator each epoch, reports to callbacks with a
plain dict of metrics and returns a :class:`History`. The same seed gives
bit-identical weights.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fcnn.engine import Tensor, no_grad
from fcnn.nn.losses import Loss, get_loss
from fcnn.nn.module import Module
from fcnn.optim import Optimizer, clip_grad_norm, get_optimizer, make_schedule
from fcnn.train.callbacks import Callback, History, ProgressBar

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


def evaluate(model: Module, X: Any, y: Any, loss: str | Loss = "ce",
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


@dataclass
class Trainer:
    """The loop's state, handed to callbacks."""

    model: Module
    optimizer: Optimizer
    history: History
    total_steps: int
    epoch: int = 0
    step: int = 0
    stop: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


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


def fit(model: Module, X: Any, y: Any, *, loss: str | Loss = "ce",
        optimizer: str | Optimizer = "sgd", lr: float = 0.01, momentum: float = 0.9,
        weight_decay: float = 0.0, epochs: int = 10, batch_size: int = 64,
        schedule: str = "constant", warmup_steps: int = 0, label_smoothing: float = 0.0,
        clip_norm: float | None = None, validation_split: float = 0.0,
        validation_data: tuple[Any, Any] | None = None, augment: Augment | None = None,
        callbacks: Sequence[Callback] = (), progress: bool = True, seed: int = 0) -> History:
    """Train ``model`` on (X, y) with minibatch gradient descent.

    Args:
        model: a Module mapping (N, features) to (N, classes) scores.
        X, y: float features (N, D) and integer labels (N,).
        loss: "ce" (softmax cross-entropy) or "hinge", or a Loss object.
        optimizer: "sgd", "adam", "adamw", or an Optimizer (then lr/momentum/weight_decay
            are ignored).
        lr, momentum, weight_decay: optimizer settings (momentum applies to SGD).
        epochs, batch_size: passes over the data and samples per step.
        schedule: "constant", "step" or "cosine" learning-rate schedule over all steps,
            after ``warmup_steps`` of linear warm-up.
        label_smoothing: for the cross-entropy loss.
        clip_norm: clip the global gradient norm to this value.
        validation_split: fraction of (X, y) held out for validation (seeded).
        validation_data: an explicit (X_val, y_val) instead.
        augment: ``augment(batch) -> batch`` applied to each training batch (e.g.
            ``fcnn.data.make_augmentation``; it holds its own seeded generator).
        callbacks: e.g. EarlyStopping, BestCheckpoint.
        progress: show a progress bar.
        seed: seeds shuffling and the validation split.

    Returns:
        History with per-epoch loss, accuracy, val_loss, val_accuracy, lr and seconds.

    Example:
        >>> import numpy as np
        >>> from fcnn.nn import MLP
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(200, 2)).astype(np.float32); y = (X[:, 0] > 0).astype(int)
        >>> history = fit(MLP(2, [8], 2), X, y, epochs=5, lr=0.1, progress=False)
        >>> history["accuracy"][-1] > 0.9
        True
    """
    X, y = check_inputs(X, y)
    y = _check_labels(y, _out_features(model))
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if validation_split and validation_data is not None:
        raise ValueError("give either validation_split or validation_data, not both.")
    X_val = y_val = None
    if validation_split:
        X, y, X_val, y_val = split_validation(X, y, validation_split, seed)
    elif validation_data is not None:
        X_val, y_val = check_inputs(*validation_data, name="X_val")
        y_val = _check_labels(y_val, _out_features(model))

    granularity = _model_granularity(model)
    if isinstance(loss, str):
        options = {"label_smoothing": label_smoothing} if label_smoothing else {}
        loss_fn = get_loss(loss, granularity=granularity, **options)
    else:
        loss_fn = loss
    steps_per_epoch = -(-len(X) // batch_size)
    total_steps = steps_per_epoch * epochs
    if isinstance(optimizer, str):
        rate = make_schedule(schedule, lr, total_steps, warmup=warmup_steps)
        options = {"momentum": momentum} if optimizer.lower() == "sgd" else {}
        optimizer = get_optimizer(optimizer, model.parameters(), lr=rate,
                                  weight_decay=weight_decay, **options)

    history = History()
    trainer = Trainer(model, optimizer, history, total_steps)
    all_callbacks = ([ProgressBar()] if progress else []) + list(callbacks)
    rng = np.random.default_rng(seed)
    model.train()
    for callback in all_callbacks:
        callback.on_train_begin(trainer)
    try:
        for epoch in range(1, epochs + 1):
            trainer.epoch = epoch
            started = time.perf_counter()
            order = rng.permutation(len(X))
            loss_sum = correct = 0.0
            for start in range(0, len(X), batch_size):
                index = np.sort(order[start:start + batch_size])
                batch, labels = X[index], y[index]
                if augment is not None:
                    batch = augment(batch)
                scores = model(Tensor(batch))
                batch_loss = loss_fn(scores, labels)
                optimizer.zero_grad()
                batch_loss.backward()
                if clip_norm:
                    clip_grad_norm(optimizer.params, clip_norm)
                optimizer.step()
                trainer.step += 1
                value = float(batch_loss.data)
                loss_sum += value * len(index)
                correct += float(np.sum(scores.data.argmax(axis=1) == labels))
                for callback in all_callbacks:
                    callback.on_batch_end(trainer, {"loss": value})
            logs = {"epoch": epoch, "loss": loss_sum / len(X), "accuracy": correct / len(X)}
            if X_val is not None:
                val = evaluate(model, X_val, y_val, loss_fn)
                logs.update(val_loss=val["loss"], val_accuracy=val["accuracy"])
            logs.update(lr=optimizer.schedule(optimizer.steps - 1),  # the rate of the last step
                        seconds=time.perf_counter() - started)
            history.append(logs)
            for callback in all_callbacks:
                callback.on_epoch_end(trainer, logs)
            if not np.isfinite(logs["loss"]):
                raise FloatingPointError(
                    f"the training loss became {logs['loss']} in epoch {epoch}: the learning "
                    f"rate ({optimizer.lr:g}) is probably too high. Lower it or use clip_norm."
                )
            if trainer.stop:
                break
    finally:
        for callback in all_callbacks:
            callback.on_train_end(trainer)
        model.train()
    return history
