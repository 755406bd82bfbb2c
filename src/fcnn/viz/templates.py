"""Weight templates: each row of W drawn as an image (the lecture: "W can be seen as templates").

For a linear classifier f = Wx + b, row c of W has one weight per pixel, so it can be
shown as an image: the picture class c "looks for". For a two-layer net, the rows
of W1 are templates too (as many as hidden neurons) and W2 says how each class
combines their matches. Each template is rescaled to [0, 1] on its own for display.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from fcnn.nn import Linear, Module
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


def _show(ax: object, image: np.ndarray, title: str) -> None:
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None, interpolation="nearest",
              vmin=0, vmax=1)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_linear_templates(model: Module, image_shape: Sequence[int], class_names: Sequence[str],
                          path: str | Path | None = None, title: str | None = None) -> Figure:
    """Each row of the first layer's W as an image labelled with its class.

    Example:
        >>> from fcnn.nn import MLP
        >>> fig = plot_linear_templates(MLP(64, [], 10), (1, 8, 8), [str(i) for i in range(10)])
        >>> len(fig.axes)
        10
    """
    weight = linear_layers(model)[0].weight.data
    if len(class_names) != weight.shape[0]:
        raise ValueError(f"got {len(class_names)} class names for a W with {weight.shape[0]} "
                         f"rows; templates are one per class only for a linear classifier "
                         f"(use plot_two_layer_templates for a net with hidden layers).")
    images = rows_as_images(weight, image_shape)
    columns = min(len(images), 5)
    rows = -(-len(images) // columns)
    fig = new_figure(2.0 * columns, 2.1 * rows + 0.5)
    for i, (image, name) in enumerate(zip(images, class_names)):
        _show(fig.add_subplot(rows, columns, i + 1), image, name)
    fig.suptitle(title or "linear classifier f = Wx + b: each row of W as an image (a template)")
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_two_layer_templates(model: Module, image_shape: Sequence[int],
                             class_names: Sequence[str], n_templates: int = 16,
                             path: str | Path | None = None) -> Figure:
    """First-layer templates (rows of W1) and, per class, the W2 weights that combine them.

    Shows the ``n_templates`` hidden neurons with the largest W2 weight spread (the
    ones the classes use most), each as an image, and a heat map of W2 restricted to
    them: row = class, column = template.
    """
    layers = linear_layers(model)
    if len(layers) != 2:
        raise ValueError(f"plot_two_layer_templates needs a two-layer net f = W2 phi(W1 x + b1) "
                         f"+ b2, got {len(layers)} linear layers (use plot_linear_templates "
                         f"for a linear classifier).")
    w1, w2 = layers[0].weight.data, layers[1].weight.data
    if len(class_names) != w2.shape[0]:
        raise ValueError(f"got {len(class_names)} class names for {w2.shape[0]} outputs.")
    n = min(n_templates, w1.shape[0])
    chosen = np.sort(np.argsort(-np.abs(w2).max(axis=0))[:n])
    images = rows_as_images(w1[chosen], image_shape)
    columns = min(n, 8)
    rows = -(-n // columns)
    fig = new_figure(1.45 * columns + 1.0, 1.6 * rows + 0.6 * len(class_names) + 1.5)
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.6 * rows, 0.6 * len(class_names) + 1])
    for i, (image, neuron) in enumerate(zip(images, chosen)):
        _show(top.add_subplot(rows, columns, i + 1), image, f"W1 row {neuron}")
    top.suptitle(f"first layer: {n} of {w1.shape[0]} templates (rows of W1)")
    ax = bottom.add_subplot()
    combine = w2[:, chosen]
    limit = float(np.abs(combine).max()) or 1.0
    heat = ax.imshow(combine, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_yticks(range(len(class_names)), list(class_names))
    ax.set_xticks(range(n), [str(c) for c in chosen], fontsize=7)
    ax.set_xlabel("template (W1 row)")
    ax.set_ylabel("class")
    ax.set_title("W2: how each class combines the template matches (red +, blue -)")
    bottom.colorbar(heat, ax=ax, label="W2 weight")
    if path is not None:
        save_figure(fig, path)
    return fig
