"""The training loop: learning, History, validation split, reproducibility, bad input, digits."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

import fcnn
from fcnn.nn import MLP, CrossEntropyLoss
from fcnn.optim import SGD, make_schedule
from fcnn.train import (
    Callback,
    check_inputs,
    evaluate,
    fit,
    predict,
    predict_scores,
    split_validation,
)

DIGITS = Path(fcnn.__file__).parent / "data" / "embedded" / "digits.csv.gz"


def blobs(n: int = 240, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well separated Gaussian blobs in 2-d."""
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    y = np.arange(n) % 3
    X = centers[y] + rng.normal(scale=0.5, size=(n, 2))
    return X.astype(np.float32), y


def test_fit_learns_a_separable_problem() -> None:
    X, y = blobs()
    model = MLP(2, [16], 3, seed=0)
    history = fit(model, X, y, epochs=15, lr=0.1, batch_size=32, progress=False)
    assert history["accuracy"][-1] >= 0.97
    assert history["loss"][-1] < history["loss"][0]
    assert np.mean(predict(model, X) == y) >= 0.97


def test_fit_learns_with_hinge_loss_and_adam() -> None:
    X, y = blobs()
    model = MLP(2, [], 3, seed=0)  # a linear classifier suffices
    history = fit(model, X, y, loss="hinge", optimizer="adam", lr=0.05, epochs=10,
                  progress=False)
    assert history["accuracy"][-1] >= 0.97


def test_history_contents() -> None:
    X, y = blobs(100)
    history = fit(MLP(2, [4], 3), X, y, epochs=3, lr=0.05, batch_size=16,
                  validation_split=0.2, progress=False)
    assert len(history) == 3
    assert history["epoch"] == [1, 2, 3]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"):
        assert len(history[key]) == 3, key
    assert history["lr"] == [0.05, 0.05, 0.05]
    assert all(0 <= a <= 1 for a in history["accuracy"] + history["val_accuracy"])
    assert all(v > 0 for v in history["loss"] + history["val_loss"])
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "lr"} <= set(history.keys())
    assert history.stopped_early is False


def test_history_without_validation_has_no_val_keys() -> None:
    X, y = blobs(60)
    history = fit(MLP(2, [4], 3), X, y, epochs=2, progress=False)
    assert history["val_loss"] == [] and "val_accuracy" not in history.keys()


def test_history_round_trips_through_json_and_csv(tmp_path: Path) -> None:
    X, y = blobs(60)
    history = fit(MLP(2, [4], 3), X, y, epochs=2, progress=False, validation_split=0.25)
    history.to_json(tmp_path / "h.json")
    again = fcnn.train.History.from_json(tmp_path / "h.json")
    assert again.records == history.records
    history.to_csv(tmp_path / "h.csv")
    lines = (tmp_path / "h.csv").read_text().splitlines()
    assert lines[0].split(",")[:3] == ["epoch", "loss", "accuracy"] and len(lines) == 3


def test_validation_split_is_seeded() -> None:
    X, y = blobs(50)
    a = split_validation(X, y, 0.2, seed=3)
    b = split_validation(X, y, 0.2, seed=3)
    c = split_validation(X, y, 0.2, seed=4)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not np.array_equal(a[3], c[3]) or not np.array_equal(a[2], c[2])
    X_train, y_train, X_val, y_val = a
    assert len(X_val) == 10 and len(X_train) == 40
    # disjoint and complete
    rows = {tuple(r) for r in X_train} | {tuple(r) for r in X_val}
    assert len(rows) == 50
    with pytest.raises(ValueError, match=r"validation_split must be in \(0, 1\), got 1.5"):
        split_validation(X, y, 1.5, seed=0)


@pytest.mark.parametrize("granularity", ["coarse", "fine"])
def test_same_seed_gives_bit_identical_weights(granularity: str) -> None:
    X, y = blobs(90)
    weights = []
    for _ in range(2):
        model = MLP(2, [8], 3, dropout=0.2, batchnorm=True, seed=5, granularity=granularity)
        fit(model, X, y, epochs=3, lr=0.05, batch_size=16, validation_split=0.2, seed=11,
            progress=False)
        weights.append(model.state_dict())
    for key in weights[0]:
        assert np.array_equal(weights[0][key], weights[1][key]), key
    other = MLP(2, [8], 3, dropout=0.2, batchnorm=True, seed=5, granularity=granularity)
    fit(other, X, y, epochs=3, lr=0.05, batch_size=16, validation_split=0.2, seed=12,
        progress=False)
    assert not np.array_equal(other.state_dict()["0.weight"], weights[0]["0.weight"])


def test_callbacks_receive_a_plain_dict_each_epoch() -> None:
    class Recorder(Callback):
        def __init__(self) -> None:
            self.events: list[str] = []
            self.logs: list[dict] = []

        def on_train_begin(self, trainer) -> None:
            self.events.append("begin")
            self.total = trainer.total_steps

        def on_batch_end(self, trainer, logs) -> None:
            self.events.append("batch")

        def on_epoch_end(self, trainer, logs) -> None:
            self.events.append("epoch")
            self.logs.append(logs)

        def on_train_end(self, trainer) -> None:
            self.events.append("end")

    X, y = blobs(40)
    recorder = Recorder()
    fit(MLP(2, [3], 3), X, y, epochs=2, batch_size=16, callbacks=[recorder], progress=False)
    assert recorder.total == 6
    assert recorder.events == ["begin"] + (["batch"] * 3 + ["epoch"]) * 2 + ["end"]
    assert all(type(logs) is dict for logs in recorder.logs)


def test_fit_accepts_objects_and_options() -> None:
    X, y = blobs(60)
    model = MLP(2, [6], 3)
    optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9)
    history = fit(model, X, y, loss=CrossEntropyLoss(label_smoothing=0.1), optimizer=optimizer,
                  epochs=2, clip_norm=1.0, validation_data=(X[:10], y[:10]), progress=False)
    assert optimizer.steps == 2 * 1  # 60 samples, batch 64
    assert len(history["val_accuracy"]) == 2
    model = MLP(2, [6], 3)
    schedule = make_schedule("cosine", 0.01, total_steps=9, warmup_steps=2)
    history = fit(model, X, y, optimizer=SGD(model.parameters(), lr=schedule, weight_decay=1e-3),
                  epochs=3, batch_size=20, progress=False)
    # 60 samples / batch 20 = 3 steps per epoch, 9 in all: the last epoch logs the rate of step 8
    assert history["lr"] == [schedule(2), schedule(5), schedule(8)]
    assert 0 < history["lr"][-1] < history["lr"][1]
    # a named optimizer takes lr; an object brings its own, so lr with it is an error
    assert fit(MLP(2, [6], 3), X, y, optimizer="adam", lr=0.02, epochs=1,
               progress=False)["lr"] == [0.02]
    with pytest.raises(ValueError, match="lr=0.1 was given together with an optimizer object"):
        fit(model, X, y, optimizer=SGD(model.parameters(), lr=0.05), lr=0.1, progress=False)
    with pytest.raises(ValueError, match="does not hold this model's parameters"):
        fit(MLP(2, [6], 3), X, y, optimizer=SGD(model.parameters()), progress=False)


def test_fit_with_augment_and_progress_bar(capsys) -> None:
    X, y = blobs(30)
    seen = []

    def augment(batch: np.ndarray) -> np.ndarray:
        seen.append(batch.shape)
        return batch + 0.01

    fit(MLP(2, [3], 3), X, y, epochs=1, batch_size=10, augment=augment, progress=True)
    assert seen == [(10, 2)] * 3
    log = capsys.readouterr().err  # not a terminal: one line per epoch instead of a bar
    assert log.startswith("epoch 1/1  loss ") and log.count("\n") == 1


def test_diverging_training_raises() -> None:
    X, y = blobs(60)
    X = X * 1e4
    with pytest.raises(FloatingPointError, match="learning rate .* is probably too high"):
        with np.errstate(all="ignore"):
            model = MLP(2, [16], 3, activation="identity", seed=0)
            fit(model, X, y, optimizer=SGD(model.parameters(), lr=1e6, momentum=0.99), epochs=5,
                progress=False, seed=0)


# ----- predict / evaluate ----------------------------------------------------------------------

class _Spy(fcnn.nn.Module):
    """A layer that records whether its input is part of a graph."""

    def __init__(self) -> None:
        self.seen: list[tuple[bool, bool]] = []

    def forward(self, x: fcnn.Tensor) -> fcnn.Tensor:
        self.seen.append((x.requires_grad, x.grad_fn is not None))
        return x


def test_predict_restores_training_mode_and_builds_no_graph() -> None:
    spy = _Spy()
    model = fcnn.nn.Sequential(MLP(2, [4], 3, dropout=0.5, seed=0), spy)
    X, y = blobs(20)
    scores = predict_scores(model, X, batch_size=7)
    assert scores.shape == (20, 3) and model.training
    assert spy.seen == [(False, False)] * 3  # 3 batches of at most 7, none recorded a graph
    np.testing.assert_array_equal(scores, predict_scores(model, X))  # dropout off: deterministic
    assert predict_scores(model, np.zeros((0, 2))).shape == (0, 3)
    result = evaluate(model, X, y)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_q = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    assert result["loss"] == pytest.approx(-log_q[np.arange(20), y].mean(), rel=1e-6)
    assert result["accuracy"] == np.mean(scores.argmax(axis=1) == y)


# ----- bad input -------------------------------------------------------------------------------

def test_nan_or_inf_in_X_is_rejected() -> None:
    X, y = blobs(20)
    X[3, 1] = np.nan
    X[7, 0] = np.inf
    with pytest.raises(ValueError, match=r"X contains NaN or infinite values \(in 2 rows, "
                                         r"first row 3\)"):
        fit(MLP(2, [3], 3), X, y, progress=False)


def test_bad_shapes_and_types_are_rejected() -> None:
    X, y = blobs(20)
    with pytest.raises(ValueError, match=r"2-d array.*got shape \(20, 2, 1\).*reshape"):
        fit(MLP(2, [3], 3), X[:, :, None], y, progress=False)
    with pytest.raises(ValueError, match="X must be numeric, got dtype <U"):
        check_inputs(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match=r"one label per row of X \(20\), got shape \(19,\)"):
        fit(MLP(2, [3], 3), X, y[:19], progress=False)
    with pytest.raises(ValueError, match="Linear\\(3 -> 2\\) expected input of shape \\(N, 3\\)"):
        fit(MLP(3, [2], 3), X, y, progress=False)


def test_labels_out_of_range_for_the_model() -> None:
    X, y = blobs(20)
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.1 \(the model has 2 outputs\), "
                                         r"found values from 0 to 2"):
        fit(MLP(2, [3], 2), X, y, progress=False)
    with pytest.raises(ValueError, match="found values from -1"):
        fit(MLP(2, [3], 3), X, y - 1, progress=False)


def test_non_integer_labels_for_fit() -> None:
    X, y = blobs(20)
    with pytest.raises(ValueError, match="labels must be integer class indices, got dtype float"):
        fit(MLP(2, [3], 3), X, y + 0.5, progress=False)
    fit(MLP(2, [3], 3), X, y.astype(np.float64), epochs=1, progress=False)  # whole floats are OK


def test_bad_fit_options() -> None:
    X, y = blobs(20)
    with pytest.raises(ValueError, match="epochs must be a positive integer, got 0"):
        fit(MLP(2, [3], 3), X, y, epochs=0, progress=False)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 2.5"):
        fit(MLP(2, [3], 3), X, y, batch_size=2.5, progress=False)
    with pytest.raises(ValueError, match="either validation_split or validation_data"):
        fit(MLP(2, [3], 3), X, y, validation_split=0.2, validation_data=(X, y), progress=False)
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'; valid names"):
        fit(MLP(2, [3], 3), X, y, optimizer="lbfgs", progress=False)
    with pytest.raises(ValueError, match="unknown loss 'l1'; valid names"):
        fit(MLP(2, [3], 3), X, y, loss="l1", progress=False)
    with pytest.raises(ValueError, match="clip_norm must be a number > 0"):
        fit(MLP(2, [3], 3), X, y, clip_norm=-1, progress=False)
    with pytest.raises(ValueError, match="lr: expected a number > 0; got 0"):
        fit(MLP(2, [3], 3), X, y, lr=0, progress=False)


# ----- real data: the embedded digits ----------------------------------------------------------

def test_digits_reach_95_percent_test_accuracy() -> None:
    with gzip.open(DIGITS, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",")
    X, y = (table[:, :64] / 16.0).astype(np.float32), table[:, 64].astype(np.int64)
    assert X.shape == (1797, 64) and set(np.unique(y)) == set(range(10))
    order = np.random.default_rng(0).permutation(len(X))
    test, train = order[:360], order[360:]
    model = MLP(64, [64], 10, seed=0)
    fit(model, X[train], y[train], lr=0.05, batch_size=32, epochs=30, seed=0, progress=False)
    accuracy = float(np.mean(predict(model, X[test]) == y[test]))
    assert accuracy >= 0.95
