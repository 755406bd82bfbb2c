"""The width and depth figures prove the slides' claim with the numbers they print.

"隐藏层神经元越多（越宽），非线性分类能力越强" and "神经网络的层数越多（越深），非线性分类能力越强":
with the lecture's data and training (3 seeds), train accuracy and the number of
straight pieces of the decision boundary both grow with width (3, 6, 20) and depth
(2, 3, 4 layers of 6), and the same nets without activations stay linear. The
numbers are read from the panels the figures draw.
"""

from __future__ import annotations

import re
from math import comb

import pytest

from fcnn.viz.boundary import (
    LECTURE_TRAINING,
    depth_architectures,
    plot_structure_grid,
    width_architectures,
)


@pytest.fixture(scope="module")
def figures():
    assert len(LECTURE_TRAINING["seeds"]) >= 3
    width = plot_structure_grid(architectures=width_architectures([3, 6, 20]), progress=False)
    depth = plot_structure_grid(architectures=depth_architectures([2, 3, 4], 6),
                                without_activation=True, progress=False)
    return width, depth


def drawn_numbers(fig):
    """(accuracy %, mean pieces) as printed in each panel's title."""
    numbers = []
    for ax in fig.axes:
        title = ax.get_title()
        accuracy = re.search(r"train accuracy ([\d.]+) ±", title)
        pieces = re.search(r"boundary: ([\d.]+) straight piece", title)
        numbers.append((float(accuracy.group(1)), float(pieces.group(1))))
    return numbers


def strictly_increasing(values):
    return all(a < b for a, b in zip(values, values[1:]))


def test_wider_nets_fit_better_with_more_complex_boundaries(figures):
    (fig, panels), _ = figures
    assert all(len(p.runs) >= 3 for p in panels)
    printed = drawn_numbers(fig)
    assert [round(100 * p.train_accuracy, 1) for p in panels] == [a for a, _ in printed]
    assert strictly_increasing([a for a, _ in printed])
    assert strictly_increasing([n for _, n in printed])
    # a clear trend, not noise: each step gains more than the seeds' spread
    for small, large in zip(panels, panels[1:]):
        assert large.train_accuracy - small.train_accuracy > small.accuracy_spread
        assert large.mean_pieces > 1.5 * small.mean_pieces


def test_deeper_nets_fit_better_and_without_activation_stay_linear(figures):
    _, (fig, panels) = figures
    relu, linear = panels[:3], panels[3:]
    printed = drawn_numbers(fig)
    assert strictly_increasing([a for a, _ in printed[:3]])
    assert strictly_increasing([n for _, n in printed[:3]])
    for small, large in zip(relu, relu[1:]):
        assert large.train_accuracy > small.train_accuracy
        assert large.mean_pieces > 1.5 * small.mean_pieces
    pairs = comb(3, 2)  # a linear classifier of 3 classes: at most one line per pair
    for panel, deep in zip(linear, relu):
        assert panel.architecture.activation == "identity"
        assert all(count <= pairs for count in panel.piece_counts)
        assert panel.train_accuracy < deep.train_accuracy
