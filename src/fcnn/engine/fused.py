"""Fused ops (the coarse, Caffe-like vocabulary): one node each, with a hand-derived backward.

Every function the lecture names is here as a single node: the linear layer
f = Wx + b, the activations (sigmoid, tanh, relu, leaky_relu), softmax and
log_softmax, dropout, batch normalisation, and the two losses (softmax
cross-entropy, multiclass SVM hinge) plus squared error. ``fcnn.nn.functional``
composes the same functions from the primitive ops of ``fcnn.engine.ops`` at
``granularity="fine"``; the tests prove both give the same values and gradients.

Where natural, a derivative is computed from the output (sigmoid: y(1 - y);
tanh: 1 - y^2), as the lecture derives it.

Example (one ``sigmoid`` node; its local gradient y(1 - y) at x = 1):
    >>> import fcnn
    >>> x = fcnn.tensor(1.0, requires_grad=True)
    >>> y = Sigmoid.apply(x)
    >>> y.backward()
    >>> y.op, round(float(y), 4), round(float(x.grad), 4), round(float(y) * (1 - float(y)), 4)
    ('sigmoid', 0.7311, 0.1966, 0.1966)
"""

from __future__ import annotations

import numpy as np

from fcnn.engine.tensor import Function

# ----------------------------------------------------------------------------
# f = Wx + b
# ----------------------------------------------------------------------------


class Linear(Function):
    """f = x W^T + b for a batch x (N, in), W (out, in), b (out,).

    dx = g W,  dW = g^T x,  db = sum over the batch of g.
    """

    name = "linear"

    def forward(self, x, weight, bias=None):
        self.x, self.weight, self.has_bias = x, weight, bias is not None
        out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    def backward(self, grad):
        grad_x = grad @ self.weight if self.needs_grad[0] else None
        grad_w = grad.T @ self.x if self.needs_grad[1] else None
        if not self.has_bias:
            return grad_x, grad_w
        grad_b = grad.sum(axis=0) if self.needs_grad[2] else None
        return grad_x, grad_w, grad_b


# ----------------------------------------------------------------------------
# Activations
# ----------------------------------------------------------------------------


class Sigmoid(Function):
    """y = 1 / (1 + e^-x); dy/dx = y (1 - y)."""

    name = "sigmoid"

    def forward(self, a):
        # exp of a non-positive number only: no overflow for large |x|.
        z = np.exp(-np.abs(a))
        self.y = np.where(a >= 0, 1.0 / (1.0 + z), z / (1.0 + z)).astype(a.dtype, copy=False)
        return self.y

    def backward(self, grad):
        return (grad * self.y * (1.0 - self.y),)


class Tanh(Function):
    """y = (e^x - e^-x) / (e^x + e^-x); dy/dx = 1 - y^2."""

    name = "tanh"

    def forward(self, a):
        self.y = np.tanh(a)
        return self.y

    def backward(self, grad):
        return (grad * (1.0 - self.y * self.y),)


class ReLU(Function):
    """y = max(0, x); dy/dx = 1 where x > 0, else 0."""

    name = "relu"

    def forward(self, a):
        # The mask is kept as floats: float * float runs ~2x faster than float * bool.
        self.positive = (a > 0).astype(a.dtype)
        return np.maximum(a, 0)  # not a * positive, which gives -0.0 for negative inputs

    def backward(self, grad):
        return (grad * self.positive,)


class LeakyReLU(Function):
    """y = max(kx, x) for a slope 0 <= k < 1 (``negative_slope``); dy/dx = 1 where x > 0, else k."""

    name = "leaky_relu"

    def forward(self, a, negative_slope=0.01):
        self.negative_slope = negative_slope
        self.slope = np.where(a > 0, 1.0, negative_slope).astype(a.dtype, copy=False)
        return a * self.slope

    def describe(self):
        return f"leaky_relu(k={self.negative_slope:g})"

    def backward(self, grad):
        return (grad * self.slope,)


class Softmax(Function):
    """q_i = e^{x_i} / sum_j e^{x_j}; dx = q * (g - sum(g * q))."""

    name = "softmax"

    def forward(self, a, axis=-1):
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        self.q, self.axis = e / e.sum(axis=axis, keepdims=True), axis
        return self.q

    def backward(self, grad):
        q = self.q
        return (q * (grad - (grad * q).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Function):
    """y_i = x_i - log sum_j e^{x_j} (log-sum-exp, stable); dx = g - softmax(x) sum(g)."""

    name = "log_softmax"

    def forward(self, a, axis=-1):
        shifted = a - a.max(axis=axis, keepdims=True)
        y = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        self.y, self.axis = y, axis
        return y

    def backward(self, grad):
        return (grad - np.exp(self.y) * grad.sum(axis=self.axis, keepdims=True),)


# ----------------------------------------------------------------------------
# Dropout and batch normalisation
# ----------------------------------------------------------------------------


class Dropout(Function):
    """y = x * mask / (1 - p); dx = g * mask / (1 - p).

    ``scale`` is the mask already divided by 1 - p (drawn by ``nn.functional.dropout``).
    """

    name = "dropout"

    def forward(self, x, scale):
        self.scale = scale
        return x * scale

    def backward(self, grad):
        return (grad * self.scale,)


class BatchNorm(Function):
    """y = gamma * (x - mean) / sqrt(var + eps) + beta over the batch axis.

    With xhat the normalised input and d = g * gamma:
    dx = (d - mean(d) - xhat * mean(d * xhat)) / sqrt(var + eps),
    dgamma = sum(g * xhat), dbeta = sum(g).

    The node keeps the batch statistics as ``batch_mean`` and ``batch_var`` (the biased
    variance) for the running averages of ``nn.BatchNorm1d``.
    """

    name = "batchnorm"

    def forward(self, x, gamma, beta, eps):
        mean = x.mean(axis=0)
        centered = x - mean
        var = (centered * centered).mean(axis=0)
        self.inv_std = 1.0 / np.sqrt(var + eps)
        self.xhat, self.gamma = centered * self.inv_std, gamma
        self.batch_mean, self.batch_var = mean, var
        return self.xhat * gamma + beta

    def backward(self, grad):
        xhat = self.xhat
        d = grad * self.gamma
        grad_x = None
        if self.needs_grad[0]:
            grad_x = (d - d.mean(axis=0) - xhat * (d * xhat).mean(axis=0)) * self.inv_std
        return grad_x, (grad * xhat).sum(axis=0), grad.sum(axis=0)


# ----------------------------------------------------------------------------
# Losses on raw scores (N, C) and integer labels (N,)
# ----------------------------------------------------------------------------


def reduce_array(per_sample: np.ndarray, reduction: str) -> np.ndarray:
    """Apply a loss reduction ("mean", "sum" or "none") to per-sample losses."""
    if reduction == "mean":
        return np.asarray(per_sample.mean())
    return np.asarray(per_sample.sum()) if reduction == "sum" else per_sample


def _grad_scale(grad: np.ndarray, reduction: str, n: int) -> np.ndarray:
    """The upstream gradient per sample, as a column (N, 1)."""
    if reduction == "none":
        return grad.reshape(-1, 1)
    return np.full((n, 1), grad / n if reduction == "mean" else grad, dtype=grad.dtype)


class SoftmaxCrossEntropy(Function):
    """L_i = -(1 - eps) log q_{y_i} - eps mean_j log q_j, q = softmax(s_i); dL/ds = q - target."""

    name = "cross_entropy"

    def forward(self, scores, labels, label_smoothing, reduction):
        n, num_classes = scores.shape
        shifted = scores - scores.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        log_q = shifted - np.log(total)
        per_sample = -log_q[np.arange(n), labels]
        if label_smoothing:
            per_sample = (1 - label_smoothing) * per_sample - label_smoothing * log_q.mean(axis=1)
        exp /= total  # exp is this op's own array: q = softmax(scores) in place
        self.q = exp
        self.labels, self.smoothing, self.reduction = labels, label_smoothing, reduction
        return reduce_array(per_sample, reduction)

    def backward(self, grad):
        n, num_classes = self.q.shape
        target_grad = self.q - self.smoothing / num_classes  # a new array, scaled in place
        target_grad[np.arange(n), self.labels] -= 1 - self.smoothing
        target_grad *= _grad_scale(grad, self.reduction, n)
        return (target_grad,)


class MultiMarginHinge(Function):
    """L_i = sum_{j != y_i} max(0, s_j - s_y + margin).

    dL/ds_j = 1 where the margin is violated (j != y_i); dL/ds_y = -(number violated).
    """

    name = "hinge"

    def forward(self, scores, labels, margin, reduction):
        n = scores.shape[0]
        rows = np.arange(n)
        margins = scores - scores[rows, labels][:, None] + margin
        margins[rows, labels] = 0
        self.violated = margins > 0
        self.labels, self.reduction = labels, reduction
        return reduce_array((margins * self.violated).sum(axis=1), reduction)

    def backward(self, grad):
        n = self.violated.shape[0]
        local = self.violated.astype(grad.dtype)
        local[np.arange(n), self.labels] = -local.sum(axis=1)
        return (local * _grad_scale(grad, self.reduction, n),)


class SquaredError(Function):
    """L_i = 1/2 sum_j (s_ij - t_ij)^2 against the one-hot target t; dL/ds = s - t."""

    name = "squared_error"

    def forward(self, scores, labels, reduction):
        n = scores.shape[0]
        self.diff = scores.copy()
        self.diff[np.arange(n), labels] -= 1
        self.reduction = reduction
        return reduce_array(0.5 * (self.diff * self.diff).sum(axis=1), reduction)

    def backward(self, grad):
        return (self.diff * _grad_scale(grad, self.reduction, self.diff.shape[0]),)
