"""Move networks between fcnn and PyTorch: ``to_torch(model)`` and ``from_torch(module)``.

Layers map one to one (weights are copied, float32):

    fcnn.nn            torch.nn
    Linear             Linear          (the same (out, in) weight layout)
    activations        the class of their entry in ``fcnn.nn.ACTIVATIONS`` (``meta["torch"]``):
                       ReLU, Sigmoid, Tanh, Identity, LeakyReLU(negative_slope)...
    Dropout(p)         Dropout(p)
    BatchNorm1d        BatchNorm1d     (weight, bias, running statistics, eps, momentum)
    Softmax            Softmax(dim=-1)

``from_torch`` returns an :class:`fcnn.nn.MLP` when the layers have the shape of one
(Linear, [BatchNorm1d], activation, [Dropout], ..., Linear, with the MLP's defaults),
so it can be saved, trained further and exported like any fcnn model; otherwise a
:class:`fcnn.nn.Sequential` of the same layers.

Needs the ``torch`` extra: ``pip install 'fcnn[torch]'``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fcnn._extras import require
from fcnn.nn import (
    ACTIVATIONS,
    MLP,
    Activation,
    BatchNorm1d,
    Dropout,
    Linear,
    Module,
    Sequential,
    Softmax,
    make_activation,
)
from fcnn.nn.layers import flat_layers
from fcnn.registry import Entry


def supported() -> list[str]:
    """The torch.nn layers that convert: the fixed ones and every activation's class."""
    activations = [e.meta["torch"][0] for e in ACTIVATIONS.entries() if e.meta.get("torch")]
    return ["Linear", "BatchNorm1d", "Dropout", "Softmax", *activations]


def _torch_entry(layer: Any) -> Entry | None:
    """The activation entry whose torch class is exactly the class of ``layer``, if any."""
    nn = _torch().nn
    return ACTIVATIONS.find(lambda e: bool(e.meta.get("torch")) and
                            type(layer) is getattr(nn, e.meta["torch"][0], None))


def _torch() -> Any:
    return require("torch", "fcnn.torch")


def _float32(array: np.ndarray) -> Any:
    return _torch().from_numpy(np.array(array, dtype=np.float32, copy=True))


def _layer_to_torch(name: str, layer: Module) -> Any:
    nn = _torch().nn
    if isinstance(layer, Linear):
        out = nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None)
        out.weight.data = _float32(layer.weight.data)
        if layer.bias is not None:
            out.bias.data = _float32(layer.bias.data)
        return out
    if isinstance(layer, Activation) and ACTIVATIONS.get(layer.name).meta.get("torch"):
        class_name, keywords = ACTIVATIONS.get(layer.name).meta["torch"]
        return getattr(nn, class_name)(**{keyword: layer.options[option]
                                          for keyword, option in keywords.items()})
    if isinstance(layer, Dropout):
        return nn.Dropout(layer.p)
    if isinstance(layer, BatchNorm1d):
        out = nn.BatchNorm1d(layer.num_features, eps=layer.eps, momentum=layer.momentum)
        out.weight.data = _float32(layer.weight.data)
        out.bias.data = _float32(layer.bias.data)
        out.running_mean.data = _float32(layer.running_mean)
        out.running_var.data = _float32(layer.running_var)
        return out
    if isinstance(layer, Softmax):
        return nn.Softmax(dim=layer.axis)
    raise ValueError(f"layer {name} ({type(layer).__name__}) cannot be converted to PyTorch; "
                     f"supported layers: {', '.join(supported())}.")


def to_torch(model: Module) -> Any:
    """An equivalent ``torch.nn.Sequential`` (a copy: changing one does not change the other).

    The result is in the same mode as ``model`` (training or evaluation); call
    ``.eval()`` on it before comparing outputs when it has dropout or batch norm.

    Example:
        >>> import numpy as np, torch
        >>> from fcnn.nn import MLP
        >>> from fcnn.train import predict_scores
        >>> net = MLP(4, [8], 3, activation="tanh")
        >>> module = to_torch(net).eval()
        >>> x = np.ones((2, 4), np.float32)
        >>> bool(np.allclose(module(torch.from_numpy(x)).detach().numpy(),
        ...                  predict_scores(net, x), atol=1e-6))
        True
    """
    torch = _torch()
    layers = [_layer_to_torch(name, layer) for name, layer in flat_layers(model)]
    return torch.nn.Sequential(*layers).train(model.training)


def _torch_layers(module: Any, prefix: str = "") -> list[tuple[str, Any]]:
    nn = _torch().nn
    layers: list[tuple[str, Any]] = []
    for name, child in module.named_children():
        if isinstance(child, nn.Sequential):
            layers += _torch_layers(child, f"{prefix}{name}.")
        else:
            layers.append((f"{prefix}{name}", child))
    return layers


def _numpy(tensor: Any) -> np.ndarray:
    return tensor.detach().cpu().numpy().astype(np.float32)


def _unsupported(name: str, layer: Any, why: str = "") -> ValueError:
    return ValueError(f"{type(layer).__name__} at index {name} cannot be converted to fcnn"
                      f"{why}; supported layers: {', '.join(supported())}.")


def _layer_from_torch(name: str, layer: Any) -> Module:
    nn = _torch().nn
    if type(layer) is nn.Linear:
        out = Linear(layer.in_features, layer.out_features, bias=layer.bias is not None)
        out.weight.data[...] = _numpy(layer.weight)
        if layer.bias is not None:
            out.bias.data[...] = _numpy(layer.bias)
        return out
    entry = _torch_entry(layer)
    if entry is not None:
        options = {option: getattr(layer, keyword)
                   for keyword, option in entry.meta["torch"][1].items()}
        try:
            return make_activation(entry.name, **options)
        except ValueError as error:
            raise _unsupported(name, layer, f" ({error})") from None
    if type(layer) is nn.Dropout:
        return Dropout(layer.p)
    if type(layer) is nn.BatchNorm1d:
        if not layer.affine or not layer.track_running_stats or layer.momentum is None:
            raise _unsupported(name, layer, " (it needs affine=True, track_running_stats=True "
                               "and a numeric momentum)")
        out = BatchNorm1d(layer.num_features, momentum=layer.momentum, eps=layer.eps)
        out.weight.data[...] = _numpy(layer.weight)
        out.bias.data[...] = _numpy(layer.bias)
        out.running_mean[...] = _numpy(layer.running_mean)
        out.running_var[...] = _numpy(layer.running_var)
        return out
    if type(layer) is nn.Softmax:
        if layer.dim not in (-1, 1):
            raise _unsupported(name, layer, f" (dim={layer.dim}; only the class axis, -1 or "
                               f"1, is supported)")
        return Softmax(axis=-1)
    raise _unsupported(name, layer)


def _signature(layer: Module) -> tuple[Any, ...]:
    """What must agree between two layers for one to stand in for the other."""
    if isinstance(layer, Linear):
        return Linear, layer.in_features, layer.out_features, layer.bias is not None
    if isinstance(layer, Activation):
        return Activation, layer.name, tuple(sorted(layer.options.items()))
    if isinstance(layer, Dropout):
        return Dropout, layer.p
    if isinstance(layer, BatchNorm1d):
        return BatchNorm1d, layer.num_features, layer.eps, layer.momentum
    return (type(layer),)


def _as_mlp(layers: list[Module]) -> MLP | None:
    """The MLP with exactly these layers (weights copied), or None if they do not form one."""
    linears = [layer for layer in layers if isinstance(layer, Linear)]
    activations = [layer for layer in layers if isinstance(layer, Activation)]
    dropouts = [layer for layer in layers if isinstance(layer, Dropout)]
    if not linears or not isinstance(layers[-1], Linear) or \
            len(activations) != len(linears) - 1:
        return None
    names = [layer.name for layer in activations]
    slopes = {layer.options["negative_slope"] for layer in activations
              if "negative_slope" in layer.options}
    if len(slopes) > 1:
        return None
    config = {
        "in_features": linears[0].in_features,
        "hidden": [layer.out_features for layer in linears[:-1]],
        "out_features": linears[-1].out_features,
        "activation": names[0] if len(set(names)) == 1 else names,
        "negative_slope": slopes.pop() if slopes else None,
        "dropout": dropouts[0].p if dropouts else 0.0,
        "batchnorm": any(isinstance(layer, BatchNorm1d) for layer in layers),
    }
    if not names:
        config["activation"] = "relu"
    candidate = MLP(**config, seed=0)
    if [_signature(a) for a in candidate.layers] != [_signature(b) for b in layers]:
        return None
    candidate.load_state_dict(Sequential(*layers).state_dict())
    return candidate


def from_torch(module: Any) -> MLP | Sequential:
    """Convert a ``torch.nn.Sequential`` of supported layers to an fcnn model.

    Returns an :class:`fcnn.nn.MLP` when the layers form one (see the module
    docstring), else a :class:`fcnn.nn.Sequential`; either way in ``module``'s mode.
    Nested ``Sequential`` containers are flattened. Weights are copied as float32.

    Raises:
        ValueError: naming the first layer that cannot be converted, e.g.
            "Conv2d at index 0 cannot be converted to fcnn; supported layers: ...".

    Example:
        >>> import torch
        >>> net = from_torch(torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
        ...                                      torch.nn.Linear(8, 3)))
        >>> type(net).__name__, net.config["hidden"]
        ('MLP', [8])
    """
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch converts a torch.nn.Sequential, got "
                        f"{type(module).__name__}.")
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(f"from_torch converts a torch.nn.Sequential, got a "
                        f"{type(module).__name__}: its forward() is Python code that cannot be "
                        f"read. Put its layers in an nn.Sequential, or convert its Sequential "
                        f"parts.")
    layers = [_layer_from_torch(name, layer) for name, layer in _torch_layers(module)]
    if not layers:
        raise ValueError("from_torch got an empty torch.nn.Sequential.")
    model = _as_mlp(layers) or Sequential(*layers)
    return model.train(module.training)
