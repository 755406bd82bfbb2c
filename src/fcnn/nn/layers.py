"""Layers: modules that hold parameters and call ``nn.functional``.

Constructor arguments follow PyTorch's names and order; fcnn's own additions
(``init``, ``seed``, ``granularity``) are keyword-only. A ``seed`` of None (the
default) draws from the package-level generator (see ``fcnn.manual_seed``), so no
two layers share weights or dropout masks by accident.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from fcnn.engine import Tensor
from fcnn.limits import check_allocation
from fcnn.nn import functional as F
from fcnn.nn.activations import ACTIVATIONS
from fcnn.nn.init import INITIALIZERS
from fcnn.nn.module import Module, Parameter
from fcnn.random import Seed, new_generator
from fcnn.registry import Option


def _check_size(owner: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}.")
    return int(value)


def _granularity_repr(granularity: str) -> str:
    return "" if granularity == "coarse" else f", granularity={granularity!r}"


class Linear(Module):
    """f = Wx + b, applied to a batch: ``y = x @ W.T + b``.

    Args:
        in_features: length of each input vector x (e.g. 3072 for a flattened CIFAR-10 image).
        out_features: length of f (e.g. 10 classes: W then has one row, a template, per class).
        bias: learn b as well.
        init: an initialiser of ``nn.INITIALIZERS``: "pytorch" (default, PyTorch's
            U(-1/sqrt(in), 1/sqrt(in))), "xavier" or "he".
        seed: an int or ``numpy.random.Generator`` for the initial weights; None draws
            from the package-level generator.
        granularity: "coarse" (one ``linear`` node) or "fine" (``T``, ``@``, ``+`` nodes).

    Shapes: input (N, in_features) -> output (N, out_features). ``weight`` is
    (out_features, in_features), as in PyTorch.

    Example:
        >>> import fcnn, numpy as np
        >>> layer = Linear(3, 2, seed=0)
        >>> layer
        Linear(in_features=3, out_features=2, bias=True)
        >>> layer(fcnn.tensor(np.ones((4, 3)))).shape
        (4, 2)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *,
                 init: str = "pytorch", seed: Seed = None, granularity: str = "coarse") -> None:
        self.in_features = _check_size("Linear", "in_features", in_features)
        self.out_features = _check_size("Linear", "out_features", out_features)
        self.granularity = F.check_granularity(granularity)
        initializer = INITIALIZERS.get(init).target
        weight, b = initializer(self.out_features, self.in_features, new_generator(seed))
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
        return F.linear(x, self.weight, self.bias, granularity=self.granularity)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}{_granularity_repr(self.granularity)}")


class Activation(Module):
    """An activation of ``nn.ACTIVATIONS`` as a layer (no parameters).

    Args:
        name: the activation's name (or an alias).
        granularity: "coarse" (one fused node) or "fine" (primitive ops).
        **options: the activation's options (e.g. ``negative_slope`` of Leaky ReLU).

    ``ReLU()``, ``Sigmoid()``, ``Tanh()``, ``LeakyReLU()`` and ``Identity()`` are the
    same layer under PyTorch's names (:func:`make_activation` picks them); any other
    entry of the table works through this class directly.

    Example:
        >>> Activation("leaky-relu", negative_slope=0.1)
        Activation('leaky_relu', negative_slope=0.1)
    """

    #: the entry a subclass stands for; subclasses register themselves under it.
    function_name: ClassVar[str] = ""
    _classes: ClassVar[dict[str, type[Activation]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.function_name:
            Activation._classes[cls.function_name] = cls

    def __init__(self, name: str | None = None, *, granularity: str = "coarse",
                 **options: Any) -> None:
        entry = ACTIVATIONS.get(name or self.function_name)
        self.name = entry.name
        self.options = entry.resolve(options, where=f"{entry.name}: ")
        self.granularity = F.check_granularity(granularity)

    def forward(self, x: Tensor) -> Tensor:
        return ACTIVATIONS.get(self.name).target(x, **self.options, granularity=self.granularity)

    def __getattr__(self, key: str) -> Any:  # LeakyReLU().negative_slope, as in PyTorch
        options = vars(self).get("options", {})
        if key in options:
            return options[key]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")

    def extra_repr(self) -> str:
        shown = ", ".join(f"{key}={value!r}" for key, value in self.options.items())
        if type(self) is Activation:
            shown = ", ".join(filter(None, [repr(self.name), shown]))
        return shown + _granularity_repr(self.granularity).lstrip(", " if not shown else "")


class ReLU(Activation):
    """y = max(0, x)."""

    function_name = "relu"

    def __init__(self, *, granularity: str = "coarse") -> None:
        super().__init__(granularity=granularity)


class LeakyReLU(Activation):
    """y = max(kx, x), k = ``negative_slope`` (default 0.01; the lecture's example uses 0.1)."""

    function_name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01, *, granularity: str = "coarse") -> None:
        super().__init__(granularity=granularity, negative_slope=negative_slope)


class Sigmoid(Activation):
    """y = 1 / (1 + e^-x)."""

    function_name = "sigmoid"

    def __init__(self, *, granularity: str = "coarse") -> None:
        super().__init__(granularity=granularity)


class Tanh(Activation):
    """y = tanh(x)."""

    function_name = "tanh"

    def __init__(self, *, granularity: str = "coarse") -> None:
        super().__init__(granularity=granularity)


class Identity(Activation):
    """y = x (no activation)."""

    function_name = "identity"

    def __init__(self, *, granularity: str = "coarse") -> None:
        super().__init__(granularity=granularity)


def make_activation(name: str, *, granularity: str = "coarse", **options: Any) -> Activation:
    """The layer for an activation of ``nn.ACTIVATIONS``, by name.

    The PyTorch-named class (``ReLU``, ``LeakyReLU``...) where there is one, else
    :class:`Activation` itself.

    Example:
        >>> make_activation("Leaky-ReLU", negative_slope=0.1)
        LeakyReLU(negative_slope=0.1)
    """
    entry = ACTIVATIONS.get(name)
    cls = Activation._classes.get(entry.name)
    if cls is None:
        return Activation(entry.name, granularity=granularity, **options)
    return cls(granularity=granularity, **options)


class Softmax(Module):
    """q = softmax(x) along ``axis``: scores to probabilities (an output layer)."""

    def __init__(self, axis: int = -1, *, granularity: str = "coarse") -> None:
        self.axis, self.granularity = axis, F.check_granularity(granularity)

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.axis, granularity=self.granularity)

    def extra_repr(self) -> str:
        return f"axis={self.axis}{_granularity_repr(self.granularity)}"


class Dropout(Module):
    """Drop each activation with probability ``p`` in training; identity in eval mode.

    Args:
        p: the probability of zeroing an element, 0 <= p < 1.
        seed: an int or Generator for the masks; None draws from the package-level one.
    """

    def __init__(self, p: float = 0.5, *, seed: Seed = None,
                 granularity: str = "coarse") -> None:
        if not 0 <= p < 1:
            raise ValueError(f"Dropout: p must satisfy 0 <= p < 1, got {p}.")
        self.p, self.rng = p, new_generator(seed)
        self.granularity = F.check_granularity(granularity)

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.rng, self.training, granularity=self.granularity)

    def extra_repr(self) -> str:
        return f"p={self.p}{_granularity_repr(self.granularity)}"


class BatchNorm1d(Module):
    """Batch normalisation of (N, features) activations, with learned scale and shift.

    Args:
        num_features: the width of the layer it follows.
        eps: added to the variance before the square root.
        momentum: weight of the newest batch in the running statistics.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, *,
                 granularity: str = "coarse") -> None:
        self.num_features = _check_size("BatchNorm1d", "num_features", num_features)
        self.momentum, self.eps = momentum, eps
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
                            self.training, self.momentum, self.eps, granularity=self.granularity)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"
                f"{_granularity_repr(self.granularity)}")


class Sequential(Module):
    """Layers applied one after another, named ``"0"``, ``"1"``... or by a dict's keys.

    Example:
        >>> import fcnn, numpy as np
        >>> net = Sequential(Linear(4, 3, seed=0), ReLU(), Linear(3, 2, seed=1))
        >>> net(fcnn.tensor(np.ones((5, 4)))).shape
        (5, 2)
        >>> [name for name, _ in net.named_parameters()]
        ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, *layers: Module | Mapping[str, Module]) -> None:
        if len(layers) == 1 and isinstance(layers[0], Mapping):
            named = OrderedDict(layers[0])
        else:
            named = OrderedDict((str(i), layer) for i, layer in enumerate(layers))
        for name, layer in named.items():
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: item {name} is a {type(layer).__name__}, "
                                f"not a Module.")
        self._children = named

    @property
    def layers(self) -> list[Module]:
        """The layers in the order they run."""
        return list(self._children.values())

    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from vars(self).get("_children", {}).items()

    def forward(self, x: Tensor) -> Tensor:
        for layer in self._children.values():
            x = layer(x)
        return x

    def __getitem__(self, index: int) -> Module:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self._children)

    def flat_layers(self) -> list[tuple[str, Module]]:
        """The layers in the order they run, nested Sequentials flattened, as (name, layer).

        Example:
            >>> [name for name, _ in Sequential(Linear(4, 3), Sequential(ReLU())).flat_layers()]
            ['0', '1.0']
        """
        flat: list[tuple[str, Module]] = []
        for name, layer in self._children.items():
            if isinstance(layer, Sequential):
                flat += [(f"{name}.{inner}", sub) for inner, sub in layer.flat_layers()]
            else:
                flat.append((name, layer))
        return flat


def flat_layers(model: Module) -> list[tuple[str, Module]]:
    """The layers of a model in the order they run, as (dotted name, layer) pairs.

    Nested ``Sequential`` models are flattened; a single layer is its own list. The
    exporters (ONNX, PyTorch) walk this list.

    Example:
        >>> [name for name, _ in flat_layers(MLP(4, [3], 2))]
        ['0', '1', '2']
    """
    if not isinstance(model, Module):
        raise TypeError(f"expected an fcnn model (fcnn.nn.Module, e.g. an MLP), got "
                        f"{type(model).__name__}.")
    return model.flat_layers() if isinstance(model, Sequential) else [("0", model)]


#: The checks of the MLP's arguments, shared with configurations and the playground.
_HIDDEN = Option("hidden", int, [], low=1, is_list=True, example=[64],
                 help="widths of the hidden layers; [] is the linear classifier f = Wx + b")
_ACTIVATION = Option("activation", str, "relu", choices=ACTIVATIONS, list_ok=True,
                     help="activation after each hidden layer (a name, or one per layer)")


class MLP(Sequential):
    """A fully connected network of any width and depth.

    f = W_L phi(... phi(W_1 x + b_1) ...) + b_L, with ``hidden`` listing the widths
    of the hidden layers. ``hidden=[]`` is the lecture's linear classifier f = Wx + b.

    Args:
        in_features: input length (3072 for CIFAR-10, 784 for MNIST, 64 for digits).
        hidden: hidden layer widths, e.g. ``[100]`` (two-layer net) or ``[6, 6]``.
        out_features: number of classes.
        activation: a name of ``nn.ACTIVATIONS`` ("relu", "leaky_relu", "sigmoid", "tanh",
            "identity"), or a list with one name per hidden layer.
        dropout: dropout probability after each hidden activation (0 = none).
        batchnorm: insert BatchNorm1d before each hidden activation.
        init: weight initialiser name ("pytorch", "xavier", "he").
        seed: seed of the initial weights and dropout masks (same seed, same weights);
            None draws from the package-level generator.
        granularity: "coarse" or "fine" for every layer.
        **activation_options: options of the activations, e.g. ``negative_slope=0.1`` (k of
            Leaky ReLU); each must belong to one of the network's activations.

    Example:
        >>> import fcnn, numpy as np
        >>> MLP(2, [4, 4], 2, activation=["relu", "leaky_relu"], negative_slope=0.1, seed=0)[3]
        LeakyReLU(negative_slope=0.1)
        >>> net = MLP(64, [32], 10, seed=0)
        >>> net.describe()
        '64-32-10, relu'
        >>> net(fcnn.tensor(np.zeros((2, 64)))).shape
        (2, 10)
    """

    def __init__(self, in_features: int, hidden: Sequence[int] = (), out_features: int = 10, *,
                 activation: str | Sequence[str] = "relu", dropout: float = 0.0,
                 batchnorm: bool = False, init: str = "pytorch", seed: Seed = None,
                 granularity: str = "coarse", **activation_options: Any) -> None:
        hidden = _HIDDEN.check(list(hidden) if isinstance(hidden, tuple) else hidden, "MLP: ")
        activations = _ACTIVATION.check(activation, "MLP: ")
        if isinstance(activations, list) and len(activations) != len(hidden):
            raise ValueError(f"MLP: activation lists {len(activations)} names for "
                             f"{len(hidden)} hidden layers; give one name per hidden layer, "
                             f"or one name for all.")
        per_layer = activations if isinstance(activations, list) else [activations] * len(hidden)
        options = {key: value for key, value in activation_options.items() if value is not None}
        for key in options:
            if not any(ACTIVATIONS.get(name).option(key) for name in per_layer):
                owners = ", ".join(ACTIVATIONS.owners(key)) or "no activation"
                raise ValueError(f"MLP: {key} is an option of {owners}, and this network has "
                                 f"none ({activation!r}); remove {key}.")
        F.check_granularity(granularity)
        INITIALIZERS.get(init)
        in_features = _check_size("MLP", "in_features", in_features)
        out_features = _check_size("MLP", "out_features", out_features)
        widths = [in_features, *hidden, out_features]
        weights = sum((n_in + 1) * n_out for n_in, n_out in zip(widths[:-1], widths[1:]))
        # parameters, their gradients and an optimizer's state: about 4 copies of float32
        check_allocation(16 * weights, f"an MLP of widths {widths[:8]}"
                                       f"{'...' if len(widths) > 8 else ''}")
        self.config = {
            "in_features": in_features, "hidden": hidden, "out_features": out_features,
            "activation": activations, **options, "dropout": dropout,
            "batchnorm": bool(batchnorm), "init": init,
            "seed": seed if isinstance(seed, (int, np.integer)) else None,
            "granularity": granularity,
        }
        rng = new_generator(seed)
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(Linear(n_in, n_out, init=init, seed=rng, granularity=granularity))
            if i == len(widths) - 2:
                break
            if batchnorm:
                layers.append(BatchNorm1d(n_out, granularity=granularity))
            name = per_layer[i]
            layers.append(make_activation(name, granularity=granularity,
                                          **{k: v for k, v in options.items()
                                             if ACTIVATIONS.get(name).option(k)}))
            if dropout:
                layers.append(Dropout(dropout, seed=rng.spawn(1)[0], granularity=granularity))
        super().__init__(*layers)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> MLP:
        """Rebuild an MLP from its ``config`` dict (as saved in a run folder).

        Files written before fcnn 0.2 name Leaky ReLU's slope ``leaky_slope``; it is read
        as ``negative_slope`` (and dropped where no layer is a Leaky ReLU).
        """
        config = dict(config)
        if "leaky_slope" in config:
            slope = config.pop("leaky_slope")
            if "leaky_relu" in np.atleast_1d(config.get("activation", "relu")).tolist():
                config.setdefault("negative_slope", slope)
        known = set(cls(1, [], 1, seed=0).config) | set(ACTIVATIONS.options())
        unknown = set(config) - known
        if unknown:
            raise ValueError(f"MLP config has unknown keys {sorted(unknown)}; known: "
                             f"{sorted(known)}.")
        return cls(**config)

    def describe(self) -> str:
        """The widths and activation in one line, e.g. ``"3072-512-10, relu"``."""
        widths = [self.config["in_features"], *self.config["hidden"], self.config["out_features"]]
        activation = self.config["activation"]
        names = activation if isinstance(activation, str) else "/".join(activation)
        return f"{'-'.join(map(str, widths))}" + (f", {names}" if self.config["hidden"] else "")
