"""Callbacks: early stopping, best-checkpoint restore, History."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from fcnn.nn import MLP, load_model
from fcnn.train import BestCheckpoint, EarlyStopping, History, fit


def fake_trainer(model=None) -> SimpleNamespace:
    return SimpleNamespace(stop=False, history=History(), model=model, epoch=0)


def feed(callback, values: list[float], key: str, trainer=None) -> SimpleNamespace:
    trainer = trainer or fake_trainer()
    for epoch, value in enumerate(values, start=1):
        trainer.epoch = epoch
        callback.on_epoch_end(trainer, {key: value})
        if trainer.stop:
            break
    return trainer


def test_early_stopping_waits_patience_epochs() -> None:
    stopper = EarlyStopping("val_loss", patience=2)
    trainer = feed(stopper, [1.0, 0.8, 0.9, 0.85, 0.81, 0.5], "val_loss")
    assert trainer.stop and trainer.history.stopped_early
    assert trainer.epoch == 5 and stopper.best == 0.8


def test_early_stopping_resets_on_improvement_and_respects_min_delta() -> None:
    stopper = EarlyStopping("val_loss", patience=1, min_delta=0.1)
    trainer = feed(stopper, [1.0, 0.95, 0.7, 0.65, 0.64], "val_loss")
    # 0.95 is not an improvement of 0.1; 0.7 is; then two non-improvements stop it
    assert trainer.stop and trainer.epoch == 5 and stopper.best == 0.7


def test_early_stopping_maximises_accuracy() -> None:
    stopper = EarlyStopping("val_accuracy", patience=0)
    assert stopper.mode == "max"
    trainer = feed(stopper, [0.5, 0.6, 0.6, 0.9], "val_accuracy")
    assert trainer.stop and trainer.epoch == 3


def test_early_stopping_errors() -> None:
    with pytest.raises(ValueError, match="patience must be >= 0"):
        EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="monitors 'val_loss', but the epoch logs only have "
                                         r"\['loss'\]"):
        EarlyStopping().on_epoch_end(fake_trainer(), {"loss": 1.0})


def test_early_stopping_stops_fit() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3)).astype(np.float32)
    y = rng.integers(0, 2, size=80)  # pure noise: validation loss soon stops improving
    history = fit(MLP(3, [32], 2), X, y, epochs=200, lr=0.5, validation_split=0.25,
                  callbacks=[EarlyStopping("val_loss", patience=2)], progress=False)
    assert history.stopped_early and len(history) < 200


def test_best_checkpoint_restores_best_weights(tmp_path: Path) -> None:
    model = MLP(2, [3], 2, seed=0)
    checkpoint = BestCheckpoint("val_accuracy", folder=tmp_path / "best")
    trainer = fake_trainer(model)
    snapshots = []
    for epoch, accuracy in enumerate([0.5, 0.9, 0.7], start=1):
        trainer.epoch = epoch
        model[0].weight.data += 1.0  # training changes the weights
        snapshots.append(model.state_dict())
        checkpoint.on_epoch_end(trainer, {"val_accuracy": accuracy})
    checkpoint.on_train_end(trainer)
    assert trainer.history.best_epoch == 2
    for key, value in model.state_dict().items():
        assert np.array_equal(value, snapshots[1][key]), key
    saved = load_model(tmp_path / "best")
    assert np.array_equal(saved[0].weight.data, snapshots[1]["0.weight"])


def test_best_checkpoint_without_restore_keeps_last_weights() -> None:
    model = MLP(2, [3], 2, seed=0)
    checkpoint = BestCheckpoint("val_loss", restore=False)
    trainer = fake_trainer(model)
    for epoch, loss in enumerate([0.5, 0.9], start=1):
        trainer.epoch = epoch
        model[0].weight.data += 1.0
        checkpoint.on_epoch_end(trainer, {"val_loss": loss})
    last = model.state_dict()
    checkpoint.on_train_end(trainer)
    assert trainer.history.best_epoch == 1
    assert np.array_equal(model.state_dict()["0.weight"], last["0.weight"])


def test_best_checkpoint_in_fit() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    model = MLP(2, [4], 2, seed=0)
    checkpoint = BestCheckpoint("val_loss")
    history = fit(model, X, y, epochs=6, lr=0.1, validation_split=0.3, callbacks=[checkpoint],
                  progress=False)
    best = int(np.argmin(history["val_loss"])) + 1
    assert history.best_epoch == best
    for key, value in model.state_dict().items():
        assert np.array_equal(value, checkpoint.best_state[key]), key
    with pytest.raises(ValueError, match="BestCheckpoint monitors 'val_accuracy'"):
        fit(MLP(2, [4], 2), X, y, epochs=1, callbacks=[BestCheckpoint()], progress=False)


def test_history_indexing() -> None:
    history = History()
    history.append({"epoch": 1, "loss": 0.5})
    history.append({"epoch": 2, "loss": 0.25, "val_loss": 0.3})
    assert history["loss"] == [0.5, 0.25] and history["val_loss"] == [0.3]
    assert history.keys() == ["epoch", "loss", "val_loss"] and len(history) == 2
    assert repr(history) == "History(2 epochs; last: loss=0.25, val_loss=0.3)"
