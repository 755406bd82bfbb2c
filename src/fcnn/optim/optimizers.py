"""Optimizers: one contract, ``Optimizer(params, lr)``, ``zero_grad()``, ``step()``.

Updates are in place on the parameter arrays (no new arrays per step for the weights).
The NumPy code of each ``update`` is the reference; for large parameters, where numba is
installed, the same update runs as one multi-threaded pass of ``fcnn.engine.kernels``
(``sgd_update``, ``adam_update``), with the same floating-point operations in the same order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from fcnn.engine import Tensor, kernels
from fcnn.optim.schedules import LearningRate, as_schedule
from fcnn.registry import Option, Registry


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
        """The step count and each parameter's state (velocity, moments...), as copies."""
        return {"steps": self.steps,
                "state": [{key: np.array(value, copy=True) if isinstance(value, np.ndarray)
                           else value for key, value in s.items()} for s in self.state]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from a ``state_dict()`` of an optimizer of the same kind and parameters.

        Example:
            >>> import fcnn
            >>> w = fcnn.tensor([1.0], requires_grad=True)
            >>> opt = SGD([w], lr=0.1, momentum=0.9)
            >>> (w * w).sum().backward(); opt.step()
            >>> twin = SGD([fcnn.tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)
            >>> twin.load_state_dict(opt.state_dict()); twin.steps, twin.state[0]["velocity"]
            (1, array([2.], dtype=float32))
        """
        per_param = state.get("state") if isinstance(state, dict) else None
        if not isinstance(per_param, list) or len(per_param) != len(self.params):
            count = len(per_param) if isinstance(per_param, list) else "no"
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state holds {count} "
                             f"parameter states, this optimizer has {len(self.params)} "
                             f"parameters. Was it saved from another model?")
        for index, (param, saved) in enumerate(zip(self.params, per_param)):
            for key, value in saved.items():
                if isinstance(value, np.ndarray) and value.shape != param.data.shape:
                    raise ValueError(f"{type(self).__name__}.load_state_dict: state {key!r} of "
                                     f"parameter {index} has shape {value.shape}, the parameter "
                                     f"{param.data.shape}. Was it saved from another model?")
        self.steps = int(state["steps"])
        self.state = [{key: np.array(value, dtype=param.data.dtype, copy=True)
                       if isinstance(value, np.ndarray) else value for key, value in saved.items()}
                      for param, saved in zip(self.params, per_param)]


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
        velocity = state.get("velocity")
        if kernels.fits(w, g, *([] if velocity is None else [velocity])):
            velocity = kernels.sgd_update(w, g, velocity, lr, self.momentum, self.weight_decay,
                                          self.nesterov)
            if velocity is not None:
                state["velocity"] = velocity
            return
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
        if "m" not in state:
            state["m"], state["v"] = np.zeros_like(w), np.zeros_like(w)
            state["t"] = 0
        state["t"] += 1  # this parameter's own step count (it may skip steps without a grad)
        if kernels.fits(w, g, state["m"], state["v"]):
            kernels.adam_update(w, g, state["m"], state["v"], lr, self.betas, self.eps,
                                self.weight_decay, self.decoupled, state["t"])
            return
        b1, b2 = self.betas
        if self.weight_decay:
            if self.decoupled:
                w *= 1 - lr * self.weight_decay
            else:
                g = g + self.weight_decay * w
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


_LR = "the learning rate (a number > 0)"
_WEIGHT_DECAY = Option("weight_decay", float, 0.0, low=0, help="L2 weight decay: adds wd * w to "
                       "the gradient")
_BETAS = Option("betas", float, [0.9, 0.999], low=0, high=1, high_open=True, is_list=True,
                length=2, help="decay rates of Adam's first and second moment averages")
_EPS = Option("eps", float, 1e-8, low=0, help="added to sqrt(v) in Adam's denominator")

#: The optimizers by name, each with its options and their defaults (those of its class).
OPTIMIZERS = Registry("optimizer")
OPTIMIZERS.add("sgd", SGD, help="stochastic gradient descent, with optional (Nesterov) momentum",
               options=(Option("lr", float, 0.01, low=0, low_open=True, help=_LR),
                        Option("momentum", float, 0.0, low=0, high=1, high_open=True,
                               help="v = momentum * v + g (0 = plain SGD)"),
                        Option("nesterov", bool, False, help="Nesterov momentum"),
                        _WEIGHT_DECAY))
OPTIMIZERS.add("adam", Adam, help="Adam: per-weight steps from running moment averages",
               options=(Option("lr", float, 1e-3, low=0, low_open=True, help=_LR), _BETAS, _EPS,
                        _WEIGHT_DECAY))
OPTIMIZERS.add("adamw", AdamW, help="Adam with decoupled weight decay",
               options=(Option("lr", float, 1e-3, low=0, low_open=True, help=_LR), _BETAS, _EPS,
                        Option("weight_decay", float, 0.01, low=0,
                               help="decoupled weight decay: w -= lr * wd * w")))


def get_optimizer(name: str, params: Iterable[Tensor], **options: Any) -> Optimizer:
    """An optimizer by name of :data:`OPTIMIZERS`, its options checked (``lr`` may be a schedule).

    Example:
        >>> import fcnn
        >>> opt = get_optimizer("Adam", [fcnn.tensor([1.0], requires_grad=True)])
        >>> type(opt).__name__, opt.lr
        ('Adam', 0.001)
    """
    entry = OPTIMIZERS.get(name)
    lr = options.pop("lr", None)
    values = entry.resolve(options)
    if lr is not None:  # a number is checked like any option; a schedule is taken as it is
        values["lr"] = lr if callable(lr) else entry.option("lr").check(lr)
    return entry.target(params, **values)


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
