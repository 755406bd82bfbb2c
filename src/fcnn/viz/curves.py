"""Activation functions with their derivatives, and scores -> softmax probabilities.

Every curve is computed by the engine: the function through the activation
table (``fcnn.nn.ACTIVATIONS``), its derivative by ``backward()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from fcnn.engine import Tensor
from fcnn.nn import ACTIVATIONS
from fcnn.nn import functional as F
from fcnn.viz.i18n import class_label, term, tr
from fcnn.viz.style import BACKWARD_COLOR, CLASS_COLORS, FORWARD_COLOR, new_figure, save_figure

#: the lecture's four activations (their titles and formulas are in ``nn.ACTIVATIONS``)
LECTURE_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")


def activation_curve(name: str, x: np.ndarray, granularity: str = "coarse",
                     **options: float) -> tuple[np.ndarray, np.ndarray]:
    """(y, dy/dx) of activation ``name`` at the points ``x``, both from the engine.

    ``options`` are the activation's (``negative_slope=0.1``); those it does not take
    are ignored, so one call can draw every entry of ``nn.ACTIVATIONS``.

    Example:
        >>> y, dy = activation_curve("sigmoid", np.array([0.0]))
        >>> float(y[0]), float(dy[0])
        (0.5, 0.25)
    """
    entry = ACTIVATIONS.get(name)
    inputs = Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    y = entry.target(inputs, granularity=granularity,
                     **entry.resolve({k: v for k, v in options.items() if entry.option(k)}))
    y.sum().backward()
    return y.data.copy(), inputs.grad.copy()


def plot_activations(path: str | Path | None = None, names: Sequence[str] = LECTURE_ACTIVATIONS,
                     negative_slope: float = 0.1, x_range: tuple[float, float] = (-5.0, 5.0)
                     ) -> Figure:
    """One panel per activation: the curve and its derivative (dashed).

    Args:
        path: save as PNG and SVG there (optional).
        names: activation names of ``nn.ACTIVATIONS`` (default: the lecture's four).
        negative_slope: the Leaky ReLU slope k (the lecture suggests 0.1).
        x_range: the interval drawn.

    Example:
        >>> fig = plot_activations()
        >>> len(fig.axes)
        4
    """
    x = np.linspace(*x_range, 401)
    columns = min(len(names), 2)
    rows = -(-len(names) // columns)
    fig = new_figure(5.2 * columns, 3.6 * rows)
    for i, name in enumerate(names):
        ax = fig.add_subplot(rows, columns, i + 1)
        y, dy = activation_curve(name, x, negative_slope=negative_slope)
        entry = ACTIVATIONS.get(name)
        title = term("act", entry.name, default=entry.meta.get("title", entry.name))
        formula = entry.meta.get("formula", "")
        if entry.option("negative_slope") and formula.endswith("$"):
            formula = formula[:-1] + rf",\ k = {negative_slope:g}$"
        ax.plot(x, y, color=FORWARD_COLOR, linewidth=2.2, label="y = f(x)")
        ax.plot(x, dy, color=BACKWARD_COLOR, linewidth=1.8, linestyle="--",
                label=tr("curves.derivative"))
        ax.axhline(0, color="#999999", linewidth=0.8)
        ax.axvline(0, color="#999999", linewidth=0.8)
        # the name and the formula are two titles: mathtext cannot draw Chinese characters
        ax.set_title(title, fontsize=11, loc="left")
        ax.set_title(formula, fontsize=11, loc="right")
        ax.set_xlabel("x")
        ax.set_ylabel("y, dy/dx")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=9)
    if path is not None:
        save_figure(fig, path)
    return fig


def softmax_probabilities(scores: Sequence[float]) -> np.ndarray:
    """q = softmax(scores) computed by the engine in float64.

    Example (the lecture's slide):
        >>> np.round(softmax_probabilities([1.3, 5.1, 2.2, 0.7, 1.1]), 2)
        array([0.02, 0.9 , 0.05, 0.01, 0.02])
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 1 or scores.size < 2:
        raise ValueError(f"softmax needs a vector of at least two scores, got shape "
                         f"{scores.shape}.")
    return F.softmax(Tensor(scores)).data


def plot_softmax(scores: Sequence[float], class_names: Sequence[str] | None = None,
                 true_class: int | None = None, path: str | Path | None = None,
                 title: str | None = None) -> Figure:
    """Bar charts of raw scores f and of q = softmax(f); with ``true_class``, also p (one-hot).

    Example:
        >>> fig = plot_softmax([0.6, -2.3, 1.9], ["starfish", "lobster", "shark"], true_class=0)
        >>> len(fig.axes)
        2
    """
    q = softmax_probabilities(scores)
    names = ([class_label(name) for name in class_names] if class_names is not None
             else [tr("word.class_n", i=i) for i in range(len(q))])
    if len(names) != len(q):
        raise ValueError(f"got {len(names)} class names for {len(q)} scores.")
    if true_class is not None and not 0 <= true_class < len(q):
        raise ValueError(f"true_class must be in 0..{len(q) - 1}, got {true_class}.")
    fig = new_figure(max(8.0, 1.3 * len(q) * 2 + 2), 3.8)
    positions = np.arange(len(q))
    colors = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(len(q))]
    left = fig.add_subplot(1, 2, 1)
    bars = left.bar(positions, scores, color=colors)
    left.bar_label(bars, labels=[f"{s:g}" for s in scores], padding=2)
    left.axhline(0, color="#555555", linewidth=0.8)
    left.set_title(tr("softmax.scores_title"))
    left.set_ylabel(tr("softmax.score"))
    right = fig.add_subplot(1, 2, 2)
    width = 0.4 if true_class is not None else 0.8
    shift = width / 2 if true_class is not None else 0.0
    bars = right.bar(positions - shift, q, width=width, color=colors,
                     label=tr("softmax.q_label"))
    right.bar_label(bars, labels=[f"{v:.2f}" for v in q], padding=2)
    if true_class is not None:
        p = np.zeros(len(q))
        p[true_class] = 1
        right.bar(positions + shift, p, width=width, color="none", edgecolor="#333333",
                  hatch="//", label=tr("softmax.p_label"))
    right.set_ylim(0, 1.15)
    right.set_title(tr("softmax.q_title"))
    right.set_ylabel(tr("softmax.probability"))
    right.legend(fontsize=9, loc="upper left")
    low = min(0.0, float(np.min(scores)))
    left.set_ylim(low * 1.2 - 0.3, max(0.0, float(np.max(scores))) * 1.2 + 0.3)
    for ax in (left, right):
        ax.set_xticks(positions, names)
        ax.grid(axis="y", alpha=0.3)
    if title:
        fig.suptitle(title)
    if path is not None:
        save_figure(fig, path)
    return fig
