"""Decision boundaries of small networks on 2-D toy data (the lecture's structure-design slides).

Each panel trains an MLP with ``fcnn.train.fit`` on a seeded toy set
(``fcnn.data.make_toy``), colours a grid of points by the predicted class and
scatters the training points on top, titled with the architecture and its
training accuracy. Panels sit side by side in one figure, so width (3, 6, 20
hidden neurons), depth (2, 3, 4 layers) or "with vs without activation" can be
compared at a glance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from tqdm.auto import tqdm

from fcnn.data import TOY_SETS, make_toy
from fcnn.nn import MLP
from fcnn.train import fit, predict, predict_scores
from fcnn.viz.style import CLASS_COLORS, new_figure, save_figure


@dataclass
class Architecture:
    """Hidden widths and activation of one panel's network."""

    hidden: tuple[int, ...]
    activation: str = "relu"

    @property
    def title(self) -> str:
        """E.g. ``"3-layer net, hidden 6-6 (relu)"``; layers are counted without the input."""
        if not self.hidden:
            return "linear classifier f = Wx + b"
        widths = "-".join(map(str, self.hidden))
        act = "no activation" if self.activation in ("identity", "none", "linear") \
            else self.activation
        return f"{len(self.hidden) + 1}-layer net, hidden {widths} ({act})"


@dataclass
class BoundaryPanel:
    """A trained network and how well it fits its training points."""

    architecture: Architecture
    model: MLP
    train_accuracy: float


def width_architectures(widths: Sequence[int], activation: str = "relu") -> list[Architecture]:
    """Two-layer nets with ``widths`` hidden neurons each (the lecture: 3, 6, 20).

    Example:
        >>> [a.title for a in width_architectures([3])]
        ['2-layer net, hidden 3 (relu)']
    """
    _check_positive(widths, "hidden widths")
    return [Architecture((int(w),), activation) for w in widths]


def depth_architectures(layers: Sequence[int], width: int = 6,
                        activation: str = "relu") -> list[Architecture]:
    """Nets of ``layers`` layers (input not counted) with ``width`` neurons per hidden layer.

    Example (the lecture's 2, 3 and 4 layers of 6 neurons):
        >>> [a.hidden for a in depth_architectures([2, 3, 4])]
        [(6,), (6, 6), (6, 6, 6)]
    """
    _check_positive(layers, "layer counts")
    _check_positive([width], "width")
    return [Architecture((int(width),) * (int(n) - 1), activation) for n in layers]


def _check_positive(values: Sequence[int], what: str) -> None:
    if not values or any(int(v) < 1 for v in values):
        raise ValueError(f"{what} must be positive integers, got {list(values)}.")


def train_panels(X: np.ndarray, y: np.ndarray, architectures: Sequence[Architecture], *,
                 epochs: int = 200, lr: float = 0.03, batch_size: int = 32, seed: int = 0,
                 progress: bool = True) -> list[BoundaryPanel]:
    """Train one MLP per architecture on (X, y) with Adam; a progress bar counts the panels."""
    n_classes = int(y.max()) + 1
    panels = []
    for arch in tqdm(architectures, desc="training panels", unit="net", disable=not progress,
                     leave=False):
        model = MLP(X.shape[1], list(arch.hidden), n_classes, activation=arch.activation,
                    seed=seed)
        fit(model, X, y, optimizer="adam", lr=lr, epochs=epochs, batch_size=batch_size,
            progress=False, seed=seed)
        accuracy = float(np.mean(predict(model, X) == y))
        panels.append(BoundaryPanel(arch, model, accuracy))
    return panels


def decision_grid(model: MLP, X: np.ndarray, resolution: int = 200,
                  margin: float = 0.3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xx, yy, predicted class) on a ``resolution`` x ``resolution`` grid around the points."""
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(low[0], high[0], resolution),
                         np.linspace(low[1], high[1], resolution))
    grid = np.column_stack([xx.ravel(), yy.ravel()]).astype(np.float32)
    classes = predict_scores(model, grid).argmax(axis=1).reshape(xx.shape)
    return xx, yy, classes


def plot_decision_boundaries(X: np.ndarray, y: np.ndarray, panels: Sequence[BoundaryPanel],
                             class_names: Sequence[str] | None = None, columns: int | None = None,
                             title: str | None = None, path: str | Path | None = None) -> Figure:
    """Panels side by side (``columns`` per row): regions by predicted class, points by true class.

    Example:
        >>> X, y = make_toy("blobs", 60, seed=0)
        >>> panels = train_panels(X, y, [Architecture(())], epochs=5, progress=False)
        >>> len(plot_decision_boundaries(X, y, panels).axes)
        1
    """
    n_classes = int(y.max()) + 1
    names = list(class_names) if class_names is not None else [f"class {i}" for i in
                                                               range(n_classes)]
    columns = columns or len(panels)
    rows = -(-len(panels) // columns)
    fig = new_figure(4.0 * columns, 3.9 * rows + 0.5)
    colors = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(n_classes)]
    for i, panel in enumerate(panels):
        draw_boundary(fig.add_subplot(rows, columns, i + 1), X, y, panel)
    handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor=c, markeredgecolor="black",
                      label=name) for c, name in zip(colors, names)]
    fig.legend(handles=handles, loc="outside lower center", ncol=n_classes, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=12)
    if path is not None:
        save_figure(fig, path)
    return fig


def toy_data(dataset: str, n_samples: int = 200, noise: float = 0.15,
             seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A seeded toy set and its class names (see ``fcnn.data.make_toy``)."""
    X, y = make_toy(dataset, n_samples=n_samples, noise=noise, seed=seed)
    return X, y, list(TOY_SETS[dataset][1])


def plot_structure_grid(dataset: str = "moons", architectures: Sequence[Architecture] = (),
                        without_activation: bool = False, n_samples: int = 200,
                        noise: float = 0.15, epochs: int = 200, lr: float = 0.03, seed: int = 0,
                        progress: bool = True, title: str | None = None,
                        path: str | Path | None = None) -> tuple[Figure, list[BoundaryPanel]]:
    """Train and draw one panel per architecture; ``without_activation`` adds a second row.

    The second row trains the same networks with the identity activation: each
    collapses to f = W'x + b', so every boundary is a straight line.

    Example (the lecture's width grid, tiny training):
        >>> fig, panels = plot_structure_grid("moons", width_architectures([3, 6]), epochs=2,
        ...                                   n_samples=40, progress=False)
        >>> [p.architecture.hidden for p in panels]
        [(3,), (6,)]
    """
    architectures = list(architectures) or width_architectures([3, 6, 20])
    if without_activation:
        architectures += [Architecture(a.hidden, "identity") for a in architectures]
    X, y, names = toy_data(dataset, n_samples, noise, seed)
    panels = train_panels(X, y, architectures, epochs=epochs, lr=lr, seed=seed,
                          progress=progress)
    columns = len(architectures) // 2 if without_activation else len(architectures)
    fig = plot_decision_boundaries(X, y, panels, names, columns=columns,
                                   title=title or f"decision boundaries on {dataset}", path=path)
    return fig, panels


def plot_separability(n_samples: int = 200, noise: float = 0.1, epochs: int = 200,
                      lr: float = 0.03, seed: int = 0, progress: bool = True,
                      path: str | Path | None = None) -> tuple[Figure, list[BoundaryPanel]]:
    """The lecture's two slides: linearly separable (blobs) vs not (circles).

    A linear classifier separates the blobs perfectly but fails on the circles; a
    two-layer net with 20 hidden neurons separates the circles.
    """
    cases = [("blobs", Architecture(())), ("circles", Architecture(())),
             ("circles", Architecture((20,)))]
    fig = new_figure(12.0, 4.8)
    panels = []
    bar = tqdm(cases, desc="training panels", unit="net", disable=not progress, leave=False)
    for i, (dataset, arch) in enumerate(bar):
        X, y, _ = toy_data(dataset, n_samples, noise, seed)
        panel = train_panels(X, y, [arch], epochs=epochs, lr=lr, seed=seed, progress=False)[0]
        panels.append(panel)
        separable = "linearly separable" if dataset == "blobs" else "not linearly separable"
        draw_boundary(fig.add_subplot(1, len(cases), i + 1), X, y, panel,
                      heading=f"{dataset}: {separable}")
    fig.suptitle("linearly separable vs not: a linear classifier draws straight boundaries",
                 fontsize=12)
    if path is not None:
        save_figure(fig, path)
    return fig, panels


def draw_boundary(ax: Axes, X: np.ndarray, y: np.ndarray, panel: BoundaryPanel,
                  heading: str | None = None) -> None:
    """Draw one panel on ``ax``: predicted regions, boundary lines, points by true class."""
    n_classes = int(y.max()) + 1
    colors = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(n_classes)]
    xx, yy, classes = decision_grid(panel.model, X)
    ax.contourf(xx, yy, classes, levels=np.arange(n_classes + 1) - 0.5,
                cmap=ListedColormap(colors), alpha=0.28)
    ax.contour(xx, yy, classes, levels=np.arange(n_classes) + 0.5, colors="#333333",
               linewidths=0.8)
    ax.scatter(X[:, 0], X[:, 1], c=[colors[c] for c in y], s=14, edgecolors="black",
               linewidths=0.4)
    lines = ([heading] if heading else []) + [panel.architecture.title,
                                              f"train accuracy {panel.train_accuracy:.1%}"]
    ax.set_title("\n".join(lines), fontsize=10)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
