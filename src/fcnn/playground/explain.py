"""The numbers behind the playground's pictures, all computed by fcnn's engine.

* :func:`layer_outputs`: every hidden neuron's activation (and the output scores) for
  many inputs at once: the heat maps.
* :func:`explain_point`: one input's forward pass, neuron by neuron (pre-activation,
  activation, the output scores with their bias), then softmax and the three losses,
  as in the lecture's starfish table.
* :func:`network_backprop` and :func:`neuron_backprop`: the backward pass of one input
  as a list of chain-rule steps (``downstream = local x upstream``), for the whole
  network at either granularity, or for one neuron as the formula ``fcnn graph``
  draws, with the same numbers.
* :func:`collapse`: a network without activations as the one linear map W'x + b'.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fcnn.engine import Tensor, no_grad
from fcnn.nn import (
    ACTIVATIONS,
    LOSSES,
    MLP,
    Activation,
    BatchNorm1d,
    Dropout,
    Linear,
    flat_layers,
)
from fcnn.nn.losses import cross_entropy, hinge_loss, squared_error
from fcnn.viz.expression import parse_expression
from fcnn.viz.graph import BackwardStep, GraphNode, backward_steps, build_graph, python_layout

#: Values sent per node of a backprop graph (a longer array is cut, its shape kept).
MAX_VALUES = 64


def layer_outputs(model: MLP, X: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Each hidden layer's activations and the output scores for the rows of ``X``.

    Evaluation mode (dropout off, batch norm with its running statistics), no graph.

    Returns:
        ``([a_1, ..., a_L], scores)``: ``a_l`` of shape (N, width of layer l).
    """
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            x = Tensor(np.asarray(X, dtype=np.float32))
            activations = []
            for _, layer in flat_layers(model):
                x = layer(x)
                if isinstance(layer, Activation):
                    activations.append(x.data)
    finally:
        model.train(was_training)
    return activations, x.data


def probabilities(scores: np.ndarray) -> np.ndarray:
    """softmax of each row of ``scores``, by the engine's softmax."""
    with no_grad():
        return Tensor(scores).softmax(axis=-1).data


def _linear_groups(model: MLP) -> list[list[Any]]:
    """The layers of ``model`` grouped per Linear: [Linear, (BatchNorm1d), (Activation)...]."""
    groups: list[list[Any]] = []
    for _, layer in flat_layers(model):
        if isinstance(layer, Linear):
            groups.append([layer])
        elif not isinstance(layer, Dropout):
            groups[-1].append(layer)
    return groups


def explain_point(model: MLP, inputs: np.ndarray, label: int, loss: str,
                  loss_options: dict[str, Any]) -> dict[str, Any]:
    """One input's forward pass, neuron by neuron, and its losses (the starfish table).

    Args:
        model: the network (evaluated in evaluation mode).
        inputs: the input features of the point, shape (D,).
        label: the true class (for the losses).
        loss: the loss the network trains with (its value is given beside the others).
        loss_options: that loss's options (``margin``, ``label_smoothing``).

    Returns:
        A JSON-ready dict: ``layers`` (per layer: for each neuron ``sum`` = w . a,
        ``bias``, ``z`` = sum + bias, ``bn`` after batch norm, ``a`` after the
        activation), ``scores``, ``exp``, ``softmax``, the per-class ``hinge`` terms and
        ``losses`` (cross-entropy in nats and in base 10 as the lecture writes it, hinge
        with margin 1, squared error, and the value of the training loss).
    """
    was_training = model.training
    model.eval()
    layers = []
    try:
        with no_grad():
            a = np.asarray(inputs, dtype=np.float32).reshape(1, -1)
            for group in _linear_groups(model):
                linear = group[0]
                weighted = a @ linear.weight.data.T  # sum_k w_jk a_k, before the bias
                x = linear(Tensor(a))
                row: dict[str, Any] = {"sum": weighted[0].tolist(),
                                       "bias": linear.bias.data.tolist(),
                                       "z": x.data[0].tolist(), "activation": None}
                for layer in group[1:]:
                    x = layer(x)
                    if isinstance(layer, BatchNorm1d):
                        row["bn"] = x.data[0].tolist()
                    elif isinstance(layer, Activation):
                        row["activation"] = layer.name
                        row["a"] = x.data[0].tolist()
                layers.append(row)
                a = x.data
            scores = Tensor(a)
            labels = np.array([label])
            q = scores.softmax(axis=-1).data[0]
            margins = np.maximum(0.0, a[0] - a[0, label] + 1.0)
            margins[label] = 0.0
            ce = float(cross_entropy(scores, labels).data)
            losses = {"cross_entropy": ce, "cross_entropy_log10": ce / math.log(10),
                      "hinge": float(hinge_loss(scores, labels).data),
                      "squared_error": float(squared_error(scores, labels).data)}
            trained = LOSSES.create(loss, options=loss_options)(scores, labels)
    finally:
        model.train(was_training)
    return {"layers": layers, "scores": a[0].tolist(), "exp": np.exp(a[0].astype(np.float64))
            .tolist(), "softmax": q.tolist(), "hinge": margins.tolist(), "label": int(label),
            "predicted": int(np.argmax(a[0])), "losses": losses, "loss": loss,
            "trained_loss": float(trained.data)}


# ----------------------------------------------------------------------------
# Backward pass, step by step
# ----------------------------------------------------------------------------


def _values(array: np.ndarray | None) -> dict[str, Any] | None:
    if array is None:
        return None
    array = np.asarray(array, dtype=np.float64)
    flat = array.ravel()
    return {"shape": list(array.shape), "values": flat[:MAX_VALUES].tolist()}


def _name_small_constants(output: Tensor) -> None:
    """Label the unnamed one-element constants of shape (1, 1) or (1,) with their value.

    ``fcnn.viz.graph`` folds an unnamed one-element constant into its op's text with
    ``float(data)``, which NumPy 2 refuses for arrays of one or more dimensions (a fine
    log-softmax of one sample subtracts such a (1, 1) maximum). Named, the constant is
    drawn as its own box instead, with the same numbers.
    """
    for t in output.topological_order():
        if t.is_leaf and not t.requires_grad and t.label is None and t.data.size == 1 \
                and t.data.ndim > 0:
            t.label = f"{t.data.item():.4g}"


def graph_document(output: Tensor) -> dict[str, Any]:
    """The graph of ``output`` (gradients computed) as nodes, positions and chain-rule steps."""
    _name_small_constants(output)
    steps: list[BackwardStep] = backward_steps(output)
    nodes: list[GraphNode] = build_graph(output)
    positions = python_layout(nodes)
    return {
        "nodes": [{"index": n.index, "kind": n.kind, "text": n.text, "name": n.name,
                   "inputs": n.inputs, "position": list(positions[n.index]),
                   "value": _values(n.value), "grad": _values(n.grad)} for n in nodes],
        "steps": [{"node": s.node.index, "input": s.input.index, "local": _values(s.local),
                   "upstream": _values(s.upstream), "downstream": _values(s.downstream)}
                  for s in steps],
    }


def _labelled_copy(model: MLP, granularity: str) -> MLP:
    """``model`` rebuilt at ``granularity`` with the same weights, parameters named W1, b1..."""
    config = dict(model.config, granularity=granularity)
    copy = MLP.from_config(config)
    copy.load_state_dict(model.state_dict())
    for number, group in enumerate(_linear_groups(copy), start=1):
        group[0].weight.label, group[0].bias.label = f"W{number}", f"b{number}"
        for layer in group[1:]:
            if isinstance(layer, BatchNorm1d):
                layer.weight.label, layer.bias.label = f"gamma{number}", f"beta{number}"
    copy.eval()
    return copy


def _loss_of(loss: str, loss_options: dict[str, Any], granularity: str):
    return LOSSES.create(loss, options=loss_options, granularity=granularity)


def network_backprop(model: MLP, inputs: np.ndarray, label: int, loss: str,
                     loss_options: dict[str, Any], granularity: str) -> dict[str, Any]:
    """The whole network's graph for one input and its loss, with every chain-rule step.

    The network is rebuilt at ``granularity`` with the same weights (evaluation mode);
    the values of a node are its forward values, its ``grad`` is dL/dnode.
    """
    copy = _labelled_copy(model, granularity)
    x = Tensor(np.asarray(inputs, dtype=np.float32).reshape(1, -1), label="x")
    value = _loss_of(loss, loss_options, granularity)(copy(x), np.array([label]))
    value.label = "L"
    value.backward()
    document = graph_document(value)
    document["loss"] = float(value.data)
    return document


def neuron_expression(activation: str | None, options: dict[str, Any], n_inputs: int,
                      batchnorm: bool) -> str:
    """The formula of one neuron as ``fcnn graph`` reads it: ``tanh(w0*x0 + w1*x1 + b)``.

    ``activation`` None: an output neuron (a score, no activation). With batch norm the
    sum is normalised first: ``g*((...) - m)/s + beta``.

    Example:
        >>> neuron_expression("leaky_relu", {"negative_slope": 0.1}, 2, False)
        'leaky_relu(w0*x0 + w1*x1 + b, 0.1)'
    """
    total = " + ".join(f"w{k}*x{k}" for k in range(n_inputs)) + " + b"
    if batchnorm:
        total = f"g*(({total}) - m)/s + beta"
    if activation is None:
        return total
    entry = ACTIVATIONS.get(activation)
    extra = "".join(f", {options[o.name]!r}" for o in entry.options)
    return f"{entry.name}({total}{extra})"


def neuron_backprop(model: MLP, inputs: np.ndarray, label: int, loss: str,
                    loss_options: dict[str, Any], layer: int, neuron: int,
                    granularity: str = "fine") -> dict[str, Any]:
    """One neuron's graph for one input, as ``fcnn graph`` draws it, and its place in the network.

    The neuron's formula (see :func:`neuron_expression`) gets the neuron's weights, bias
    and inputs (the previous layer's activations for this input) as values; its graph and
    steps are those of ``fcnn graph FORMULA --set VALUES --steps``, whose output is the
    neuron's activation a (or score s). The network's backward pass gives the upstream
    gradient dL/da, and dL/dw = da/dw x dL/da for each weight: ``chain`` lists these
    beside the network's own gradients, which they equal.

    Args:
        layer: 1-based index of the Linear layer (the last one is the output layer).
        neuron: index of the neuron in that layer.
    """
    groups = _linear_groups(model)
    if not 1 <= layer <= len(groups):
        raise ValueError(f"layer must be in 1..{len(groups)}, got {layer}.")
    linear = groups[layer - 1][0]
    if not 0 <= neuron < linear.out_features:
        raise ValueError(f"neuron must be in 0..{linear.out_features - 1} in layer {layer}, "
                         f"got {neuron}.")
    copy = _labelled_copy(model, "coarse")
    outputs: list[Tensor] = []  # the output of each group (what the next layer reads)
    x = Tensor(np.asarray(inputs, dtype=np.float32).reshape(1, -1), label="x")
    layer_inputs = []
    for group in _linear_groups(copy):
        layer_inputs.append(x.data[0])
        for module in group:
            x = module(x)
        outputs.append(x)
    value = _loss_of(loss, loss_options, "coarse")(x, np.array([label]))
    value.backward()
    upstream = float(outputs[layer - 1].grad[0, neuron])

    group = groups[layer - 1]
    activation = next((m for m in group if isinstance(m, Activation)), None)
    norm = next((m for m in group if isinstance(m, BatchNorm1d)), None)
    n_inputs = linear.in_features
    values: dict[str, float] = {}
    for k in range(n_inputs):
        values[f"w{k}"] = float(linear.weight.data[neuron, k])
        values[f"x{k}"] = float(layer_inputs[layer - 1][k])
    values["b"] = float(linear.bias.data[neuron])
    if norm is not None:
        values.update(g=float(norm.weight.data[neuron]), beta=float(norm.bias.data[neuron]),
                      m=float(norm.running_mean[neuron]),
                      s=float(np.sqrt(np.float64(norm.running_var[neuron]) + norm.eps)))
    name = activation.name if activation is not None else None
    text = neuron_expression(name, activation.options if activation else {}, n_inputs,
                             norm is not None)
    output = parse_expression(text, values, granularity=granularity)
    document = graph_document(output)
    leaves = {t.label: t for t in output.topological_order() if t.label in values}
    copy_linear = _linear_groups(copy)[layer - 1][0]
    chain = []
    for k in range(n_inputs):
        local = float(leaves[f"w{k}"].grad)
        chain.append({"name": f"w{k}", "local": local, "product": local * upstream,
                      "network": float(copy_linear.weight.grad[neuron, k])})
    local = float(leaves["b"].grad)
    chain.append({"name": "b", "local": local, "product": local * upstream,
                  "network": float(copy_linear.bias.grad[neuron])})
    set_text = ",".join(f"{key}={val!r}" for key, val in values.items())
    document.update(expression=text, values=values, upstream=upstream, chain=chain,
                    output=float(output.data), layer=layer, neuron=neuron,
                    command=f'fcnn graph "{text}" --set {set_text} --granularity {granularity} '
                            f'--steps --digits 4')
    return document


def collapse(model: MLP) -> dict[str, Any] | None:
    """A network whose layers are all linear as one linear map: f = W'x + b'.

    W' = W_L ... W_1 and b' = W_L(...(W_2 b_1 + b_2)...) + b_L, the lecture's point that
    without activations depth adds nothing. None if any layer is not linear (an
    activation other than identity, or batch norm).
    """
    layers = [layer for _, layer in flat_layers(model) if not isinstance(layer, Dropout)]
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    for layer in layers:
        if isinstance(layer, Activation) and layer.name == "identity":
            continue
        if not isinstance(layer, Linear):
            return None
        W = layer.weight.data.astype(np.float64)
        b = layer.bias.data.astype(np.float64)
        weight = W if weight is None else W @ weight
        bias = b if bias is None else W @ bias + b
    return {"W": weight.tolist(), "b": bias.tolist()}
