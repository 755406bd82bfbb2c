"""Weight initialisers for f = Wx + b, resolved by name through one registry.

Each takes ``(out_features, in_features, rng)`` and returns ``(W, b)`` as float32 arrays.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Initializer = Callable[[int, int, np.random.Generator], tuple[np.ndarray, np.ndarray]]


def pytorch_default(out_features: int, in_features: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's ``nn.Linear`` default: W and b ~ U(-1/sqrt(in), 1/sqrt(in))."""
    bound = 1.0 / np.sqrt(in_features)
    weight = rng.uniform(-bound, bound, (out_features, in_features))
    bias = rng.uniform(-bound, bound, out_features)
    return weight.astype(np.float32), bias.astype(np.float32)


def xavier(out_features: int, in_features: int,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Glorot/Xavier uniform: W ~ U(-a, a), a = sqrt(6 / (in + out)); b = 0. Suits sigmoid/tanh."""
    bound = np.sqrt(6.0 / (in_features + out_features))
    weight = rng.uniform(-bound, bound, (out_features, in_features))
    return weight.astype(np.float32), np.zeros(out_features, dtype=np.float32)


def he(out_features: int, in_features: int,
       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """He/Kaiming normal: W ~ N(0, 2 / in); b = 0. Suits ReLU."""
    weight = rng.normal(0.0, np.sqrt(2.0 / in_features), (out_features, in_features))
    return weight.astype(np.float32), np.zeros(out_features, dtype=np.float32)


INITIALIZERS: dict[str, Initializer] = {"pytorch": pytorch_default, "xavier": xavier, "he": he}


def get_initializer(name: str) -> Initializer:
    """An initialiser by name; the error lists the valid names."""
    key = name.lower() if isinstance(name, str) else None
    if key not in INITIALIZERS:
        raise ValueError(f"unknown init {name!r}; valid names: {', '.join(INITIALIZERS)}.")
    return INITIALIZERS[key]
