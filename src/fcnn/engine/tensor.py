"""Tensor and Function: the computation graph of the lecture.

Every operation is a node (a :class:`Function`) that computes its output from its
inputs and knows its *local gradient*. ``Tensor.backward()`` visits the nodes in
reverse topological order and applies the chain rule the lecture writes as

    downstream gradient = local gradient x upstream gradient

A node keeps only its parents and what its backward needs; it never refers to its
own output, so a graph is freed by reference counting as soon as the last tensor
of it is dropped (no reference cycles, no work for Python's cycle collector).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

DEFAULT_DTYPE = np.float32

_grad_enabled = True


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Build no graph inside the block: outputs do not require gradients.

    Example:
        >>> import fcnn
        >>> w = fcnn.tensor(2.0, requires_grad=True)
        >>> with fcnn.no_grad():
        ...     y = w * 3
        >>> y.requires_grad
        False
    """
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = False
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled() -> bool:
    """Whether operations currently record a graph."""
    return _grad_enabled


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: the adjoint of broadcasting is summation.

    Example:
        >>> unbroadcast(np.ones((4, 3)), (3,))
        array([4., 4., 4.])
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


class Function:
    """One node of the graph: ``forward`` and its local gradient side by side.

    Subclasses implement ``forward(self, *arrays, **params)`` returning the output
    array, saving on ``self`` only what ``backward`` needs, and
    ``backward(self, grad)`` returning one gradient per input (``None`` where an
    input needs none; ``self.needs_grad[i]`` says which do).

    ``name`` is the symbol the graph drawer shows (``"+"``, ``"exp"``, ``"sigmoid"``).
    """

    name = "?"
    parents: tuple[Tensor, ...] = ()
    needs_grad: tuple[bool, ...] = ()

    def forward(self, *arrays: np.ndarray, **params: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        raise NotImplementedError

    def describe(self) -> str:
        """A short label for drawings, e.g. ``"leaky_relu(k=0.1)"``; defaults to ``name``."""
        return self.name

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Tensor:
        """Run the op on tensors (or constants) and record it in the graph."""
        tensors = _as_tensors(inputs)
        node = cls()
        # np.asarray: an op may return a NumPy scalar (1-d @ 1-d), which must keep its dtype
        out = Tensor(np.asarray(node.forward(*[t.data for t in tensors], **params)))
        if _grad_enabled:
            needs = tuple([t.requires_grad for t in tensors])
            if True in needs:
                node.parents = tensors
                node.needs_grad = needs
                out.requires_grad = True
                out._node = node
        return out


def _as_tensors(inputs: tuple[Any, ...]) -> tuple[Tensor, ...]:
    """Wrap constants as tensors of the first tensor input's dtype."""
    tensors = [x for x in inputs if isinstance(x, Tensor)]
    if len(tensors) == len(inputs):
        return inputs  # nothing to wrap: the common case, kept cheap
    dtype = tensors[0].data.dtype if tensors else None
    return tuple(x if isinstance(x, Tensor) else Tensor(x, dtype=dtype) for x in inputs)


class Tensor:
    """An n-d array that remembers how it was computed, so gradients can flow back.

    Args:
        data: a number, nested list or ``numpy.ndarray``. Floating NumPy arrays keep
            their dtype; everything else becomes ``float32`` (or ``dtype``).
        requires_grad: whether ``backward`` should fill ``.grad`` for this tensor.
        dtype: force a dtype, e.g. ``numpy.float64`` for gradient checks.
        label: a name shown in graph drawings.

    Example (the lecture's f = (x + y)^2 at x=1, y=2):
        >>> import fcnn
        >>> x = fcnn.tensor(1.0, requires_grad=True)
        >>> y = fcnn.tensor(2.0, requires_grad=True)
        >>> f = (x + y) ** 2
        >>> f.backward()
        >>> float(f), float(x.grad), float(y.grad)
        (9.0, 6.0, 6.0)
    """

    __slots__ = ("data", "grad", "requires_grad", "_node", "label", "__weakref__")
    __array_priority__ = 1000  # numpy scalars/arrays on the left defer to Tensor operators

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 label: str | None = None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        if dtype is not None:
            data = np.asarray(data, dtype=dtype)
        elif not (isinstance(data, np.ndarray) and data.dtype.kind == "f"):
            data = np.asarray(data, dtype=DEFAULT_DTYPE)
        self.data: np.ndarray = data
        self.grad: np.ndarray | None = None
        self.requires_grad = requires_grad
        self._node: Function | None = None
        self.label = label

    # ----- basic properties -------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def grad_fn(self) -> Function | None:
        """The node (op) that produced this tensor, or None for a leaf (as in PyTorch).

        Its ``name``, ``parents``, ``describe()`` and saved values are what the graph
        drawings show.
        """
        return self._node

    @property
    def op(self) -> str:
        """The op that produced this tensor (``""`` for a leaf)."""
        return self._node.name if self._node is not None else ""

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The inputs of the op that produced this tensor (empty for a leaf)."""
        return self._node.parents if self._node is not None else ()

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self) -> float:
        return self.data.item()

    def __float__(self) -> float:
        return float(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        op = f", op='{self.op}'" if self.op else ""
        label = f", label='{self.label}'" if self.label else ""
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20)
        return f"Tensor({body}{grad}{op}{label})"

    def detach(self) -> Tensor:
        """The same values, cut from the graph (a constant for later ops)."""
        return Tensor(self.data)

    def zero_grad(self) -> None:
        self.grad = None

    def astype(self, dtype: Any) -> Tensor:
        """A copy in another dtype, with ``requires_grad`` kept (a new leaf)."""
        return Tensor(self.data.astype(dtype), requires_grad=self.requires_grad, label=self.label)

    # ----- backward -----------------------------------------------------------
    def topological_order(self) -> list[Tensor]:
        """Every tensor this one depends on, each after its inputs (iterative DFS)."""
        order: list[Tensor] = []
        visited: set[int] = set()
        stack: list[tuple[Tensor, bool]] = [(self, False)]
        while stack:
            tensor, inputs_done = stack.pop()
            if inputs_done:
                order.append(tensor)
                continue
            if id(tensor) in visited:
                continue
            visited.add(id(tensor))
            stack.append((tensor, True))
            if tensor._node is not None:
                stack += [(parent, False) for parent in tensor._node.parents
                          if id(parent) not in visited]
        return order

    def backward(self, grad: Any = None) -> None:
        """Fill ``.grad`` of every tensor in the graph that requires it.

        Args:
            grad: the upstream gradient of this tensor. May be omitted only for a
                tensor with one element (a loss), where it is 1.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() called on a tensor that does not require gradients: none of its "
                "inputs has requires_grad=True (or it was computed under no_grad()). "
                "Create parameters with fcnn.tensor(..., requires_grad=True)."
            )
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward() without a gradient needs a tensor with one element (a loss), "
                    f"got shape {self.shape}. Reduce it first (e.g. loss.sum() or loss.mean()) "
                    f"or pass the upstream gradient: t.backward(np.ones({self.shape}))."
                )
            grad = np.ones_like(self.data)
        else:
            grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad,
                              dtype=self.data.dtype)
            if grad.shape != self.shape:
                raise ValueError(
                    f"backward(grad): the gradient must have the tensor's shape {self.shape}, "
                    f"got {grad.shape}."
                )
        order = self.topological_order()
        for tensor in order:
            if tensor._node is not None:
                tensor.grad = None  # only leaves accumulate across backward() calls
        self.grad = grad if self.grad is None else self.grad + grad
        for tensor in reversed(order):
            node = tensor._node
            if node is None or tensor.grad is None:
                continue
            grads = node.backward(tensor.grad)
            for parent, needs, g in zip(node.parents, node.needs_grad, grads):
                if not needs or g is None:
                    continue
                if g.shape != parent.data.shape:
                    raise AssertionError(
                        f"op '{node.name}' produced a gradient of shape {g.shape} for an input "
                        f"of shape {parent.data.shape}: gradient shape must equal tensor shape"
                    )
                if g.dtype != parent.data.dtype:
                    g = g.astype(parent.data.dtype)
                parent.grad = g if parent.grad is None else parent.grad + g

    # ----- operators (defined in ops.py, bound below) -------------------------
    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    def __add__(self, other: Any) -> Tensor:
        return ops.Add.apply(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return ops.Add.apply(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return ops.Sub.apply(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return ops.Sub.apply(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return ops.Div.apply(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        if isinstance(other, (int, float)) and other == 1:
            return ops.Reciprocal.apply(self)
        return ops.Div.apply(other, self)

    def __pow__(self, exponent: Any) -> Tensor:
        if isinstance(exponent, Tensor):
            raise TypeError(
                "Tensor ** Tensor is not supported: the exponent must be a number "
                "(e.g. x ** 2 or x ** -1). For a variable exponent write exp(b * log(a))."
            )
        return ops.Pow.apply(self, exponent=float(exponent))

    def __matmul__(self, other: Any) -> Tensor:
        return ops.MatMul.apply(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.MatMul.apply(other, self)

    def __getitem__(self, index: Any) -> Tensor:
        return ops.GetItem.apply(self, index=index)

    # ----- named ops ----------------------------------------------------------
    def exp(self) -> Tensor:
        return ops.Exp.apply(self)

    def log(self, base: float | None = None) -> Tensor:
        """Natural logarithm, or the logarithm in ``base`` (e.g. 2 or 10)."""
        out = ops.Log.apply(self)
        return out if base is None else out / float(np.log(base))

    def sin(self) -> Tensor:
        return ops.Sin.apply(self)

    def cos(self) -> Tensor:
        return ops.Cos.apply(self)

    def reciprocal(self) -> Tensor:
        return ops.Reciprocal.apply(self)

    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        return ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        count = self.data.size if axis is None else int(np.prod([self.shape[a] for a in
                                                                 np.atleast_1d(axis)]))
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / count)

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        return ops.Max.apply(self, axis=axis, keepdims=keepdims)

    def maximum(self, other: Any) -> Tensor:
        return ops.Maximum.apply(self, other)

    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ops.Reshape.apply(self, shape=shape)

    def transpose(self, *axes: int) -> Tensor:
        return ops.Transpose.apply(self, axes=axes or None)

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def gather(self, index: np.ndarray, axis: int = -1) -> Tensor:
        """Pick ``self[..., index, ...]`` along ``axis`` (``numpy.take_along_axis``)."""
        return ops.Gather.apply(self, index=np.asarray(index), axis=axis)

    def sigmoid(self) -> Tensor:
        return fused.Sigmoid.apply(self)

    def tanh(self) -> Tensor:
        return fused.Tanh.apply(self)

    def relu(self) -> Tensor:
        return fused.ReLU.apply(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        return fused.LeakyReLU.apply(self, negative_slope=negative_slope)

    def softmax(self, axis: int = -1) -> Tensor:
        return fused.Softmax.apply(self, axis=axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return fused.LogSoftmax.apply(self, axis=axis)


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None,
           label: str | None = None) -> Tensor:
    """Make a :class:`Tensor` (same arguments).

    Example:
        >>> import fcnn
        >>> fcnn.tensor([1.0, 2.0]).dtype
        dtype('float32')
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, label=label)


from fcnn.engine import fused, ops  # noqa: E402  (ops subclass Function and build Tensors)
