"""The lecture's two losses, and squared error, on raw scores and integer labels.

* Softmax cross-entropy: L_i = -log softmax(s_i)[y_i]  (stable: log-sum-exp).
* Multiclass SVM hinge loss: L_i = sum_{j != y_i} max(0, s_ij - s_{i,y_i} + margin).
* Squared error (TensorFlow Playground's): L_i = 1/2 sum_j (s_ij - onehot(y_i)_j)^2.

All average over the batch by default (``reduction="mean"``). At
``granularity="coarse"`` each is one node of ``fcnn.engine.fused``; at ``"fine"`` it is
built from primitive ops. :data:`LOSSES` is the table of them by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from fcnn.engine import Tensor, fused
from fcnn.nn.functional import is_fine, log_softmax
from fcnn.registry import Option, Registry

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


def cross_entropy(scores: Tensor, labels: Any, label_smoothing: float = 0.0,
                  reduction: str = "mean", *, granularity: str = "coarse") -> Tensor:
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
    if not is_fine(granularity):
        return fused.SoftmaxCrossEntropy.apply(scores, labels=labels,
                                               label_smoothing=label_smoothing,
                                               reduction=reduction)
    log_q = log_softmax(scores, axis=1, granularity="fine")
    per_sample = -log_q.gather(labels[:, None], axis=1).reshape(-1)
    if label_smoothing:
        per_sample = per_sample * (1 - label_smoothing) - log_q.mean(axis=1) * label_smoothing
    return _reduce(per_sample, reduction)


def hinge_loss(scores: Tensor, labels: Any, margin: float = 1.0, reduction: str = "mean", *,
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
    if not is_fine(granularity):
        return fused.MultiMarginHinge.apply(scores, labels=labels, margin=margin,
                                            reduction=reduction)
    n, num_classes = scores.shape
    others = np.ones((n, num_classes), dtype=scores.dtype)
    others[np.arange(n), labels] = 0
    correct = scores.gather(labels[:, None], axis=1)
    per_sample = ((scores - correct + margin).maximum(0.0) * Tensor(others)).sum(axis=1)
    return _reduce(per_sample, reduction)


def squared_error(scores: Tensor, labels: Any, reduction: str = "mean", *,
                  granularity: str = "coarse") -> Tensor:
    """Squared error against one-hot targets: L_i = 1/2 sum_j (s_ij - t_ij)^2.

    The loss of TensorFlow Playground (there on one output in [-1, 1]); here on the raw
    scores of every class, with t the one-hot vector of the label.

    Example:
        >>> import fcnn
        >>> float(squared_error(fcnn.tensor([[0.5, 0.0, 1.0]]), [2]))
        0.125
    """
    labels = check_labels(scores, labels)
    _check_reduction(reduction)
    if not is_fine(granularity):
        return fused.SquaredError.apply(scores, labels=labels, reduction=reduction)
    target = np.zeros(scores.shape, dtype=scores.dtype)
    target[np.arange(len(labels)), labels] = 1
    diff = scores - Tensor(target)
    return _reduce((diff * diff).sum(axis=1) * 0.5, reduction)


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
    """A loss with its options bound: ``loss(scores, labels) -> Tensor``.

    Subclasses set ``function`` (one of the loss functions above) and pass its options
    to ``__init__``.
    """

    function: Any = None

    def __init__(self, granularity: str = "coarse", **options: Any) -> None:
        self.granularity, self.options = granularity, options

    def __call__(self, scores: Tensor, labels: Any) -> Tensor:
        return type(self).function(scores, labels, granularity=self.granularity, **self.options)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        granularity = "" if self.granularity == "coarse" else f"granularity={self.granularity!r}"
        return f"{type(self).__name__}({', '.join(filter(None, [shown, granularity]))})"


class CrossEntropyLoss(Loss):
    """Softmax cross-entropy loss module (see :func:`cross_entropy`).

    Example:
        >>> CrossEntropyLoss(label_smoothing=0.1)
        CrossEntropyLoss(label_smoothing=0.1, reduction='mean')
    """

    function = cross_entropy

    def __init__(self, label_smoothing: float = 0.0, reduction: str = "mean", *,
                 granularity: str = "coarse") -> None:
        super().__init__(granularity, label_smoothing=label_smoothing, reduction=reduction)


class HingeLoss(Loss):
    """Multiclass SVM hinge loss module (see :func:`hinge_loss`)."""

    function = hinge_loss

    def __init__(self, margin: float = 1.0, reduction: str = "mean", *,
                 granularity: str = "coarse") -> None:
        super().__init__(granularity, margin=margin, reduction=reduction)


class SquaredErrorLoss(Loss):
    """Squared error against one-hot targets (see :func:`squared_error`)."""

    function = squared_error

    def __init__(self, reduction: str = "mean", *, granularity: str = "coarse") -> None:
        super().__init__(granularity, reduction=reduction)


LOSSES = Registry("loss")
LOSSES.add("cross_entropy", CrossEntropyLoss, aliases=("ce", "softmax", "cross-entropy"),
           help="softmax cross-entropy -log softmax(s)[y]",
           options=(Option("label_smoothing", float, 0.0, low=0, high=1, high_open=True,
                           help="eps: the target puts 1 - eps on the label, eps spread evenly"),),
           title="softmax cross-entropy", function=cross_entropy, torch=("CrossEntropyLoss", {}))
LOSSES.add("hinge", HingeLoss, aliases=("svm", "multiclass_hinge", "multi_margin"),
           help="multiclass SVM loss sum_{j != y} max(0, s_j - s_y + margin)",
           options=(Option("margin", float, 1.0, low=0, low_open=True,
                           help="the margin Delta of the hinge loss"),),
           title="multiclass SVM (hinge)", function=hinge_loss)
LOSSES.add("squared_error", SquaredErrorLoss, aliases=("mse", "l2", "square"),
           help="1/2 sum_j (s_j - onehot(y)_j)^2 (TensorFlow Playground's loss)",
           title="squared error", function=squared_error)


def get_loss(name: str, *, granularity: str = "coarse", reduction: str = "mean",
             **options: Any) -> Loss:
    """A loss by name of :data:`LOSSES` (or an alias: ``"ce"``, ``"svm"``, ``"mse"``...).

    Example:
        >>> get_loss("svm", margin=2.0)
        HingeLoss(margin=2.0, reduction='mean')
    """
    return LOSSES.create(name, options=options, granularity=granularity, reduction=reduction)
