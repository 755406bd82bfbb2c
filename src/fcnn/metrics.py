"""Classification metrics: accuracy, precision, recall, F1, confusion matrix.

Precision answers the lecture's quiz: "of everything classified positive, how much
is truly positive?"  Recall: "of everything truly positive, how much was found?"
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


def _labels(y: Any, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-d array of class indices, got shape {y.shape}.")
    if y.size and y.dtype.kind not in "iu":
        if not (y.dtype.kind == "f" and np.all(y == np.round(y))):
            raise ValueError(f"{name} must hold integer class indices, got dtype {y.dtype}.")
        y = y.astype(np.int64)
    if y.size and y.min() < 0:
        raise ValueError(f"{name} must hold class indices >= 0, found {y.min()}.")
    return y.astype(np.int64, copy=False)


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got {len(y_true)} and "
                         f"{len(y_pred)}.")
    return y_true, y_pred


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of samples whose predicted class is the true class.

    Example:
        >>> accuracy([0, 1, 1, 2], [0, 1, 2, 2])
        0.75
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred)) if y_true.size else 0.0


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int | None = None) -> np.ndarray:
    """C[i, j] = number of samples of true class i predicted as class j.

    Example:
        >>> confusion_matrix([0, 1, 1], [0, 1, 0])
        array([[1, 0],
               [1, 1]])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if num_classes is None:
        num_classes = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    if y_true.size and max(y_true.max(), y_pred.max()) >= num_classes:
        raise ValueError(f"labels must be < num_classes={num_classes}.")
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


@dataclass
class ClassificationReport:
    """Per-class precision, recall, F1 and support, their macro averages, and accuracy."""

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    accuracy: float
    class_names: list[str]

    @property
    def macro_precision(self) -> float:
        return float(self.precision.mean())

    @property
    def macro_recall(self) -> float:
        return float(self.recall.mean())

    @property
    def macro_f1(self) -> float:
        return float(self.f1.mean())

    def to_text(self) -> str:
        """A printable table, one row per class, then the macro average and accuracy."""
        width = max(12, *(len(n) for n in self.class_names))
        lines = [f"{'class':<{width}} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>8}"]
        for i, name in enumerate(self.class_names):
            lines.append(f"{name:<{width}} {self.precision[i]:9.4f} {self.recall[i]:9.4f} "
                         f"{self.f1[i]:9.4f} {int(self.support[i]):8d}")
        total = int(self.support.sum())
        lines.append(f"{'macro avg':<{width}} {self.macro_precision:9.4f} "
                     f"{self.macro_recall:9.4f} {self.macro_f1:9.4f} {total:8d}")
        lines.append(f"{'accuracy':<{width}} {'':9} {'':9} {self.accuracy:9.4f} {total:8d}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy, "macro_precision": self.macro_precision,
            "macro_recall": self.macro_recall, "macro_f1": self.macro_f1,
            "per_class": {name: {"precision": float(self.precision[i]),
                                 "recall": float(self.recall[i]), "f1": float(self.f1[i]),
                                 "support": int(self.support[i])}
                          for i, name in enumerate(self.class_names)},
        }


def precision_recall_f1(y_true: Any, y_pred: Any, num_classes: int | None = None,
                        class_names: Sequence[str] | None = None) -> ClassificationReport:
    """Per-class precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2PR / (P + R).

    A class never predicted has precision 0 (likewise recall for a class absent
    from ``y_true``), as in scikit-learn with ``zero_division=0``.

    Example:
        >>> report = precision_recall_f1([0, 0, 1, 1], [0, 1, 1, 1])
        >>> report.precision.round(3), report.recall.round(3)
        (array([1.   , 0.667]), array([0.5, 1. ]))
    """
    if num_classes is None and class_names is not None:
        num_classes = len(class_names)
    matrix = confusion_matrix(y_true, y_pred, num_classes)
    true_positive = np.diag(matrix).astype(np.float64)
    predicted, actual = matrix.sum(axis=0), matrix.sum(axis=1)
    precision = np.divide(true_positive, predicted, out=np.zeros_like(true_positive),
                          where=predicted > 0)
    recall = np.divide(true_positive, actual, out=np.zeros_like(true_positive), where=actual > 0)
    denominator = precision + recall
    f1 = np.divide(2 * precision * recall, denominator, out=np.zeros_like(true_positive),
                   where=denominator > 0)
    names = list(class_names) if class_names is not None else [str(i) for i in range(len(matrix))]
    if len(names) != len(matrix):
        raise ValueError(f"got {len(names)} class names for {len(matrix)} classes.")
    total = matrix.sum()
    acc = float(true_positive.sum() / total) if total else 0.0
    return ClassificationReport(precision, recall, f1, actual, acc, names)
