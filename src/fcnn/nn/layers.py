"""Layers: modules that hold parameters and call ``nn.functional``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from fcnn.engine import Tensor
from fcnn.nn import functional as F
from fcnn.nn.init import get_initializer
from fcnn.nn.module import Module, Parameter


def _as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


class Linear(Module):
    """f = Wx + b, applied to a batch: ``y = x @ W.T + b``.

    Args:
        in_features: length of each input vector x (e.g. 3072 for a flattened CIFAR-10 image).
        out_features: length of f (e.g. 10 classes: W then has one row, a template, per class).
        bias: learn b as well.
        init: "pytorch" (default, PyTorch's U(-1/sqrt(in), 1/sqrt(in))), "xavier" or "he".
        seed: an int or ``numpy.random.Generator`` for the initial weights.
        granularity: "coarse" (one ``linear`` node) or "fine" (``T``, ``@``, ``+`` nodes).

    Shapes: input (N, in_features) -> output (N, out_features). ``weight`` is
    (out_features, in_features), as in PyTorch.

    Example:
        >>> import fcnn, numpy as np
        >>> layer = Linear(3, 2, seed=0)
        >>> layer(fcnn.tensor(np.ones((4, 3)))).shape
        (4, 2)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 init: str = "pytorch", seed: int | np.random.Generator | None = 0,
                 granularity: str = "coarse") -> None:
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Linear: {name} must be a positive integer, got {value!r}.")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.granularity = F.check_granularity(granularity)
        weight, b = get_initializer(init)(self.out_features, self.in_features, _as_rng(seed))
        self.weight = Parameter(weight, label="W")
        self.bias = Parameter(b, label="b") if bias else None

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 2 or x.shape[1] != self.in_features:
            hint = ""
            if x.ndim > 2:
                hint = " Did you flatten the images (X.reshape(len(X), -1))?"
            elif x.ndim == 2:
                hint = " Does the data match the model's input size?"
            raise ValueError(
                f"Linear({self.in_features} -> {self.out_features}) expected input of shape "
                f"(N, {self.in_features}), got {x.shape}.{hint}"
            )
        return F.linear(x, self.weight, self.bias, self.granularity)

    def extra_repr(self) -> str:
        return (f"{self.in_features} -> {self.out_features}, bias={self.bias is not None}, "
                f"granularity={self.granularity!r}")


class Activation(Module):
    """An activation function as a layer (no parameters)."""

    function_name = "identity"

    def __init__(self, granularity: str = "coarse") -> None:
        self.granularity = F.check_granularity(granularity)

    def forward(self, x: Tensor) -> Tensor:
        return F.get_activation(self.function_name)(x, granularity=self.granularity)


class Sigmoid(Activation):
    """y = 1 / (1 + e^-x)."""

    function_name = "sigmoid"


class Tanh(Activation):
    """y = tanh(x)."""

    function_name = "tanh"


class ReLU(Activation):
    """y = max(0, x)."""

    function_name = "relu"


class Identity(Activation):
    """y = x (no activation)."""

    function_name = "identity"


class LeakyReLU(Activation):
    """y = max(kx, x); default k = 0.01 (the lecture's example uses 0.1)."""

    function_name = "leaky_relu"

    def __init__(self, k: float = 0.01, granularity: str = "coarse") -> None:
        super().__init__(granularity)
        if not 0 <= k < 1:
            raise ValueError(f"LeakyReLU: the slope k must satisfy 0 <= k < 1, got {k}.")
        self.k = k

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.k, self.granularity)

    def extra_repr(self) -> str:
        return f"k={self.k}"


class Softmax(Module):
    """q = softmax(x) along ``axis``: scores to probabilities (an output layer)."""

    def __init__(self, axis: int = -1, granularity: str = "coarse") -> None:
        self.axis, self.granularity = axis, F.check_granularity(granularity)

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.axis, self.granularity)


ACTIVATION_LAYERS: dict[str, type[Activation]] = {
    "relu": ReLU, "leaky_relu": LeakyReLU, "sigmoid": Sigmoid, "tanh": Tanh,
    "identity": Identity,
}


def make_activation(name: str, granularity: str = "coarse", k: float = 0.01) -> Activation:
    """An activation layer by name (the names of ``nn.functional.ACTIVATIONS``)."""
    fn = F.get_activation(name)
    cls = ACTIVATION_LAYERS[fn.__name__]
    return cls(k=k, granularity=granularity) if cls is LeakyReLU else cls(granularity)


class Dropout(Module):
    """Drop each activation with probability ``p`` in training; identity in eval mode."""

    def __init__(self, p: float = 0.5, seed: int | np.random.Generator | None = 0,
                 granularity: str = "coarse") -> None:
        if not 0 <= p < 1:
            raise ValueError(f"Dropout: p must satisfy 0 <= p < 1, got {p}.")
        self.p, self.rng = p, _as_rng(seed)
        self.granularity = F.check_granularity(granularity)

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.rng, self.training, self.granularity)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class BatchNorm1d(Module):
    """Batch normalisation of (N, features) activations, with learned scale and shift."""

    def __init__(self, num_features: int, momentum: float = 0.1, eps: float = 1e-5,
                 granularity: str = "coarse") -> None:
        self.num_features, self.momentum, self.eps = num_features, momentum, eps
        self.granularity = F.check_granularity(granularity)
        self.weight = Parameter(np.ones(num_features, dtype=np.float32), label="gamma")
        self.bias = Parameter(np.zeros(num_features, dtype=np.float32), label="beta")
        self.register_buffer("running_mean", np.zeros(num_features, dtype=np.float32))
        self.register_buffer("running_var", np.ones(num_features, dtype=np.float32))

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d({self.num_features}) expected input of shape "
                f"(N, {self.num_features}), got {x.shape}."
            )
        return F.batch_norm(x, self.weight, self.bias, self.running_mean, self.running_var,
                            self.training, self.momentum, self.eps, self.granularity)

    def extra_repr(self) -> str:
        return f"{self.num_features}, momentum={self.momentum}, eps={self.eps}"


class Sequential(Module):
    """Layers applied one after another.

    Example:
        >>> import fcnn, numpy as np
        >>> net = Sequential(Linear(4, 3), ReLU(), Linear(3, 2))
        >>> net(fcnn.tensor(np.ones((5, 4)))).shape
        (5, 2)
    """

    def __init__(self, *layers: Module) -> None:
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: item {i} is a {type(layer).__name__}, not a Module.")
        self.layers = list(layers)

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, index: int) -> Module:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)


class MLP(Sequential):
    """A fully connected network of any width and depth.

    f = W_L phi(... phi(W_1 x + b_1) ...) + b_L, with ``hidden`` listing the widths
    of the hidden layers. ``hidden=[]`` is the lecture's linear classifier f = Wx + b.

    Args:
        in_features: input length (3072 for CIFAR-10, 784 for MNIST, 64 for digits).
        hidden: hidden layer widths, e.g. ``[100]`` (two-layer net) or ``[6, 6]``.
        out_features: number of classes.
        activation: "relu" (default), "leaky_relu", "sigmoid", "tanh" or "identity".
        leaky_slope: k of Leaky ReLU.
        dropout: dropout probability after each hidden activation (0 = none).
        batchnorm: insert BatchNorm1d before each hidden activation.
        init: weight initialiser name ("pytorch", "xavier", "he").
        seed: seed of the initial weights and dropout masks (same seed, same weights).
        granularity: "coarse" or "fine" for every layer.

    Example:
        >>> import fcnn, numpy as np
        >>> net = MLP(64, [32], 10, seed=0)
        >>> net(fcnn.tensor(np.zeros((2, 64)))).shape
        (2, 10)
    """

    def __init__(self, in_features: int, hidden: Sequence[int] = (), out_features: int = 10,
                 activation: str = "relu", leaky_slope: float = 0.01, dropout: float = 0.0,
                 batchnorm: bool = False, init: str = "pytorch", seed: int = 0,
                 granularity: str = "coarse") -> None:
        F.get_activation(activation)
        F.check_granularity(granularity)
        self.config = {
            "in_features": int(in_features), "hidden": [int(h) for h in hidden],
            "out_features": int(out_features), "activation": activation,
            "leaky_slope": leaky_slope, "dropout": dropout, "batchnorm": bool(batchnorm),
            "init": init, "seed": seed, "granularity": granularity,
        }
        rng = np.random.default_rng(seed)
        widths = [int(in_features), *self.config["hidden"], int(out_features)]
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(Linear(n_in, n_out, init=init, seed=rng, granularity=granularity))
            if i == len(widths) - 2:
                break
            if batchnorm:
                layers.append(BatchNorm1d(n_out, granularity=granularity))
            layers.append(make_activation(activation, granularity, k=leaky_slope))
            if dropout:
                layers.append(Dropout(dropout, seed=rng.spawn(1)[0], granularity=granularity))
        super().__init__(*layers)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> MLP:
        """Rebuild an MLP from its ``config`` dict (as saved in a run folder)."""
        known = set(cls(1, [], 1).config)
        unknown = set(config) - known
        if unknown:
            raise ValueError(f"MLP config has unknown keys {sorted(unknown)}; known: "
                             f"{sorted(known)}.")
        return cls(**config)

    def extra_repr(self) -> str:
        widths = [self.config["in_features"], *self.config["hidden"], self.config["out_features"]]
        return f"{'-'.join(map(str, widths))}, activation={self.config['activation']!r}"
