"""The autograd engine: tensors, the graph of ops, backward, gradient checks."""

from fcnn.engine import ops
from fcnn.engine.gradcheck import gradcheck, numerical_grad
from fcnn.engine.tensor import (
    DEFAULT_DTYPE,
    Function,
    Tensor,
    is_grad_enabled,
    no_grad,
    tensor,
    unbroadcast,
)

__all__ = [
    "DEFAULT_DTYPE", "Function", "Tensor", "gradcheck", "is_grad_enabled", "no_grad",
    "numerical_grad", "ops", "tensor", "unbroadcast",
]
