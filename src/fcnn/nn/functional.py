"""Stateless math of the layers, at two granularities.

``granularity="coarse"`` builds one fused node per function with a hand-derived
backward (like Caffe's layers: fast; the nodes are in ``fcnn.engine.fused``).
``granularity="fine"`` composes the same function from primitive ops (like
TensorFlow's graphs: flexible, every step visible). Both give the same values and
gradients; the tests prove it. ``granularity`` is always a keyword argument.
"""

from __future__ import annotations

import numpy as np

from fcnn.engine import Tensor, fused, kernels

GRANULARITIES = ("coarse", "fine")


def check_granularity(granularity: str) -> str:
    """Return ``granularity`` if valid, else raise a ValueError listing the valid ones."""
    if granularity not in GRANULARITIES:
        raise ValueError(
            f"unknown granularity {granularity!r}; valid values: 'coarse' (one fused node "
            f"per layer, fast) or 'fine' (composed from primitive ops, flexible)."
        )
    return granularity


def is_fine(granularity: str) -> bool:
    """True for ``"fine"``, False for ``"coarse"``; any other value is an error."""
    return check_granularity(granularity) == "fine"


# ----------------------------------------------------------------------------
# f = Wx + b
# ----------------------------------------------------------------------------


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None, *,
           granularity: str = "coarse") -> Tensor:
    """f = x W^T + b for a batch of row vectors.

    Args:
        x: inputs, shape (N, in_features).
        weight: W, shape (out_features, in_features) (PyTorch's layout).
        bias: b, shape (out_features,), or None.
        granularity: "coarse" (one ``linear`` node) or "fine" (``T``, ``@``, ``+``).

    Example:
        >>> import fcnn, numpy as np
        >>> x = fcnn.tensor([[1.0, 2.0]])
        >>> w = fcnn.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> linear(x, w, fcnn.tensor([0.0, 0.0, 1.0])).data
        array([[1., 2., 4.]], dtype=float32)
    """
    if x.ndim != 2 or x.shape[1] != weight.shape[1]:
        raise ValueError(
            f"linear: expected input of shape (N, {weight.shape[1]}) for a weight of shape "
            f"{weight.shape}, got {x.shape}."
        )
    if is_fine(granularity):
        out = x @ weight.T
        return out if bias is None else out + bias
    if bias is None:
        return fused.Linear.apply(x, weight)
    return fused.Linear.apply(x, weight, bias)


# ----------------------------------------------------------------------------
# Activations
# ----------------------------------------------------------------------------


def sigmoid(x: Tensor, *, granularity: str = "coarse") -> Tensor:
    """y = 1 / (1 + e^-x): squashes into (0, 1).

    Fine granularity is the lecture's chain of gates: neg, exp, +1, 1/x. (That
    chain follows the formula literally, so e^-x overflows for x < -88 in float32;
    the fused node is computed stably.)

    Example:
        >>> import fcnn
        >>> round(float(sigmoid(fcnn.tensor(1.0))), 4)
        0.7311
    """
    if is_fine(granularity):
        return 1 / ((-x).exp() + 1)
    return fused.Sigmoid.apply(x)


def tanh(x: Tensor, *, granularity: str = "coarse") -> Tensor:
    """y = (e^x - e^-x) / (e^x + e^-x): squashes into (-1, 1).

    Fine granularity uses tanh(x) = 2 sigmoid(2x) - 1 built from primitive gates.

    Example:
        >>> import fcnn
        >>> round(float(tanh(fcnn.tensor(0.5))), 4)
        0.4621
    """
    if is_fine(granularity):
        return 2 * sigmoid(2 * x, granularity="fine") - 1
    return fused.Tanh.apply(x)


def relu(x: Tensor, *, granularity: str = "coarse") -> Tensor:
    """y = max(0, x).

    Example:
        >>> import fcnn
        >>> relu(fcnn.tensor([-1.0, 2.0])).data
        array([0., 2.], dtype=float32)
    """
    if is_fine(granularity):
        return x.maximum(0.0)
    return fused.ReLU.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01, *, granularity: str = "coarse") -> Tensor:
    """y = max(kx, x) with the slope k = ``negative_slope``, 0 <= k < 1 (the lecture uses 0.1).

    Example:
        >>> import fcnn
        >>> leaky_relu(fcnn.tensor([-1.0, 2.0]), negative_slope=0.1).data
        array([-0.1,  2. ], dtype=float32)
    """
    if not 0 <= negative_slope < 1:
        raise ValueError(f"leaky_relu: negative_slope (the slope k of max(kx, x)) must satisfy "
                         f"0 <= k < 1, got {negative_slope}.")
    if is_fine(granularity):
        return x.maximum(x * negative_slope)
    return fused.LeakyReLU.apply(x, negative_slope=negative_slope)


def identity(x: Tensor, *, granularity: str = "coarse") -> Tensor:
    """y = x: no activation (a network without activations is a linear classifier)."""
    check_granularity(granularity)
    return x


def softmax(x: Tensor, axis: int = -1, *, granularity: str = "coarse") -> Tensor:
    """q_i = e^{x_i} / sum_j e^{x_j}: scores to probabilities that sum to 1.

    Example (the lecture's slide):
        >>> import fcnn, numpy as np
        >>> np.round(softmax(fcnn.tensor([1.3, 5.1, 2.2, 0.7, 1.1])).data, 2)
        array([0.02, 0.9 , 0.05, 0.01, 0.02], dtype=float32)
    """
    if is_fine(granularity):
        # the max is a constant shift (no gradient flows through it): a leaf, not a node
        e = (x - Tensor(x.data.max(axis=axis, keepdims=True))).exp()
        return e / e.sum(axis=axis, keepdims=True)
    return fused.Softmax.apply(x, axis=axis)


def log_softmax(x: Tensor, axis: int = -1, *, granularity: str = "coarse") -> Tensor:
    """y_i = x_i - log sum_j e^{x_j}, computed stably (the max is subtracted first)."""
    if is_fine(granularity):
        shifted = x - Tensor(x.data.max(axis=axis, keepdims=True))  # a constant shift
        return shifted - shifted.exp().sum(axis=axis, keepdims=True).log()
    return fused.LogSoftmax.apply(x, axis=axis)


# ----------------------------------------------------------------------------
# Dropout and batch normalisation
# ----------------------------------------------------------------------------


def dropout(x: Tensor, p: float, rng: np.random.Generator, training: bool = True, *,
            granularity: str = "coarse") -> Tensor:
    """Zero each element with probability ``p`` during training, scale the rest by 1/(1-p).

    In evaluation (``training=False``) it is the identity. The mask comes from
    ``rng``, so a seeded generator makes it reproducible.
    """
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p must satisfy 0 <= p < 1, got {p}.")
    if not training or p == 0:
        return x
    uniform = rng.random(x.shape, dtype=np.float32)
    if kernels.fits(uniform) and x.dtype in (np.float32, np.float64):
        scale = kernels.dropout_scale(uniform, p, x.dtype)  # the same mask, in one pass
    else:
        scale = (uniform >= p).astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    if is_fine(granularity):
        return x * Tensor(scale)
    return fused.Dropout.apply(x, scale=scale)


def batch_norm(x: Tensor, gamma: Tensor, beta: Tensor, running_mean: np.ndarray,
               running_var: np.ndarray, training: bool = True, momentum: float = 0.1,
               eps: float = 1e-5, *, granularity: str = "coarse") -> Tensor:
    """Batch normalisation over axis 0 of an (N, features) batch.

    Training uses the batch statistics and updates ``running_mean``/``running_var``
    in place (``running = (1 - momentum) running + momentum batch``, with the
    unbiased batch variance, as PyTorch does). Evaluation uses the running statistics.
    """
    if not training:
        scale = Tensor((1.0 / np.sqrt(running_var + eps)).astype(x.dtype))
        return (x - Tensor(running_mean.astype(x.dtype))) * scale * gamma + beta
    n = x.shape[0]
    if n < 2:
        raise ValueError(
            f"batch_norm in training mode needs at least 2 samples per batch, got {n}. "
            f"Use a larger batch size, or call model.eval() for prediction."
        )
    if is_fine(granularity):
        centered = x - x.mean(axis=0, keepdims=True)
        var = (centered * centered).mean(axis=0, keepdims=True)
        out = centered * (var + eps) ** -0.5 * gamma + beta
        batch_mean, batch_var = x.data.mean(axis=0), var.data.reshape(-1)
    else:
        out = fused.BatchNorm.apply(x, gamma, beta, eps=eps)
        node = out.grad_fn
        if node is not None:
            batch_mean, batch_var = node.batch_mean, node.batch_var
        else:  # no graph recorded (no_grad): recompute the statistics
            batch_mean, batch_var = x.data.mean(axis=0), x.data.var(axis=0)
    running_mean *= 1 - momentum
    running_mean += momentum * batch_mean
    running_var *= 1 - momentum
    running_var += momentum * batch_var * (n / (n - 1))
    return out
