"""The compiled kernels (fcnn.engine.kernels) against the plain NumPy reference they replace.

Every fast path is run on the same inputs with the kernels on and off: values and gradients,
float32 and float64, odd shapes (widths that are no multiple of the kernels' column block),
non-contiguous inputs (which go to NumPy). Gradients computed by a kernel are also checked
against finite differences (with the size threshold lowered, so small arrays reach the
kernels), and a training run with the kernels on gives bit-identical weights for a fixed
seed, at one thread and at two. Without numba the kernels are off and everything still runs.
Speed is measured by benchmarks/end_to_end.py, never here.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import fcnn
from fcnn.data import RandomCrop, RandomFlip, make_augmentation
from fcnn.engine import fused, gradcheck, kernels
from fcnn.nn import MLP
from fcnn.nn import functional as F
from fcnn.nn.losses import cross_entropy
from fcnn.optim import SGD, Adam, AdamW

needs_numba = pytest.mark.skipif(not kernels.available(), reason="numba not installed "
                                 "(pip install 'fcnn[fast]')")
DTYPES = [np.float32, np.float64]
SHAPES = [(257, 131), (64, 1024)]  # 131 = 2 blocks of 64 + 3; both above MIN_SIZE


def tolerance(dtype) -> dict:
    return {"rtol": 1e-6, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}


def both_ways(function):
    """``function()`` with the kernels on and with them off (the NumPy reference)."""
    with kernels.use_kernels(True):
        fast = function()
    with kernels.use_kernels(False):
        reference = function()
    return fast, reference


def assert_close(fast, reference, dtype) -> None:
    for a, b in zip(fast, reference, strict=True):
        if a is None:
            assert b is None
            continue
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, **tolerance(dtype))


def node_values(node_class, inputs, grad, **params):
    """Forward and backward of one fused node, called directly on arrays."""
    node = node_class()
    node.needs_grad = (True,) * len(inputs)
    out = node.forward(*inputs, **params)
    return (out, *node.backward(grad))


def random(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ----- the nodes: values and gradients ------------------------------------------------


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_linear_bias_add_and_bias_gradient_match_numpy(dtype, shape):
    n, width = shape
    x, w, b = random((n, 40), dtype), random((width, 40), dtype, 1), random(width, dtype, 2)
    grad = random(shape, dtype, 3)
    assert kernels.fits(grad)
    fast, reference = both_ways(lambda: node_values(fused.Linear, (x, w, b), grad))
    assert_close(fast, reference, dtype)
    np.testing.assert_allclose(fast[3], grad.sum(axis=0), **tolerance(dtype))


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_relu_and_leaky_relu_match_numpy(dtype, shape):
    a, grad = random(shape, dtype), random(shape, dtype, 1)
    a[0, :5] = [0.0, -0.0, np.nan, np.inf, -np.inf]  # edge values behave as NumPy's
    fast, reference = both_ways(lambda: node_values(fused.ReLU, (a,), grad))
    assert_close(fast, reference, dtype)
    fast, reference = both_ways(lambda: node_values(fused.LeakyReLU, (a,), grad,
                                                    negative_slope=0.1))
    assert_close(fast, reference, dtype)


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_values_gradients_and_statistics_match_numpy(dtype, shape):
    x = random(shape, dtype) * 3 + 1
    gamma, beta = random(shape[1], dtype, 1), random(shape[1], dtype, 2)
    grad = random(shape, dtype, 3)

    def run():
        node = fused.BatchNorm()
        node.needs_grad = (True, True, True)
        out = node.forward(x, gamma, beta, 1e-5)
        return (out, *node.backward(grad), node.batch_mean, node.batch_var)

    fast, reference = both_ways(run)
    assert_close(fast, reference, dtype)


@needs_numba
def test_batch_norm_without_input_gradient_returns_none_for_it():
    x, grad = random((256, 160), np.float32), random((256, 160), np.float32, 1)
    node = fused.BatchNorm()
    node.needs_grad = (False, True, True)
    node.forward(x, np.ones(160, np.float32), np.zeros(160, np.float32), 1e-5)
    grad_x, grad_gamma, grad_beta = node.backward(grad)
    assert grad_x is None
    np.testing.assert_allclose(grad_beta, grad.sum(axis=0), rtol=1e-6)


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
def test_dropout_draws_the_same_mask_and_scales_the_same(dtype):
    x = fcnn.tensor(random((200, 300), dtype), requires_grad=True)

    def run():
        out = F.dropout(x, 0.3, np.random.default_rng(5))
        x.grad = None
        out.backward(np.full(out.shape, 2.0, dtype))
        return out.data, x.grad

    fast, reference = both_ways(run)
    np.testing.assert_array_equal(fast[0] == 0, reference[0] == 0)  # the same mask
    assert_close(fast, reference, dtype)
    kept = fast[0] != 0
    np.testing.assert_allclose(fast[0][kept], x.data[kept] / 0.7, rtol=1e-6)


@needs_numba
def test_non_contiguous_inputs_take_the_numpy_path_with_the_same_results():
    wide = random((300, 400), np.float32)
    a = wide[:, ::2]  # a strided view
    assert not kernels.fits(a)
    grad = random(a.shape, np.float32, 1)
    fast, reference = both_ways(lambda: node_values(fused.ReLU, (a,), grad))
    assert_close(fast, reference, np.float32)
    # forward on a contiguous input (kernel), backward with a transposed gradient (NumPy)
    x = random((300, 200), np.float32)
    grad_t = np.ascontiguousarray(grad.T).T
    assert not grad_t.flags.c_contiguous
    fast, reference = both_ways(lambda: node_values(fused.ReLU, (x,), grad_t))
    assert_close(fast, reference, np.float32)
    gamma = np.ones(200, np.float32)
    fast, reference = both_ways(lambda: node_values(fused.BatchNorm, (x, gamma, gamma * 0),
                                                    grad_t, eps=1e-5))
    assert_close(fast, reference, np.float32)


@needs_numba
def test_small_arrays_and_other_dtypes_go_to_numpy():
    assert not kernels.fits(np.ones((4, 4), np.float32))
    assert not kernels.fits(np.ones((256, 256), np.float16))
    assert not kernels.fits(np.ones((256, 256), np.float32), np.ones((256, 256), np.float64))
    assert kernels.fits(np.ones((256, 256), np.float32))
    with kernels.use_kernels(False):
        assert not kernels.fits(np.ones((256, 256), np.float32))


# ----- finite differences through the kernels ------------------------------------------


@pytest.fixture
def kernels_for_small_arrays(monkeypatch):
    """Let arrays of any size reach the kernels, so gradcheck's small inputs use them."""
    monkeypatch.setattr(kernels, "MIN_SIZE", 1)


@needs_numba
@pytest.mark.usefixtures("kernels_for_small_arrays")
def test_kernel_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 67))  # 67 columns: a full block and a partial one
    gamma, beta = rng.normal(size=67), rng.normal(size=67)
    assert kernels.fits(x)
    assert gradcheck(lambda a, g, b: fused.BatchNorm.apply(a, g, b, eps=1e-5), x, gamma, beta)
    assert gradcheck(lambda a: fused.ReLU.apply(a), x + np.sign(x) * 0.1)  # away from the kink
    assert gradcheck(lambda a: fused.LeakyReLU.apply(a, negative_slope=0.2),
                     x + np.sign(x) * 0.1)
    w, b = rng.normal(size=(5, 67)), rng.normal(size=5)
    assert gradcheck(lambda a, w_, b_: fused.Linear.apply(a, w_, b_), x, w, b)
    scale = (rng.random(x.shape) > 0.3) / 0.7
    assert gradcheck(lambda a: fused.Dropout.apply(a, scale=scale), x)


# ----- optimizer updates ---------------------------------------------------------------


OPTIMIZERS = {
    "sgd": lambda p: SGD(p, lr=0.1),
    "sgd+wd": lambda p: SGD(p, lr=0.1, weight_decay=1e-2),
    "momentum+wd": lambda p: SGD(p, lr=0.1, momentum=0.9, weight_decay=5e-4),
    "nesterov": lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda p: Adam(p, lr=1e-2),
    "adam+l2": lambda p: Adam(p, lr=1e-2, weight_decay=1e-2),
    "adamw": lambda p: AdamW(p, lr=1e-2, weight_decay=1e-2),
}


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_updates_match_numpy_over_steps(name, dtype):
    def run():
        w = fcnn.tensor(random((181, 257), dtype), requires_grad=True)
        optimizer = OPTIMIZERS[name]([w])
        for step in range(4):
            w.grad = random(w.shape, dtype, step + 1)
            optimizer.step()
        return [w.data, *(v for v in optimizer.state[0].values() if isinstance(v, np.ndarray))]

    fast, reference = both_ways(run)
    assert_close(fast, reference, dtype)


# ----- augmentation --------------------------------------------------------------------


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
def test_flips_and_shifts_match_numpy(dtype):
    shape = (3, 17, 13)  # odd sizes
    batch = random((200, 3 * 17 * 13), dtype)
    for make in (lambda: RandomFlip(shape, rng=1), lambda: RandomCrop(shape, padding=3, rng=1),
                 lambda: make_augmentation(["flip", "crop2"], shape, seed=2)):
        fast, reference = both_ways(lambda make=make: make()(batch))
        np.testing.assert_array_equal(fast, reference)  # copies of values: exact


# ----- reproducibility -----------------------------------------------------------------


def train(seed: int = 0, steps: int = 4, dtype=np.float32) -> list[np.ndarray]:
    """A few steps of the cifar10-best recipe's kind of net on random image-shaped data."""
    model = MLP(3 * 16 * 16, [160, 96], 10, batchnorm=True, dropout=0.2, seed=seed)
    for p in model.parameters():
        p.data = p.data.astype(dtype)
    optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    augment = make_augmentation(["flip", "crop2"], (3, 16, 16), seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        X = augment(rng.standard_normal((256, 3 * 16 * 16)).astype(dtype))
        loss = cross_entropy(model(fcnn.Tensor(X)), rng.integers(0, 10, 256),
                             label_smoothing=0.1)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return [p.data.copy() for p in model.parameters()]


@pytest.fixture
def restore_threads():
    yield
    fcnn.set_num_threads(None)


@needs_numba
@pytest.mark.usefixtures("restore_threads")
def test_same_seed_gives_bit_identical_weights_with_kernels_at_any_thread_count(monkeypatch):
    monkeypatch.setattr(kernels, "PARALLEL_SIZE", 1)  # with 2 threads, every kernel on both
    with kernels.use_kernels(True):
        fcnn.set_num_threads(1)
        one = train()
        again = train()
        fcnn.set_num_threads(2)
        two = train()
    for a, b, c in zip(one, again, two, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)  # the kernels' results do not depend on threads


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
def test_training_with_kernels_follows_the_numpy_reference(dtype):
    fast, reference = both_ways(lambda: train(dtype=dtype))
    assert_close(fast, reference, dtype)


def test_without_numba_the_kernels_are_off_and_training_runs(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` now raises ImportError
    monkeypatch.setitem(kernels._state, "checked", False)
    monkeypatch.setitem(kernels._state, "numba", None)
    assert not kernels.available() and not kernels.enabled()
    assert not kernels.fits(np.ones((256, 256), np.float32))
    weights = train(steps=2)
    with kernels.use_kernels(False):
        reference = train(steps=2)
    for a, b in zip(weights, reference, strict=True):
        np.testing.assert_array_equal(a, b)


def test_kernels_can_be_switched_off_by_the_environment(monkeypatch):
    import importlib.util

    monkeypatch.setenv("FCNN_KERNELS", "0")
    fresh = importlib.util.module_from_spec(kernels.__spec__)
    kernels.__spec__.loader.exec_module(fresh)
    assert not fresh.enabled()
