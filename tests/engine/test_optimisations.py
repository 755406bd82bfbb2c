"""What the speed work could break: in-place kernels, reused buffers, memory layouts.

The optimisations (issue 5) are measured by benchmarks/throughput.py, never here. These
tests check that they change no number: the fast paths against plain NumPy formulas,
coarse against fine in float64, buffers not shared wrongly between parameters or steps,
and gradients still exact after many steps.
"""

from __future__ import annotations

import numpy as np
import pytest

import fcnn
from fcnn.engine import gradcheck
from fcnn.engine.tensor import _as_tensors
from fcnn.nn import MLP
from fcnn.nn.losses import cross_entropy
from fcnn.optim import SGD, Adam, AdamW


def float64_mlp(granularity: str, seed: int = 0) -> MLP:
    model = MLP(6, [5, 4], 3, seed=seed, granularity=granularity)
    for p in model.parameters():
        p.data = p.data.astype(np.float64)
    return model


def batch(seed: int = 0, n: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 6)), rng.integers(0, 3, n)


# ----- memory layout of gradients --------------------------------------------------


def test_weight_gradient_of_x_at_w_transposed_is_row_major_and_exact() -> None:
    rng = np.random.default_rng(0)
    x = fcnn.tensor(rng.normal(size=(5, 4)), dtype=np.float64, requires_grad=True)
    w = fcnn.tensor(rng.normal(size=(3, 4)), dtype=np.float64, requires_grad=True)
    g = rng.normal(size=(5, 3))
    (x @ w.T).backward(g)
    assert w.grad.flags.c_contiguous  # the layout W has: the optimizer streams through it
    np.testing.assert_allclose(w.grad, g.T @ x.data, rtol=1e-12)
    np.testing.assert_allclose(x.grad, g @ w.data, rtol=1e-12)


def test_matmul_with_column_major_operands_keeps_the_formulas() -> None:
    rng = np.random.default_rng(1)
    a = fcnn.tensor(np.asfortranarray(rng.normal(size=(4, 3))), requires_grad=True)
    b = fcnn.tensor(np.asfortranarray(rng.normal(size=(3, 2))), requires_grad=True)
    g = rng.normal(size=(4, 2))
    (a @ b).backward(g)
    np.testing.assert_allclose(a.grad, g @ b.data.T, rtol=1e-12)
    np.testing.assert_allclose(b.grad, a.data.T @ g, rtol=1e-12)


@pytest.mark.parametrize("shape_a", [(4, 3), (3,), (2, 4, 3)])
def test_matmul_by_a_transposed_matrix_matches_finite_differences(shape_a) -> None:
    rng = np.random.default_rng(1)
    assert gradcheck(lambda p, q: p @ q.T, rng.normal(size=shape_a), rng.normal(size=(2, 3)))
    assert gradcheck(lambda p, q: p.T @ q, rng.normal(size=(3, 4)), rng.normal(size=(3, 2)))


# ----- fused kernels against the primitive ops ---------------------------------------


def test_maximum_gradients_split_the_upstream_gradient_with_ties_to_b() -> None:
    a = fcnn.tensor([1.0, 2.0, 3.0, -1.0], dtype=np.float64, requires_grad=True)
    b = fcnn.tensor([2.0, 2.0, 0.0, -2.0], dtype=np.float64, requires_grad=True)
    g = np.array([10.0, 20.0, 30.0, 40.0])
    a.maximum(b).backward(g)
    np.testing.assert_array_equal(a.grad, [0.0, 0.0, 30.0, 40.0])
    np.testing.assert_array_equal(b.grad, [10.0, 20.0, 0.0, 0.0])


def test_relu_output_mask_and_gradient() -> None:
    x = fcnn.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    y = x.relu()
    y.backward(np.array([5.0, 6.0, 7.0], dtype=np.float32))
    np.testing.assert_array_equal(y.data, [0.0, 0.0, 3.0])
    assert not np.signbit(y.data).any()  # no -0.0
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 7.0])
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_fused_cross_entropy_equals_the_primitive_chain(label_smoothing: float,
                                                        reduction: str) -> None:
    rng = np.random.default_rng(2)
    scores = rng.normal(size=(6, 4)) * 3
    labels = rng.integers(0, 4, 6)
    upstream = rng.normal(size=6) if reduction == "none" else None
    results = []
    for granularity in ("coarse", "fine"):
        s = fcnn.tensor(scores, dtype=np.float64, requires_grad=True)
        loss = cross_entropy(s, labels, label_smoothing, reduction, granularity=granularity)
        loss.backward(upstream)
        results.append((loss.data, s.grad))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10, atol=1e-14)


def test_backward_twice_on_one_graph_accumulates_exactly_twice() -> None:
    """The in-place kernels write only into arrays made for them, never into saved ones."""
    model = float64_mlp("coarse")
    X, y = batch()
    loss = cross_entropy(model(fcnn.Tensor(X)), y)
    loss.backward()
    first = [p.grad.copy() for p in model.parameters()]
    loss.backward()
    for p, g in zip(model.parameters(), first):
        np.testing.assert_allclose(p.grad, 2 * g, rtol=1e-12)


def test_as_tensors_wraps_constants_in_the_first_tensors_dtype() -> None:
    x = fcnn.tensor([1.0], dtype=np.float64)
    both = (x, x)
    assert _as_tensors(both) is both  # nothing to wrap: no copy of the tuple
    wrapped = _as_tensors((2, x))
    assert wrapped[1] is x and wrapped[0].dtype == np.float64
    assert (x + 2).dtype == np.float64 and (2 * x).dtype == np.float64


# ----- coarse and fine stay the same computation through training ----------------------


def test_coarse_and_fine_training_trajectories_agree_in_float64() -> None:
    models = {g: float64_mlp(g) for g in ("coarse", "fine")}
    optimizers = {g: SGD(m.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
                  for g, m in models.items()}
    for step in range(30):
        X, y = batch(seed=step)
        for g, model in models.items():
            loss = cross_entropy(model(fcnn.Tensor(X)), y, granularity=g)
            optimizers[g].zero_grad()
            loss.backward()
            optimizers[g].step()
    for pc, pf in zip(models["coarse"].parameters(), models["fine"].parameters()):
        np.testing.assert_allclose(pc.data, pf.data, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("granularity", ["coarse", "fine"])
def test_gradients_match_finite_differences_after_many_steps(granularity: str) -> None:
    model = float64_mlp(granularity)
    optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9)
    for step in range(60):
        X, y = batch(seed=step)
        loss = cross_entropy(model(fcnn.Tensor(X)), y, granularity=granularity)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    X, y = batch(seed=999)
    layers = [m for m in model.layers if hasattr(m, "weight")]
    loss = cross_entropy(model(fcnn.Tensor(X)), y, granularity=granularity)
    optimizer.zero_grad()
    loss.backward()
    for layer in layers:  # central differences on the trained weights, one element at a time
        for p in (layer.weight, layer.bias):
            flat, flat_grad = p.data.reshape(-1), p.grad.reshape(-1)
            for k in range(0, flat.size, 3):
                original = flat[k]
                flat[k] = original + 1e-6
                plus = float(cross_entropy(model(fcnn.Tensor(X)), y).data)
                flat[k] = original - 1e-6
                minus = float(cross_entropy(model(fcnn.Tensor(X)), y).data)
                flat[k] = original
                assert flat_grad[k] == pytest.approx((plus - minus) / 2e-6, rel=1e-5, abs=1e-8)


def test_a_step_leaves_earlier_gradients_untouched() -> None:
    """Gradients handed to the user are fresh arrays: the next step does not overwrite them."""
    model = float64_mlp("coarse")
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
    X, y = batch()
    cross_entropy(model(fcnn.Tensor(X)), y).backward()
    held = [p.grad for p in model.parameters()]
    copies = [g.copy() for g in held]
    optimizer.step()  # must not modify the gradients it reads
    for g, c in zip(held, copies):
        np.testing.assert_array_equal(g, c)
    optimizer.zero_grad()
    X, y = batch(seed=1)
    cross_entropy(model(fcnn.Tensor(X)), y).backward()
    for p, g, c in zip(model.parameters(), held, copies):
        assert p.grad is not g
        np.testing.assert_array_equal(g, c)


# ----- in-place optimizer updates against their formulas --------------------------------


def reference_sgd(ws, grads_per_step, lr, momentum, nesterov, weight_decay):
    ws = [w.copy() for w in ws]
    vs = [None] * len(ws)
    for grads in grads_per_step:
        for i, g in enumerate(grads):
            g = g + weight_decay * ws[i]
            if momentum == 0:
                ws[i] = ws[i] - lr * g
                continue
            vs[i] = g.copy() if vs[i] is None else momentum * vs[i] + g
            ws[i] = ws[i] - lr * (g + momentum * vs[i] if nesterov else vs[i])
    return ws


def random_steps(shapes, steps, seed=0):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=s) for s in shapes] for _ in range(steps)]


@pytest.mark.parametrize("momentum,nesterov,weight_decay",
                         [(0.0, False, 0.0), (0.0, False, 0.1), (0.9, False, 0.0),
                          (0.9, False, 0.1), (0.9, True, 0.0), (0.5, True, 0.1)])
def test_in_place_sgd_equals_its_formula_with_a_shared_work_buffer(
        momentum: float, nesterov: bool, weight_decay: float) -> None:
    # parameters of different sizes, largest last and first, share one work buffer
    shapes = [(2, 3), (7, 5), (4,), (3, 3)]
    start = [np.random.default_rng(i).normal(size=s) for i, s in enumerate(shapes)]
    params = [fcnn.tensor(w.copy(), requires_grad=True) for w in start]
    optimizer = SGD(params, lr=0.1, momentum=momentum, nesterov=nesterov,
                    weight_decay=weight_decay)
    steps = random_steps(shapes, 12)
    for grads in steps:
        for p, g in zip(params, grads):
            p.grad = g.copy()
        optimizer.step()
        for p, g in zip(params, grads):
            np.testing.assert_array_equal(p.grad, g)  # the update read g, never wrote it
    expected = reference_sgd(start, steps, 0.1, momentum, nesterov, weight_decay)
    for p, w in zip(params, expected):
        np.testing.assert_allclose(p.data, w, rtol=1e-12, atol=1e-14)
    for state in optimizer.state:  # the work buffer is not optimizer state
        assert set(state) <= {"velocity"}


@pytest.mark.parametrize("cls,weight_decay", [(Adam, 0.0), (Adam, 0.1), (AdamW, 0.1)])
def test_in_place_adam_equals_its_formula(cls: type, weight_decay: float) -> None:
    shapes = [(3, 2), (5,)]
    start = [np.random.default_rng(i).normal(size=s) for i, s in enumerate(shapes)]
    params = [fcnn.tensor(w.copy(), requires_grad=True) for w in start]
    lr, (b1, b2), eps = 0.01, (0.9, 0.999), 1e-8
    optimizer = cls(params, lr=lr, betas=(b1, b2), eps=eps, weight_decay=weight_decay)
    ws = [w.copy() for w in start]
    ms = [np.zeros_like(w) for w in ws]
    vs = [np.zeros_like(w) for w in ws]
    for t, grads in enumerate(random_steps(shapes, 10, seed=3), start=1):
        for p, g in zip(params, grads):
            p.grad = g.copy()
        optimizer.step()
        for i, g in enumerate(grads):
            if cls is AdamW:
                ws[i] = ws[i] * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * ws[i]
            ms[i] = b1 * ms[i] + (1 - b1) * g
            vs[i] = b2 * vs[i] + (1 - b2) * g * g
            m_hat, v_hat = ms[i] / (1 - b1 ** t), vs[i] / (1 - b2 ** t)
            ws[i] = ws[i] - lr * m_hat / (np.sqrt(v_hat) + eps)
    for p, w in zip(params, ws):
        np.testing.assert_allclose(p.data, w, rtol=1e-10, atol=1e-12)


def test_float32_parameters_get_float32_work_and_stay_float32() -> None:
    w32 = fcnn.tensor(np.ones((4, 4)), dtype=np.float32, requires_grad=True)
    w64 = fcnn.tensor(np.ones(3), dtype=np.float64, requires_grad=True)
    optimizer = SGD([w32, w64], lr=0.5, momentum=0.9)
    w32.grad, w64.grad = np.ones((4, 4), np.float32), np.ones(3)
    before = w32.data
    optimizer.step()
    assert w32.data is before and w32.data.dtype == np.float32  # updated in place
    assert w64.data.dtype == np.float64
    np.testing.assert_allclose(w32.data, 0.5)
    np.testing.assert_allclose(w64.data, 0.5)
