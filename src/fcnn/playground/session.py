"""One playground session: a setup, its data, a network training on it, and its pictures.

A :class:`Session` trains exactly as ``fcnn train`` does: the model, loss and optimizer
come from ``fcnn.run.build_model/build_loss/build_optimizer`` for the setup's
configuration, and each epoch is ``fcnn.train.train_epoch`` with the same seeded
shuffling generator ``fit`` uses. So after epoch k the weights equal those of
``fcnn train --config`` on the exported TOML with ``epochs = k``.

The session publishes two kinds of messages (JSON, already encoded) that the server
streams to the page: a *setup* message when the data or the network changes (layout,
data points, input-feature heat maps) and a *frame* after each update (losses,
accuracy, confusion matrix, weights, every neuron's heat map, the output map). Frames
are paced by the page: at most :data:`WINDOW` frames are in flight before the page
acknowledges one, so training never runs ahead of what is shown (and stops when the
tab is hidden).

All methods that change the session are called with ``session.cond`` held (see
:meth:`Session.locked`); the training thread holds it while it trains one update.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from fcnn.data import Dataset, Pipeline
from fcnn.data import playground as playdata
from fcnn.engine import Tensor, no_grad
from fcnn.errors import InputError
from fcnn.metrics import confusion_matrix, precision_recall_f1
from fcnn.nn import MLP, Linear, flat_layers
from fcnn.playground import explain
from fcnn.playground.setup import Setup
from fcnn.random import new_generator
from fcnn.run import (
    RunFolder,
    RunResult,
    build_loss,
    build_model,
    build_optimizer,
    load_run,
    write_run,
)
from fcnn.train import History, L1Shrink, TrainState, predict_scores, train_epoch

#: Side of the grid of each neuron's heat map, and of the output map.
GRID = 20
OUT_GRID = 64
#: Neurons per layer drawn with their heat map and links; a wider layer is drawn collapsed.
MAX_DRAWN = 32
#: Frames sent and not yet acknowledged by the page before training waits.
WINDOW = 3
#: Epochs a run is planned for when no stop epoch is set (only its records mention it).
PLANNED_EPOCHS = 100


def grid_points(size: int, domain: float = playdata.DOMAIN) -> np.ndarray:
    """Centres of a size x size grid over [-domain, domain]^2, row by row from the top.

    Row 0 is the top of the picture (largest x2), column 0 its left (smallest x1).

    Example:
        >>> grid_points(2, 6.0).tolist()
        [[-3.0, 3.0], [3.0, 3.0], [-3.0, -3.0], [3.0, -3.0]]
    """
    step = 2 * domain / size
    centres = -domain + step * (np.arange(size) + 0.5)
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.stack([x1.ravel(), x2.ravel()], 1)


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def _to_bytes(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """``values`` in [low, high] (clipped) as 0..255."""
    scaled = (np.clip(np.nan_to_num(values), low, high) - low) * (255.0 / (high - low))
    return np.rint(scaled).astype(np.uint8)


class Session:
    """A setup, its data and network, training on request, publishing what the page shows.

    Args:
        values: the setup's keys (see :mod:`fcnn.playground.setup`).
        session_id: the id the server gave it.

    Example:
        >>> session = Session({"shape": "xor", "hidden": [4], "n_samples": 100})
        >>> with session.locked():
        ...     session.step(3)
        >>> session.state.epoch, len(session.history())
        (3, 3)
        >>> session.close()
    """

    def __init__(self, values: Mapping[str, Any], session_id: str = "") -> None:
        self.id = session_id
        self.cond = threading.Condition()
        self._waiting_lock = threading.Lock()
        self.waiting = 0
        self.version = self.frame_id = self.acked = self.streams = self.streams_opened = 0
        self.playing = self.closed = self.edited = False
        self.stopped: str | None = None
        self.setup: Setup | None = None
        self.notes: list[str] = []
        self.setup_message = self.frame_message = b""
        self.last_used = time.monotonic()
        self._sent_history = 0
        self.cpu = {"train_ms": 0.0, "frame_ms": 0.0}
        with self.cond:
            self._apply(Setup.from_values(values))
        self._thread = threading.Thread(target=self._run, name=f"playground-{session_id}",
                                        daemon=True)
        self._thread.start()

    # ----- locking --------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the session (the training thread yields to a waiting request between epochs)."""
        with self._waiting_lock:
            self.waiting += 1
        with self.cond:
            with self._waiting_lock:
                self.waiting -= 1
            self.last_used = time.monotonic()
            yield
            self.cond.notify_all()

    def close(self) -> None:
        """Stop the training thread and every stream of this session."""
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    # ----- building ---------------------------------------------------------------
    def _apply(self, setup: Setup, state_dict: dict[str, np.ndarray] | None = None,
               records: list[dict[str, float]] | None = None) -> None:
        """Make ``setup`` current: new data if its data changed, a new network in any case."""
        if self.setup is None or setup.data != self.setup.data:
            options = {k: v for k, v in setup.data.items() if k != "seed"}
            self.data = playdata.generate(setup.data["seed"], allow_empty=True, **options)
            data = self.data
            # the inputs of the heat maps (small grid) and of the output map, in one array
            self.grids = playdata.feature_matrix(
                np.concatenate([grid_points(GRID), grid_points(OUT_GRID)]), data.features)
            self.all_features = np.concatenate([data.dataset.X_train, data.dataset.X_test])
        self.setup = setup
        self._build_model(state_dict, records)
        self.version += 1
        self._publish_setup()
        self._publish_frame()

    def _build_model(self, state_dict: dict[str, np.ndarray] | None = None,
                     records: list[dict[str, float]] | None = None) -> None:
        setup, dataset = self.setup, self.data.dataset
        epochs = setup.play["stop_epoch"] or PLANNED_EPOCHS
        self.config = setup.train_config(epochs)
        model = build_model(self.config, dataset.n_features, dataset.n_classes)
        if state_dict is not None:
            model.load_state_dict(state_dict)
        steps = max(1, -(-len(dataset.X_train) // self.config.batch_size)) * epochs
        optimizer = build_optimizer(self.config, model, steps)
        history = History()
        for record in records or []:
            history.append(record)
        self.state = TrainState(model, optimizer, build_loss(self.config), history,
                                epochs=epochs, total_steps=steps,
                                rng=new_generator(self.config.seed))
        self.state.epoch = len(history)
        model.train()
        self.callbacks = [L1Shrink(self.config.l1)] if self.config.l1 else []
        self.playing, self.stopped, self.edited = False, None, False
        self._sent_history = 0
        self.notes = []
        self.evaluation = self._evaluate()

    # ----- training -----------------------------------------------------------------
    def _evaluate(self) -> dict[str, Any]:
        """Loss, accuracy and predictions on the training and test points (evaluation mode)."""
        result: dict[str, Any] = {}
        dataset = self.data.dataset
        both = predict_scores(self.state.model, self.all_features)  # one pass for both parts
        n_train = len(dataset.X_train)
        for split, scores, y in (("train", both[:n_train], dataset.y_train),
                                 ("test", both[n_train:], dataset.y_test)):
            if len(y) == 0:
                result[split] = None
                continue
            with no_grad():
                loss = float(self.state.loss(Tensor(scores), y).data)
            predictions = scores.argmax(axis=1)
            result[split] = {"loss": loss, "accuracy": float(np.mean(predictions == y)),
                             "predictions": predictions}
        return result

    def _train_one_epoch(self) -> None:
        with np.errstate(all="ignore"):  # a diverging run is reported on the page instead
            self._train_one_epoch_quietly()

    def _train_one_epoch_quietly(self) -> None:
        state, dataset, config = self.state, self.data.dataset, self.config
        state.epoch += 1
        started = time.perf_counter()
        logs: dict[str, float] = {"epoch": state.epoch}
        try:
            logs.update(train_epoch(state, dataset.X_train, dataset.y_train, config.batch_size,
                                    callbacks=self.callbacks, clip_norm=config.clip_norm))
        except FloatingPointError:  # fcnn's DivergenceError: a batch's loss was not finite
            state.epoch -= 1        # the epoch did not finish; the page says "diverged"
            self.stopped, self.playing = "diverged", False
            self.evaluation = self._evaluate()
            return
        self.evaluation = self._evaluate()
        train, test = self.evaluation["train"], self.evaluation["test"]
        logs.update(train_loss=train["loss"], train_accuracy=train["accuracy"])
        if test is not None:
            logs.update(test_loss=test["loss"], test_accuracy=test["accuracy"])
        logs.update(lr=state.optimizer.schedule(state.optimizer.steps - 1),
                    seconds=time.perf_counter() - started)
        state.history.append(logs)
        play = self.setup.play
        if not (math.isfinite(logs["loss"]) and math.isfinite(train["loss"])):
            self.stopped = "diverged"
        elif play["stop_epoch"] is not None and state.epoch >= play["stop_epoch"]:
            self.stopped = "stop_epoch"
        elif play["target_loss"] is not None and train["loss"] <= play["target_loss"]:
            self.stopped = "target_loss"
        if self.stopped:
            self.playing = False

    def _check_trainable(self) -> None:
        if len(self.data.dataset.X_train) == 0:
            raise InputError("there are no training points: add points (or lower the test "
                             "fraction) before training.")

    def step(self, epochs: int = 1) -> None:
        """Train ``epochs`` epochs now (fewer if the stop condition is met), then publish."""
        self._check_trainable()
        started = time.thread_time()
        self.stopped = None if self.stopped == "target_loss" else self.stopped
        for _ in range(epochs):
            if self._at_stop():
                break
            self._train_one_epoch()
            if self.stopped:
                break
        self.cpu["train_ms"] = (time.thread_time() - started) * 1000
        self._publish_frame()

    def _at_stop(self) -> bool:
        stop = self.setup.play["stop_epoch"]
        if stop is not None and self.state.epoch >= stop:
            self.stopped = "stop_epoch"
            return True
        return self.stopped == "diverged"

    def play(self, on: bool) -> None:
        """Start or pause training (it stops by itself at the stop condition)."""
        if on:
            self._check_trainable()
        if on and self._at_stop():
            self._publish_frame()
            return
        self.playing = bool(on)
        if on:
            self.stopped = None
        self._publish_frame()
        self.acked = self.frame_id  # training may run WINDOW updates ahead from here

    def ack(self, frame: int) -> None:
        """The page has drawn frame ``frame``: training may run ahead again."""
        if isinstance(frame, int) and not isinstance(frame, bool):
            self.acked = max(self.acked, min(frame, self.frame_id))

    def _run(self) -> None:
        """The training thread: while playing, one update per acknowledged frame."""
        while True:
            with self.cond:
                while not self.closed and not (self.playing and not self.waiting and
                                               self.frame_id - self.acked < WINDOW):
                    self.cond.wait(timeout=0.05)
                if self.closed:
                    return
                started = time.thread_time()
                for _ in range(self.setup.play["epochs_per_update"]):
                    if self._at_stop():
                        self.playing = False
                        break
                    self._train_one_epoch()
                    if self.stopped or self.waiting:
                        break
                self.cpu["train_ms"] = (time.thread_time() - started) * 1000
                self._publish_frame()
                self.cond.notify_all()

    # ----- changes ------------------------------------------------------------------
    def configure(self, values: Mapping[str, Any]) -> None:
        """Replace the setup (checked first: on an error nothing changes).

        The network restarts from its seed, unless only the stop condition or the speed
        changed (and no learning-rate schedule depends on the stop epoch): those apply to
        the training under way.
        """
        setup = Setup.from_values(values)
        old = self.setup
        same = (setup.data == old.data and setup.config == old.config and
                (setup.config.schedule == "constant" or
                 setup.play["stop_epoch"] == old.play["stop_epoch"]))
        if not same:
            self._apply(setup)
            return
        self.setup = setup
        if self.stopped in ("stop_epoch", "target_loss"):
            self.stopped = None
        self.version += 1
        self._publish_setup()
        self._publish_frame()

    def reset(self) -> None:
        """A new network from the seed, on the same data: epoch 0."""
        self._apply(self.setup)

    def history(self) -> list[list[float | None]]:
        """[epoch, training loss, test loss] of every epoch so far (evaluation mode)."""
        return [_history_row(r) for r in self.state.history.records]

    def _linears(self) -> list[Linear]:
        return [layer for _, layer in flat_layers(self.state.model) if isinstance(layer, Linear)]

    def edit(self, layer: Any, row: Any, column: Any, value: Any) -> None:
        """Set one weight (``column`` an index) or bias (``column`` None) of Linear ``layer``.

        ``layer`` counts from 1 (the first hidden layer) to the output layer.
        """
        linears = self._linears()
        _check_index("layer", layer, 1, len(linears) + 1)
        linear = linears[layer - 1]
        _check_index("row", row, 0, linear.out_features)
        if column is not None:
            _check_index("column", column, 0, linear.in_features)
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or abs(value) > 1000:
            raise InputError(f"value: expected a number in [-1000, 1000], got {value!r}.")
        if column is None:
            linear.bias.data[row] = value
        else:
            linear.weight.data[row, column] = value
        self.edited = True
        self.evaluation = self._evaluate()
        self._publish_frame()

    def all_points(self) -> tuple[np.ndarray, np.ndarray]:
        """Every point (training first, then test) and its label."""
        dataset = self.data.dataset
        return (np.concatenate([self.data.points_train, self.data.points_test]),
                np.concatenate([dataset.y_train, dataset.y_test]))

    def edit_points(self, add: Any = None, erase: Any = None, clear: bool = False) -> None:
        """Add points, erase those near a place, or clear all: the data becomes your own."""
        points, labels = self.all_points()
        rows = np.column_stack([points.astype(np.float64), labels]) if not clear \
            else np.zeros((0, 3))
        if erase is not None:
            if (not isinstance(erase, (list, tuple)) or len(erase) != 3 or
                    any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in erase)):
                raise InputError(f"erase: expected [x1, x2, radius], got {erase!r}.")
            x1, x2, radius = erase
            keep = np.hypot(rows[:, 0] - x1, rows[:, 1] - x2) > radius
            rows = rows[keep]
        if add is not None:
            extra = playdata.check_points(add, self.setup.data["classes"], "add: ")
            rows = np.concatenate([rows, extra])
        if len(rows) > playdata.MAX_POINTS:
            raise InputError(f"points: {len(rows)} points, more than the limit of "
                             f"{playdata.MAX_POINTS}; erase some first.")
        values = dict(self.setup.given)
        values.pop("n_samples", None)
        values.pop("noise", None)
        values.update(shape="custom", points=[[round(float(x), 4), round(float(y), 4), int(c)]
                                              for x, y, c in rows])
        self.configure(values)

    # ----- the numbers behind a point -------------------------------------------------
    def _point_inputs(self, point: Any) -> np.ndarray:
        if (not isinstance(point, (list, tuple)) or len(point) != 2 or
                any(isinstance(v, bool) or not isinstance(v, (int, float)) or
                    not math.isfinite(v) for v in point)):
            raise InputError(f"point: expected [x1, x2] (two numbers), got {point!r}.")
        return playdata.feature_matrix(np.array([point], dtype=np.float64),
                                       self.data.features)[0]

    def _label(self, label: Any, inputs: np.ndarray) -> int:
        if label is None:
            return int(predict_scores(self.state.model, inputs[None]).argmax())
        _check_index("label", label, 0, self.data.dataset.n_classes)
        return int(label)

    def explain(self, point: Any, label: Any = None) -> dict[str, Any]:
        """The forward pass of ``point`` (x1, x2), neuron by neuron, and its losses."""
        inputs = self._point_inputs(point)
        label = self._label(label, inputs)
        document = explain.explain_point(self.state.model, inputs, label, self.config.loss,
                                         self.config.entry_options("loss"))
        titles = {name: playdata.FEATURES[name][0] for name in self.data.features}
        document["inputs"] = [{"name": name, "title": titles[name], "value": float(v)}
                              for name, v in zip(self.data.features, inputs)]
        document["point"] = [float(point[0]), float(point[1])]
        return document

    def backprop(self, point: Any, label: Any = None, view: str = "neuron",
                 granularity: str = "fine", layer: Any = 1, neuron: Any = 0) -> dict[str, Any]:
        """The backward pass of ``point`` step by step: one neuron, or the whole network."""
        inputs = self._point_inputs(point)
        label = self._label(label, inputs)
        if granularity not in ("fine", "coarse"):
            raise InputError(f"granularity: expected 'fine' or 'coarse', got {granularity!r}.")
        loss, options = self.config.loss, self.config.entry_options("loss")
        if view == "network":
            document = explain.network_backprop(self.state.model, inputs, label, loss, options,
                                                granularity)
        elif view == "neuron":
            _check_index("layer", layer, 1, len(self._linears()) + 1)
            _check_index("neuron", neuron, 0, self._linears()[layer - 1].out_features)
            document = explain.neuron_backprop(self.state.model, inputs, label, loss, options,
                                               layer, neuron, granularity)
        else:
            raise InputError(f"view: expected 'neuron' or 'network', got {view!r}.")
        document.update(view=view, granularity=granularity, label=label,
                        point=[float(point[0]), float(point[1])])
        return document

    # ----- publishing -----------------------------------------------------------------
    def _drawn(self) -> list[int]:
        return [min(width, MAX_DRAWN) for width in self.config.hidden]

    def _publish_setup(self) -> None:
        dataset, features = self.data.dataset, self.data.features
        maps = []
        for column in self.grids[:GRID * GRID].T:
            largest = float(np.abs(column).max()) or 1.0
            maps.append(_to_bytes(column / largest, -1, 1))
        points = {}
        for split, P, y in (("train", self.data.points_train, dataset.y_train),
                            ("test", self.data.points_test, dataset.y_test)):
            points[split] = _b64(np.column_stack([P, y]).astype(np.float32))
        activation = self.config.activation
        per_layer = activation if isinstance(activation, list) else \
            [activation] * len(self.config.hidden)
        message = {
            "type": "setup", "version": self.version, "given": self.setup.given,
            "resolved": self.setup.resolved(),
            "layout": {"features": [{"name": f, "title": playdata.FEATURES[f][0]}
                                    for f in features],
                       "hidden": list(self.config.hidden), "drawn": self._drawn(),
                       "classes": dataset.n_classes, "activations": per_layer,
                       "batchnorm": self.config.batchnorm, "grid": GRID,
                       "parameters": self.state.model.num_parameters(),
                       "out_grid": OUT_GRID, "domain": playdata.DOMAIN},
            "feature_maps": _b64(np.concatenate(maps)),
            "points": points, "counts": {"train": len(dataset.y_train),
                                         "test": len(dataset.y_test)},
            "history": self.history(), "notes": list(self.notes),
        }
        self._sent_history = len(self.state.history)
        self.setup_message = encode_json(message)

    def frame(self) -> dict[str, Any]:
        """The current picture: losses, accuracy, confusion matrix, weights and heat maps."""
        model = self.state.model
        activations, scores = explain.layer_outputs(model, self.grids)  # both grids at once
        small = GRID * GRID
        drawn = self._drawn()
        maps = [_to_bytes(a[:small, :d].T, -1, 1).ravel() for a, d in zip(activations, drawn)]
        probabilities = explain.probabilities(scores)
        maps.append(_to_bytes(probabilities[:small].T, 0, 1).ravel())
        output = probabilities[small:]
        params = []
        widths_in = [len(self.data.features), *drawn]
        widths_out = [*drawn, self.data.dataset.n_classes]
        for linear, n_in, n_out in zip(self._linears(), widths_in, widths_out):
            params.append(linear.weight.data[:n_out, :n_in].ravel())
            params.append(linear.bias.data[:n_out])
        evaluation = self.evaluation
        dataset = self.data.dataset
        split = "test" if evaluation["test"] is not None else "train"
        truth = dataset.y_test if split == "test" else dataset.y_train
        predicted = evaluation[split]["predictions"] if evaluation[split] else truth
        matrix = confusion_matrix(truth, predicted, dataset.n_classes)
        records = self.state.history.records
        start = min(self._sent_history, len(records))
        history = [_history_row(r) for r in records[start:]]
        self._sent_history = len(records)

        def summary(part: dict[str, Any] | None) -> dict[str, float] | None:
            return None if part is None else {"loss": part["loss"],
                                              "accuracy": part["accuracy"]}

        collapsed = explain.collapse(model)
        return {
            "type": "frame", "version": self.version, "id": self.frame_id + 1,
            "epoch": self.state.epoch, "playing": self.playing, "stopped": self.stopped,
            "train": summary(evaluation["train"]), "test": summary(evaluation["test"]),
            "confusion": matrix.tolist(), "confusion_split": split,
            "history_start": start, "history": history,
            "params": _b64(np.concatenate(params).astype(np.float32)),
            "maps": _b64(np.concatenate(maps)),
            "output": _b64(_to_bytes(output, 0, 1)),
            "collapse": collapsed, "edited": self.edited, "cpu_ms": dict(self.cpu),
        }

    def _publish_frame(self) -> None:
        started = time.thread_time()
        with np.errstate(all="ignore"):
            message = self.frame()
        self.cpu["frame_ms"] = (time.thread_time() - started) * 1000
        message["cpu_ms"] = dict(self.cpu)
        self.frame_id = message["id"]
        self.frame_message = encode_json(message)
        self.cond.notify_all()

    # ----- exports --------------------------------------------------------------------
    def export_epochs(self) -> int:
        """The epochs the exported TOML trains: the current epoch (or the planned run)."""
        return self.state.epoch or self.setup.play["stop_epoch"] or PLANNED_EPOCHS

    def export_toml(self) -> str:
        """The setup as a TOML file that ``fcnn train --config`` trains to the same weights."""
        epochs = self.export_epochs()
        lines = ["# fcnn playground setup: `fcnn train --config THIS_FILE` trains the same "
                 "network",
                 f"# on the same data to the same weights as the playground at epoch {epochs}."]
        if self.edited:
            lines.append("# NOT included: weights edited by hand in the page (export a run "
                         "folder to keep them).")
        return "\n".join(lines) + "\n" + self.setup.train_config(epochs).to_toml() + "\n"

    def _result(self) -> RunResult:
        self._check_trainable()
        dataset, evaluation = self.data.dataset, self.evaluation
        split = "test" if evaluation["test"] is not None else "train"
        truth = dataset.y_test if split == "test" else dataset.y_train
        predictions = evaluation[split]["predictions"]
        report = precision_recall_f1(truth, predictions, dataset.n_classes,
                                     class_names=dataset.class_names)
        seconds = float(sum(r.get("seconds", 0.0) for r in self.state.history.records))
        config = self.setup.train_config(max(self.state.epoch, 1))
        return RunResult(self.state.model, self.state.history, report,
                         evaluation[split]["loss"], seconds, None, config, truth, predictions,
                         list(dataset.class_names))

    def export_run(self, runs_dir: str | Path) -> Path:
        """Write the network, its setup and history as a run folder under ``runs_dir``.

        Through ``fcnn.run``'s run folders: written in a locked ``.partial`` folder, then
        published whole with its manifest under the first free ``playground-TIME`` name.
        """
        result = self._result()
        preprocessing = Pipeline([])
        preprocessing.fit(self.data.dataset.X_train)
        name = f"playground-{time.strftime('%Y%m%d-%H%M%S')}"
        run = RunFolder.create_unique(Path(runs_dir) / name)
        try:
            run.write_start(result.config, "fcnn playground")
            write_run(run.staging, result, self.data.dataset, preprocessing)
        except BaseException:
            run.release()
            shutil.rmtree(run.staging, ignore_errors=True)  # our own new folder: no half run
            raise
        return run.publish()

    def export_onnx(self) -> bytes:
        """The network as an ONNX file (its inputs: the chosen features, in order)."""
        from fcnn.onnx import export  # needs the onnx extra

        with tempfile.TemporaryDirectory() as folder:
            path = export(self.state.model, Path(folder) / "model.onnx",
                          class_names=list(self.data.dataset.class_names))
            return path.read_bytes()

    def export_csv(self) -> str:
        """Every point as ``x1,x2,label`` rows."""
        return playdata.points_to_csv(*self.all_points())

    # ----- opening a run folder ---------------------------------------------------------
    @classmethod
    def from_run(cls, folder: str | Path, session_id: str = "") -> Session:
        """A session showing a run folder trained on 2-D data, ready to train on.

        A run of the ``playground`` data set comes back with its setup; a run of another
        2-D data set (``moons``, ``circles``...) comes back as its points (scaled into the
        playground's square) with its preprocessing folded into the first layer, so the
        network computes the same scores.
        """
        run = load_run(folder)
        model = run.model
        config = run.config
        history_path = Path(folder) / "history.json"
        records = History.from_json(history_path).records if history_path.is_file() else []
        values = {k: v for k, v in config.to_dict().items()
                  if k not in ("dataset", "data_dir", "dataset_options", "preprocess",
                               "augment", "validation_split", "early_stopping", "epochs")}
        if run.dataset == "playground":
            options = dict(config.dataset_options)
            options.pop("csv", None)
            values.update({k: v for k, v in options.items() if k != "seed"})
            values["data_seed"] = options.get("seed", config.seed)
            state = model.state_dict()
        else:
            if model.config["in_features"] != 2:
                raise InputError(f"{folder}: the network reads {model.config['in_features']} "
                                 f"features; the playground opens networks trained on 2-D "
                                 f"data (x1, x2).", folder)
            dataset = _load_2d(run.dataset, config)
            points = np.concatenate([dataset.X_train, dataset.X_test]).astype(np.float64)
            labels = np.concatenate([dataset.y_train, dataset.y_test])
            scale = 0.9 * playdata.DOMAIN / max(float(np.abs(points).max()), 1e-6)
            state = _fold_affine(model, run.preprocessing, scale)
            values.update(shape="custom", classes=int(dataset.n_classes),
                          points=[[round(float(x) * scale, 4), round(float(y) * scale, 4),
                                   int(c)] for (x, y), c in zip(points, labels)],
                          test_fraction=round(len(dataset.y_test) / len(labels), 4))
        if config.schedule != "constant":  # the schedule was planned over the run's epochs
            values["stop_epoch"] = config.epochs
        values = {k: v for k, v in values.items() if v is not None}
        session = cls(values, session_id)
        with session.locked():
            session._apply(session.setup, state_dict=state, records=records)
        return session


def _load_2d(name: str, config: Any) -> Dataset:
    from fcnn.data import load_dataset

    options = {"seed": config.seed, **config.dataset_options}
    try:
        dataset = load_dataset(name, download=False, **options)
    except (OSError, ValueError) as error:
        raise InputError(f"the run's data set {name!r} could not be loaded ({error}).") from None
    if dataset.n_features != 2:
        raise InputError(f"the run's data set {name!r} has {dataset.n_features} features; the "
                         f"playground opens networks trained on 2-D data.")
    return dataset


def _fold_affine(model: MLP, preprocessing: Pipeline, scale: float) -> dict[str, np.ndarray]:
    """The model's weights with ``x -> preprocessing(x / scale)`` folded into its first layer.

    The preprocessing steps fcnn has (scaling, standardising, whitening) are affine maps
    A x + c; A and c are measured on the unit vectors and checked on random points.
    """
    def transform(X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32) / np.float32(scale)
        return preprocessing.transform(X).astype(np.float64) if preprocessing.steps else \
            X.astype(np.float64)

    c = transform(np.zeros((1, 2)))[0]
    A = np.stack([transform(np.eye(2)[i:i + 1])[0] - c for i in range(2)], 1)
    probe = new_generator(0).uniform(-playdata.DOMAIN, playdata.DOMAIN, (16, 2))
    if not np.allclose(transform(probe), probe @ A.T + c, rtol=1e-4, atol=1e-4):
        raise InputError("the run's preprocessing is not an affine map of (x1, x2), so it "
                         "cannot be folded into the network; the playground cannot open it.")
    state = model.state_dict()
    first = next(name for name in state if name.endswith("weight"))
    bias = first[:-len("weight")] + "bias"
    W = state[first].astype(np.float64)
    state[bias] = (state[bias].astype(np.float64) + W @ c).astype(np.float32)
    state[first] = (W @ A).astype(np.float32)
    return state


def _check_index(name: str, value: Any, low: int, high: int) -> None:
    """``value`` must be an integer in [low, high)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value < high:
        raise InputError(f"{name}: expected an integer in {low}..{high - 1}, got {value!r}.")


def _history_row(record: Mapping[str, Any]) -> list[float | None]:
    """[epoch, training loss, test loss] of one history record (a run folder's has no test)."""
    return [record.get("epoch"), record.get("train_loss", record.get("loss")),
            record.get("test_loss", record.get("val_loss"))]


def encode_json(message: dict[str, Any]) -> bytes:
    """Compact JSON; NaN and infinities (a diverged loss) become null, as JSON has neither."""
    try:
        text = json.dumps(message, separators=(",", ":"), allow_nan=False,
                          default=_json_default)
    except ValueError:
        text = json.dumps(_finite(message), separators=(",", ":"), allow_nan=False,
                          default=_json_default)
    return text.encode()


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot encode {type(value).__name__}")
