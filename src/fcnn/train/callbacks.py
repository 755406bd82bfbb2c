"""Callbacks: the training loop reports to them with a plain dict of metrics.

The progress bar, early stopping, best-checkpoint keeping and logging are all callbacks.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from fcnn.files import write_atomic, write_json
from fcnn.nn.losses import Loss
from fcnn.nn.module import Module
from fcnn.optim import Optimizer


class History:
    """What happened in each epoch: ``history["val_accuracy"]`` is a list, one value per epoch.

    Example:
        >>> h = History()
        >>> h.append({"epoch": 1, "loss": 0.5})
        >>> h["loss"], len(h)
        ([0.5], 1)
    """

    def __init__(self) -> None:
        self.records: list[dict[str, float]] = []
        self.stopped_early = False
        self.best_epoch: int | None = None

    def append(self, record: dict[str, float]) -> None:
        self.records.append(dict(record))

    def __getitem__(self, key: str) -> list[float]:
        return [r[key] for r in self.records if key in r]

    def __len__(self) -> int:
        return len(self.records)

    def keys(self) -> list[str]:
        seen: dict[str, None] = {}
        for record in self.records:
            seen.update(dict.fromkeys(record))
        return list(seen)

    def to_csv(self, path: str | Path) -> None:
        """Write one row per epoch (written whole or not at all)."""
        text = io.StringIO(newline="")
        writer = csv.DictWriter(text, fieldnames=self.keys())
        writer.writeheader()
        writer.writerows(self.records)
        write_atomic(path, text.getvalue())

    def to_json(self, path: str | Path) -> None:
        """Write the records and the best/stopped-early marks (written whole or not at all)."""
        write_json(path, {"epochs": self.records, "stopped_early": self.stopped_early,
                          "best_epoch": self.best_epoch})

    @classmethod
    def from_json(cls, path: str | Path) -> History:
        document = json.loads(Path(path).read_text())
        history = cls()
        for record in document["epochs"]:
            history.append(record)
        history.stopped_early = document.get("stopped_early", False)
        history.best_epoch = document.get("best_epoch")
        return history

    def __repr__(self) -> str:
        last = self.records[-1] if self.records else {}
        shown = ", ".join(f"{k}={v:.4g}" for k, v in last.items() if isinstance(v, float))
        return f"History({len(self)} epochs; last: {shown})"


@dataclass
class TrainState:
    """Where a training run stands: what the loop hands to every callback.

    Attributes:
        model, optimizer, loss: what is being trained, and how.
        history: the finished epochs.
        epochs: the epochs the run will take if it is not stopped.
        total_steps: optimizer steps the run will take if it is not stopped.
        rng: the generator that shuffles each epoch.
        epoch: the epoch running now (1-based; 0 before the first).
        step: optimizer steps taken so far.
        stop: set by a callback to end training after this epoch.
        interrupted: set when the user asked to stop (Ctrl-C): the loop stops after the
            current batch, once the callbacks have seen it (a checkpoint can be written).
        batch: batches done in the current epoch.
        epoch_start_rng: the shuffling generator's state when this epoch drew its order
            (a checkpoint taken mid-epoch needs it to draw the same order again).
        epoch_loss_sum, epoch_correct: the running sums of the current epoch's metrics.
        extra: room for callbacks to share values.
    """

    model: Module
    optimizer: Optimizer
    loss: Loss
    history: History
    epochs: int
    total_steps: int
    rng: np.random.Generator
    epoch: int = 0
    step: int = 0
    stop: bool = False
    interrupted: bool = False
    batch: int = 0
    epoch_start_rng: dict[str, Any] | None = None
    epoch_loss_sum: float = 0.0
    epoch_correct: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


class Callback:
    """Hooks called by :func:`fcnn.train.fit` with the :class:`TrainState`.

    A callback with state that matters for an exact resume (a best value, a counter,
    kept weights) returns it from ``state_dict()`` (numbers, strings and NumPy arrays)
    and takes it back in ``load_state_dict()``; checkpoints save it.
    """

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass

    def on_train_begin(self, state: TrainState) -> None:
        pass

    def on_batch_end(self, state: TrainState, logs: dict[str, float]) -> None:
        pass

    def on_epoch_end(self, state: TrainState, logs: dict[str, float]) -> None:
        pass

    def on_train_end(self, state: TrainState) -> None:
        pass


class ProgressBar(Callback):
    """A tqdm bar over all training steps on a terminal; one log line per epoch elsewhere.

    Args:
        stream: where to write (default ``sys.stderr``, looked up when training starts).
        bar: True for the bar, False for log lines, None (default) for the bar on a
            terminal and log lines in a file, a pipe or CI (a bar there is noise).
    """

    METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")

    def __init__(self, stream: Any = None, bar: bool | None = None) -> None:
        self.stream, self.use_bar = stream, bar
        self.bar: Any = None

    def on_train_begin(self, state: TrainState) -> None:
        stream = self.stream or sys.stderr
        use_bar = self.use_bar if self.use_bar is not None else \
            bool(getattr(stream, "isatty", lambda: False)())
        self.bar = tqdm(total=state.total_steps, unit="step", desc="training", file=stream,
                        dynamic_ncols=True, leave=True) if use_bar else None
        self.out = stream

    def on_batch_end(self, state: TrainState, logs: dict[str, float]) -> None:
        if self.bar is None:
            return
        self.bar.update(1)
        if state.step % 20 == 0:
            self.bar.set_postfix(epoch=state.epoch, loss=f"{logs['loss']:.4f}", refresh=False)

    def on_epoch_end(self, state: TrainState, logs: dict[str, float]) -> None:
        shown = {k: f"{v:.4f}" for k, v in logs.items() if k in self.METRICS}
        if self.bar is not None:
            self.bar.set_postfix(epoch=state.epoch, **shown)
            return
        metrics = "  ".join(f"{k} {v}" for k, v in shown.items())
        print(f"epoch {state.epoch}/{state.epochs}  {metrics}  "
              f"({logs.get('seconds', 0.0):.1f} s)",
              file=self.out, flush=True)

    def on_train_end(self, state: TrainState) -> None:
        if self.bar is not None:
            self.bar.close()


class L1Shrink(Callback):
    """L1 regularisation as TensorFlow Playground applies it (a proximal step).

    After each optimizer step every weight moves ``lr * rate`` towards 0 and stops at 0,
    so small weights become exactly 0; biases (1-d parameters) are not regularised.

    Example:
        >>> import numpy as np
        >>> from fcnn.nn import MLP
        >>> from fcnn.train import fit
        >>> X = np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)
        >>> model = MLP(4, [8], 2, seed=0)
        >>> _ = fit(model, X, (X[:, 0] > 0).astype(int), lr=0.1, epochs=10, progress=False,
        ...         seed=0, callbacks=[L1Shrink(0.05)])
        >>> int((model[0].weight.data == 0).sum()) > 0      # the useless inputs are cut off
        True
    """

    def __init__(self, rate: float) -> None:
        if not rate >= 0:
            raise ValueError(f"L1Shrink: rate must be >= 0, got {rate!r}.")
        self.rate = rate

    def on_batch_end(self, state: TrainState, logs: dict[str, float]) -> None:
        shrink = np.float32(state.optimizer.schedule(state.optimizer.steps - 1) * self.rate)
        for p in state.optimizer.params:
            if p.data.ndim >= 2:
                magnitude = np.abs(p.data) - shrink
                np.maximum(magnitude, 0, out=magnitude)
                np.copysign(magnitude, p.data, out=p.data)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str | None = None) -> None:
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}.")
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.mode = mode or ("max" if "acc" in monitor else "min")
        self.best = -math.inf if self.mode == "max" else math.inf
        self.wait = 0

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "wait": self.wait}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.wait = float(state["best"]), int(state["wait"])

    def improved(self, value: float) -> bool:
        if self.mode == "max":
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta

    def on_epoch_end(self, state: TrainState, logs: dict[str, float]) -> None:
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, but the epoch logs only "
                             f"have {sorted(logs)}. Give fit() validation data or monitor 'loss'.")
        value = logs[self.monitor]
        if self.improved(value):
            self.best, self.wait = value, 0
        else:
            self.wait += 1
            if self.wait > self.patience:
                state.stop = True
                state.history.stopped_early = True


class BestCheckpoint(Callback):
    """Keep the weights of the best epoch by ``monitor``; restore them when training ends.

    With ``folder`` set, the best model is also written there (``save_model``) each
    time it improves.
    """

    def __init__(self, monitor: str = "val_accuracy", mode: str | None = None,
                 restore: bool = True, folder: str | Path | None = None) -> None:
        self.monitor, self.restore, self.folder = monitor, restore, folder
        self.tracker = EarlyStopping(monitor, patience=0, mode=mode)
        self.best_state: dict[str, np.ndarray] | None = None

    def state_dict(self) -> dict[str, Any]:
        weights = {f"weights.{k}": v for k, v in (self.best_state or {}).items()}
        return {"best": self.tracker.best, **weights}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.tracker.best = float(state["best"])
        weights = {k.removeprefix("weights."): np.array(v) for k, v in state.items()
                   if k.startswith("weights.")}
        self.best_state = weights or None

    def on_epoch_end(self, state: TrainState, logs: dict[str, float]) -> None:
        if self.monitor not in logs:
            raise ValueError(f"BestCheckpoint monitors {self.monitor!r}, but the epoch logs only "
                             f"have {sorted(logs)}.")
        if self.tracker.improved(logs[self.monitor]):
            self.tracker.best = logs[self.monitor]
            self.best_state = state.model.state_dict()
            state.history.best_epoch = state.epoch
            if self.folder is not None:
                from fcnn.nn.serialization import save_model

                save_model(state.model, self.folder)

    def on_train_end(self, state: TrainState) -> None:
        if self.restore and self.best_state is not None:
            state.model.load_state_dict(self.best_state)
