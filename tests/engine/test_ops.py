"""Every op, one line each: gradients vs float64 finite differences, and vs torch.autograd.

In the spirit of tinygrad's ``helper_test_op``: a case is a name, the fcnn function,
its inputs and (optionally) the same function written for PyTorch. Inputs avoid the
kinks of relu/max/hinge (no ties, nothing near 0) so finite differences are exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import fcnn
from fcnn import Tensor
from fcnn.nn import ACTIVATIONS, losses
from fcnn.nn import functional as F

RNG = np.random.default_rng(1234)


def randn(*shape: int) -> np.ndarray:
    return RNG.normal(size=shape)


def positive(*shape: int) -> np.ndarray:
    """Values in [0.5, 2]: safe for log, division and fractional powers."""
    return RNG.uniform(0.5, 2.0, size=shape)


def away_from_zero(*shape: int) -> np.ndarray:
    """Random signs, |x| in [0.2, 2]: no relu/leaky_relu kink within eps."""
    return RNG.uniform(0.2, 2.0, size=shape) * RNG.choice([-1.0, 1.0], size=shape)


def distinct(*shape: int) -> np.ndarray:
    """A random permutation of well separated values: max has no ties."""
    return RNG.permutation(np.arange(int(np.prod(shape))) * 0.37 - 1.5).reshape(shape)


LABELS = np.array([0, 2, 1, 2, 3])
GATHER_INDEX = np.array([[0, 2], [1, 1], [3, 0]])


@dataclass
class Case:
    name: str
    fn: Callable[..., Tensor]
    inputs: tuple[np.ndarray, ...]
    torch_fn: Callable[..., Any] | None = None  # (torch, *tensors) -> tensor


def case(name: str, fn: Callable[..., Tensor], *inputs: np.ndarray,
         torch: Callable[..., Any] | None = None) -> Any:
    return pytest.param(Case(name, fn, inputs, torch), id=name)


def _margin_scores() -> np.ndarray:
    """Scores (5, 4) whose hinge margins s_j - s_y + 1 stay away from 0."""
    while True:
        s = RNG.normal(scale=2.0, size=(5, 4))
        margins = s - s[np.arange(5), LABELS][:, None] + 1.0
        margins[np.arange(5), LABELS] = 5.0
        if np.abs(margins).min() > 0.05:
            return s


def _margin_scores_2() -> np.ndarray:
    while True:
        s = RNG.normal(scale=2.0, size=(5, 4))
        margins = s - s[np.arange(5), LABELS][:, None] + 2.5
        margins[np.arange(5), LABELS] = 5.0
        if np.abs(margins).min() > 0.05:
            return s


def _bn(granularity: str) -> Callable[..., Tensor]:
    def fn(x: Tensor, gamma: Tensor, beta: Tensor) -> Tensor:
        return F.batch_norm(x, gamma, beta, np.zeros(x.shape[1]), np.ones(x.shape[1]),
                            training=True, granularity=granularity)
    return fn


def _dropout(granularity: str) -> Callable[..., Tensor]:
    # a fresh generator per call: the finite differences see the same mask every time
    return lambda x: F.dropout(x, 0.4, np.random.default_rng(7), granularity=granularity)


def _torch_bn(t: Any, x: Any, gamma: Any, beta: Any) -> Any:
    return t.nn.functional.batch_norm(x, None, None, gamma, beta, training=True, eps=1e-5)


MARGIN_SCORES = _margin_scores()
MARGIN_SCORES_2 = _margin_scores_2()

CASES = [
    # arithmetic
    case("add", lambda a, b: a + b, randn(3, 4), randn(3, 4), torch=lambda t, a, b: a + b),
    case("add_broadcast_row", lambda a, b: a + b, randn(3, 4), randn(4),
         torch=lambda t, a, b: a + b),
    case("add_scalar", lambda a: 2.5 + a, randn(3), torch=lambda t, a: 2.5 + a),
    case("sub", lambda a, b: a - b, randn(3, 4), randn(3, 4), torch=lambda t, a, b: a - b),
    case("sub_broadcast", lambda a, b: a - b, randn(2, 3, 4), randn(3, 1),
         torch=lambda t, a, b: a - b),
    case("rsub", lambda a: 1.0 - a, randn(4), torch=lambda t, a: 1.0 - a),
    case("mul", lambda a, b: a * b, randn(3, 4), randn(3, 4), torch=lambda t, a, b: a * b),
    case("mul_outer_broadcast", lambda a, b: a * b, randn(3, 1), randn(1, 4),
         torch=lambda t, a, b: a * b),
    case("mul_self", lambda a: a * a, randn(5), torch=lambda t, a: a * a),
    case("div", lambda a, b: a / b, randn(3, 4), positive(3, 4), torch=lambda t, a, b: a / b),
    case("div_broadcast", lambda a, b: a / b, randn(3, 4), positive(4),
         torch=lambda t, a, b: a / b),
    case("rdiv", lambda a: 3.0 / a, positive(4), torch=lambda t, a: 3.0 / a),
    case("reciprocal", lambda a: 1 / a, positive(4), torch=lambda t, a: 1 / a),
    case("pow_2", lambda a: a ** 2, randn(3, 4), torch=lambda t, a: a ** 2),
    case("pow_3", lambda a: a ** 3, randn(3, 4), torch=lambda t, a: a ** 3),
    case("pow_half", lambda a: a ** 0.5, positive(3, 4), torch=lambda t, a: a ** 0.5),
    case("pow_neg", lambda a: a ** -1.5, positive(3, 4), torch=lambda t, a: a ** -1.5),
    case("neg", lambda a: -a, randn(3, 4), torch=lambda t, a: -a),
    # matrix products
    case("matmul_2d", lambda a, b: a @ b, randn(3, 4), randn(4, 5),
         torch=lambda t, a, b: a @ b),
    case("matmul_batched", lambda a, b: a @ b, randn(2, 3, 4), randn(2, 4, 5),
         torch=lambda t, a, b: a @ b),
    case("matmul_batched_broadcast", lambda a, b: a @ b, randn(2, 3, 4), randn(4, 5),
         torch=lambda t, a, b: a @ b),
    case("matmul_broadcast_left", lambda a, b: a @ b, randn(3, 4), randn(2, 4, 5),
         torch=lambda t, a, b: a @ b),
    case("matmul_matrix_vector", lambda a, b: a @ b, randn(3, 4), randn(4),
         torch=lambda t, a, b: a @ b),
    case("matmul_vector_matrix", lambda a, b: a @ b, randn(4), randn(4, 5),
         torch=lambda t, a, b: a @ b),
    case("matmul_vector_vector", lambda a, b: a @ b, randn(4), randn(4),
         torch=lambda t, a, b: a @ b),
    case("matmul_batched_vector", lambda a, b: a @ b, randn(2, 3, 4), randn(4),
         torch=lambda t, a, b: a @ b),
    case("matmul_vector_batched", lambda a, b: a @ b, randn(4), randn(2, 4, 5),
         torch=lambda t, a, b: a @ b),
    case("rmatmul_constant", lambda b: randn_const @ b, randn(4, 2),
         torch=lambda t, b: t.tensor(randn_const) @ b),
    # elementwise functions
    case("exp", lambda a: a.exp(), randn(3, 4), torch=lambda t, a: a.exp()),
    case("log", lambda a: a.log(), positive(3, 4), torch=lambda t, a: a.log()),
    case("log2", lambda a: a.log(base=2), positive(3, 4), torch=lambda t, a: t.log2(a)),
    case("log10", lambda a: a.log(base=10), positive(3, 4), torch=lambda t, a: t.log10(a)),
    case("sin", lambda a: a.sin(), randn(3, 4), torch=lambda t, a: a.sin()),
    case("cos", lambda a: a.cos(), randn(3, 4), torch=lambda t, a: a.cos()),
    case("sin_of_inverse_square", lambda a: (1 / a ** 2).sin(), positive(5),
         torch=lambda t, a: (1 / a ** 2).sin()),
    # reductions
    case("sum_all", lambda a: a.sum(), randn(3, 4), torch=lambda t, a: a.sum()),
    case("sum_axis0", lambda a: a.sum(axis=0), randn(3, 4), torch=lambda t, a: a.sum(0)),
    case("sum_axis_neg_keepdims", lambda a: a.sum(axis=-1, keepdims=True), randn(2, 3, 4),
         torch=lambda t, a: a.sum(-1, keepdim=True)),
    case("sum_axes_tuple", lambda a: a.sum(axis=(0, 2)), randn(2, 3, 4),
         torch=lambda t, a: a.sum((0, 2))),
    case("mean_all", lambda a: a.mean(), randn(3, 4), torch=lambda t, a: a.mean()),
    case("mean_axis1", lambda a: a.mean(axis=1), randn(3, 4), torch=lambda t, a: a.mean(1)),
    case("mean_axes_keepdims", lambda a: a.mean(axis=(0, 1), keepdims=True), randn(2, 3, 4),
         torch=lambda t, a: a.mean((0, 1), keepdim=True)),
    case("max_all", lambda a: a.max(), distinct(3, 4), torch=lambda t, a: a.max()),
    case("max_axis0", lambda a: a.max(axis=0), distinct(3, 4),
         torch=lambda t, a: a.max(0).values),
    case("max_axis_keepdims", lambda a: a.max(axis=1, keepdims=True), distinct(3, 4),
         torch=lambda t, a: a.max(1, keepdim=True).values),
    case("max_axes_tuple", lambda a: a.max(axis=(0, 2)), distinct(2, 3, 4),
         torch=lambda t, a: a.amax((0, 2))),
    # shapes and indexing
    case("reshape", lambda a: a.reshape(4, 3) * Tensor(np.arange(12.0).reshape(4, 3)),
         randn(3, 4), torch=lambda t, a: a.reshape(4, 3) * t.arange(12.0).double().reshape(4, 3)),
    case("reshape_infer", lambda a: a.reshape(-1) ** 2, randn(2, 3),
         torch=lambda t, a: a.reshape(-1) ** 2),
    case("transpose", lambda a: a.T @ a, randn(3, 4), torch=lambda t, a: a.T @ a),
    case("transpose_axes", lambda a: a.transpose(2, 0, 1) ** 3, randn(2, 3, 4),
         torch=lambda t, a: a.permute(2, 0, 1) ** 3),
    case("getitem_slice", lambda a: a[1:, ::2] ** 2, randn(3, 4),
         torch=lambda t, a: a[1:, ::2] ** 2),
    case("getitem_int", lambda a: a[1] * 3, randn(3, 4), torch=lambda t, a: a[1] * 3),
    case("getitem_repeated_indices", lambda a: a[np.array([0, 2, 0, 0])] ** 2, randn(3, 4),
         torch=lambda t, a: a[t.tensor([0, 2, 0, 0])] ** 2),
    case("gather", lambda a: a.gather(GATHER_INDEX, axis=1) ** 2, randn(3, 4),
         torch=lambda t, a: a.gather(1, t.tensor(GATHER_INDEX)) ** 2),
    case("gather_axis0", lambda a: a.gather(np.array([[2, 0, 1, 1]]), axis=0) ** 2, randn(3, 4),
         torch=lambda t, a: a.gather(0, t.tensor([[2, 0, 1, 1]])) ** 2),
    case("maximum", lambda a, b: a.maximum(b), distinct(3, 4), distinct(3, 4) + 0.1,
         torch=lambda t, a, b: t.maximum(a, b)),
    case("maximum_broadcast", lambda a, b: a.maximum(b), distinct(3, 4),
         np.array([0.05, 0.2, -0.4, 1.1]),
         torch=lambda t, a, b: t.maximum(a, b)),
    # activations (coarse nodes and fine compositions)
    *[case(f"{act}_{g}", (lambda a, act=act, g=g: ACTIVATIONS.get(act).target(a, granularity=g)),
           away_from_zero(3, 4),
           torch=(lambda t, a, act=act: {"sigmoid": t.sigmoid, "tanh": t.tanh,
                                          "relu": t.relu, "identity": lambda z: z,
                                          "leaky_relu": t.nn.functional.leaky_relu}[act](a)))
      for act in ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
      for g in ("coarse", "fine")],
    *[case(f"leaky_relu_k0.1_{g}", (lambda a, g=g: F.leaky_relu(a, 0.1, granularity=g)),
           away_from_zero(3, 4), torch=lambda t, a: t.nn.functional.leaky_relu(a, 0.1))
      for g in ("coarse", "fine")],
    case("sigmoid_large_inputs", lambda a: a.sigmoid(), np.array([-30.0, -5.0, 5.0, 30.0]),
         torch=lambda t, a: a.sigmoid()),
    *[case(f"softmax_{g}", (lambda a, g=g: F.softmax(a, granularity=g) * Tensor(WEIGHTS)),
           randn(3, 4), torch=lambda t, a: t.softmax(a, -1) * t.tensor(WEIGHTS))
      for g in ("coarse", "fine")],
    *[case(f"softmax_axis0_{g}", (lambda a, g=g: F.softmax(a, axis=0, granularity=g)
                                   * Tensor(WEIGHTS)),
           randn(3, 4), torch=lambda t, a: t.softmax(a, 0) * t.tensor(WEIGHTS))
      for g in ("coarse", "fine")],
    *[case(f"log_softmax_{g}", (lambda a, g=g: F.log_softmax(a, granularity=g) * Tensor(WEIGHTS)),
           randn(3, 4), torch=lambda t, a: t.log_softmax(a, -1) * t.tensor(WEIGHTS))
      for g in ("coarse", "fine")],
    # layers
    *[case(f"linear_{g}", (lambda x, w, b, g=g: F.linear(x, w, b, granularity=g)),
           randn(5, 3), randn(4, 3), randn(4),
           torch=lambda t, x, w, b: t.nn.functional.linear(x, w, b))
      for g in ("coarse", "fine")],
    *[case(f"linear_no_bias_{g}", (lambda x, w, g=g: F.linear(x, w, granularity=g)),
           randn(5, 3), randn(4, 3), torch=lambda t, x, w: t.nn.functional.linear(x, w))
      for g in ("coarse", "fine")],
    *[case(f"dropout_{g}", _dropout(g), randn(4, 5)) for g in ("coarse", "fine")],
    *[case(f"batch_norm_{g}", (lambda x, ga, be, g=g: _bn(g)(x, ga, be) * Tensor(BN_WEIGHTS)),
           randn(6, 3), positive(3), randn(3),
           torch=lambda t, x, ga, be: _torch_bn(t, x, ga, be) * t.tensor(BN_WEIGHTS))
      for g in ("coarse", "fine")],
    # losses
    *[case(f"cross_entropy_{r}_{g}",
           (lambda s, r=r, g=g: losses.cross_entropy(s, LABELS, reduction=r, granularity=g)),
           randn(5, 4),
           torch=lambda t, s, r=r: t.nn.functional.cross_entropy(s, t.tensor(LABELS),
                                                                  reduction=r))
      for r in ("mean", "sum", "none") for g in ("coarse", "fine")],
    *[case(f"cross_entropy_smoothing_{r}_{g}",
           (lambda s, r=r, g=g: losses.cross_entropy(s, LABELS, label_smoothing=0.2, reduction=r,
                                                     granularity=g)),
           randn(5, 4),
           torch=lambda t, s, r=r: t.nn.functional.cross_entropy(
               s, t.tensor(LABELS), reduction=r, label_smoothing=0.2))
      for r in ("mean", "sum", "none") for g in ("coarse", "fine")],
    *[case(f"hinge_{r}_{g}",
           (lambda s, r=r, g=g: losses.hinge_loss(s, LABELS, reduction=r, granularity=g)),
           MARGIN_SCORES,
           torch=lambda t, s, r=r: 4 * t.nn.functional.multi_margin_loss(
               s, t.tensor(LABELS), reduction=r))
      for r in ("mean", "sum", "none") for g in ("coarse", "fine")],
    *[case(f"hinge_margin_2.5_{g}",
           (lambda s, g=g: losses.hinge_loss(s, LABELS, margin=2.5, granularity=g)),
           MARGIN_SCORES_2,
           torch=lambda t, s: 4 * t.nn.functional.multi_margin_loss(s, t.tensor(LABELS),
                                                                    margin=2.5))
      for g in ("coarse", "fine")],
    case("l2_penalty", lambda w1, b, w2: losses.l2_penalty([w1, b, w2], 0.3),
         randn(3, 4), randn(4), randn(2, 3),
         torch=lambda t, w1, b, w2: 0.15 * ((w1 * w1).sum() + (w2 * w2).sum()) + 0 * b.sum()),
]

randn_const = RNG.normal(size=(3, 4))
WEIGHTS = RNG.normal(size=(3, 4))  # a random upstream gradient for ops whose rows sum to 1
BN_WEIGHTS = RNG.normal(size=(6, 3))  # batch norm output sums to beta: weight it


@pytest.mark.parametrize("c", CASES)
def test_gradient_matches_finite_differences(c: Case) -> None:
    assert fcnn.gradcheck(c.fn, *c.inputs)


@pytest.mark.parametrize("c", [p for p in CASES if p.values[0].torch_fn is not None])
def test_forward_and_backward_match_torch(c: Case) -> None:
    torch = pytest.importorskip("torch")
    ours = [Tensor(x.copy(), requires_grad=True) for x in c.inputs]
    out = c.fn(*ours)
    seed = np.random.default_rng(0).normal(size=out.shape)
    out.backward(seed)

    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in c.inputs]
    expected = c.torch_fn(torch, *theirs)
    expected.backward(torch.tensor(seed))

    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    for i, (mine, ref) in enumerate(zip(ours, theirs)):
        mine_grad = np.zeros_like(mine.data) if mine.grad is None else mine.grad
        np.testing.assert_allclose(mine_grad, ref.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=f"input {i}")


def test_gradcheck_catches_a_wrong_backward() -> None:
    class WrongSquare(fcnn.engine.Function):
        name = "wrong_square"

        def forward(self, a):
            self.a = a
            return a * a

        def backward(self, grad):
            return (grad * self.a,)  # should be 2 * a

    with pytest.raises(AssertionError, match="gradcheck failed for input 0"):
        fcnn.gradcheck(lambda x: WrongSquare.apply(x), [0.5, 1.5])
    assert fcnn.gradcheck(lambda x: WrongSquare.apply(x), [0.5, 1.5],
                          raise_on_failure=False) is False


def test_unbroadcast_sums_stretched_and_leading_axes() -> None:
    grad = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(fcnn.engine.unbroadcast(grad, (3, 1)),
                                  grad.sum(axis=(0, 2)).reshape(3, 1))
    np.testing.assert_array_equal(fcnn.engine.unbroadcast(grad, (4,)), grad.sum(axis=(0, 1)))
    np.testing.assert_array_equal(fcnn.engine.unbroadcast(grad, ()), grad.sum())
    assert fcnn.engine.unbroadcast(grad, (2, 3, 4)) is grad


def test_maximum_tie_gives_gradient_to_second_argument() -> None:
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([1.0, 3.0]), requires_grad=True)
    a.maximum(b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 0.0])
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_max_shares_gradient_among_ties() -> None:
    a = Tensor(np.array([[2.0, 2.0, 1.0]]), requires_grad=True)
    a.max(axis=1).sum().backward()
    np.testing.assert_array_equal(a.grad, [[0.5, 0.5, 0.0]])


def test_relu_gradient_at_zero_is_zero_in_both_granularities() -> None:
    for g in ("coarse", "fine"):
        x = Tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
        F.relu(x, granularity=g).sum().backward()
        np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])


def test_pow_by_tensor_is_rejected() -> None:
    x = Tensor(2.0, requires_grad=True)
    with pytest.raises(TypeError, match="exponent must be a number"):
        x ** x


def test_op_names_for_drawings() -> None:
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    assert (x + 1).op == "+" and (x * 2).op == "*" and (x @ x).op == "@"
    assert (1 / x).op == "1/x" and (-x).op == "neg" and x.exp().op == "exp"
    assert F.leaky_relu(x, 0.1)._node.describe() == "leaky_relu(k=0.1)"
    assert (x ** 2)._node.describe() == "**2"
    assert x.op == "" and x.is_leaf
