"""The lecture's two losses, on raw scores and integer labels, at two granularities.

* Softmax cross-entropy: L_i = -log softmax(s_i)[y_i]  (stable: log-sum-exp).
* Multiclass SVM hinge loss: L_i = sum_{j != y_i} max(0, s_ij - s_{i,y_i} + margin).

Both average over the batch by default (``reduction="mean"``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from fcnn.engine import Function, Tensor
from fcnn.nn.functional import _is_fine, log_softmax

REDUCTIONS = ("mean", "sum", "none")


def check_labels(scores: Tensor, labels: Any) -> np.ndarray:
    """Validate integer class labels against scores of shape (N, C); return them as int64."""
    if scores.ndim != 2:
        raise ValueError(
            f"scores must have shape (N, C) (one row of class scores per sample), "
            f"got {scores.shape}. For one sample use scores.reshape(1, -1)."
        )
    labels = np.asarray(labels)
    n, num_classes = scores.shape
    if labels.ndim != 1 or labels.shape[0] != n:
        raise ValueError(
            f"labels must be a 1-d array with one class index per row of scores ({n}), "
            f"got shape {labels.shape}."
        )
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind == "f" and np.all(np.isfinite(labels)) and \
                np.all(labels == np.round(labels)):
            labels = labels.astype(np.int64)
        else:
            raise ValueError(
                f"labels must be integer class indices 0..{num_classes - 1}, got dtype "
                f"{labels.dtype} (e.g. {labels.ravel()[:3]}). One-hot or probability targets "
                f"are not accepted: pass labels.argmax(axis=1)."
            )
    if n and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)][0]
        raise ValueError(
            f"labels must be in 0..{num_classes - 1} for {num_classes} classes, found {bad}. "
            f"Does the model's out_features match the number of classes?"
        )
    return labels.astype(np.int64, copy=False)


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"unknown reduction {reduction!r}; valid values: {REDUCTIONS}.")


def _reduce(per_sample: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return per_sample.mean()
    return per_sample.sum() if reduction == "sum" else per_sample


def _reduce_array(per_sample: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return np.asarray(per_sample.mean())
    return np.asarray(per_sample.sum()) if reduction == "sum" else per_sample


def _grad_scale(grad: np.ndarray, reduction: str, n: int) -> np.ndarray:
    """The upstream gradient per sample, as a column (N, 1)."""
    if reduction == "none":
        return grad.reshape(-1, 1)
    return np.full((n, 1), grad / n if reduction == "mean" else grad, dtype=grad.dtype)


class _SoftmaxCrossEntropy(Function):
    """One node: L_i = -(1 - eps) log q_{y_i} - eps mean_j log q_j; dL/ds = q - target."""

    name = "cross_entropy"

    def forward(self, scores, labels, label_smoothing, reduction):
        n, num_classes = scores.shape
        shifted = scores - scores.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        log_q = shifted - np.log(total)
        per_sample = -log_q[np.arange(n), labels]
        if label_smoothing:
            per_sample = (1 - label_smoothing) * per_sample - label_smoothing * log_q.mean(axis=1)
        exp /= total  # exp is this op's own array: q = softmax(scores) in place
        self.q = exp
        self.labels, self.smoothing, self.reduction = labels, label_smoothing, reduction
        return _reduce_array(per_sample, reduction)

    def backward(self, grad):
        n, num_classes = self.q.shape
        target_grad = self.q - self.smoothing / num_classes  # a new array, scaled in place
        target_grad[np.arange(n), self.labels] -= 1 - self.smoothing
        target_grad *= _grad_scale(grad, self.reduction, n)
        return (target_grad,)


def cross_entropy(scores: Tensor, labels: Any, label_smoothing: float = 0.0,
                  reduction: str = "mean", granularity: str = "coarse") -> Tensor:
    """Softmax cross-entropy H(p, q) between one-hot labels p and q = softmax(scores).

    Args:
        scores: raw class scores, shape (N, C).
        labels: integer labels, shape (N,).
        label_smoothing: eps in [0, 1): the target puts 1 - eps on the label and
            eps spread evenly over all classes.
        reduction: "mean" (default), "sum" or "none" (one loss per sample).
        granularity: "coarse" (one node) or "fine" (log_softmax from primitives, gather, mean).

    Example (the lecture: scores [0.6, -2.3, 1.9], true class 0):
        >>> import fcnn
        >>> loss = cross_entropy(fcnn.tensor([[0.6, -2.3, 1.9]]), [0])
        >>> round(float(loss), 3)          # natural log; / ln(10) gives the lecture's 0.67
        1.553
    """
    labels = check_labels(scores, labels)
    _check_reduction(reduction)
    if not 0 <= label_smoothing < 1:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}.")
    if not _is_fine(granularity):
        return _SoftmaxCrossEntropy.apply(scores, labels=labels, label_smoothing=label_smoothing,
                                          reduction=reduction)
    log_q = log_softmax(scores, axis=1, granularity="fine")
    per_sample = -log_q.gather(labels[:, None], axis=1).reshape(-1)
    if label_smoothing:
        per_sample = per_sample * (1 - label_smoothing) - log_q.mean(axis=1) * label_smoothing
    return _reduce(per_sample, reduction)


class _MultiMarginHinge(Function):
    """One node: L_i = sum_{j != y_i} max(0, s_j - s_y + margin).

    dL/ds_j = 1 where the margin is violated (j != y_i); dL/ds_y = -(number violated).
    """

    name = "hinge"

    def forward(self, scores, labels, margin, reduction):
        n = scores.shape[0]
        rows = np.arange(n)
        margins = scores - scores[rows, labels][:, None] + margin
        margins[rows, labels] = 0
        self.violated = margins > 0
        self.labels, self.reduction = labels, reduction
        return _reduce_array((margins * self.violated).sum(axis=1), reduction)

    def backward(self, grad):
        n = self.violated.shape[0]
        local = self.violated.astype(grad.dtype)
        local[np.arange(n), self.labels] = -local.sum(axis=1)
        return (local * _grad_scale(grad, self.reduction, n),)


def hinge_loss(scores: Tensor, labels: Any, margin: float = 1.0, reduction: str = "mean",
               granularity: str = "coarse") -> Tensor:
    """Multiclass SVM (hinge) loss, exactly as the lecture writes it.

    L_i = sum over j != y_i of max(0, s_ij - s_{i,y_i} + margin), averaged over the batch.
    Equals ``C * torch.nn.MultiMarginLoss`` (which also divides by the number of classes C).

    Example (the lecture: scores [0.6, -2.3, 1.9], true class 0 gives 2.3):
        >>> import fcnn
        >>> round(float(hinge_loss(fcnn.tensor([[0.6, -2.3, 1.9]]), [0])), 4)
        2.3
    """
    labels = check_labels(scores, labels)
    _check_reduction(reduction)
    if not _is_fine(granularity):
        return _MultiMarginHinge.apply(scores, labels=labels, margin=margin, reduction=reduction)
    n, num_classes = scores.shape
    others = np.ones((n, num_classes), dtype=scores.dtype)
    others[np.arange(n), labels] = 0
    correct = scores.gather(labels[:, None], axis=1)
    per_sample = ((scores - correct + margin).maximum(0.0) * Tensor(others)).sum(axis=1)
    return _reduce(per_sample, reduction)


def l2_penalty(parameters: Iterable[Tensor], strength: float) -> Tensor:
    """Weight decay as a loss term: strength / 2 * sum of squared weights.

    Its gradient, strength * w, is what an optimizer's ``weight_decay=strength`` adds.
    Only weight matrices (ndim >= 2) are penalised, not biases.
    """
    total: Tensor | float = 0.0
    for p in parameters:
        if p.ndim >= 2:
            total = total + (p * p).sum()
    if not isinstance(total, Tensor):
        return Tensor(0.0)
    return total * (0.5 * strength)


class Loss:
    """A loss with its options bound: ``loss(scores, labels) -> Tensor``."""

    def __init__(self, fn: Callable[..., Tensor], granularity: str = "coarse",
                 **options: Any) -> None:
        self.fn, self.granularity, self.options = fn, granularity, options

    def __call__(self, scores: Tensor, labels: Any) -> Tensor:
        return self.fn(scores, labels, granularity=self.granularity, **self.options)

    def __repr__(self) -> str:
        opts = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return f"Loss({self.fn.__name__}, granularity={self.granularity!r}{opts})"


class CrossEntropyLoss(Loss):
    """Softmax cross-entropy loss module (see :func:`cross_entropy`)."""

    def __init__(self, label_smoothing: float = 0.0, reduction: str = "mean",
                 granularity: str = "coarse") -> None:
        super().__init__(cross_entropy, granularity, label_smoothing=label_smoothing,
                         reduction=reduction)


class HingeLoss(Loss):
    """Multiclass SVM hinge loss module (see :func:`hinge_loss`)."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean",
                 granularity: str = "coarse") -> None:
        super().__init__(hinge_loss, granularity, margin=margin, reduction=reduction)


LOSSES: dict[str, type[Loss]] = {
    "ce": CrossEntropyLoss,
    "cross_entropy": CrossEntropyLoss,
    "hinge": HingeLoss,
    "svm": HingeLoss,
}


def get_loss(name: str, **options: Any) -> Loss:
    """A loss by name (``"ce"``/``"cross_entropy"`` or ``"hinge"``/``"svm"``)."""
    key = name.lower().replace("-", "_")
    if key not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; valid names: {', '.join(LOSSES)}.")
    return LOSSES[key](**options)
