"""The activation table: every activation fcnn knows, with what each part of fcnn needs of it.

Each entry of :data:`ACTIVATIONS` names the function of ``nn.functional`` (called as
``function(x, **options, granularity=...)``), its options (Leaky ReLU's
``negative_slope``), its title and formula for drawings, and the ONNX operator and
``torch.nn`` class that compute the same function, with how its options map onto
theirs. Layers (``nn.Activation``), ``MLP``, configurations, the command line, the
scikit-learn wrapper, the ONNX and PyTorch bridges, the expression parser and the
playground all read this table.

Adding an activation takes one op (in ``fcnn.engine``, or a composition of existing
ops in a function) and one entry here.

Example:
    >>> import fcnn
    >>> entry = ACTIVATIONS.get("Leaky-ReLU")
    >>> entry.name, entry.meta["onnx"]
    ('leaky_relu', ('LeakyRelu', {'alpha': 'negative_slope'}))
    >>> entry.target(fcnn.tensor([-1.0, 2.0]), negative_slope=0.1).data
    array([-0.1,  2. ], dtype=float32)
"""

from __future__ import annotations

from fcnn.nn import functional as F
from fcnn.registry import Option, Registry

ACTIVATIONS = Registry("activation")

ACTIVATIONS.add(
    "relu", F.relu, help="max(0, x)", title="ReLU", formula=r"$y = \max(0, x)$",
    onnx=("Relu", {}), torch=("ReLU", {}))
ACTIVATIONS.add(
    "leaky_relu", F.leaky_relu, aliases=("lrelu",), help="max(kx, x) with a small slope k",
    options=(Option("negative_slope", float, 0.01, low=0, high=1, high_open=True,
                    help="k, the slope of max(kx, x) for x < 0 (the lecture uses 0.1)"),),
    title="Leaky ReLU", formula=r"$y = \max(kx, x)$",
    onnx=("LeakyRelu", {"alpha": "negative_slope"}),
    torch=("LeakyReLU", {"negative_slope": "negative_slope"}))
ACTIVATIONS.add(
    "sigmoid", F.sigmoid, aliases=("logistic",), help="1 / (1 + e^-x), into (0, 1)",
    title="Sigmoid", formula=r"$y = \frac{1}{1 + e^{-x}}$",
    onnx=("Sigmoid", {}), torch=("Sigmoid", {}))
ACTIVATIONS.add(
    "tanh", F.tanh, help="(e^x - e^-x) / (e^x + e^-x), into (-1, 1)",
    title="Tanh", formula=r"$y = \frac{e^x - e^{-x}}{e^x + e^{-x}}$",
    onnx=("Tanh", {}), torch=("Tanh", {}))
ACTIVATIONS.add(
    "identity", F.identity, aliases=("none", "linear"),
    help="y = x: no activation (the network collapses to a linear classifier)",
    title="Identity", formula=r"$y = x$", onnx=None, torch=("Identity", {}))
