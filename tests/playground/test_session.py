"""A playground session: it trains exactly as ``fcnn train`` and explains its numbers."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from fcnn.cli import main
from fcnn.errors import BudgetError, ConfigError, InputError
from fcnn.playground.session import Session
from fcnn.playground.setup import Setup
from fcnn.run import load_run
from fcnn.train import predict_scores
from fcnn.viz.graph import format_number

from .graph_table import table_rows


def trained(values: dict, epochs: int) -> Session:
    session = Session(values)
    with session.locked():
        if epochs:
            session.step(epochs)
    return session


def weights(model) -> dict[str, np.ndarray]:
    return {k: np.array(v) for k, v in model.state_dict().items()}


SETUPS = {
    "spiral-3-classes-momentum": dict(shape="spiral", classes=3, hidden=[8, 8], noise=0.1,
                                      n_samples=150),
    "gauss-l1": dict(shape="gauss", hidden=[8], l1=0.3, lr=0.1, n_samples=80),
    "adam-dropout-batchnorm-leaky-per-layer": dict(
        shape="moons", hidden=[6, 5], activation=["leaky_relu", "tanh"], negative_slope=0.1,
        optimizer="adam", lr=0.01, dropout=0.2, batchnorm=True, n_samples=120, seed=3,
        features=["x1", "x2", "x1_x2", "sin_x1"]),
    "your-points-hinge-cosine": dict(
        shape="custom", classes=2, points=[[x / 2, (x % 3) - 1.0, int(x > 0)] for x in
                                           range(-9, 10)],
        hidden=[4], loss="hinge", margin=0.5, schedule="cosine", stop_epoch=6, batch_size=4,
        test_fraction=0.2, data_seed=2),
}


@pytest.mark.parametrize("name", list(SETUPS))
def test_the_exported_toml_trains_to_the_same_weights_in_fcnn_train(name, tmp_path, capsys):
    session = trained(SETUPS[name], epochs=6)
    path = tmp_path / "setup.toml"
    path.write_text(session.export_toml())
    out = tmp_path / "run"
    assert main(["train", "--config", str(path), "--out", str(out), "--no-progress",
                 "--no-figures"]) == 0
    capsys.readouterr()
    run = load_run(out)
    mine, theirs = weights(session.state.model), weights(run.model)
    assert mine.keys() == theirs.keys()
    for key in mine:
        np.testing.assert_array_equal(mine[key], theirs[key], err_msg=key)
    history = json.loads((out / "history.json").read_text())["epochs"]
    assert [r["loss"] for r in history] == [r["loss"] for r in session.state.history.records]
    session.close()


def test_the_same_setup_replays_the_same_trajectory():
    values = dict(shape="xor", hidden=[5, 3], seed=7, data_seed=2, n_samples=80)
    first, second = trained(values, 4), trained(values, 4)
    for key, value in weights(first.state.model).items():
        np.testing.assert_array_equal(value, weights(second.state.model)[key])
    assert first.history() == second.history()
    other = trained({**values, "seed": 8}, 4)
    assert not np.array_equal(weights(other.state.model)["0.weight"],
                              weights(first.state.model)["0.weight"])
    for session in (first, second, other):
        session.close()


def test_the_lecture_starfish_table():
    """A linear classifier whose output bias holds the lecture's scores [0.6, -2.3, 1.9]."""
    session = Session(dict(shape="gauss", classes=3, hidden=[], n_samples=30))
    with session.locked():
        for c, score in enumerate((0.6, -2.3, 1.9)):
            for k in range(2):
                session.edit(1, c, k, 0.0)
            session.edit(1, c, None, score)
        document = session.explain([1.0, -1.0], label=0)  # the truth: starfish
    assert document["scores"] == pytest.approx([0.6, -2.3, 1.9], abs=1e-6)
    assert document["layers"][-1]["bias"] == pytest.approx([0.6, -2.3, 1.9], abs=1e-6)
    assert [round(q, 2) for q in document["softmax"]] == [0.21, 0.01, 0.78]
    assert round(document["losses"]["cross_entropy_log10"], 2) == 0.67     # the lecture's
    assert document["losses"]["hinge"] == pytest.approx(2.3, abs=1e-6)    # README's 2.3
    assert document["hinge"] == pytest.approx([0.0, 0.0, 2.3], abs=1e-6)
    assert document["predicted"] == 2                                     # shark: wrong
    assert document["losses"]["squared_error"] == pytest.approx(
        0.5 * ((0.6 - 1) ** 2 + 2.3 ** 2 + 1.9 ** 2), rel=1e-6)
    assert "weights edited" in session.export_toml()
    session.close()


def test_explain_is_the_forward_pass_computed_by_hand():
    session = trained(dict(shape="circle", hidden=[5, 4], activation=["tanh", "relu"],
                           features=["x1", "x2", "x1_squared"], n_samples=60), 3)
    w = weights(session.state.model)
    x = np.array([1.5, -2.0, 2.25])
    z1 = w["0.weight"].astype(np.float64) @ x + w["0.bias"]
    a1 = np.tanh(z1)
    z2 = w["2.weight"] @ a1 + w["2.bias"]
    a2 = np.maximum(z2, 0)
    s = w["4.weight"] @ a2 + w["4.bias"]
    with session.locked():
        document = session.explain([1.5, -2.0], label=1)
    assert [i["value"] for i in document["inputs"]] == [1.5, -2.0, 2.25]
    layers = document["layers"]
    np.testing.assert_allclose(layers[0]["z"], z1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.add(layers[0]["sum"], layers[0]["bias"]), z1, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(layers[0]["a"], a1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layers[1]["a"], a2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(document["scores"], s, rtol=1e-5, atol=1e-6)
    q = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
    np.testing.assert_allclose(document["softmax"], q, rtol=1e-5)
    assert document["losses"]["cross_entropy"] == pytest.approx(-math.log(q[1]), rel=1e-5)
    assert document["trained_loss"] == pytest.approx(-math.log(q[1]), rel=1e-5)
    session.close()


@pytest.mark.parametrize("layer, neuron, granularity", [(1, 2, "fine"), (2, 0, "coarse"),
                                                        (3, 1, "fine")])
def test_backprop_one_neuron_is_fcnn_graph_and_chains_into_the_network(
        layer, neuron, granularity, tmp_path, capsys):
    session = trained(dict(shape="spiral", hidden=[4, 3], activation=["sigmoid", "leaky_relu"],
                           negative_slope=0.1, n_samples=60), 2)
    with session.locked():
        document = session.backprop([1.0, -2.0], label=1, view="neuron",
                                    granularity=granularity, layer=layer, neuron=neuron)
    command = document["command"]
    expression = re.search(r'fcnn graph "([^"]+)"', command).group(1)
    values = re.search(r"--set (\S+)", command).group(1)
    assert main(["graph", expression, "--set", values, "--granularity", granularity,
                 "--steps", "--digits", "4", "--out", str(tmp_path / "g.png")]) == 0
    printed = capsys.readouterr().out
    rows = table_rows(printed)
    assert len(rows) == len(document["steps"])
    names = {node["index"]: node["name"] for node in document["nodes"]}
    for row, step in zip(rows, document["steps"]):
        local = format_number(step["local"]["values"][0], 4) if step["local"] else "-"
        assert row == [names[step["node"]], names[step["input"]], local,
                       format_number(step["upstream"]["values"][0], 4),
                       format_number(step["downstream"]["values"][0], 4)]
    for link in document["chain"]:
        assert f"df/d{link['name']} = {link['local']:.6f}" in printed
        assert link["product"] == pytest.approx(link["network"], rel=1e-4, abs=1e-7)
    assert document["output"] == pytest.approx(float(re.search(r"= (\S+)\n", printed)[1]),
                                               abs=1e-6)
    session.close()


def test_backprop_of_the_whole_network_at_both_granularities():
    session = trained(dict(shape="xor", hidden=[3], n_samples=40), 1)
    with session.locked():
        fine = session.backprop([2.0, 1.0], label=0, view="network", granularity="fine")
        coarse = session.backprop([2.0, 1.0], label=0, view="network", granularity="coarse")
    assert fine["loss"] == pytest.approx(coarse["loss"], rel=1e-6)
    assert len(fine["nodes"]) > len(coarse["nodes"])
    assert [n["text"] for n in coarse["nodes"] if n["kind"] == "op"] == \
        ["linear", "tanh", "linear", "cross_entropy"]

    def gradient(document, name):
        node = next(n for n in document["nodes"] if n["text"] == name)
        return np.array(node["grad"]["values"])

    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(gradient(fine, name), gradient(coarse, name), rtol=1e-5,
                                   atol=1e-7)
    for step in coarse["steps"]:
        assert step["downstream"]["values"]
    session.close()


def test_removing_the_activations_collapses_the_network_to_one_linear_map():
    session = trained(dict(shape="gauss", hidden=[6, 6, 6], activation="identity",
                           n_samples=60), 3)
    with session.locked():
        frame = session.frame()
    W, b = np.array(frame["collapse"]["W"]), np.array(frame["collapse"]["b"])
    X = session.data.dataset.X_train
    np.testing.assert_allclose(X @ W.T + b, predict_scores(session.state.model, X), rtol=1e-4,
                               atol=1e-4)
    assert trained(dict(shape="gauss", hidden=[6], n_samples=20), 0).frame()["collapse"] is None
    session.close()


def test_l1_moves_weights_to_exactly_zero_and_is_part_of_the_export():
    session = trained(dict(shape="gauss", hidden=[8], l1=0.3, lr=0.1, n_samples=80), 5)
    first = weights(session.state.model)["0.weight"]
    assert np.mean(first == 0) > 0.3
    assert "\nl1 = 0.3\n" in session.export_toml()  # fcnn train applies it the same way
    session.close()


def test_stop_conditions():
    session = Session(dict(shape="gauss", hidden=[3], stop_epoch=4, n_samples=40))
    with session.locked():
        session.step(10)
        assert session.state.epoch == 4 and session.stopped == "stop_epoch"
        session.step(1)
        assert session.state.epoch == 4
        session.configure({**session.setup.given, "stop_epoch": 6})  # no restart
        assert session.state.epoch == 4 and session.stopped is None
        session.step(5)
        assert session.state.epoch == 6
    session.close()
    session = Session(dict(shape="gauss", hidden=[3], target_loss=0.3, lr=0.3, n_samples=80))
    with session.locked():
        session.step(200)
    assert session.stopped == "target_loss" and session.history()[-1][1] <= 0.3
    assert session.state.epoch < 200
    session.close()


def test_a_diverging_run_stops_and_its_frame_is_still_valid_json():
    session = Session(dict(shape="gauss", hidden=[8], lr=1e30, n_samples=40,
                           activation="relu"))
    with session.locked():
        session.step(5)
    assert session.stopped == "diverged"
    json.loads(session.frame_message)
    session.close()


def test_editing_points_makes_the_data_your_own():
    session = Session(dict(shape="xor", n_samples=20, classes=2))
    with session.locked():
        session.edit_points(add=[[1.0, 1.0, 1]])
        assert session.setup.data["shape"] == "custom" and len(session.all_points()[0]) == 21
        session.edit_points(erase=[1.0, 1.0, 0.001])
        assert len(session.all_points()[0]) == 20
        session.edit_points(clear=True)
        assert len(session.all_points()[0]) == 0
        with pytest.raises(InputError, match="no training points"):
            session.step(1)
        with pytest.raises(ConfigError, match="label 4"):
            session.edit_points(add=[[0.0, 0.0, 4]])
    session.close()


def test_setup_checks():
    with pytest.raises(ConfigError, match="sets it itself"):
        Setup.from_values({"epochs": 3})
    with pytest.raises(ConfigError, match="Did you mean 'noise'"):
        Setup.from_values({"noize": 0.1})
    with pytest.raises(BudgetError, match="parameters"):
        Setup.from_values({"hidden": [256, 256, 256]})
    with pytest.raises(ConfigError, match="stop_epoch"):
        Setup.from_values({"schedule": "cosine"})
    setup = Setup.from_values({"optimizer": "adam"})
    assert setup.config.lr == 0.001  # SGD's playground rate is not handed to Adam
    assert Setup.from_values({}).config.lr == 0.03


def test_a_run_folder_of_the_playground_opens_with_its_setup(tmp_path):
    session = trained(dict(shape="spiral", classes=3, hidden=[5], n_samples=90), 3)
    folder = session.export_run(tmp_path)
    opened = Session.from_run(folder)
    assert opened.setup.data == session.setup.data
    assert opened.state.epoch == 3 and len(opened.history()) == 3
    for key, value in weights(session.state.model).items():
        np.testing.assert_array_equal(value, weights(opened.state.model)[key])
    session.close()
    opened.close()


def test_a_run_folder_of_another_2d_set_opens_with_its_preprocessing_folded_in(tmp_path,
                                                                                capsys):
    from fcnn.data import load_dataset

    out = tmp_path / "moons"
    assert main(["train", "--dataset", "moons", "--hidden", "6", "--epochs", "3",
                 "--out", str(out), "--no-progress", "--no-figures"]) == 0
    capsys.readouterr()
    run = load_run(out)
    assert run.preprocessing.steps  # fcnn train standardises by default
    dataset = load_dataset("moons", seed=run.config.seed)
    original = np.concatenate([dataset.X_train, dataset.X_test])
    session = Session.from_run(out)
    points, labels = session.all_points()
    assert len(points) == len(original) and session.data.features == ["x1", "x2"]
    scale = 0.9 * 6.0 / np.abs(original).max()   # the points fill the playground's square
    expected = predict_scores(run.model, run.preprocessing.transform(
        (points / scale).astype(np.float32)))
    np.testing.assert_allclose(predict_scores(session.state.model, points), expected,
                               rtol=1e-4, atol=1e-4)
    session.close()


def test_onnx_export_computes_the_same_scores():
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    session = trained(dict(shape="xor", hidden=[4], features=["x1", "x2", "x1_x2"],
                           n_samples=40), 2)
    runtime = ort.InferenceSession(session.export_onnx(), providers=["CPUExecutionProvider"])
    X = session.data.dataset.X_train
    np.testing.assert_allclose(runtime.run(None, {"input": X})[0],
                               predict_scores(session.state.model, X), rtol=1e-5, atol=1e-5)
    session.close()
