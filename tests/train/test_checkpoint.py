"""Checkpoints: exact resume from any batch, Ctrl-C at a batch boundary, damage named on load."""

from __future__ import annotations

import numpy as np
import pytest

from fcnn.data import make_augmentation
from fcnn.errors import DivergenceError, InputError
from fcnn.nn import MLP, CrossEntropyLoss
from fcnn.optim import SGD, make_schedule
from fcnn.train import BestCheckpoint, Callback, EarlyStopping, fit
from fcnn.train.checkpoint import Checkpoint, load_checkpoint
from fcnn.train.loop import TrainingInterrupted

EPOCHS, BATCH = 4, 16


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(100, 16)).astype(np.float32)  # images of 1x4x4 for the augmentation
    return X, (X[:, :8].sum(axis=1) > 0).astype(np.int64)


class StopAt(Callback):
    """Press Ctrl-C (set the flag the SIGINT handler sets) after a given optimizer step."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_batch_end(self, state, logs) -> None:
        if state.step == self.step:
            state.interrupted = True


def train(path=None, resume=None, stop_at=None, every_seconds=None):
    """The whole recipe: dropout, batch norm, augmentation, momentum, cosine, smoothing, ..."""
    X, y = data()
    model = MLP(16, [12, 8], 2, dropout=0.3, batchnorm=True, seed=0)
    steps = EPOCHS * -(-90 // BATCH)
    optimizer = SGD(model.parameters(), lr=make_schedule("cosine", 0.1, steps, 3),
                    momentum=0.9, weight_decay=1e-3)
    callbacks = [EarlyStopping("val_loss", patience=10), BestCheckpoint("val_loss")]
    if path is not None:
        callbacks.append(Checkpoint(path, every_seconds=every_seconds))
    if stop_at is not None:
        callbacks.append(StopAt(stop_at))
    history = fit(model, X, y, loss=CrossEntropyLoss(label_smoothing=0.1), optimizer=optimizer,
                  epochs=EPOCHS, batch_size=BATCH, validation_split=0.1, progress=False,
                  augment=make_augmentation(["flip", "crop1"], (1, 4, 4), seed=5),
                  callbacks=callbacks, seed=0, resume=resume)
    return model, history


@pytest.mark.parametrize("stop_at", [1, 6, 7, 13, 20])  # 6 batches an epoch: mid and edges
def test_resume_after_ctrl_c_gives_bit_identical_weights(tmp_path, stop_at: int) -> None:
    straight, history = train()
    path = tmp_path / "last.safetensors"
    with pytest.raises(TrainingInterrupted):
        train(path, stop_at=stop_at, every_seconds=None)
    assert load_checkpoint(path).document["step"] == stop_at  # written at the boundary
    resumed, resumed_history = train(path, resume=path)
    for a, b in zip(straight.state_dict().values(), resumed.state_dict().values()):
        assert np.array_equal(a, b)
    assert [r["loss"] for r in resumed_history.records] == [r["loss"] for r in history.records]
    assert resumed_history.best_epoch == history.best_epoch


def test_a_checkpoint_every_batch_changes_nothing(tmp_path) -> None:
    straight, _ = train()
    saved, _ = train(tmp_path / "c.safetensors", every_seconds=0.0)
    assert all(np.array_equal(a, b) for a, b in zip(straight.state_dict().values(),
                                                     saved.state_dict().values()))


def test_divergence_keeps_the_last_good_checkpoint(tmp_path) -> None:
    X, y = data()
    model = MLP(16, [8], 2, activation="identity", seed=0)
    path = tmp_path / "c.safetensors"
    optimizer = SGD(model.parameters(), lr=lambda step: 1e-3 if step < 7 else 1e4)
    with pytest.raises(DivergenceError, match="training loss became .* in epoch 2"):
        with np.errstate(all="ignore"):
            fit(model, X * 100, y, optimizer=optimizer, epochs=3, batch_size=BATCH,
                callbacks=[Checkpoint(path)], progress=False, seed=0)
    saved = load_checkpoint(path)
    assert saved.document["epoch"] == 1 and len(saved.document["history"]["epochs"]) == 1
    assert all(np.isfinite(a).all() for a in saved.arrays.values())


def test_damage_and_mismatch_are_named(tmp_path) -> None:
    path = tmp_path / "c.safetensors"
    with pytest.raises(TrainingInterrupted):
        train(path, stop_at=3)
    data_bytes = bytearray(path.read_bytes())
    data_bytes[-3] ^= 0x10  # a bit flip in the tensors
    (tmp_path / "flipped.safetensors").write_bytes(bytes(data_bytes))
    with pytest.raises(InputError, match="flipped.safetensors has been modified or damaged"):
        load_checkpoint(tmp_path / "flipped.safetensors")
    (tmp_path / "cut.safetensors").write_bytes(path.read_bytes()[:100])
    with pytest.raises(InputError, match="cut.safetensors is not a readable fcnn checkpoint"):
        load_checkpoint(tmp_path / "cut.safetensors")
    X, y = data()
    with pytest.raises(InputError, match="does not match this run"):
        fit(MLP(16, [5], 2, seed=0), X, y, resume=path, progress=False)


def test_same_state_same_bytes(tmp_path) -> None:
    path = tmp_path / "c.safetensors"
    with pytest.raises(TrainingInterrupted):
        train(path, stop_at=4)
    loaded = load_checkpoint(path)
    first = path.read_bytes()
    again = tmp_path / "again.safetensors"
    with pytest.raises(TrainingInterrupted):
        train(again, stop_at=4)
    assert again.read_bytes() == first and loaded.document["batch"] == 4
