"""Saving and loading models without pickle: safetensors weights + a JSON architecture.

A saved model is a folder (or any two paths) holding ``model.safetensors`` (the
arrays of ``state_dict``) and ``model.json`` (the MLP config). Loading never
executes code from the files: safetensors holds raw arrays, JSON holds plain values.

Both files are written atomically, and the same weights always give the same bytes.
Loading checks what ``model.json`` describes against what the weight file declares
(its header) before a single array is allocated, so a tiny edited ``model.json``
cannot make fcnn allocate gigabytes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from fcnn.errors import InputError, MissingFileError
from fcnn.files import atomic_path, sha256_file, write_json
from fcnn.nn.layers import MLP

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "model.json"
FORMAT_VERSION = 1
#: The largest model.json read (a real one is a few KB; class names of an image folder
#: with thousands of classes still fit).
MAX_JSON_BYTES = 16 << 20
#: The most layers an MLP read from a file may have.
MAX_LAYERS = 1000


def save_model(model: MLP, folder: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write ``model.safetensors`` and ``model.json`` into ``folder`` (created if needed).

    Args:
        model: an :class:`~fcnn.nn.MLP`.
        folder: destination folder.
        extra: plain JSON-able values stored beside the config (class names, preprocessing...).

    Example:
        >>> import tempfile
        >>> from fcnn.nn import MLP
        >>> folder = save_model(MLP(4, [3], 2), tempfile.mkdtemp())
        >>> load_model(folder).config["hidden"]
        [3]
    """
    if not isinstance(model, MLP):
        raise TypeError(f"save_model saves an fcnn.nn.MLP, got {type(model).__name__}.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {name: np.ascontiguousarray(value) for name, value in model.state_dict().items()}
    with atomic_path(folder / WEIGHTS_FILE) as temporary:
        # one metadata key: safetensors writes several in a random order
        save_file(state, str(temporary), metadata={"format": "fcnn-1"})
    document = {"format_version": FORMAT_VERSION, "architecture": "MLP", "config": model.config,
                "weights_sha256": sha256_file(folder / WEIGHTS_FILE), "extra": extra or {}}
    write_json(folder / CONFIG_FILE, document)
    return folder


def read_model_json(folder: str | Path) -> dict[str, Any]:
    """The parsed ``model.json`` of a saved model, with clear errors for bad files."""
    path = Path(folder) / CONFIG_FILE
    if not path.is_file():
        raise MissingFileError(
            f"no saved model in {folder}: {CONFIG_FILE} is missing. Expected a run folder "
            f"written by `fcnn train` or fcnn.nn.save_model (it holds {CONFIG_FILE} and "
            f"{WEIGHTS_FILE}).", path)
    if path.stat().st_size > MAX_JSON_BYTES:
        raise InputError(f"{path} is {path.stat().st_size:,} bytes; a model description is a "
                         f"few KB. The file is damaged or not an fcnn model.", path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise InputError(f"{path} is not valid JSON ({error}); the file is damaged.",
                         path) from None
    if not isinstance(document, dict) or document.get("architecture") != "MLP" or \
            not isinstance(document.get("config"), dict):
        raise InputError(f"{path} is not an fcnn model description (expected keys "
                         f"'architecture': 'MLP' and 'config').", path)
    return document


def expected_shapes(config: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """The arrays an MLP with ``config`` holds, by name and shape, computed without building it.

    Example:
        >>> expected_shapes({"in_features": 4, "hidden": [3], "out_features": 2})
        {'0.weight': (3, 4), '0.bias': (3,), '2.weight': (2, 3), '2.bias': (2,)}
    """
    try:
        widths = [int(config["in_features"]), *[int(h) for h in config.get("hidden", [])],
                  int(config["out_features"])]
    except (KeyError, TypeError, ValueError):
        raise ValueError("in_features, hidden and out_features must be integers") from None
    if len(widths) > MAX_LAYERS + 1 or min(widths) < 1:
        raise ValueError(f"a network of {len(widths) - 1} layers with widths down to "
                         f"{min(widths)} is not a model fcnn writes")
    per_layer = 1 + bool(config.get("batchnorm")) + 1 + bool(config.get("dropout"))
    shapes: dict[str, tuple[int, ...]] = {}
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        index = i * per_layer
        shapes[f"{index}.weight"], shapes[f"{index}.bias"] = (n_out, n_in), (n_out,)
        if config.get("batchnorm") and i < len(widths) - 2:
            for name in ("weight", "bias", "running_mean", "running_var"):
                shapes[f"{index + 1}.{name}"] = (n_out,)
    return shapes


def _header_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """The array shapes a safetensors file declares, read from its header only."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        length = int.from_bytes(handle.read(8), "little")
        if not 2 <= length <= min(size - 8, MAX_JSON_BYTES):
            raise ValueError(f"its header declares {length:,} bytes in a file of {size:,}")
        header = json.loads(handle.read(length))
    return {name: tuple(entry["shape"]) for name, entry in header.items()
            if name != "__metadata__"}


def load_model(folder: str | Path) -> MLP:
    """Rebuild the MLP saved in ``folder`` and load its weights (no code is executed)."""
    folder = Path(folder)
    document = read_model_json(folder)
    path = folder / WEIGHTS_FILE
    config_path = folder / CONFIG_FILE
    if not path.is_file():
        raise MissingFileError(f"{path} is missing: the weights of the saved model.", path)
    expected = document.get("weights_sha256")
    if expected is not None and sha256_file(path) != expected:
        raise InputError(
            f"{path} has been modified or damaged: its SHA-256 differs from the one recorded in "
            f"{CONFIG_FILE} when it was saved. Restore the original file or save the model "
            f"again.", path)
    try:
        declared = _header_shapes(path)
    except (ValueError, KeyError, TypeError, OSError, RecursionError) as error:
        raise InputError(f"{path} could not be read as safetensors ({error}). The file is "
                         f"damaged or was modified; save the model again.", path) from None
    try:
        wanted = expected_shapes(document["config"])
    except ValueError as error:
        raise InputError(f"{config_path} has an invalid config: {error}.", config_path) from None
    if declared != wanted:
        count = sum(math.prod(shape) for shape in wanted.values())
        raise InputError(
            f"{config_path} describes a network of {count:,} parameters that does not match "
            f"the {len(declared)} arrays of {path}; one of the two files was edited or comes "
            f"from another run.", config_path)
    try:
        model = MLP.from_config(document["config"])
    except (TypeError, ValueError) as error:
        raise InputError(f"{config_path} has an invalid config: {error}", config_path) from None
    try:
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as error:
        raise InputError(
            f"{path} could not be read as safetensors ({error}). The file is damaged or was "
            f"modified; save the model again.", path) from None
    for name, value in state.items():
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise InputError(f"{path}: weight {name!r} holds NaN or infinite values.", path)
    try:
        model.load_state_dict(state)
    except ValueError as error:
        raise InputError(f"{path} does not match {config_path}: {error}", path) from None
    return model
