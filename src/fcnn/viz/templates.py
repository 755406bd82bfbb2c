"""Weight templates: each row of W drawn as an image (the lecture: "W can be seen as templates").

For a linear classifier f = Wx + b, row c of W has one weight per pixel, so it can be
shown as an image: the picture class c "looks for". For a two-layer net, the rows
of W1 are templates too (as many as hidden neurons) and W2 says how each class
combines their matches. Grey-image templates are drawn as weights on one shared
red (positive) / blue (negative) scale; colour-image templates are each rescaled
from their own minimum (black) to maximum (white). A colour bar and a caption say
which, and which rows of W are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure, SubFigure

from fcnn.nn import Linear, Module
from fcnn.viz.i18n import class_label, tr
from fcnn.viz.style import new_figure, save_figure


def linear_layers(model: Module) -> list[Linear]:
    """The Linear layers of ``model`` in order (W1 first)."""
    return [m for m in model.modules() if isinstance(m, Linear)]


def rows_as_images(weight: np.ndarray, image_shape: Sequence[int]) -> np.ndarray:
    """Rows of ``weight`` (k, C*H*W) as images (k, H, W, C), or (k, H, W) if C = 1, each in [0, 1].

    Rows are flattened CHW vectors, as ``fcnn.data`` stores images.

    Example:
        >>> rows_as_images(np.arange(8.0).reshape(2, 4), (1, 2, 2))[0]
        array([[0.        , 0.33333333],
               [0.66666667, 1.        ]])
    """
    weight = np.asarray(weight, dtype=np.float64)
    if len(image_shape) != 3:
        raise ValueError(f"image_shape must be (channels, height, width), got {image_shape}.")
    channels, height, width = (int(v) for v in image_shape)
    if weight.ndim != 2 or weight.shape[1] != channels * height * width:
        raise ValueError(
            f"templates need one weight per pixel: a weight of shape "
            f"(k, {channels * height * width}) for images of shape {tuple(image_shape)}, got "
            f"{weight.shape}. Was the model trained "
            f"with 'pca' preprocessing (which changes the number of features)?")
    low = weight.min(axis=1, keepdims=True)
    span = weight.max(axis=1, keepdims=True) - low
    scaled = (weight - low) / np.where(span > 0, span, 1.0)
    images = scaled.reshape(-1, channels, height, width).transpose(0, 2, 3, 1)
    return images[..., 0] if channels == 1 else images


def _show(ax: object, image: np.ndarray, title: str, **options: object) -> object:
    shown = ax.imshow(image, interpolation="nearest", **options)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    return shown


def draw_templates(figure: Figure | SubFigure, weight: np.ndarray, image_shape: Sequence[int],
                   titles: Sequence[str], columns: int) -> str:
    """Each row of ``weight`` as an image on ``figure``, with a colour bar; returns its meaning.

    One channel (grey images): the weights themselves on one shared, symmetric scale,
    red positive, blue negative, white zero, so templates can be compared. Three
    channels (colour images): each template rescaled from its own minimum (black) to
    maximum (white), all channels alike, so its colours show what it responds to.
    """
    channels = int(image_shape[0])
    weight = np.asarray(weight, dtype=np.float64)
    rows = -(-len(weight) // columns)
    axes = [figure.add_subplot(rows, columns, i + 1) for i in range(len(weight))]
    if channels == 1:
        height, width = int(image_shape[1]), int(image_shape[2])
        limit = float(np.abs(weight).max()) or 1.0
        for ax, row, title in zip(axes, weight, titles):
            shown = _show(ax, row.reshape(height, width), title, cmap="RdBu_r", vmin=-limit,
                          vmax=limit)
        figure.colorbar(shown, ax=axes, shrink=0.85, label=tr("templates.weight_value"))
        return tr("templates.scale_weights")
    for ax, image, title in zip(axes, rows_as_images(weight, image_shape), titles):
        _show(ax, image, title, vmin=0, vmax=1)
    scale = ScalarMappable(norm=Normalize(0, 1), cmap="gray")
    bar = figure.colorbar(scale, ax=axes, shrink=0.85, ticks=[0, 1],
                          label=tr("templates.rescaled"))
    bar.ax.set_yticklabels([tr("templates.min"), tr("templates.max")])
    return tr("templates.scale_rescaled")


def _rows_text(rows: Sequence[int], limit: int = 16) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:limit])
    return shown + (", ..." if len(rows) > limit else "")


def plot_linear_templates(model: Module, image_shape: Sequence[int], class_names: Sequence[str],
                          path: str | Path | None = None, title: str | None = None) -> Figure:
    """Each row of the first layer's W as an image labelled with its class, with a colour bar.

    Example:
        >>> from fcnn.nn import MLP
        >>> fig = plot_linear_templates(MLP(64, [], 10), (1, 8, 8), [str(i) for i in range(10)])
        >>> len(fig.axes)  # ten templates and the colour bar
        11
    """
    weight = linear_layers(model)[0].weight.data
    if len(class_names) != weight.shape[0]:
        raise ValueError(f"got {len(class_names)} class names for a W with {weight.shape[0]} "
                         f"rows; templates are one per class only for a linear classifier "
                         f"(use plot_two_layer_templates for a net with hidden layers).")
    rows_as_images(weight[:1], image_shape)  # checks the shape, with a helpful message
    columns = min(len(weight), 5)
    rows = -(-len(weight) // columns)
    fig = new_figure(2.0 * columns + 1.2, 2.1 * rows + 1.0)
    titles = [class_label(name) for name in class_names]
    scale = draw_templates(fig, weight, image_shape, titles, columns)
    fig.suptitle(title or tr("templates.linear_title"))
    fig.supxlabel(tr("templates.linear_caption", k=len(weight), scale=scale), fontsize=8.5)
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_two_layer_templates(model: Module, image_shape: Sequence[int],
                             class_names: Sequence[str], n_templates: int = 16,
                             path: str | Path | None = None) -> Figure:
    """First-layer templates (rows of W1) and, per class, the W2 weights that combine them.

    Shows the ``n_templates`` hidden neurons with the largest W2 weight spread (the
    ones the classes use most), each as an image, and a heat map of W2 restricted to
    them: row = class, column = template. The caption names the rows shown.
    """
    layers = linear_layers(model)
    if len(layers) != 2:
        raise ValueError(f"plot_two_layer_templates needs a two-layer net f = W2 phi(W1 x + b1) "
                         f"+ b2, got {len(layers)} linear layers (use plot_linear_templates "
                         f"for a linear classifier).")
    w1, w2 = layers[0].weight.data, layers[1].weight.data
    if len(class_names) != w2.shape[0]:
        raise ValueError(f"got {len(class_names)} class names for {w2.shape[0]} outputs.")
    rows_as_images(w1[:1], image_shape)  # checks the shape, with a helpful message
    n = min(n_templates, w1.shape[0])
    chosen = np.sort(np.argsort(-np.abs(w2).max(axis=0))[:n])
    columns = min(n, 8)
    rows = -(-n // columns)
    fig = new_figure(1.45 * columns + 2.2, 1.6 * rows + 0.6 * len(class_names) + 2.4)
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.6 * rows + 0.9,
                                                      0.6 * len(class_names) + 1.4])
    titles = [tr("templates.w1_row", row=int(neuron)) for neuron in chosen]
    scale = draw_templates(top, w1[chosen], image_shape, titles, columns)
    top.suptitle(tr("templates.first_layer", n=n, total=w1.shape[0]))
    ax = bottom.add_subplot()
    combine = w2[:, chosen]
    limit = float(np.abs(combine).max()) or 1.0
    heat = ax.imshow(combine, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_yticks(range(len(class_names)), [class_label(c) for c in class_names])
    ax.set_xticks(range(n), [str(c) for c in chosen], fontsize=7)
    ax.set_xlabel(tr("templates.w2_x"))
    ax.set_ylabel(tr("templates.w2_y"))
    ax.set_title(tr("templates.w2_title"))
    bottom.colorbar(heat, ax=ax, label=tr("templates.w2_bar"))
    bottom.supxlabel(tr("templates.two_layer_caption", n=n, total=w1.shape[0],
                        rows=_rows_text(list(chosen)), scale=scale), fontsize=8.5)
    if path is not None:
        save_figure(fig, path)
    return fig
