"""Optional dependencies: import one, or say which ``fcnn[extra]`` installs it.

The core of fcnn needs only NumPy and a few small packages. The bridges to the
ecosystem (scikit-learn, ONNX, PyTorch, Dask) import their library through
:func:`require` when they are used, so ``import fcnn`` never needs them.
"""

from __future__ import annotations

import importlib
from types import ModuleType

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
