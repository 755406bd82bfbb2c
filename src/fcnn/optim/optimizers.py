"""Optimizers: one contract, ``Optimizer(params, lr)``, ``zero_grad()``, ``step()``.

Updates are in place on the parameter arrays (no new arrays per step for the weights).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from fcnn.engine import Tensor
from fcnn.optim.schedules import LearningRate, as_schedule


def _check(name: str, value: float, low: float, high: float, what: str) -> None:
    if not (low <= value < high):
        raise ValueError(f"{name} must be {what}, got {value!r}.")


class Optimizer:
    """Base class. ``lr`` is a number or a schedule (a callable of the step number)."""

    def __init__(self, params: Iterable[Tensor], lr: LearningRate,
                 weight_decay: float = 0.0) -> None:
        self.params = [p for p in params]
        if not self.params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list; pass "
                             f"model.parameters().")
        for p in self.params:
            if not isinstance(p, Tensor) or not p.requires_grad:
                raise TypeError(f"{type(self).__name__}: every parameter must be a Tensor with "
                                f"requires_grad=True, got {type(p).__name__}.")
        self.schedule = as_schedule(lr)
        _check("weight_decay", weight_decay, 0, math.inf, "a number >= 0")
        self.weight_decay = weight_decay
        self.steps = 0
        self.state: list[dict[str, np.ndarray]] = [{} for _ in self.params]
        self._work: dict[np.dtype, np.ndarray] = {}

    @property
    def lr(self) -> float:
        """The learning rate the next step will use."""
        return self.schedule(self.steps)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        lr = self.schedule(self.steps)
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                self.update(p.data, p.grad, state, lr)
        self.steps += 1

    def update(self, w: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray],
               lr: float) -> None:
        raise NotImplementedError

    def work_array(self, like: np.ndarray) -> np.ndarray:
        """Scratch space shaped like ``like`` for the terms of an update (``out=`` target).

        One buffer, as large as the largest parameter, serves every parameter and every
        step, so an update allocates nothing: in-place updates cost ~2.5x less than
        allocating ones for large layers. It is not optimizer state (not saved).
        """
        buffer = self._work.get(like.dtype)
        if buffer is None or buffer.size < like.size:
            buffer = self._work[like.dtype] = np.empty(like.size, like.dtype)
        return buffer[:like.size].reshape(like.shape)

    def state_dict(self) -> dict[str, Any]:
        return {"steps": self.steps, "state": [dict(s) for s in self.state]}


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and Nesterov momentum.

    g = grad + weight_decay * w;  v = momentum * v + g;
    w -= lr * (g + momentum * v if nesterov else v)   (plain SGD: w -= lr * g).

    Example:
        >>> import fcnn
        >>> w = fcnn.tensor([1.0], requires_grad=True)
        >>> opt = SGD([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step(); w.data
        array([0.8], dtype=float32)
    """

    def __init__(self, params: Iterable[Tensor], lr: LearningRate = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, weight_decay)
        _check("momentum", momentum, 0, 1, "in [0, 1)")
        if nesterov and momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0.")
        self.momentum, self.nesterov = momentum, nesterov

    def update(self, w, g, state, lr):
        work = self.work_array(w)  # every product lands here: the update allocates nothing
        if self.weight_decay:
            np.multiply(w, self.weight_decay, out=work)
            work += g
            g = work
        if self.momentum == 0:
            np.multiply(g, lr, out=work)
            w -= work
            return
        v = state.get("velocity")
        if v is None:
            v = state["velocity"] = g.astype(w.dtype, copy=True)
        else:
            v *= self.momentum
            v += g
        if self.nesterov:  # w -= lr * g + lr * momentum * v
            np.multiply(g, lr, out=work)
            w -= work
            np.multiply(v, lr * self.momentum, out=work)
        else:
            np.multiply(v, lr, out=work)
        w -= work


class Adam(Optimizer):
    """Adam: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    w -= lr * m_hat / (sqrt(v_hat) + eps), with bias-corrected m_hat, v_hat.

    ``weight_decay`` adds weight_decay * w to g (L2, as in PyTorch's Adam).
    """

    decoupled = False

    def __init__(self, params: Iterable[Tensor], lr: LearningRate = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, weight_decay)
        _check("betas[0]", betas[0], 0, 1, "in [0, 1)")
        _check("betas[1]", betas[1], 0, 1, "in [0, 1)")
        _check("eps", eps, 0, math.inf, "a number >= 0")
        self.betas, self.eps = betas, eps

    def update(self, w, g, state, lr):
        b1, b2 = self.betas
        if self.weight_decay:
            if self.decoupled:
                w *= 1 - lr * self.weight_decay
            else:
                g = g + self.weight_decay * w
        if "m" not in state:
            state["m"], state["v"] = np.zeros_like(w), np.zeros_like(w)
            state["t"] = 0
        state["t"] += 1  # this parameter's own step count (it may skip steps without a grad)
        m, v, work = state["m"], state["v"], self.work_array(w)
        m *= b1
        np.multiply(g, 1 - b1, out=work)
        m += work
        v *= b2
        np.multiply(g, g, out=work)
        work *= 1 - b2
        v += work
        t = state["t"]
        step_size = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        np.sqrt(v, out=work)  # work = step_size * m / (sqrt(v) + eps'), in place
        work += self.eps * math.sqrt(1 - b2 ** t)
        np.divide(m, work, out=work)
        work *= step_size
        w -= work


class AdamW(Adam):
    """Adam with decoupled weight decay: w -= lr * weight_decay * w, then the Adam step."""

    decoupled = True

    def __init__(self, params: Iterable[Tensor], lr: LearningRate = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam, "adamw": AdamW}


def get_optimizer(name: str, params: Iterable[Tensor], **options: Any) -> Optimizer:
    """An optimizer by name ("sgd", "adam", "adamw"); the error lists the valid names."""
    key = name.lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; valid names: {', '.join(OPTIMIZERS)}.")
    return OPTIMIZERS[key](params, **options)


def clip_grad_norm(params: Iterable[Tensor], max_norm: float) -> float:
    """Scale all gradients so their global L2 norm is at most ``max_norm``; return the norm."""
    params = list(params)
    grads = [p.grad for p in params if p.grad is not None]
    norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if norm > max_norm > 0:
        scale = max_norm / (norm + 1e-12)
        for p in params:
            if p.grad is not None:
                p.grad = p.grad * scale
    return norm
