"""Softmax cross-entropy vs multiclass SVM (hinge) loss, and entropy, with the engine's numbers.

The lecture's table: three models score a starfish image (classes starfish, lobster,
shark). All three classify it right, so the hinge loss is 0 for each, while the
cross-entropy still tells a confident model (A, C) from a hesitant one (B).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from fcnn import info
from fcnn.engine import Tensor
from fcnn.nn import cross_entropy, hinge_loss
from fcnn.viz.curves import softmax_probabilities
from fcnn.viz.graph import format_number
from fcnn.viz.i18n import class_label, term, tr
from fcnn.viz.style import CLASS_COLORS, new_figure, save_figure
from fcnn.viz.text import Table

#: the lecture's loss-comparison table (scores for starfish, lobster, shark; truth starfish)
LECTURE_MODELS = {"A": (10.0, -2.0, -3.0), "B": (10.0, 9.0, 9.0), "C": (10.0, -100.0, -100.0)}
LECTURE_CLASSES = ("starfish", "lobster", "shark")


@dataclass
class LossRow:
    """One model's scores, softmax probabilities and both losses."""

    name: str
    scores: np.ndarray
    probabilities: np.ndarray
    cross_entropy: float        # engine, float64, in log base ``base``
    cross_entropy_exact: float  # log1p(sum_j e^{s_j - s_y}) / ln(base): no rounding to 1
    hinge: float
    base: float


def compare_losses(models: Mapping[str, Sequence[float]], true_class: int = 0,
                   base: float = 10.0, margin: float = 1.0) -> list[LossRow]:
    """Softmax probabilities, cross-entropy (log ``base``) and hinge loss of each model's scores.

    The cross-entropy comes from the engine's ``fcnn.nn.cross_entropy`` in float64
    (natural log, divided by ln(base)); ``cross_entropy_exact`` evaluates the same
    formula as log1p(sum_{j != y} e^{s_j - s_y}), which keeps losses far below
    float64's resolution near 1 (model C: about 1e-48) instead of rounding them to 0.

    Example (the lecture's models, log base 10 as in the lecture):
        >>> rows = compare_losses(LECTURE_MODELS)
        >>> [round(r.cross_entropy, 3) for r in rows], [r.hinge for r in rows]
        ([0.0, 0.239, 0.0], [0.0, 0.0, 0.0])
    """
    if not base > 0 or base == 1:
        raise ValueError(f"base must be positive and not 1 (e.g. 10, 2, math.e), got {base}.")
    rows = []
    for name, values in models.items():
        scores = np.asarray(values, dtype=np.float64)
        if scores.ndim != 1 or scores.size < 2:
            raise ValueError(f"model {name}: expected a vector of at least two class scores, "
                             f"got {list(np.ravel(values))}.")
        if not 0 <= true_class < scores.size:
            raise ValueError(f"true_class must be in 0..{scores.size - 1}, got {true_class}.")
        batch = Tensor(scores[None, :])
        ce = float(cross_entropy(batch, [true_class]).data) / math.log(base)
        others = np.delete(scores, true_class) - scores[true_class]
        exact = float(np.log1p(np.exp(others).sum())) / math.log(base)
        hinge = float(hinge_loss(batch, [true_class], margin=margin).data)
        rows.append(LossRow(name, scores, softmax_probabilities(scores), ce, exact, hinge, base))
    return rows


def _log_name(base: float) -> str:
    return {10.0: "log10", 2.0: "log2", math.e: "ln"}.get(base, f"log{base:g}")


def loss_table(rows: Sequence[LossRow], class_names: Sequence[str] = LECTURE_CLASSES,
               digits: int = 3) -> Table:
    """Scores, softmax probabilities, cross-entropy and hinge loss per model, as a Table."""
    log_name = _log_name(rows[0].base if rows else 10.0)
    names = [class_label(c) for c in class_names]
    header = ([tr("loss.model")] + [f"s({c})" for c in names] + [f"q({c})" for c in names]
              + [tr("loss.ce_engine", log=log_name), tr("loss.ce_exact", log=log_name),
                 tr("loss.hinge_short")])
    table = []
    for r in rows:
        table.append([r.name] + [f"{s:g}" for s in r.scores]
                     + [format_number(q, digits) for q in r.probabilities]
                     + [format_number(r.cross_entropy, digits),
                        format_number(r.cross_entropy_exact, digits),
                        format_number(r.hinge, digits)])
    return Table(header, table, ["left"] + ["right"] * (len(header) - 1))


def format_loss_table(rows: Sequence[LossRow], class_names: Sequence[str] = LECTURE_CLASSES,
                      digits: int = 3) -> str:
    """A text table: scores, softmax probabilities, cross-entropy and hinge loss per model."""
    return loss_table(rows, class_names, digits).to_text()


def plot_loss_comparison(rows: Sequence[LossRow], class_names: Sequence[str] = LECTURE_CLASSES,
                         path: str | Path | None = None) -> Figure:
    """Left: each model's softmax probabilities. Right: cross-entropy vs hinge loss per model.

    Example:
        >>> fig = plot_loss_comparison(compare_losses(LECTURE_MODELS))
        >>> len(fig.axes)
        2
    """
    fig = new_figure(11.5, 4.2)
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    n_models, n_classes = len(rows), len(class_names)
    width = 0.8 / n_classes
    positions = np.arange(n_models)
    names = [class_label(c) for c in class_names]
    for c, name in enumerate(names):
        values = [r.probabilities[c] for r in rows]
        bars = left.bar(positions + (c - (n_classes - 1) / 2) * width, values, width=width,
                        color=CLASS_COLORS[c % len(CLASS_COLORS)], label=name)
        left.bar_label(bars, labels=[f"{v:.2f}" if v >= 0.005 else f"{v:.0e}" for v in values],
                       fontsize=7, padding=1, rotation=90)
    scores = [", ".join(f"{s:g}" for s in r.scores) for r in rows]
    left.set_xticks(positions, [f"{tr('loss.model_name', name=r.name)}\n[{text}]"
                                for r, text in zip(rows, scores)])
    left.set_ylim(0, 1.25)
    left.set_ylabel(tr("loss.probability_axis"))
    left.set_title(tr("loss.probabilities_title", true=names[0]))
    left.legend(fontsize=9, loc="upper right", ncol=n_classes)
    log_name = _log_name(rows[0].base) if rows else "log"
    ce = [r.cross_entropy_exact for r in rows]
    hinge = [r.hinge for r in rows]
    bars = right.bar(positions - 0.2, ce, width=0.4, color="#1f77b4",
                     label=tr("loss.ce_label", log=log_name))
    right.bar_label(bars, labels=[format_number(v, 3) for v in ce], fontsize=9, padding=2)
    bars = right.bar(positions + 0.2, hinge, width=0.4, color="#ff7f0e",
                     label=tr("loss.hinge_label"))
    right.bar_label(bars, labels=[format_number(v, 3) for v in hinge], fontsize=9, padding=2)
    right.set_xticks(positions, [tr("loss.model_name", name=r.name) for r in rows])
    right.set_ylabel(tr("word.loss"))
    top = max(ce + hinge + [0.1])
    right.set_ylim(0, top * 1.35)
    right.set_title(tr("loss.comparison_title"))
    right.legend(fontsize=9, loc="upper right")
    for ax in (left, right):
        ax.grid(axis="y", alpha=0.3)
    if path is not None:
        save_figure(fig, path)
    return fig


#: the lecture's football matches: (title, outcome probabilities win/draw/loss); a title
#: with a translation in fcnn.viz.strings (key "match.<title>") is shown translated
LECTURE_MATCHES = (
    ("very weak vs very strong team", (0.01, 0.01, 0.98)),
    ("two equally strong teams", (1 / 3, 1 / 3, 1 / 3)),
)


def plot_entropy_examples(path: str | Path | None = None, base: float = 10.0,
                          matches: Sequence[tuple[str, Sequence[float]]] = LECTURE_MATCHES
                          ) -> Figure:
    """Bar charts of outcome distributions, each titled with its entropy H(p) (``fcnn.info``).

    Example:
        >>> fig = plot_entropy_examples()
        >>> "0.477" in fig.axes[1].get_title()
        True
    """
    fig = new_figure(4.2 * len(matches), 3.8)
    log_name = _log_name(base)
    outcomes = [tr("entropy.win"), tr("entropy.draw"), tr("entropy.loss")]
    for i, (title, p) in enumerate(matches):
        ax = fig.add_subplot(1, len(matches), i + 1)
        bars = ax.bar(outcomes if len(p) == 3 else [str(j) for j in range(len(p))], p,
                      color=CLASS_COLORS[:len(p)])
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in p], padding=2)
        h = info.entropy(p, base=base)
        ax.set_ylim(0, 1.15)
        ax.set_ylabel(tr("entropy.probability"))
        ax.set_title(f"{term('match', title)}\nH(p) = {h:.3f}  ({log_name})", fontsize=11)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(tr("entropy.title"))
    if path is not None:
        save_figure(fig, path)
    return fig
