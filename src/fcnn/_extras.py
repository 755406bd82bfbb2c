"""Optional dependencies: import one, or say which ``fcnn[extra]`` installs it.

The core of fcnn needs only NumPy and a few small packages. The bridges to the
ecosystem (scikit-learn, ONNX, PyTorch, Dask) import their library through
:func:`require` when they are used, so ``import fcnn`` never needs them.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

#: the extra of pyproject.toml that installs each optional top-level module.
EXTRAS: dict[str, str] = {
    "sklearn": "sklearn",
    "onnx": "onnx",
    "onnxruntime": "onnx",
    "torch": "torch",
    "dask": "dask",
    "distributed": "dask",
    "joblib": "dask",
}


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` or raise an ImportError that names the extra to install.

    Args:
        module: the dotted module name, e.g. ``"onnx"`` or ``"dask.distributed"``.
        feature: what needs it, for the message, e.g. ``"fcnn.onnx"``.

    Example:
        >>> require("json", "this example").dumps([1])
        '[1]'
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        top = module.split(".")[0]
        extra = EXTRAS.get(top)
        how = (f"the '{extra}' extra: pip install 'fcnn[{extra}]'" if extra
               else f"the package {top!r}: pip install {top}")
        raise ImportError(f"{feature} needs {how} (import {module} failed: {error})") from error


def flat_layers(model: Any) -> list[tuple[str, Any]]:
    """The layers of an fcnn model in the order they run, as (dotted name, layer) pairs.

    Nested ``Sequential`` models are flattened; a single layer is its own list. The
    exporters (ONNX, PyTorch) walk this list.

    Example:
        >>> from fcnn.nn import MLP
        >>> [name for name, _ in flat_layers(MLP(4, [3], 2))]
        ['0', '1', '2']
    """
    from fcnn.nn import Module, Sequential

    if not isinstance(model, Module):
        raise TypeError(f"expected an fcnn model (fcnn.nn.Module, e.g. an MLP), got "
                        f"{type(model).__name__}.")
    if not isinstance(model, Sequential):
        return [("0", model)]
    layers: list[tuple[str, Any]] = []
    for index, layer in enumerate(model.layers):
        if isinstance(layer, Sequential):
            layers += [(f"{index}.{name}", inner) for name, inner in flat_layers(layer)]
        else:
            layers.append((str(index), layer))
    return layers
