"""Compiled, multi-threaded kernels for the elementwise and reduction work of a training step.

NumPy runs each ufunc on one thread and each in its own pass over memory; for the optimizer
update, batch norm, dropout, ReLU and augmentation that is most of a step's time beside the
matrix products. Each kernel here does one op's work in one pass (or a few passes over a
block that stays in cache). Work on ``PARALLEL_SIZE`` elements or more (the update of a
large weight matrix) is split over every thread fcnn may use (``fcnn.set_num_threads``);
smaller work runs on the calling thread, where it finishes before numba's workers would
have woken up.

Every kernel computes what the NumPy code of the op it speeds up computes, with the same
floating-point operations in the same order (the SGD and Adam updates, ReLU, leaky ReLU,
dropout, the bias, augmentation and batch norm give bit-identical results; the tests allow
for rounding all the same), and that NumPy code, beside the
op's formula in ``fcnn.engine.fused``, ``fcnn.optim.optimizers`` and ``fcnn.data.augment``,
is the reference: it runs when numba (``pip install 'fcnn[fast]'``) is absent, when the
kernels are switched off (``FCNN_KERNELS=0`` or :func:`use_kernels`), and for arrays a kernel
does not take (small, non-contiguous, or of another dtype). ``tests/engine/test_kernels.py``
compares the two.

Reproducible: a kernel splits its work into pieces whose results do not depend on how many
threads run them (elementwise work, and sums over the batch taken column by column, in the
order of the rows), so a fixed seed gives the same weights at any thread count.

numba is imported, and each kernel compiled (or loaded from numba's cache, ``cache=True``),
on first use, so ``import fcnn`` stays fast.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from fcnn import threads

#: Arrays smaller than this go to NumPy: a kernel's call would save little.
MIN_SIZE = 1 << 15
#: Work on fewer elements than this runs on the calling thread alone: waking numba's workers
#: costs ~0.1 ms (more on a busy machine), as long as a ReLU of 2^18 elements takes on one.
PARALLEL_SIZE = 1 << 20
#: Columns per block of the batch-norm and column-sum kernels: a (batch, 64) block of a
#: float32 batch of 256 is 64 KiB, so the kernel's passes over it stay in the L2 cache.
BLOCK = 64

_state: dict[str, Any] = {"numba": None, "checked": False, "startup": 0.0,
                          "enabled": os.environ.get("FCNN_KERNELS", "1") != "0"}
_launch_lock = threading.Lock()
prange = range  # numba.prange once numba is loaded: the kernels read it when compiled


def _numba() -> Any:
    """The numba module, imported on first use; None when it is not installed."""
    if not _state["checked"]:
        _state["checked"] = True
        started = time.perf_counter()
        try:
            import numba
        except ImportError:  # not installed, or broken (e.g. built for another NumPy)
            numba = None
        _state["startup"] += time.perf_counter() - started
        if numba is not None:
            global prange
            prange = numba.prange
            if "NUMBA_THREADING_LAYER" not in os.environ:  # the user's choice wins
                # numba's own pool of sleeping workers: OpenMP's spin after each kernel and
                # took the cores from OpenBLAS's threads (and theirs from the kernels); with
                # 2 threads an epoch of cifar10-best ran 2.8x slower on the omp layer
                numba.config.THREADING_LAYER = "workqueue"
        _state["numba"] = numba
    return _state["numba"]


def available() -> bool:
    """Whether numba is installed, so that the kernels can run (imports it on first call)."""
    return _numba() is not None


def startup_seconds() -> float:
    """Seconds this process spent importing numba and compiling or loading kernels so far.

    A one-time cost: ~0.4 s for the import and ~1 s for the first kernels with numba's cache
    warm, ~10-15 s when they are compiled (the first run after installing or upgrading).
    """
    return _state["startup"]


def enabled() -> bool:
    """Whether the ops use the kernels: numba is installed and they are not switched off."""
    return _state["enabled"] and available()


@contextlib.contextmanager
def use_kernels(on: bool) -> Iterator[None]:
    """Switch the kernels on or off inside the block (off: the NumPy reference runs).

    Example:
        >>> import fcnn, numpy as np
        >>> with use_kernels(False):
        ...     fcnn.tensor(np.ones(3, np.float32)).relu().data
        array([1., 1., 1.], dtype=float32)
    """
    previous = _state["enabled"]
    _state["enabled"] = bool(on)
    try:
        yield
    finally:
        _state["enabled"] = previous


def fits(*arrays: np.ndarray) -> bool:
    """Whether the kernels take these arrays: on, large enough, C-contiguous, one float dtype."""
    first = arrays[0]
    if first.size < MIN_SIZE or first.dtype not in (np.float32, np.float64) or not enabled():
        return False
    return all(a.dtype == first.dtype and a.flags.c_contiguous for a in arrays)


class _Kernel:
    """A function compiled by numba on first use: its ``prange`` loops run on fcnn's threads
    (``parallel``) when its first argument has ``PARALLEL_SIZE`` elements or more, else as
    plain loops on the calling thread (``serial``); both give the same results."""

    def __init__(self, function: Callable) -> None:
        self.function = function
        self.serial = self.parallel = None
        self.__doc__, self.__name__ = function.__doc__, function.__name__

    def __call__(self, *args: Any) -> Any:
        wanted = threads.get_num_threads()
        if wanted > 1 and args[0].size >= PARALLEL_SIZE:
            if self.parallel is None:
                self.parallel = _numba().njit(self.function, parallel=True, cache=True)
            return self._timed(self.parallel, self._launch, wanted, args)
        if self.serial is None:
            self.serial = _numba().njit(self.function, cache=True)
        return self._timed(self.serial, lambda _, *a: self.serial(*a), wanted, args)

    @staticmethod
    def _timed(compiled: Any, call: Callable, wanted: int, args: tuple) -> Any:
        """``call``, with the time it takes counted as start-up if it compiled or loaded."""
        known = len(compiled.signatures)
        started = time.perf_counter()
        result = call(wanted, *args)
        if len(compiled.signatures) != known:  # compiled, or loaded from numba's cache, now
            _state["startup"] += time.perf_counter() - started
        return result

    def _launch(self, wanted: int, *args: Any) -> Any:
        numba = _state["numba"]
        wanted = min(wanted, numba.config.NUMBA_NUM_THREADS)
        # one parallel launch at a time: numba's workqueue layer must not be entered twice
        with _launch_lock:
            if numba.get_num_threads() != wanted:
                numba.set_num_threads(wanted)
            return self.parallel(*args)


def kernel(function: Callable) -> _Kernel:
    """Mark a function as a multi-threaded kernel (compiled on first use)."""
    return _Kernel(function)


def _scalar(value: float, like: np.ndarray) -> np.generic:
    """A Python number as the array's dtype, as NumPy 2 casts it in ``array * number``."""
    return like.dtype.type(value)


def _flat(array: np.ndarray) -> np.ndarray:
    return array.reshape(-1)


# ----------------------------------------------------------------------------
# Optimizer updates (reference: fcnn.optim.optimizers.SGD.update, Adam.update)
# ----------------------------------------------------------------------------


@kernel
def _sgd(w, g, v, lr, momentum, weight_decay, lr_momentum, nesterov, first):
    for i in prange(w.size):
        gi = g[i]
        if weight_decay != 0:
            gi = w[i] * weight_decay + gi
        if momentum == 0:
            w[i] = w[i] - gi * lr
            continue
        vi = gi if first else v[i] * momentum + gi
        v[i] = vi
        if nesterov:
            w[i] = (w[i] - gi * lr) - vi * lr_momentum
        else:
            w[i] = w[i] - vi * lr


def sgd_update(w: np.ndarray, g: np.ndarray, v: np.ndarray | None, lr: float, momentum: float,
               weight_decay: float, nesterov: bool) -> np.ndarray | None:
    """SGD in one pass, in place: g' = g + wd w; v = momentum v + g' (v = g' at the first step);
    w -= lr (g' + momentum v) with Nesterov, else w -= lr v (w -= lr g' without momentum).

    ``v`` is None at the first step; returns the velocity (a new array then), or None
    without momentum.
    """
    first = v is None
    if first:
        v = np.empty_like(w) if momentum else w  # an unused placeholder without momentum
    _sgd(_flat(w), _flat(g), _flat(v), _scalar(lr, w), _scalar(momentum, w),
         _scalar(weight_decay, w), _scalar(lr * momentum, w), nesterov, first)
    return v if momentum else None


@kernel
def _adam(w, g, m, v, b1, one_minus_b1, b2, one_minus_b2, eps, step_size, weight_decay,
          decay_factor, decoupled):
    for i in prange(w.size):
        gi = g[i]
        wi = w[i]
        if weight_decay != 0:
            if decoupled:
                wi = wi * decay_factor
            else:
                gi = gi + wi * weight_decay
        mi = m[i] * b1 + gi * one_minus_b1
        vi = v[i] * b2 + (gi * gi) * one_minus_b2
        m[i] = mi
        v[i] = vi
        w[i] = wi - (mi / (np.sqrt(vi) + eps)) * step_size


def adam_update(w: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, lr: float,
                betas: tuple[float, float], eps: float, weight_decay: float, decoupled: bool,
                t: int) -> None:
    """Adam in one pass, in place: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    w -= s m / (sqrt(v) + eps sqrt(1 - b2^t)) with s = lr sqrt(1 - b2^t) / (1 - b1^t).

    Weight decay adds wd w to g (L2), or with ``decoupled`` (AdamW) first scales
    w by 1 - lr wd.
    """
    b1, b2 = betas
    correction = math.sqrt(1 - b2 ** t)
    _adam(_flat(w), _flat(g), _flat(m), _flat(v), _scalar(b1, w), _scalar(1 - b1, w),
          _scalar(b2, w), _scalar(1 - b2, w), _scalar(eps * correction, w),
          _scalar(lr * correction / (1 - b1 ** t), w), _scalar(weight_decay, w),
          _scalar(1 - lr * weight_decay, w), decoupled)


# ----------------------------------------------------------------------------
# Elementwise ops of the fused nodes (reference: fcnn.engine.fused)
# ----------------------------------------------------------------------------


@kernel
def _relu(a, out):
    for i in prange(a.size):
        x = a[i]
        out[i] = x if (x >= 0 or x != x) else 0.0  # np.maximum(x, 0): NaN propagates


def relu(a: np.ndarray) -> np.ndarray:
    """y = max(0, a) (NaN stays NaN), as ``np.maximum(a, 0)``."""
    out = np.empty_like(a)
    _relu(_flat(a), _flat(out))
    return out


@kernel
def _relu_backward(grad, y, out):
    for i in prange(grad.size):
        out[i] = grad[i] * (1.0 if y[i] > 0 else 0.0)


def relu_backward(grad: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dx = g * [y > 0] for the output y of ReLU (y > 0 exactly where x > 0)."""
    out = np.empty_like(grad)
    _relu_backward(_flat(grad), _flat(y), _flat(out))
    return out


@kernel
def _leaky_relu(a, slope, out):
    for i in prange(a.size):
        out[i] = a[i] * (1.0 if a[i] > 0 else slope)


def leaky_relu(a: np.ndarray, slope: float) -> np.ndarray:
    """y = a * (1 where a > 0, else k) for the slope k = ``slope``."""
    out = np.empty_like(a)
    _leaky_relu(_flat(a), _scalar(slope, a), _flat(out))
    return out


@kernel
def _leaky_relu_backward(grad, a, slope, out):
    for i in prange(grad.size):
        out[i] = grad[i] * (1.0 if a[i] > 0 else slope)


def leaky_relu_backward(grad: np.ndarray, a: np.ndarray, slope: float) -> np.ndarray:
    """dx = g * (1 where a > 0, else k) for the input a of leaky ReLU."""
    out = np.empty_like(grad)
    _leaky_relu_backward(_flat(grad), _flat(a), _scalar(slope, a), _flat(out))
    return out


@kernel
def _multiply(a, b, out):
    for i in prange(a.size):
        out[i] = a[i] * b[i]


def multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a * b for two arrays of one shape (dropout's x * scale and g * scale)."""
    out = np.empty_like(a)
    _multiply(_flat(a), _flat(b), _flat(out))
    return out


@kernel
def _dropout_scale(uniform, p, scale, out):
    for i in prange(uniform.size):
        out[i] = scale if uniform[i] >= p else 0.0


def dropout_scale(uniform: np.ndarray, p: float, dtype: Any) -> np.ndarray:
    """scale = [u >= p] / (1 - p) for uniform draws u in [0, 1): dropout's mask, rescaled."""
    dtype = np.dtype(dtype)
    out = np.empty(uniform.shape, dtype)
    _dropout_scale(_flat(uniform), _scalar(p, uniform), dtype.type(1.0 / (1.0 - p)), _flat(out))
    return out


@kernel
def _add_row(out, row):
    n, width = out.shape
    for i in prange(n):
        for j in range(width):
            out[i, j] += row[j]


def add_row(out: np.ndarray, row: np.ndarray) -> None:
    """out += row for every row of a (N, F) array, in place (the bias of f = x W^T + b)."""
    _add_row(out, row)


# ----------------------------------------------------------------------------
# Sums over the batch, column block by column block, each column in the order of the rows
# (as NumPy sums a C-contiguous array over axis 0, so the results are the same)
# ----------------------------------------------------------------------------


# The loops below read a block through row slices (x[i, low:high]) and sum into small local
# arrays: that form the compiler vectorises; indexing x[i, j] and out[j] directly, it cannot
# rule out that they overlap, and runs ~4x slower.


@kernel
def _column_sums(a, out):
    n, width = a.shape
    for block in prange((width + BLOCK - 1) // BLOCK):
        low, high = block * BLOCK, min(width, (block + 1) * BLOCK)
        total = np.zeros(high - low, a.dtype)
        for i in range(n):
            row = a[i, low:high]
            for j in range(high - low):
                total[j] += row[j]
        out[low:high] = total


def column_sums(a: np.ndarray) -> np.ndarray:
    """a.sum(axis=0) of a (N, F) array (the bias gradient db = sum over the batch of g)."""
    out = np.empty(a.shape[1], a.dtype)
    _column_sums(a, out)
    return out


@kernel
def _batch_norm(x, gamma, beta, eps, one, out, xhat, mean_out, var_out, inv_std_out):
    n, width = x.shape
    for block in prange((width + BLOCK - 1) // BLOCK):
        low, high = block * BLOCK, min(width, (block + 1) * BLOCK)
        size = high - low
        mean = np.zeros(size, x.dtype)
        var = np.zeros(size, x.dtype)
        inv_std = np.empty(size, x.dtype)
        for i in range(n):
            row = x[i, low:high]
            for j in range(size):
                mean[j] += row[j]
        for j in range(size):
            mean[j] = mean[j] / n  # in float64, then rounded, as NumPy's mean divides
        for i in range(n):
            row = x[i, low:high]
            for j in range(size):
                centered = row[j] - mean[j]
                var[j] += centered * centered
        for j in range(size):
            var[j] = var[j] / n
            inv_std[j] = one / np.sqrt(var[j] + eps)
        scale, shift = gamma[low:high], beta[low:high]
        for i in range(n):
            row, normalized, y = x[i, low:high], xhat[i, low:high], out[i, low:high]
            for j in range(size):
                value = (row[j] - mean[j]) * inv_std[j]
                normalized[j] = value
                y[j] = value * scale[j] + shift[j]
        mean_out[low:high] = mean
        var_out[low:high] = var
        inv_std_out[low:high] = inv_std


def batch_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
               eps: float) -> tuple[np.ndarray, ...]:
    """y = gamma xhat + beta, xhat = (x - mean) / sqrt(var + eps), over the batch axis.

    Returns (y, xhat, mean, var, inv_std), as ``fused.BatchNorm.forward`` computes them.
    """
    width = x.shape[1]
    out, xhat = np.empty_like(x), np.empty_like(x)
    mean, var, inv_std = (np.empty(width, x.dtype) for _ in range(3))
    _batch_norm(x, gamma, beta, _scalar(eps, x), _scalar(1, x), out, xhat, mean, var, inv_std)
    return out, xhat, mean, var, inv_std


@kernel
def _batch_norm_backward(grad, xhat, gamma, inv_std, grad_x, grad_gamma, grad_beta,
                         with_grad_x):
    n, width = grad.shape
    for block in prange((width + BLOCK - 1) // BLOCK):
        low, high = block * BLOCK, min(width, (block + 1) * BLOCK)
        size = high - low
        scale = gamma[low:high]
        sum_g = np.zeros(size, grad.dtype)
        sum_g_xhat = np.zeros(size, grad.dtype)
        mean_d = np.zeros(size, grad.dtype)
        mean_d_xhat = np.zeros(size, grad.dtype)
        for i in range(n):
            g, normalized = grad[i, low:high], xhat[i, low:high]
            for j in range(size):
                d = g[j] * scale[j]
                sum_g[j] += g[j]
                sum_g_xhat[j] += g[j] * normalized[j]
                mean_d[j] += d
                mean_d_xhat[j] += d * normalized[j]
        grad_beta[low:high] = sum_g
        grad_gamma[low:high] = sum_g_xhat
        if not with_grad_x:
            continue
        for j in range(size):
            mean_d[j] = mean_d[j] / n
            mean_d_xhat[j] = mean_d_xhat[j] / n
        rstd = inv_std[low:high]
        for i in range(n):
            g, normalized, dx = grad[i, low:high], xhat[i, low:high], grad_x[i, low:high]
            for j in range(size):
                d = g[j] * scale[j]
                dx[j] = ((d - mean_d[j]) - normalized[j] * mean_d_xhat[j]) * rstd[j]


def batch_norm_backward(grad: np.ndarray, xhat: np.ndarray, gamma: np.ndarray,
                        inv_std: np.ndarray, with_grad_x: bool) -> tuple[np.ndarray | None, ...]:
    """With d = g gamma: dx = (d - mean(d) - xhat mean(d xhat)) / sqrt(var + eps),
    dgamma = sum(g xhat), dbeta = sum(g); returns (dx or None, dgamma, dbeta)."""
    width = grad.shape[1]
    grad_x = np.empty_like(grad) if with_grad_x else grad  # grad: a placeholder, not written
    grad_gamma, grad_beta = np.empty(width, grad.dtype), np.empty(width, grad.dtype)
    _batch_norm_backward(grad, xhat, gamma, inv_std, grad_x, grad_gamma, grad_beta, with_grad_x)
    return (grad_x if with_grad_x else None), grad_gamma, grad_beta


# ----------------------------------------------------------------------------
# Augmentation of a batch of images (N, C, H, W) (reference: fcnn.data.augment)
# ----------------------------------------------------------------------------


# Index loops, not slices: each slice of an array counts a reference to it, an atomic
# operation that threads working on one array contend for.


@kernel
def _flip(images, flip, out):
    n, channels, height, width = images.shape
    for i in prange(n):
        for c in range(channels):
            for y in range(height):
                if flip[i]:  # an unsigned index: no test for negative indices, so it
                    for x in range(width):  # vectorises (3x faster)
                        out[i, c, y, x] = images[i, c, y, np.uint64(width - 1 - x)]
                else:
                    for x in range(width):
                        out[i, c, y, x] = images[i, c, y, x]


def flip_images(images: np.ndarray, flip: np.ndarray) -> np.ndarray:
    """A copy of the images with those where ``flip`` is True mirrored left-right."""
    out = np.empty_like(images)
    _flip(images, flip, out)
    return out


@kernel
def _shift(images, dy, dx, pad, out):
    n, channels, height, width = images.shape
    for i in prange(n):
        # the window at (dy, dx) of the image padded by `pad`: out[y, x] is
        # images[y + shift_y, x + shift_x], zero outside the image (one test per pixel:
        # the compiler vectorises this loop, not one split into three ranges)
        shift_y, shift_x = dy[i] - pad, dx[i] - pad
        for c in range(channels):
            for y in range(height):
                source_y = y + shift_y
                inside_y = 0 <= source_y < height
                for x in range(width):
                    source_x = x + shift_x
                    if inside_y and 0 <= source_x < width:
                        out[i, c, y, x] = images[i, c, source_y, source_x]
                    else:
                        out[i, c, y, x] = 0


def crop_images(images: np.ndarray, dy: np.ndarray, dx: np.ndarray, pad: int) -> np.ndarray:
    """The H x W window at (dy[i], dx[i]) of each image zero-padded by ``pad`` pixels."""
    out = np.empty_like(images)
    _shift(images, dy, dx, pad, out)
    return out
