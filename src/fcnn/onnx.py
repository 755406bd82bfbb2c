"""Export fcnn networks to ONNX, to run them with onnxruntime, in a browser, on a phone...

Each fcnn layer becomes the standard ONNX operator that computes the same function
in evaluation mode:

    Linear       -> Gemm (y = x W^T + b, transB=1)
    activations  -> the operator of their entry in ``fcnn.nn.ACTIVATIONS`` (``meta["onnx"]``):
                    Relu, Sigmoid, Tanh, LeakyRelu(alpha=negative_slope)...
    BatchNorm1d  -> BatchNormalization (running mean and variance)
    Dropout, Identity -> nothing (they are the identity in evaluation mode)
    Softmax      -> Softmax (also appended when ``softmax=True``)

The graph takes ``input`` of shape (N, in_features) in float32, with N free, and
returns ``scores`` (or ``probabilities`` when it ends with a softmax). Given the
``preprocessing`` of a run (scaling, standardisation, whitening), the graph starts with
it, as the Div, Sub, Mul and MatMul nodes of ``Preprocessor.operations``: the file then
takes raw inputs (pixels 0-255) and cannot be fed wrongly scaled ones.

Needs the ``onnx`` extra: ``pip install 'fcnn[onnx]'``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from fcnn._extras import require
from fcnn.data.preprocess import Preprocessor
from fcnn.files import disk_error, write_atomic
from fcnn.nn import ACTIVATIONS, Activation, BatchNorm1d, Dropout, Linear, Module, Softmax
from fcnn.nn.layers import flat_layers

#: the ONNX operator set the exported files declare (onnxruntime >= 1.14 runs it).
DEFAULT_OPSET = 17


def supported() -> list[str]:
    """The layers that can be exported: the fixed ones and every activation with an operator."""
    activations = [e.name for e in ACTIVATIONS.entries() if "onnx" in e.meta]
    return ["Linear", "BatchNorm1d", "Dropout", "Softmax", *activations]


def _in_features(layers: list[tuple[str, Module]]) -> int:
    for _, layer in layers:
        if isinstance(layer, Linear):
            return layer.in_features
        if isinstance(layer, BatchNorm1d):
            return layer.num_features
    raise ValueError("the model has no Linear or BatchNorm1d layer, so its input width is "
                     "unknown; an exportable network starts with one of them.")


def to_onnx(model: Module, softmax: bool = False, opset: int = DEFAULT_OPSET,
            class_names: list[str] | None = None, preprocessing: Preprocessor | None = None,
            raw_features: int | None = None) -> Any:
    """The ONNX graph (an ``onnx.ModelProto``) that computes ``model`` in evaluation mode.

    Args:
        model: an fcnn ``MLP``, ``Sequential`` or single layer.
        softmax: append a Softmax so the output is class probabilities.
        opset: the ONNX operator set version (13 or newer).
        class_names: stored in the file's metadata as JSON under ``class_names``.
        preprocessing: a fitted preprocessor (a run's ``Pipeline``) to put in front.
        raw_features: the width of the raw inputs (default: the model's input width;
            give it when the preprocessing changes the width, as PCA does).

    Example:
        >>> from fcnn.nn import MLP
        >>> proto = to_onnx(MLP(4, [8], 3))
        >>> [node.op_type for node in proto.graph.node]
        ['Gemm', 'Relu', 'Gemm']
    """
    onnx = require("onnx", "fcnn.onnx")
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    if opset < 13:
        raise ValueError(f"opset must be 13 or newer (Softmax over the last axis), got {opset}.")
    layers = flat_layers(model)
    in_features = _in_features(layers)
    nodes, initializers = [], []
    current = "input"
    raw_features = raw_features or in_features

    def add(op: str, name: str, inputs: list[str], **attributes: Any) -> None:
        nonlocal current
        output = f"{name}/{op.lower()}"
        nodes.append(helper.make_node(op, [current, *inputs], [output], name=f"{name}/{op}",
                                      **attributes))
        current = output

    def constant(name: str, value: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    if preprocessing is not None:
        for index, (op, value) in enumerate(preprocessing.operations(raw_features)):
            name = f"preprocess.{index}"
            add({"div": "Div", "sub": "Sub", "mul": "Mul", "matmul": "MatMul"}[op], name,
                [constant(f"{name}.{op}", value)])
    ends_with_softmax = False
    for name, layer in layers:
        ends_with_softmax = isinstance(layer, Softmax)
        if isinstance(layer, Linear):
            inputs = [constant(f"{name}.weight", layer.weight.data)]
            if layer.bias is not None:
                inputs.append(constant(f"{name}.bias", layer.bias.data))
            add("Gemm", name, inputs, transB=1)
        elif isinstance(layer, Activation) and "onnx" in ACTIVATIONS.get(layer.name).meta:
            operator = ACTIVATIONS.get(layer.name).meta["onnx"]
            if operator is None:  # the identity: no node
                continue
            op, attribute_names = operator
            add(op, name, [], **{attribute: float(layer.options[option])
                                 for attribute, option in attribute_names.items()})
        elif isinstance(layer, BatchNorm1d):
            inputs = [constant(f"{name}.{key}", value) for key, value in (
                ("weight", layer.weight.data), ("bias", layer.bias.data),
                ("running_mean", layer.running_mean), ("running_var", layer.running_var))]
            add("BatchNormalization", name, inputs, epsilon=float(layer.eps))
        elif isinstance(layer, Softmax):
            if layer.axis not in (-1, 1):
                raise ValueError(f"layer {name} is Softmax(axis={layer.axis}); only the class "
                                 f"axis (-1 or 1) of (N, classes) scores can be exported.")
            add("Softmax", name, [], axis=-1)
        elif isinstance(layer, Dropout):
            continue
        else:
            raise ValueError(f"layer {name} ({type(layer).__name__}) cannot be exported to "
                             f"ONNX; supported layers: {', '.join(supported())}.")
    if softmax and not ends_with_softmax:
        add("Softmax", "output", [], axis=-1)
        ends_with_softmax = True
    output_name = "probabilities" if ends_with_softmax else "scores"
    if current == "input":
        nodes.append(helper.make_node("Identity", ["input"], [output_name], name="output"))
    else:
        nodes[-1].output[0] = output_name
    graph = helper.make_graph(
        nodes, "fcnn", [helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT,
                                                      ["N", raw_features])],
        [helper.make_tensor_value_info(output_name, onnx.TensorProto.FLOAT, ["N", None])],
        initializer=initializers)
    opsets = [helper.make_opsetid("", opset)]
    proto = helper.make_model(graph, opset_imports=opsets, producer_name="fcnn",
                              ir_version=helper.find_min_ir_version_for(opsets))
    proto.doc_string = repr(model)
    if class_names is not None:
        helper.set_model_props(proto, {"class_names": json.dumps(list(class_names))})
    onnx.checker.check_model(proto, full_check=True)
    return proto


def export(model: Module, path: str | Path, softmax: bool = False, opset: int = DEFAULT_OPSET,
           class_names: list[str] | None = None, preprocessing: Preprocessor | None = None,
           raw_features: int | None = None) -> Path:
    """Write ``model`` as an ONNX file that onnxruntime (or any ONNX runtime) can run.

    Args:
        model: an fcnn ``MLP``, ``Sequential`` or single layer; exported in evaluation
            mode (dropout off, batch norm with its running statistics).
        path: the ``.onnx`` file to write (its folder is created if needed).
        softmax: append a Softmax so the output is class probabilities, not raw scores.
        opset: the ONNX operator set version.
        class_names: stored in the file's metadata (JSON under ``class_names``).
        preprocessing, raw_features: see :func:`to_onnx`.

    Returns:
        The path written (whole or not at all).

    Example:
        >>> import tempfile, numpy as np, onnxruntime
        >>> from fcnn.nn import MLP
        >>> path = export(MLP(4, [8], 3), tempfile.mkdtemp() + "/net.onnx")
        >>> session = onnxruntime.InferenceSession(path)
        >>> session.run(None, {"input": np.zeros((2, 4), np.float32)})[0].shape
        (2, 3)
    """
    proto = to_onnx(model, softmax=softmax, opset=opset, class_names=class_names,
                    preprocessing=preprocessing, raw_features=raw_features)
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise disk_error(error, path.parent, "create the folder") from None
    write_atomic(path, proto.SerializeToString())
    return path
