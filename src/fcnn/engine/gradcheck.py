"""Finite-difference gradient checking in float64: the test every op must pass."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from fcnn.engine.tensor import Tensor


def numerical_grad(fn: Callable[..., Tensor], inputs: Sequence[Tensor], index: int,
                   eps: float = 1e-6) -> np.ndarray:
    """Central differences d sum(fn * seed)/d inputs[index], with seed = 1.

    Each element x_k is nudged to x_k +- eps and the change of ``fn(...).sum()``
    is divided by 2 eps.
    """
    x = inputs[index].data
    grad = np.zeros_like(x)
    flat, flat_grad = x.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        original = flat[k]
        flat[k] = original + eps
        plus = float(np.sum(fn(*inputs).data))
        flat[k] = original - eps
        minus = float(np.sum(fn(*inputs).data))
        flat[k] = original
        flat_grad[k] = (plus - minus) / (2 * eps)
    return grad


def gradcheck(fn: Callable[..., Tensor], *inputs: object, eps: float = 1e-6,
              atol: float = 1e-6, rtol: float = 1e-5, raise_on_failure: bool = True) -> bool:
    """Compare the engine's gradients of ``fn(*inputs).sum()`` with central differences.

    The inputs are converted to float64 tensors that require gradients (numbers,
    lists, arrays or tensors are accepted), so users can check their own functions.

    Args:
        fn: a function of tensors returning a tensor (reduced with ``sum``).
        inputs: the points at which to check.
        eps: the finite-difference step.
        atol, rtol: tolerances of ``numpy.allclose``.
        raise_on_failure: raise ``AssertionError`` naming the input and the worst element;
            otherwise return ``False``.

    Returns:
        ``True`` when every input's gradient matches.

    Example:
        >>> import fcnn
        >>> fcnn.gradcheck(lambda x: (1 / x ** 2).sin(), [0.7, 1.3])
        True
    """
    tensors = [Tensor(np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64),
                      requires_grad=True) for x in inputs]
    out = fn(*tensors)
    out.backward(np.ones_like(out.data))
    for i, t in enumerate(tensors):
        analytic = t.grad if t.grad is not None else np.zeros_like(t.data)
        numeric = numerical_grad(fn, tensors, i, eps=eps)
        if not np.allclose(analytic, numeric, atol=atol, rtol=rtol):
            if not raise_on_failure:
                return False
            worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), analytic.shape)
            raise AssertionError(
                f"gradcheck failed for input {i} (shape {t.shape}) at element {worst}: "
                f"backward gives {analytic[worst]:.10g}, finite differences give "
                f"{numeric[worst]:.10g} (atol={atol}, rtol={rtol})."
            )
    return True
