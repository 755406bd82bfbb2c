"""Optimizers (SGD, momentum, Nesterov, Adam, AdamW) and learning-rate schedules."""

from fcnn.optim.optimizers import (
    OPTIMIZERS,
    SGD,
    Adam,
    AdamW,
    Optimizer,
    clip_grad_norm,
    get_optimizer,
)
from fcnn.optim.schedules import (
    SCHEDULES,
    Constant,
    Cosine,
    StepDecay,
    Warmup,
    as_schedule,
    make_schedule,
)

__all__ = [
    "OPTIMIZERS", "SCHEDULES", "SGD", "Adam", "AdamW", "Constant", "Cosine", "Optimizer",
    "StepDecay", "Warmup", "as_schedule", "clip_grad_norm", "get_optimizer", "make_schedule",
]
