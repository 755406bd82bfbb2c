"""Checkpoints: everything a training run needs to continue to bit-identical weights.

A checkpoint is one safetensors file, written atomically (temporary name, then rename).
Its tensors are the model's parameters and buffers, the optimizer's per-parameter
state and the callbacks' arrays; its metadata holds, as JSON, the step and epoch
counters, the position inside the current epoch, every random generator's state
(shuffling, each dropout layer, the augmentation), the history so far and the
callbacks' other values, plus a SHA-256 over all of it, checked on load.

:class:`Checkpoint` is the callback that writes one at every epoch end, every
``every_seconds`` inside long epochs, and when the user presses Ctrl-C.
``fit(..., resume=path)`` continues from one.

Example:
    >>> import tempfile, numpy as np
    >>> from fcnn.nn import MLP
    >>> from fcnn.train import fit
    >>> X = np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32)
    >>> y = (X[:, 0] > 0).astype(int)
    >>> path = tempfile.mkdtemp() + "/last.safetensors"
    >>> straight = MLP(2, [4], 2, seed=0)
    >>> _ = fit(straight, X, y, epochs=4, progress=False, seed=0)
    >>> first = MLP(2, [4], 2, seed=0)
    >>> _ = fit(first, X, y, epochs=2, progress=False, seed=0, callbacks=[Checkpoint(path)])
    >>> resumed = MLP(2, [4], 2, seed=0)
    >>> _ = fit(resumed, X, y, epochs=4, progress=False, seed=0, resume=path)
    >>> all((a.data == b.data).all() for a, b in zip(straight.parameters(), resumed.parameters()))
    True
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from fcnn.errors import InputError
from fcnn.files import atomic_path
from fcnn.train.callbacks import Callback, History, TrainState

FORMAT = "fcnn-checkpoint"
VERSION = 1
#: The largest metadata a checkpoint may declare (histories of thousands of epochs fit).
MAX_HEADER_BYTES = 64 << 20


def generators(model: Any, augment: Any = None) -> list[np.random.Generator]:
    """The random generators of a run besides the shuffling one, in a fixed order.

    Each module's ``rng`` (dropout layers), then the augmentation's (one shared by its
    steps, or one per step), each generator once.
    """
    found: list[np.random.Generator] = []
    holders = list(model.modules())
    if augment is not None:
        holders += list(getattr(augment, "augmentations", [augment]))
    for holder in holders:
        rng = getattr(holder, "rng", None)
        if isinstance(rng, np.random.Generator) and all(rng is not g for g in found):
            found.append(rng)
    return found


def _digest(arrays: dict[str, np.ndarray], meta: str) -> str:
    digest = hashlib.sha256(meta.encode())
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _stateful(callbacks: Sequence[Callback]) -> list[Callback]:
    """The callbacks with state to keep (a progress bar or a logger has none)."""
    return [c for c in callbacks if c.state_dict()]


def _split(values: dict[str, Any], prefix: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """Move the arrays of ``values`` into ``arrays`` (keys prefixed); return the rest."""
    plain = {}
    for key, value in values.items():
        if isinstance(value, np.ndarray):
            arrays[f"{prefix}{key}"] = np.ascontiguousarray(value)
        else:
            plain[key] = value
    return plain


def save_checkpoint(path: str | Path, state: TrainState, callbacks: Sequence[Callback] = (),
                    augment: Any = None) -> Path:
    """Write the run's complete state to ``path`` (atomically) and return the path."""
    arrays: dict[str, np.ndarray] = {f"model.{k}": np.ascontiguousarray(v)
                                     for k, v in state.model.state_dict().items()}
    optimizer = state.optimizer.state_dict()
    per_param = [_split(s, f"optimizer.{i}.", arrays) for i, s in enumerate(optimizer["state"])]
    callback_states = [{"type": type(c).__name__,
                        "state": _split(c.state_dict(), f"callback.{i}.", arrays)}
                       for i, c in enumerate(_stateful(callbacks))]
    document = {
        "format": FORMAT, "version": VERSION,
        "epoch": state.epoch, "batch": state.batch, "step": state.step, "epochs": state.epochs,
        "epoch_start_rng": state.epoch_start_rng,
        "epoch_loss_sum": state.epoch_loss_sum, "epoch_correct": state.epoch_correct,
        "shuffle_rng": state.rng.bit_generator.state,
        "generators": [g.bit_generator.state for g in generators(state.model, augment)],
        "optimizer": {"steps": optimizer["steps"], "state": per_param},
        "callbacks": callback_states,
        "history": {"epochs": state.history.records, "best_epoch": state.history.best_epoch,
                    "stopped_early": state.history.stopped_early},
    }
    meta = json.dumps(document, sort_keys=True)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # one metadata key: safetensors writes several in a random order, and the same state
    # must give the same bytes
    sealed = json.dumps({"document": meta, "sha256": _digest(arrays, meta)})
    with atomic_path(path) as temporary:
        save_file(arrays, str(temporary), metadata={"fcnn": sealed})
    return path


@dataclass
class LoadedCheckpoint:
    """A checkpoint read back and verified: its arrays and its document."""

    path: Path
    arrays: dict[str, np.ndarray]
    document: dict[str, Any]

    def arrays_under(self, prefix: str) -> dict[str, np.ndarray]:
        return {k[len(prefix):]: v for k, v in self.arrays.items() if k.startswith(prefix)}


def load_checkpoint(path: str | Path) -> LoadedCheckpoint:
    """Read and verify a checkpoint; any damage is an InputError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no checkpoint at {path}: the run has not finished an epoch yet, or "
                         f"this is not a run folder written by fcnn train.", path)
    damaged = f"{path} is not a readable fcnn checkpoint"
    try:
        with open(path, "rb") as handle:
            header = int.from_bytes(handle.read(8), "little")
        if not 0 < header <= min(MAX_HEADER_BYTES, path.stat().st_size - 8):
            raise InputError(f"{damaged}: its header declares {header:,} bytes in a file of "
                             f"{path.stat().st_size:,}.", path)
        from safetensors import safe_open

        with safe_open(str(path), "numpy") as handle:
            metadata = handle.metadata() or {}
        arrays = load_file(str(path))
        sealed = json.loads(metadata["fcnn"])
        meta, digest = sealed["document"], sealed["sha256"]
        document = json.loads(meta)
    except InputError:
        raise
    except (SafetensorError, OSError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise InputError(f"{damaged} ({type(error).__name__}: {error}); it is damaged. Resume "
                         f"from an earlier copy or train again.", path) from None
    if digest != _digest(arrays, meta):
        raise InputError(f"{path} has been modified or damaged: its SHA-256 does not match the "
                         f"one written with it. Resume from an earlier copy or train again.",
                         path)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(f"{damaged}: it was not written by fcnn's Checkpoint.", path)
    return LoadedCheckpoint(path, arrays, document)


def restore(checkpoint: LoadedCheckpoint, state: TrainState, callbacks: Sequence[Callback] = (),
            augment: Any = None) -> None:
    """Put a run back where ``checkpoint`` left it: weights, optimizer, generators, counters.

    Raises:
        InputError: the checkpoint belongs to a run of another shape (model, optimizer,
            callbacks, dropout layers or augmentation differ).
    """
    where = f"{checkpoint.path} does not match this run"
    doc = checkpoint.document
    try:
        state.model.load_state_dict(checkpoint.arrays_under("model."))
        per_param = [{**s, **checkpoint.arrays_under(f"optimizer.{i}.")}
                     for i, s in enumerate(doc["optimizer"]["state"])]
        state.optimizer.load_state_dict({"steps": doc["optimizer"]["steps"],
                                         "state": per_param})
        stateful = _stateful(callbacks)
        kinds = [type(c).__name__ for c in stateful]
        if kinds != [saved["type"] for saved in doc["callbacks"]]:
            raise ValueError(f"it holds the state of the callbacks "
                             f"{[saved['type'] for saved in doc['callbacks']]}, the run has "
                             f"{kinds}")
        for i, (callback, saved) in enumerate(zip(stateful, doc["callbacks"])):
            callback.load_state_dict({**saved["state"],
                                      **checkpoint.arrays_under(f"callback.{i}.")})
        rngs = generators(state.model, augment)
        if len(rngs) != len(doc["generators"]):
            raise ValueError(f"it holds {len(doc['generators'])} random generators (dropout, "
                             f"augmentation), the run has {len(rngs)}")
        for rng, saved in zip(rngs, doc["generators"]):
            rng.bit_generator.state = saved
        state.rng.bit_generator.state = doc["shuffle_rng"]
    except (ValueError, KeyError, TypeError) as error:
        raise InputError(f"{where} ({error}). Resume with the same configuration it was "
                         f"written with.", checkpoint.path) from None
    state.epoch, state.batch, state.step = doc["epoch"], doc["batch"], doc["step"]
    state.epoch_start_rng = doc["epoch_start_rng"]
    state.epoch_loss_sum, state.epoch_correct = doc["epoch_loss_sum"], doc["epoch_correct"]
    history = History()
    for record in doc["history"]["epochs"]:
        history.append(record)
    history.best_epoch = doc["history"]["best_epoch"]
    history.stopped_early = doc["history"]["stopped_early"]
    state.history = history


class Checkpoint(Callback):
    """Write a checkpoint at every epoch end, every ``every_seconds`` and on Ctrl-C.

    Args:
        path: the checkpoint file (replaced atomically each time).
        every_seconds: also checkpoint inside an epoch after this long (None: only at
            epoch ends and on Ctrl-C).

    ``fit`` hands it the run's other callbacks and augmentation, so their state is saved
    too. A non-finite loss is never written: after a divergence the file holds the last
    good state.
    """

    def __init__(self, path: str | Path, every_seconds: float | None = 300.0) -> None:
        self.path, self.every_seconds = Path(path), every_seconds
        self.others: Sequence[Callback] = ()
        self.augment: Any = None
        self.last = time.monotonic()
        self.written = 0

    def attach(self, callbacks: Sequence[Callback], augment: Any) -> None:
        """The run's callbacks (this one left out) and augmentation, whose state it saves."""
        self.others = [c for c in callbacks if c is not self]
        self.augment = augment

    def save(self, state: TrainState) -> None:
        save_checkpoint(self.path, state, self.others, self.augment)
        self.last = time.monotonic()
        self.written += 1

    def on_batch_end(self, state: TrainState, logs: dict[str, float]) -> None:
        due = self.every_seconds is not None and \
            time.monotonic() - self.last >= self.every_seconds
        if (due or state.interrupted) and np.isfinite(logs["loss"]):
            self.save(state)

    def on_epoch_end(self, state: TrainState, logs: dict[str, float]) -> None:
        if np.isfinite(logs["loss"]):
            self.save(state)
