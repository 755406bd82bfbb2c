"""ONNX export: the file passes onnx.checker and onnxruntime reproduces fcnn's outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from fcnn.cli import main  # noqa: E402
from fcnn.nn import MLP, BatchNorm1d, Linear, Module, Sequential, Softmax, Tanh  # noqa: E402
from fcnn.onnx import export, to_onnx  # noqa: E402
from fcnn.run import TrainConfig, load_run, run_experiment  # noqa: E402
from fcnn.train import fit, predict_scores  # noqa: E402

ARCHITECTURES = {
    "linear": dict(hidden=[]),
    "relu-2-layer": dict(hidden=[32]),
    "tanh-deep": dict(hidden=[24, 16, 12, 8], activation="tanh"),
    "sigmoid-wide": dict(hidden=[256], activation="sigmoid"),
    "leaky-dropout-batchnorm": dict(hidden=[20, 20], activation="leaky_relu", negative_slope=0.2,
                                    dropout=0.3, batchnorm=True),
    "identity": dict(hidden=[6], activation="identity"),
}


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 12)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)
    return X, y


def run_onnx(path: Path, X: np.ndarray) -> tuple[np.ndarray, str]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input"]
    output = session.get_outputs()[0].name
    return session.run(None, {"input": X})[0], output


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_onnxruntime_matches_fcnn(name: str, data, tmp_path: Path) -> None:
    X, y = data
    model = MLP(12, out_features=3, seed=1, **ARCHITECTURES[name])
    fit(model, X, y, epochs=2, lr=0.05, progress=False)  # trained: batch-norm statistics move
    path = export(model, tmp_path / "model.onnx")
    onnx.checker.check_model(str(path), full_check=True)
    scores, output = run_onnx(path, X)
    assert output == "scores" and scores.dtype == np.float32
    assert np.abs(scores - predict_scores(model, X)).max() <= 1e-5
    one, _ = run_onnx(path, X[:1])  # the batch dimension is free
    assert one.shape == (1, 3)


def test_softmax_output_gives_probabilities(data, tmp_path: Path) -> None:
    X, y = data
    model = MLP(12, [16], 3, activation="tanh", seed=0)
    fit(model, X, y, epochs=2, progress=False)
    probabilities, output = run_onnx(export(model, tmp_path / "p.onnx", softmax=True), X)
    scores = predict_scores(model, X)
    expected = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    assert output == "probabilities"
    assert np.abs(probabilities - expected).max() <= 1e-5


def test_sequential_with_its_own_softmax_and_no_bias(data, tmp_path: Path) -> None:
    X, _ = data
    bn = BatchNorm1d(12)
    bn.running_mean[:] = X.mean(axis=0)
    bn.running_var[:] = X.var(axis=0)
    model = Sequential(bn, Linear(12, 5, bias=False, seed=3), Tanh(),
                       Sequential(Linear(5, 4, seed=4)), Softmax())
    proto = to_onnx(model, softmax=True)  # no second softmax
    assert [n.op_type for n in proto.graph.node] == [
        "BatchNormalization", "Gemm", "Tanh", "Gemm", "Softmax"]
    path = tmp_path / "s.onnx"
    path.write_bytes(proto.SerializeToString())
    out, output = run_onnx(path, X)
    assert output == "probabilities"
    assert np.abs(out - predict_scores(model, X)).max() <= 1e-5


def test_unsupported_layer_is_named() -> None:
    class Square(Module):
        def forward(self, x):
            return x * x

    with pytest.raises(ValueError, match=r"layer 1 \(Square\) cannot be exported to ONNX; "
                                         r"supported layers: Linear"):
        to_onnx(Sequential(Linear(3, 3), Square(), Linear(3, 2)))
    with pytest.raises(TypeError, match="expected an fcnn model"):
        to_onnx("model.safetensors")


def test_cli_exports_a_run_folder(tmp_path: Path, capsys) -> None:
    config = TrainConfig(dataset="moons", hidden=[8, 8], batchnorm=True, epochs=2)
    run_experiment(config, tmp_path / "run", progress=False, log=None)
    target = tmp_path / "out" / "moons.onnx"
    assert main(["export", str(tmp_path / "run"), str(target), "--softmax"]) == 0
    printed = capsys.readouterr().out
    assert "input  'input'  float32 (N, 2), raw values (the file applies scale, standardize " \
        "itself)" in printed
    loaded = load_run(tmp_path / "run")
    raw = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    probabilities, output = run_onnx(target, raw)  # raw inputs: the file preprocesses them
    scores = predict_scores(loaded.model, loaded.preprocessing.transform(raw))
    assert output == "probabilities"
    assert np.array_equal(probabilities.argmax(axis=1), scores.argmax(axis=1))
    np.testing.assert_allclose(np.log(probabilities), scores - np.log(
        np.exp(scores).sum(axis=1, keepdims=True)), atol=1e-4)
    metadata = {p.key: p.value for p in onnx.load(str(target)).metadata_props}
    assert json.loads(metadata["class_names"]) == loaded.class_names
    bare = tmp_path / "out" / "bare.onnx"
    assert main(["export", str(tmp_path / "run"), str(bare), "--no-preprocessing"]) == 0
    assert "apply the run's preprocessing first" in capsys.readouterr().out
    bare_scores, _ = run_onnx(bare, loaded.preprocessing.transform(raw))
    np.testing.assert_allclose(bare_scores, scores, atol=1e-5)


@pytest.mark.parametrize("preprocess", [["scale", "standardize"],
                                        ["scale", "channel-standardize"], ["scale", "zca"],
                                        ["scale", "pca"]])
def test_export_equals_fcnn_predict_on_the_digits_test_set(tmp_path: Path, preprocess) -> None:
    from fcnn.data import load_dataset
    from fcnn.run.predict import predict_files

    config = TrainConfig(dataset="digits", hidden=[32], epochs=3, preprocess=preprocess)
    run_experiment(config, tmp_path / "run", progress=False, log=None)
    assert main(["export", str(tmp_path / "run"), str(tmp_path / "d.onnx"), "--softmax"]) == 0
    test = load_dataset("digits").X_test.astype(np.float32)  # raw pixel values, 0..16
    np.savetxt(tmp_path / "test.csv", test, delimiter=",", fmt="%g")
    ours = predict_files(load_run(tmp_path / "run"), [tmp_path / "test.csv"])
    probabilities, _ = run_onnx(tmp_path / "d.onnx", test)
    assert [p.index for p in ours] == probabilities.argmax(axis=1).tolist()
    np.testing.assert_allclose(np.stack([p.probabilities for p in ours]), probabilities,
                               atol=1e-5)


def test_cli_reports_a_missing_run_folder(tmp_path: Path, capsys) -> None:
    assert main(["export", str(tmp_path / "nowhere"), str(tmp_path / "m.onnx")]) == 2
    assert "no run folder at" in capsys.readouterr().err
