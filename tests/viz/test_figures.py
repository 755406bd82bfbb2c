"""Activation, softmax, loss, entropy, boundary, template and training figures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fcnn.metrics import precision_recall_f1
from fcnn.nn import MLP
from fcnn.train import History
from fcnn.viz.boundary import (
    Architecture,
    depth_architectures,
    plot_separability,
    plot_structure_grid,
    width_architectures,
)
from fcnn.viz.curves import activation_curve, plot_activations, plot_softmax
from fcnn.viz.lecture import collapse_error
from fcnn.viz.losses import (
    LECTURE_MODELS,
    compare_losses,
    plot_entropy_examples,
    plot_loss_comparison,
)
from fcnn.viz.style import save_figure
from fcnn.viz.templates import plot_linear_templates, plot_two_layer_templates, rows_as_images
from fcnn.viz.training import write_training_figures

from .helpers import assert_figure_files


def test_activation_curves_and_derivatives_come_from_the_engine(tmp_path):
    x = np.array([-2.0, -0.5, 0.5, 2.0])
    y, dy = activation_curve("sigmoid", x)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(y, s)
    np.testing.assert_allclose(dy, s * (1 - s))
    y, dy = activation_curve("leaky_relu", x, negative_slope=0.1)
    np.testing.assert_allclose(y, [-0.2, -0.05, 0.5, 2.0])
    np.testing.assert_allclose(dy, [0.1, 0.1, 1.0, 1.0])
    plot_activations(tmp_path / "act")
    assert_figure_files(tmp_path / "act")


def test_softmax_chart(tmp_path):
    fig = plot_softmax([1.3, 5.1, 2.2, 0.7, 1.1], path=tmp_path / "softmax")
    labels = [t.get_text() for t in fig.axes[1].texts]
    assert labels == ["0.02", "0.90", "0.05", "0.01", "0.02"]  # the lecture's slide
    assert_figure_files(tmp_path / "softmax")
    with pytest.raises(ValueError, match="class names"):
        plot_softmax([1.0, 2.0], ["a"])


def test_loss_comparison_matches_the_formulas(tmp_path):
    rows = compare_losses(LECTURE_MODELS, true_class=0, base=10)
    for row in rows:
        s = row.scores
        q = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
        np.testing.assert_allclose(row.probabilities, q)
        assert row.hinge == sum(max(0.0, s[j] - s[0] + 1) for j in (1, 2))
        assert row.cross_entropy == pytest.approx(-math.log10(q[0]), abs=1e-15)
    a, b, c = rows
    assert b.cross_entropy == pytest.approx(0.2395, abs=5e-5)
    assert c.cross_entropy == 0.0                      # 1 - 3.4e-48 is 1 in float64
    assert c.cross_entropy_exact == pytest.approx(2 * math.exp(-110) / math.log(10), rel=1e-12)
    plot_loss_comparison(rows, path=tmp_path / "losses")
    assert_figure_files(tmp_path / "losses")
    plot_entropy_examples(tmp_path / "entropy")
    assert_figure_files(tmp_path / "entropy")
    with pytest.raises(ValueError, match="base"):
        compare_losses(LECTURE_MODELS, base=1)


def test_architectures_count_layers_like_the_lecture():
    assert [a.hidden for a in depth_architectures([2, 3, 4], 6)] == [(6,), (6, 6), (6, 6, 6)]
    assert width_architectures([3])[0].title == "2-layer net, hidden 3 (relu)"
    assert Architecture((6, 6), "identity").title == "3-layer net, hidden 6-6 (no activation)"
    with pytest.raises(ValueError, match="positive"):
        width_architectures([0])


def test_boundary_grids_train_and_draw(tmp_path):
    fig, panels = plot_structure_grid("moons", width_architectures([3, 20]),
                                      without_activation=True, n_samples=60, epochs=3,
                                      progress=False, path=tmp_path / "grid")
    assert [p.architecture.activation for p in panels] == ["relu", "relu", "identity",
                                                           "identity"]
    assert len(fig.axes) == 4 and all(0 <= p.train_accuracy <= 1 for p in panels)
    assert_figure_files(tmp_path / "grid")
    fig, panels = plot_separability(n_samples=60, epochs=30, progress=False,
                                    path=tmp_path / "sep")
    assert panels[0].train_accuracy == 1.0  # blobs are linearly separable
    assert_figure_files(tmp_path / "sep")


def test_panels_train_several_seeds_and_print_accuracy_and_pieces():
    fig, panels = plot_structure_grid("moons", width_architectures([4]), without_activation=True,
                                      n_samples=60, noise=0.2, twist=0.0, epochs=30,
                                      seeds=(0, 1, 2), progress=False)
    relu, linear = panels
    assert [run.seed for run in relu.runs] == [0, 1, 2]
    assert relu.train_accuracy == pytest.approx(np.mean(relu.accuracies))
    assert relu.drawn.accuracy == sorted(relu.accuracies)[1]  # the median seed is drawn
    assert all(count == 1 for count in linear.piece_counts)   # 2 classes, one straight line
    title = fig.axes[0].get_title()
    assert f"{100 * relu.train_accuracy:.1f} ± {100 * relu.accuracy_spread:.1f}% (3 seeds)" \
        in title and "straight pieces" in title
    caption = fig.legends[0].get_title().get_text()
    assert "moons" in caption and "30 epochs" in caption and "counted exactly" in caption
    tanh = plot_structure_grid("moons", width_architectures([4], "tanh"), n_samples=40,
                               twist=0.0, epochs=2, seeds=(0,), progress=False)[1][0]
    assert tanh.mean_pieces is None and "pieces" not in " ".join(tanh.summary())
    with pytest.raises(ValueError, match="seeds"):
        plot_structure_grid("moons", width_architectures([2]), seeds=(), progress=False)


def test_a_net_without_activations_is_a_linear_classifier():
    assert collapse_error(seed=3) < 1e-5


def test_templates(tmp_path):
    images = rows_as_images(np.arange(24.0).reshape(2, 12), (3, 2, 2))
    assert images.shape == (2, 2, 2, 3) and images.min() == 0 and images.max() == 1
    assert images[0, 0, 1, 0] == pytest.approx(1 / 11)  # CHW order: channel 0, row 0, col 1
    names = [str(i) for i in range(10)]
    plot_linear_templates(MLP(64, [], 10), (1, 8, 8), names, path=tmp_path / "linear")
    assert_figure_files(tmp_path / "linear")
    plot_two_layer_templates(MLP(192, [12], 10), (3, 8, 8), names, n_templates=6,
                             path=tmp_path / "two")
    assert_figure_files(tmp_path / "two")
    with pytest.raises(ValueError, match="pca"):
        plot_linear_templates(MLP(30, [], 10), (1, 8, 8), names)


def test_templates_have_a_colour_scale_and_say_which_rows_are_shown():
    names = [str(i) for i in range(10)]
    model = MLP(64, [], 10, seed=0)
    fig = plot_linear_templates(model, (1, 8, 8), names)
    *templates, bar = fig.axes
    assert len(templates) == 10 and "weight value" in bar.get_ylabel()
    limits = {ax.images[0].get_clim() for ax in templates}
    limit = float(np.abs(model.layers[0].weight.data).max())
    assert limits == {(-limit, limit)}  # one shared scale, zero in the middle
    assert "all 10 rows of W" in fig.get_supxlabel() and "red positive" in fig.get_supxlabel()
    two = MLP(192, [12], 10, seed=0)
    fig = plot_two_layer_templates(two, (3, 8, 8), names, n_templates=4)
    top, bottom = fig.subfigs
    w2 = two.layers[2].weight.data
    chosen = sorted(np.argsort(-np.abs(w2).max(axis=0))[:4])
    caption = bottom.get_supxlabel()
    assert f"rows {', '.join(map(str, chosen))} of W1" in caption and "of 12" in caption
    assert "rescaled" in caption and "minimum (black)" in caption
    labels = [ax.get_ylabel() for ax in top.axes] + [ax.get_ylabel() for ax in bottom.axes]
    assert "each template rescaled" in labels and "W2 weight" in labels
    with pytest.raises(ValueError, match="two-layer"):
        plot_two_layer_templates(MLP(64, [4, 4], 10), (1, 8, 8), names)


def test_training_figures(tmp_path):
    history = History()
    for epoch in range(1, 4):
        history.append({"epoch": epoch, "loss": 1 / epoch, "accuracy": 0.5 + 0.1 * epoch,
                        "val_loss": 1.2 / epoch, "val_accuracy": 0.5 + 0.08 * epoch})
    y_true = np.array([0, 1, 2, 2, 1, 0])
    y_pred = np.array([0, 2, 2, 2, 1, 0])
    files = write_training_figures(tmp_path, history, y_true, y_pred, ["a", "b", "c"])
    assert sorted(f.name for f in files) == sorted(
        f"{n}.{e}" for n in ("history", "confusion_matrix", "per_class") for e in ("png", "svg"))
    for stem in ("history", "confusion_matrix", "per_class"):
        assert_figure_files(tmp_path / stem)
    report = precision_recall_f1(y_true, y_pred, class_names=["a", "b", "c"])
    assert report.recall[1] == 0.5


def test_save_figure_rejects_unknown_formats(tmp_path):
    from fcnn.viz.style import new_figure
    with pytest.raises(ValueError, match="png, svg"):
        save_figure(new_figure(2, 2), tmp_path / "x", formats=("jpg",))
