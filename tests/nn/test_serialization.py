"""save_model / load_model: exact round trip, clear errors for damaged files, never unpickled."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from fcnn.nn import MLP, Linear, load_model, save_model
from fcnn.nn.serialization import CONFIG_FILE, WEIGHTS_FILE
from fcnn.train import predict_scores


@pytest.fixture
def saved(tmp_path: Path) -> tuple[MLP, Path]:
    model = MLP(6, [5, 4], 3, activation="tanh", batchnorm=True, dropout=0.2, seed=7)
    model.train()
    from fcnn import Tensor

    model(Tensor(np.random.default_rng(0).normal(size=(10, 6)).astype(np.float32)))
    return model, save_model(model, tmp_path / "run", extra={"classes": ["a", "b", "c"]})


def forget_checksum(folder: Path) -> None:
    """Remove the recorded SHA-256 so the deeper checks of load_model are reached."""
    document = json.loads((folder / CONFIG_FILE).read_text())
    del document["weights_sha256"]
    (folder / CONFIG_FILE).write_text(json.dumps(document))


def test_round_trip_gives_identical_predictions(saved: tuple[MLP, Path]) -> None:
    model, folder = saved
    assert (folder / WEIGHTS_FILE).is_file() and (folder / CONFIG_FILE).is_file()
    loaded = load_model(folder)
    assert loaded.config == model.config
    for key, value in model.state_dict().items():
        assert np.array_equal(loaded.state_dict()[key], value), key
    X = np.random.default_rng(1).normal(size=(20, 6)).astype(np.float32)
    assert np.array_equal(predict_scores(model, X), predict_scores(loaded, X))
    document = json.loads((folder / CONFIG_FILE).read_text())
    assert document["extra"] == {"classes": ["a", "b", "c"]}


def test_files_are_never_unpickled(saved: tuple[MLP, Path], monkeypatch) -> None:
    def forbidden(*args, **kwargs):
        raise AssertionError("pickle must not be used")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    _, folder = saved
    load_model(folder)


def test_a_pickle_in_place_of_the_weights_is_rejected(saved: tuple[MLP, Path]) -> None:
    _, folder = saved
    (folder / WEIGHTS_FILE).write_bytes(pickle.dumps({"0.weight": np.ones((5, 6))}))
    with pytest.raises(ValueError, match="modified or damaged"):
        load_model(folder)
    forget_checksum(folder)
    with pytest.raises(ValueError, match="could not be read as safetensors"):
        load_model(folder)


def test_a_flipped_byte_in_the_weight_data_is_detected(saved: tuple[MLP, Path]) -> None:
    _, folder = saved
    path = folder / WEIGHTS_FILE
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x01  # inside the last array: still a valid safetensors file
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="modified or damaged: its SHA-256 differs"):
        load_model(folder)


def test_flipped_header_bytes_raise_a_clear_error(saved: tuple[MLP, Path]) -> None:
    _, folder = saved
    path = folder / WEIGHTS_FILE
    data = bytearray(path.read_bytes())
    for i in range(8, 24):  # inside the JSON header that follows the 8-byte length
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged"):
        load_model(folder)


def test_flipped_length_prefix_raises_a_clear_error(saved: tuple[MLP, Path]) -> None:
    _, folder = saved
    path = folder / WEIGHTS_FILE
    data = bytearray(path.read_bytes())
    data[0] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged"):
        load_model(folder)


@pytest.mark.parametrize("keep", [0, 5, 100, -4])
def test_truncated_weights_raise_a_clear_error(saved: tuple[MLP, Path], keep: int) -> None:
    _, folder = saved
    path = folder / WEIGHTS_FILE
    data = path.read_bytes()
    path.write_bytes(data[:keep])
    with pytest.raises(ValueError, match="damaged"):
        load_model(folder)


def test_nan_weights_are_rejected(saved: tuple[MLP, Path]) -> None:
    model, folder = saved
    from safetensors.numpy import save_file

    state = model.state_dict()
    state["0.weight"][0, 0] = np.nan
    save_file(state, str(folder / WEIGHTS_FILE))
    forget_checksum(folder)
    with pytest.raises(ValueError, match="'0.weight' holds NaN or infinite values"):
        load_model(folder)


def test_weights_of_another_architecture_are_rejected(saved: tuple[MLP, Path],
                                                      tmp_path: Path) -> None:
    _, folder = saved
    other = save_model(MLP(6, [9], 3), tmp_path / "other")
    (folder / WEIGHTS_FILE).write_bytes((other / WEIGHTS_FILE).read_bytes())
    forget_checksum(folder)
    with pytest.raises(ValueError, match="model.json describes a network of .* parameters that "
                                         "does not match the 4 arrays of .*model.safetensors"):
        load_model(folder)


@pytest.mark.parametrize("text", [
    "{not json",
    "[1, 2, 3]",
    '{"architecture": "CNN", "config": {}}',
    '{"architecture": "MLP", "config": [1]}',
    '{"architecture": "MLP", "config": {}}',
    '{"architecture": "MLP", "config": {"in_features": 6, "hidden": "abc"}}',
    '{"architecture": "MLP", "config": {"in_features": 6, "bogus": 1}}',
    '{"architecture": "MLP", "config": {"in_features": 6, "activation": 5}}',
    '{"architecture": "MLP", "config": {"in_features": 6, "init": null}}',
], ids=["syntax", "list", "architecture", "config_type", "empty_config", "bad_hidden",
        "unknown_key", "activation_not_a_string", "init_null"])
def test_broken_model_json_raises_a_clear_value_error(saved: tuple[MLP, Path], text: str) -> None:
    _, folder = saved
    (folder / CONFIG_FILE).write_text(text)
    with pytest.raises(ValueError, match=r"model\.json"):
        load_model(folder)


def test_non_utf8_model_json(saved: tuple[MLP, Path]) -> None:
    _, folder = saved
    (folder / CONFIG_FILE).write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_model(folder)


def test_missing_files(tmp_path: Path, saved: tuple[MLP, Path]) -> None:
    with pytest.raises(FileNotFoundError, match="model.json is missing"):
        load_model(tmp_path / "nowhere")
    _, folder = saved
    (folder / WEIGHTS_FILE).unlink()
    with pytest.raises(FileNotFoundError, match="model.safetensors is missing"):
        load_model(folder)


def test_only_mlps_are_saved(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="saves an fcnn.nn.MLP, got Linear"):
        save_model(Linear(2, 2), tmp_path)
