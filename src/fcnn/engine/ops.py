"""Primitive ops (the fine-grained, TensorFlow-like vocabulary): a forward and its local
gradient a few lines apart.

Arithmetic, elementwise functions, reductions and shape ops: everything
``granularity="fine"`` builds the lecture's functions from. The fused, one-node
versions of those functions (the coarse, Caffe-like vocabulary) are in
``fcnn.engine.fused``.

Tie rule for ``maximum(a, b)``: where ``a == b`` the gradient goes to ``b``, so
``maximum(x, 0)`` has derivative 0 at 0 like ``relu``, and ``maximum(x, k*x)``
has derivative ``k`` at 0 like ``leaky_relu``.

Example (the lecture's "max gate routes the gradient", and the tie rule at 0):
    >>> import fcnn
    >>> x = fcnn.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> y = x.maximum(0.0)
    >>> y.op, y.grad_fn.describe()
    ('max', 'max')
    >>> y.sum().backward(); x.grad
    array([0., 0., 1.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fcnn.engine.tensor import Function, unbroadcast

# ----------------------------------------------------------------------------
# Arithmetic
# ----------------------------------------------------------------------------


class Add(Function):
    name = "+"

    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        return a + b

    def backward(self, grad):
        return unbroadcast(grad, self.shapes[0]), unbroadcast(grad, self.shapes[1])


class Sub(Function):
    name = "-"

    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        return a - b

    def backward(self, grad):
        grad_b = -unbroadcast(grad, self.shapes[1]) if self.needs_grad[1] else None
        return unbroadcast(grad, self.shapes[0]), grad_b


class Mul(Function):
    name = "*"

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, grad):
        grad_a = unbroadcast(grad * self.b, self.a.shape) if self.needs_grad[0] else None
        grad_b = unbroadcast(grad * self.a, self.b.shape) if self.needs_grad[1] else None
        return grad_a, grad_b


class Div(Function):
    name = "/"

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, grad):
        grad_a = unbroadcast(grad / self.b, self.a.shape) if self.needs_grad[0] else None
        grad_b = None
        if self.needs_grad[1]:
            grad_b = unbroadcast(-grad * self.a / (self.b * self.b), self.b.shape)
        return grad_a, grad_b


class Neg(Function):
    name = "neg"

    def forward(self, a):
        return -a

    def backward(self, grad):
        return (-grad,)


class Reciprocal(Function):
    """y = 1/x, dy/dx = -1/x^2 = -y^2 (the lecture's "1/x" gate)."""

    name = "1/x"

    def forward(self, a):
        self.y = 1.0 / a
        return self.y

    def backward(self, grad):
        return (-grad * self.y * self.y,)


class Pow(Function):
    """y = x^c for a constant c; dy/dx = c x^(c-1)."""

    name = "**"

    def forward(self, a, exponent):
        self.a, self.exponent = a, exponent
        return a ** exponent

    def describe(self):
        return f"**{self.exponent:g}"

    def backward(self, grad):
        return (grad * self.exponent * self.a ** (self.exponent - 1),)


def _is_transposed(array: np.ndarray) -> bool:
    """True for a column-major matrix, such as the view ``W.T`` of a row-major ``W``."""
    return array.flags.f_contiguous and not array.flags.c_contiguous


class MatMul(Function):
    """C = A @ B; dA = dC @ B^T, dB = A^T @ dC (batched over leading axes)."""

    name = "@"

    def forward(self, a, b):
        self.a, self.b = a, b
        return a @ b

    def backward(self, grad):
        # A 1-d operand acts as a matrix with one row (a) or one column (b), as in
        # NumPy; the gradient is computed for that matrix and reshaped back.
        a = self.a if self.a.ndim > 1 else self.a[None, :]
        b = self.b if self.b.ndim > 1 else self.b[:, None]
        if self.b.ndim == 1:
            grad = grad[..., None]
        if self.a.ndim == 1:
            grad = grad[..., None, :]
        grad_a = grad_b = None
        if self.needs_grad[0]:
            grad_a = unbroadcast(grad @ np.swapaxes(b, -1, -2), a.shape).reshape(self.a.shape)
        if self.needs_grad[1] and grad.ndim == 2 and _is_transposed(b):
            # x @ W.T: build dW^T as (g^T x)^T, so W's gradient comes out row-major like W
            # (as the coarse linear computes it) and the optimizer's in-place update of W
            # streams through memory instead of striding.
            grad_b = (grad.T @ a).T.reshape(self.b.shape)
        elif self.needs_grad[1]:
            grad_b = unbroadcast(np.swapaxes(a, -1, -2) @ grad, b.shape).reshape(self.b.shape)
        return grad_a, grad_b


class Maximum(Function):
    """Elementwise max(a, b); at ties the gradient goes to ``b`` (see module doc)."""

    name = "max"

    def forward(self, a, b):
        out = np.maximum(a, b)
        # 1.0 where a wins, else 0.0: float * float runs ~2x faster than float * bool.
        self.a_wins = (a > b).astype(out.dtype)
        self.shapes = (a.shape, b.shape)
        return out

    def backward(self, grad):
        grad_a = grad * self.a_wins
        grad_b = unbroadcast(grad - grad_a, self.shapes[1]) if self.needs_grad[1] else None
        grad_a = unbroadcast(grad_a, self.shapes[0]) if self.needs_grad[0] else None
        return grad_a, grad_b


# ----------------------------------------------------------------------------
# Elementwise functions
# ----------------------------------------------------------------------------


class Exp(Function):
    name = "exp"

    def forward(self, a):
        self.y = np.exp(a)
        return self.y

    def backward(self, grad):
        return (grad * self.y,)


class Log(Function):
    name = "log"

    def forward(self, a):
        self.a = a
        return np.log(a)

    def backward(self, grad):
        return (grad / self.a,)


class Sin(Function):
    name = "sin"

    def forward(self, a):
        self.a = a
        return np.sin(a)

    def backward(self, grad):
        return (grad * np.cos(self.a),)


class Cos(Function):
    name = "cos"

    def forward(self, a):
        self.a = a
        return np.cos(a)

    def backward(self, grad):
        return (-grad * np.sin(self.a),)


# ----------------------------------------------------------------------------
# Reductions and shape
# ----------------------------------------------------------------------------


def _expand(grad: np.ndarray, shape: tuple[int, ...], axis: Any, keepdims: bool) -> np.ndarray:
    """Re-insert the reduced axes of ``grad`` so it broadcasts against ``shape``."""
    if axis is None or keepdims:
        return grad.reshape([1] * len(shape)) if axis is None and not keepdims else grad
    axes = tuple(a % len(shape) for a in np.atleast_1d(axis))
    return np.expand_dims(grad, axes)


class Sum(Function):
    name = "sum"

    def forward(self, a, axis=None, keepdims=False):
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        return np.asarray(a.sum(axis=axis, keepdims=keepdims))

    def backward(self, grad):
        # np.full broadcasts the (expanded) gradient into a new writable array of a's shape
        return (np.full(self.shape, _expand(grad, self.shape, self.axis, self.keepdims)),)


class Max(Function):
    """Max over axes; the gradient is shared equally among tied maxima."""

    name = "max"

    def forward(self, a, axis=None, keepdims=False):
        out = a.max(axis=axis, keepdims=True)
        self.mask = a == out
        self.axis, self.keepdims = axis, keepdims
        return np.asarray(out if keepdims else out.squeeze(axis=axis))

    def backward(self, grad):
        grad = _expand(grad, self.mask.shape, self.axis, self.keepdims)
        count = self.mask.sum(axis=self.axis, keepdims=True)
        return (self.mask * (grad / count),)


class Reshape(Function):
    name = "reshape"

    def forward(self, a, shape):
        self.shape = a.shape
        return a.reshape(shape)

    def backward(self, grad):
        return (grad.reshape(self.shape),)


class Transpose(Function):
    name = "T"

    def forward(self, a, axes=None):
        self.axes = axes
        return np.transpose(a, axes)

    def backward(self, grad):
        inverse = None if self.axes is None else np.argsort(self.axes)
        return (np.transpose(grad, inverse),)


class GetItem(Function):
    """``a[index]``; the backward scatters with ``np.add.at`` so repeated indices add up."""

    name = "[]"

    def forward(self, a, index):
        self.shape, self.dtype, self.index = a.shape, a.dtype, index
        return np.asarray(a[index])

    def backward(self, grad):
        full = np.zeros(self.shape, dtype=self.dtype)
        np.add.at(full, self.index, grad)
        return (full,)


class Gather(Function):
    """``numpy.take_along_axis(a, index, axis)``: the pick the losses need."""

    name = "gather"

    def forward(self, a, index, axis=-1):
        self.shape, self.dtype, self.index, self.axis = a.shape, a.dtype, index, axis
        return np.take_along_axis(a, index, axis=axis)

    def backward(self, grad):
        full = np.zeros(self.shape, dtype=self.dtype)
        where = list(np.indices(self.index.shape, sparse=True))
        where[self.axis] = self.index
        np.add.at(full, tuple(where), grad)
        return (full,)
