"""Training figures: loss and accuracy curves, confusion matrix, per-class precision/recall/F1."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from fcnn.metrics import ClassificationReport, confusion_matrix, precision_recall_f1
from fcnn.run import RunResult
from fcnn.train.callbacks import History
from fcnn.viz.i18n import class_label, tr
from fcnn.viz.style import new_figure, save_figure


def plot_history(history: History, path: str | Path | None = None,
                 title: str | None = None) -> Figure:
    """Loss (left) and accuracy (right) per epoch, training vs validation when present.

    Example:
        >>> h = History()
        >>> for e, (l, a) in enumerate([(1.0, 0.5), (0.6, 0.8)], 1):
        ...     h.append({"epoch": e, "loss": l, "accuracy": a})
        >>> len(plot_history(h).axes)
        2
    """
    if len(history) == 0:
        raise ValueError("the History is empty: train for at least one epoch first.")
    epochs = history["epoch"] or list(range(1, len(history) + 1))
    fig = new_figure(10.0, 3.8)
    for i, metric in enumerate(("loss", "accuracy")):
        ax = fig.add_subplot(1, 2, i + 1)
        label = tr(f"word.{metric}")
        train = history[metric]
        if train:
            ax.plot(epochs[:len(train)], train, marker="o", markersize=3,
                    label=tr("history.training"))
        validation = history[f"val_{metric}"]
        if validation:
            ax.plot(epochs[:len(validation)], validation, marker="s", markersize=3,
                    label=tr("history.validation"))
        if history.best_epoch:
            ax.axvline(history.best_epoch, color="#999999", linestyle=":",
                       label=tr("history.best_epoch", epoch=history.best_epoch))
        ax.set_xlabel(tr("word.epoch"))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(label)
        ax.set_title(tr("history.per_epoch", metric=label))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9)
    if title:
        fig.suptitle(title)
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_confusion_matrix(matrix: np.ndarray, class_names: Sequence[str],
                          path: str | Path | None = None, normalize: bool = True) -> Figure:
    """Heat map of C[true, predicted]; with ``normalize`` each row shows fractions of its class.

    Cells hold the count (and the row fraction when normalised).

    Example:
        >>> fig = plot_confusion_matrix(np.array([[5, 1], [0, 4]]), ["cat", "dog"])
        >>> fig.axes[0].get_xlabel()
        'predicted class'
    """
    matrix = np.asarray(matrix)
    n = len(class_names)
    if matrix.shape != (n, n):
        raise ValueError(f"a confusion matrix for {n} classes must have shape ({n}, {n}), "
                         f"got {matrix.shape}.")
    totals = matrix.sum(axis=1, keepdims=True)
    shown = matrix / np.where(totals > 0, totals, 1) if normalize else matrix
    size = max(4.5, 0.55 * n + 2.5)
    fig = new_figure(size + 1.0, size)
    ax = fig.add_subplot()
    image = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    fig.colorbar(image, ax=ax,
                 label=tr("confusion.fraction" if normalize else "confusion.count"))
    fontsize = 9 if n <= 10 else 7
    for i in range(n):
        for j in range(n):
            text = f"{matrix[i, j]}" + (f"\n{shown[i, j]:.0%}" if normalize and n <= 12 else "")
            color = "white" if shown[i, j] > 0.6 * (shown.max() or 1) else "black"
            ax.text(j, i, text, ha="center", va="center", fontsize=fontsize, color=color)
    names = [class_label(c) for c in class_names]
    ax.set_xticks(range(n), names, rotation=45 if n > 5 else 0, ha="right" if n > 5
                  else "center")
    ax.set_yticks(range(n), names)
    ax.set_xlabel(tr("confusion.predicted"))
    ax.set_ylabel(tr("confusion.true"))
    accuracy = np.trace(matrix) / max(matrix.sum(), 1)
    ax.set_title(tr("confusion.title", acc=accuracy))
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_per_class(report: ClassificationReport, path: str | Path | None = None) -> Figure:
    """Grouped bars of precision, recall and F1 for each class, with the macro averages."""
    n = len(report.class_names)
    fig = new_figure(max(7.0, 0.75 * n + 2.5), 3.9)
    ax = fig.add_subplot()
    positions = np.arange(n)
    for k, (name, values, macro) in enumerate((
            (tr("metric.precision"), report.precision, report.macro_precision),
            (tr("metric.recall"), report.recall, report.macro_recall),
            (tr("metric.f1"), report.f1, report.macro_f1))):
        ax.bar(positions + (k - 1) * 0.27, values, width=0.27,
               label=tr("metric.macro", name=name, value=macro))
    ax.set_xticks(positions, [class_label(c) for c in report.class_names],
                  rotation=45 if n > 5 else 0, ha="right" if n > 5 else "center")
    ax.set_ylim(0, 1.12)
    ax.set_ylabel(tr("metric.score"))
    ax.set_title(tr("metric.title", acc=report.accuracy))
    ax.legend(fontsize=9, ncol=3, loc="upper center")
    ax.grid(axis="y", alpha=0.3)
    if path is not None:
        save_figure(fig, path)
    return fig


def write_training_figures(folder: str | Path, history: History, y_true: np.ndarray,
                           y_pred: np.ndarray, class_names: Sequence[str]) -> list[Path]:
    """Write ``history``, ``confusion_matrix`` and ``per_class`` (PNG + SVG) into ``folder``.

    Returns the files written. (The precision/recall/F1 table itself is the run's report.txt.)
    """
    folder = Path(folder)
    report = precision_recall_f1(y_true, y_pred, num_classes=len(class_names),
                                 class_names=class_names)
    matrix = confusion_matrix(y_true, y_pred, num_classes=len(class_names))
    files: list[Path] = []
    if len(history):
        files += save_figure(plot_history(history), folder / "history")
    files += save_figure(plot_confusion_matrix(matrix, class_names), folder / "confusion_matrix")
    files += save_figure(plot_per_class(report), folder / "per_class")
    return files


def write_run_figures(folder: str | Path, result: RunResult) -> list[Path]:
    """The training figures of a finished run, as an artifact writer of ``run_experiment``."""
    return write_training_figures(folder, result.history, result.y_test, result.predictions,
                                  result.class_names)
