"""Saving and loading models without pickle: safetensors weights + a JSON architecture.

A saved model is a folder (or any two paths) holding ``model.safetensors`` (the
arrays of ``state_dict``) and ``model.json`` (the MLP config). Loading never
executes code from the files: safetensors holds raw arrays, JSON holds plain values.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from fcnn.nn.layers import MLP

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "model.json"
FORMAT_VERSION = 1


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
    save_file(state, str(folder / WEIGHTS_FILE), metadata={"format": "fcnn", "version": "1"})
    document = {"format_version": FORMAT_VERSION, "architecture": "MLP", "config": model.config,
                "weights_sha256": _sha256(folder / WEIGHTS_FILE), "extra": extra or {}}
    (folder / CONFIG_FILE).write_text(json.dumps(document, indent=2))
    return folder


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_model_json(folder: str | Path) -> dict[str, Any]:
    """The parsed ``model.json`` of a saved model, with clear errors for bad files."""
    path = Path(folder) / CONFIG_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"no saved model in {folder}: {CONFIG_FILE} is missing. Expected a run folder "
            f"written by `fcnn train` or fcnn.nn.save_model (it holds {CONFIG_FILE} and "
            f"{WEIGHTS_FILE})."
        )
    try:
        document = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not valid JSON ({error}); the file is damaged.") from None
    if not isinstance(document, dict) or document.get("architecture") != "MLP" or \
            not isinstance(document.get("config"), dict):
        raise ValueError(f"{path} is not an fcnn model description (expected keys "
                         f"'architecture': 'MLP' and 'config').")
    return document


def load_model(folder: str | Path) -> MLP:
    """Rebuild the MLP saved in ``folder`` and load its weights (no code is executed)."""
    document = read_model_json(folder)
    try:
        model = MLP.from_config(document["config"])
    except (TypeError, ValueError) as error:
        raise ValueError(f"{Path(folder) / CONFIG_FILE} has an invalid config: {error}") from None
    path = Path(folder) / WEIGHTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the weights of the saved model.")
    expected = document.get("weights_sha256")
    if expected is not None and _sha256(path) != expected:
        raise ValueError(
            f"{path} has been modified or damaged: its SHA-256 differs from the one recorded in "
            f"{CONFIG_FILE} when it was saved. Restore the original file or save the model again."
        )
    try:
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as error:
        raise ValueError(
            f"{path} could not be read as safetensors ({error}). The file is damaged or was "
            f"modified; save the model again."
        ) from None
    for name, value in state.items():
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise ValueError(f"{path}: weight {name!r} holds NaN or infinite values.")
    try:
        model.load_state_dict(state)
    except ValueError as error:
        raise ValueError(f"{path} does not match {Path(folder) / CONFIG_FILE}: {error}") from None
    return model
