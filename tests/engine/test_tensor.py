"""Whole-graph behaviour of Tensor.backward: reuse, depth, no_grad, detach, accumulation, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import fcnn
from fcnn import Tensor
from fcnn.engine import Function


def leaf(values, dtype=np.float64) -> Tensor:
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


def test_node_used_twice_in_a_product_gets_both_contributions() -> None:
    x = leaf([3.0, -2.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, -4.0])


def test_node_used_twice_in_a_sum_gets_both_contributions() -> None:
    a = leaf(1.5)
    (a + a).backward()
    assert float(a.grad) == 2.0


def test_intermediate_used_by_two_branches() -> None:
    x = leaf(2.0)
    h = x * 3  # used by both branches
    y = h * h + h.sin()
    y.backward()
    expected = 2 * 6.0 * 3 + math.cos(6.0) * 3
    assert float(x.grad) == pytest.approx(expected, rel=1e-12)


def test_deep_chain_of_100000_ops_needs_no_recursion() -> None:
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert float(y) == pytest.approx(1.00001 ** 100_000, rel=1e-9)
    assert float(x.grad) == pytest.approx(1.00001 ** 100_000, rel=1e-9)
    del y  # freeing the chain must not recurse either


def test_no_grad_builds_no_graph() -> None:
    w = leaf([1.0, 2.0])
    with fcnn.no_grad():
        assert not fcnn.engine.is_grad_enabled()
        y = (w * 3).exp().sum()
    assert fcnn.engine.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf and y.parents == () and y.op == ""
    with pytest.raises(RuntimeError, match="does not require gradients"):
        y.backward()


def test_no_grad_restores_state_after_an_exception() -> None:
    with pytest.raises(KeyError):
        with fcnn.no_grad():
            raise KeyError("boom")
    assert fcnn.engine.is_grad_enabled()


def test_detach_cuts_the_graph() -> None:
    x = leaf(2.0)
    y = x * x
    z = y.detach() * x  # d z / d x = y = 4, not 3 x^2 = 12
    z.backward()
    assert float(x.grad) == 4.0
    assert y.detach().is_leaf and not y.detach().requires_grad
    np.testing.assert_array_equal(y.detach().data, y.data)


def test_zero_grad_clears() -> None:
    x = leaf([1.0])
    (x * 5).sum().backward()
    assert x.grad is not None
    x.zero_grad()
    assert x.grad is None


def test_two_backward_calls_accumulate_on_leaves() -> None:
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data + 3)


def test_two_losses_sharing_a_subgraph_accumulate_correctly() -> None:
    x = leaf([1.0, 2.0])
    h = x * 2  # shared by both losses
    first, second = h.sum(), (h * h).sum()
    first.backward()
    second.backward()
    # d first / dx = 2; d second / dx = 2 h * 2 = 8 x
    np.testing.assert_allclose(x.grad, 2 + 8 * x.data)


def test_backward_twice_on_the_same_graph_doubles_leaf_gradient() -> None:
    x = leaf(3.0)
    y = (x * x) * 2
    y.backward()
    y.backward()
    assert float(x.grad) == 2 * 12.0


def test_backward_with_an_explicit_upstream_gradient() -> None:
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    y.backward(np.array([1.0, 0.0, -1.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, -6.0])
    with pytest.raises(ValueError, match=r"gradient must have the tensor's shape \(3,\)"):
        (x * x).backward(np.ones(2))


def test_backward_on_non_scalar_without_seed_raises() -> None:
    x = leaf([1.0, 2.0])
    with pytest.raises(ValueError, match=r"one element \(a loss\), got shape \(2,\).*sum\(\)"):
        (x * 2).backward()


def test_backward_on_tensor_without_grad_raises() -> None:
    with pytest.raises(RuntimeError, match="does not require gradients.*requires_grad=True"):
        (Tensor([1.0, 2.0]) * 2).sum().backward()


def test_gradient_shape_invariant_names_the_op() -> None:
    class Broken(Function):
        name = "broken_op"

        def forward(self, a):
            return a * 2

        def backward(self, grad):
            return (grad.sum(axis=0),)  # wrong shape

    x = leaf(np.ones((3, 2)))
    with pytest.raises(AssertionError, match=r"op 'broken_op'.*\(2,\).*\(3, 2\)"):
        Broken.apply(x).sum().backward()


def test_only_inputs_that_need_grad_receive_it() -> None:
    x = leaf([1.0, 2.0])
    c = Tensor(np.array([3.0, 4.0]))
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


def test_float32_is_the_default_dtype() -> None:
    assert fcnn.tensor(1.0).dtype == np.float32
    assert fcnn.tensor([1, 2]).dtype == np.float32
    assert Tensor(np.arange(3)).dtype == np.float32
    x = fcnn.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2 + 1).exp().sum()
    y.backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_float64_is_kept_through_ops_and_gradients() -> None:
    x = Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    w = Tensor(np.array([[0.5], [0.25]]), requires_grad=True)
    assert x.dtype == np.float64
    y = ((x @ w).sigmoid() * 3 - 1).log_softmax(axis=0).sum()
    y.backward()
    assert y.dtype == np.float64 and x.grad.dtype == np.float64 and w.grad.dtype == np.float64
    v = Tensor(np.array([1.0, 2.0]))
    assert (v @ v).dtype == np.float64  # a NumPy scalar result keeps its dtype
    assert fcnn.tensor(1.0, dtype=np.float64).dtype == np.float64


def test_constants_take_the_tensor_dtype() -> None:
    x = fcnn.tensor([1.0, 2.0])
    assert (np.float64(2.0) * x).dtype == np.float32
    assert (np.array([1.0, 1.0]) + x).dtype == np.float32


def test_mixed_dtypes_give_each_leaf_a_gradient_of_its_own_dtype() -> None:
    a = fcnn.tensor([1.0, 2.0], requires_grad=True)
    b = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_graph_structure_parents_and_topological_order() -> None:
    x = fcnn.tensor(1.0, requires_grad=True, label="x")
    y = fcnn.tensor(2.0, requires_grad=True, label="y")
    s = x + y
    f = s * s
    assert f.op == "*" and f.parents == (s, s)
    assert s.parents == (x, y)
    order = f.topological_order()
    assert order[-1] is f
    assert order.index(x) < order.index(s) and order.index(y) < order.index(s)
    assert len(order) == 4


def test_lecture_square_of_sum() -> None:
    """f = (x + y)^2: df/dx = df/dy = 2 (x + y)."""
    for xv, yv in [(1.0, 2.0), (-0.7, 0.3), (3.5, -1.25)]:
        x, y = leaf(xv), leaf(yv)
        f = (x + y) ** 2
        f.backward()
        assert float(f) == pytest.approx((xv + yv) ** 2)
        assert float(x.grad) == pytest.approx(2 * (xv + yv))
        assert float(y.grad) == pytest.approx(2 * (xv + yv))


def test_lecture_sin_of_inverse_square() -> None:
    """f = sin(1/x^2): df/dx = -2 cos(1/x^2) / x^3."""
    for xv in (0.7, 1.3, -2.0):
        x = leaf(xv)
        f = (1 / x ** 2).sin()
        f.backward()
        assert float(f) == pytest.approx(math.sin(1 / xv ** 2))
        assert float(x.grad) == pytest.approx(-2 * math.cos(1 / xv ** 2) / xv ** 3, rel=1e-12)


def test_repr_shows_values_and_op() -> None:
    x = fcnn.tensor([1.0, 2.0], requires_grad=True, label="x")
    assert repr(x) == "Tensor([1., 2.], requires_grad=True, label='x')"
    assert "op='+'" in repr(x + 1)


def test_scalar_helpers() -> None:
    t = fcnn.tensor([[1.0, 2.0, 3.0]])
    assert t.shape == (1, 3) and t.ndim == 2 and t.size == 3 and len(t) == 1
    assert fcnn.tensor(2.5).item() == 2.5
    assert t.numpy() is t.data
    assert t.T.shape == (3, 1)
    c = fcnn.tensor([1.0], requires_grad=True).astype(np.float64)
    assert c.dtype == np.float64 and c.requires_grad and c.is_leaf
