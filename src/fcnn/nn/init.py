"""Weight initialisers for f = Wx + b, resolved by name through one registry.

Each takes ``(out_features, in_features, rng)`` and returns ``(W, b)`` as float32 arrays.

Example:
    >>> import numpy as np
    >>> weight, bias = INITIALIZERS.get("kaiming").target(3, 4, np.random.default_rng(0))
    >>> weight.shape, float(np.abs(bias).max())
    ((3, 4), 0.0)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fcnn.registry import Registry

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


INITIALIZERS = Registry("initialiser")
INITIALIZERS.add("pytorch", pytorch_default, aliases=("default",),
                 help="PyTorch's nn.Linear default: U(-1/sqrt(in), 1/sqrt(in)) for W and b")
INITIALIZERS.add("xavier", xavier, aliases=("glorot",),
                 help="Glorot uniform, b = 0: suits sigmoid and tanh")
INITIALIZERS.add("he", he, aliases=("kaiming",), help="He normal, b = 0: suits ReLU")
