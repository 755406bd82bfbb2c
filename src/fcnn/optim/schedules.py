"""Learning-rate schedules: callables from the step number (0, 1, 2, ...) to a learning rate."""

from __future__ import annotations

import math
from collections.abc import Callable

Schedule = Callable[[int], float]
LearningRate = float | Schedule


class Constant:
    """lr(t) = lr."""

    def __init__(self, lr: float) -> None:
        self.lr = lr

    def __call__(self, step: int) -> float:
        return self.lr

    def __repr__(self) -> str:
        return f"Constant({self.lr})"


class StepDecay:
    """lr(t) = lr * gamma ** (t // step_size).

    Example:
        >>> StepDecay(0.1, step_size=10, gamma=0.5)(25)
        0.025
    """

    def __init__(self, lr: float, step_size: int, gamma: float = 0.1) -> None:
        if step_size < 1:
            raise ValueError(f"StepDecay: step_size must be >= 1, got {step_size}.")
        self.lr, self.step_size, self.gamma = lr, step_size, gamma

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma ** (step // self.step_size)

    def __repr__(self) -> str:
        return f"StepDecay({self.lr}, step_size={self.step_size}, gamma={self.gamma})"


class Cosine:
    """lr(t) = final + (lr - final) (1 + cos(pi t / total)) / 2, after an optional linear warm-up.

    During the first ``warmup`` steps the rate rises linearly from lr/warmup to lr.

    Example:
        >>> schedule = Cosine(0.1, total_steps=100)
        >>> schedule(0), round(schedule(50), 4), round(schedule(100), 4)
        (0.1, 0.05, 0.0)
    """

    def __init__(self, lr: float, total_steps: int, warmup: int = 0, final_lr: float = 0.0) -> None:
        if total_steps < 1 or warmup < 0 or warmup >= max(total_steps, 1) and warmup:
            raise ValueError(f"Cosine: need total_steps >= 1 and 0 <= warmup < total_steps, got "
                             f"total_steps={total_steps}, warmup={warmup}.")
        self.lr, self.total, self.warmup, self.final = lr, total_steps, warmup, final_lr

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return self.lr * (step + 1) / self.warmup
        progress = min(1.0, (step - self.warmup) / max(1, self.total - self.warmup))
        return self.final + (self.lr - self.final) * 0.5 * (1 + math.cos(math.pi * progress))

    def __repr__(self) -> str:
        return f"Cosine({self.lr}, total_steps={self.total}, warmup={self.warmup})"


class Warmup:
    """Linear warm-up over ``steps`` steps, then another schedule (or a constant)."""

    def __init__(self, after: LearningRate, steps: int) -> None:
        if steps < 1:
            raise ValueError(f"Warmup: steps must be >= 1, got {steps}.")
        self.after, self.steps = as_schedule(after), steps

    def __call__(self, step: int) -> float:
        if step < self.steps:
            return self.after(0) * (step + 1) / self.steps
        return self.after(step - self.steps)

    def __repr__(self) -> str:
        return f"Warmup({self.after!r}, steps={self.steps})"


def as_schedule(lr: LearningRate) -> Schedule:
    """A number becomes a :class:`Constant`; a callable is used as it is."""
    if callable(lr):
        return lr
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0 \
            or not math.isfinite(lr):
        raise ValueError(f"learning rate must be a positive number or a schedule, got {lr!r}.")
    return Constant(float(lr))


SCHEDULES = ("constant", "step", "cosine")


def make_schedule(name: str, lr: float, total_steps: int, warmup: int = 0,
                  step_size: int | None = None, gamma: float = 0.1) -> Schedule:
    """A schedule by name ("constant", "step", "cosine"), with optional warm-up steps."""
    key = name.lower()
    if key == "constant":
        schedule: Schedule = Constant(lr)
    elif key == "step":
        schedule = StepDecay(lr, step_size or max(1, total_steps // 3), gamma)
    elif key == "cosine":
        return Cosine(lr, total_steps, warmup=warmup)
    else:
        raise ValueError(f"unknown schedule {name!r}; valid names: {', '.join(SCHEDULES)}.")
    return Warmup(schedule, warmup) if warmup else schedule
