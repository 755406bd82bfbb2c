"""Learning-rate schedules: callables from the step number (0, 1, 2, ...) to a learning rate."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from fcnn.registry import Option, Registry

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
    """lr(t) = final + (lr - final) (1 + cos(pi t / total)) / 2, then ``final_lr`` after ``total``.

    Example:
        >>> schedule = Cosine(0.1, total_steps=100)
        >>> schedule(0), round(schedule(50), 4), round(schedule(100), 4)
        (0.1, 0.05, 0.0)
    """

    def __init__(self, lr: float, total_steps: int, final_lr: float = 0.0) -> None:
        if total_steps < 1:
            raise ValueError(f"Cosine: total_steps must be >= 1, got {total_steps}.")
        self.lr, self.total, self.final = lr, total_steps, final_lr

    def __call__(self, step: int) -> float:
        progress = min(1.0, step / self.total)
        return self.final + (self.lr - self.final) * 0.5 * (1 + math.cos(math.pi * progress))

    def __repr__(self) -> str:
        return f"Cosine({self.lr}, total_steps={self.total}, final_lr={self.final})"


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


def _step_decay(lr: float, total_steps: int, step_size: int | None = None,
                gamma: float = 0.1) -> Schedule:
    return StepDecay(lr, step_size or max(1, total_steps // 3), gamma)


#: Schedules by name: each entry's target is ``(lr, total_steps, **options) -> Schedule``.
SCHEDULES = Registry("schedule")
SCHEDULES.add("constant", lambda lr, total_steps: Constant(lr), help="the same rate every step")
SCHEDULES.add("step", _step_decay, help="multiply the rate by gamma every step_size steps",
              options=(Option("step_size", int, None, low=1, nullable=True, example=1000,
                              help="steps between decays (default: a third of all steps)"),
                       Option("gamma", float, 0.1, low=0, high=1, low_open=True,
                              help="the factor of each decay")))
SCHEDULES.add("cosine", Cosine, help="half a cosine from lr down to final_lr over all steps",
              options=(Option("final_lr", float, 0.0, low=0,
                              help="the rate at the last step of the cosine"),))


def make_schedule(name: str, lr: float, total_steps: int, warmup_steps: int = 0,
                  **options: Any) -> Schedule:
    """A schedule of :data:`SCHEDULES` by name over ``total_steps``, after ``warmup_steps``.

    The warm-up raises the rate linearly from lr/warmup_steps to lr; the named schedule
    then runs over the remaining ``total_steps - warmup_steps`` steps.

    Example:
        >>> schedule = make_schedule("cosine", 0.1, total_steps=110, warmup_steps=10)
        >>> round(schedule(0), 3), schedule(10), round(schedule(60), 3)
        (0.01, 0.1, 0.05)
    """
    if warmup_steps < 0 or (warmup_steps and warmup_steps >= total_steps):
        raise ValueError(f"warmup_steps must be in [0, total_steps) = [0, {total_steps}), got "
                         f"{warmup_steps}.")
    schedule = SCHEDULES.create(name, lr, total_steps - warmup_steps, options=options)
    return Warmup(schedule, warmup_steps) if warmup_steps else schedule
