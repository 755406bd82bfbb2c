"""Decision boundaries of small networks on 2-D toy data (the lecture's structure-design slides).

Each panel trains one MLP per seed with ``fcnn.train.fit`` on a seeded toy set
(``fcnn.data.make_toy``), colours the plane by the predicted class of one of them
(the seed with the median accuracy) and scatters the training points on top. It
prints two numbers that grow with capacity: the training accuracy (mean ± standard
deviation over the seeds) and the number of straight pieces of the decision
boundary inside the drawn square, counted exactly from the weights
(:mod:`fcnn.viz.regions`; ReLU, Leaky ReLU and no activation only).

The lecture's width figure (3, 6, 20 hidden neurons) and depth figure (2, 3, 4
layers of 6 neurons) use :data:`LECTURE_DATA` and :data:`LECTURE_TRAINING`: a
three-arm spiral whose arms are wound 3 radians further than ``make_toy``'s (so a
few straight lines cannot separate them), trained long enough, full batch, that
each net shows what it can do. Measured with seeds 0, 1, 2: width 3 / 6 / 20 reach
about 48 / 71 / 97% train accuracy with about 7 / 22 / 79 boundary pieces; depth
2 / 3 / 4 about 71 / 87 / 97% with 22 / 56 / 93 pieces; without activations every
net is a linear classifier with one straight piece per pair of classes it separates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from tqdm.auto import tqdm

from fcnn.data import TOY_SETS, make_toy
from fcnn.nn import MLP
from fcnn.train import fit, predict, predict_scores
from fcnn.viz.i18n import class_label, term, tr
from fcnn.viz.regions import BoundaryPiece, boundary_pieces
from fcnn.viz.style import CLASS_COLORS, caption_lines, new_figure, save_figure

#: the data of the lecture's width and depth figures
LECTURE_DATA = {"dataset": "spiral", "n_samples": 300, "noise": 0.03, "twist": 3.0}
#: their training: Adam, full batch, long enough for every net to show its capacity
LECTURE_TRAINING = {"epochs": 1500, "lr": 0.02, "batch_size": None, "seeds": (0, 1, 2),
                    "init": "he"}

Box = tuple[float, float, float, float]


@dataclass
class Architecture:
    """Hidden widths and activation of one panel's network."""

    hidden: tuple[int, ...]
    activation: str = "relu"

    @property
    def title(self) -> str:
        """E.g. ``"3-layer net, hidden 6-6 (relu)"``; layers are counted without the input."""
        if not self.hidden:
            return tr("boundary.linear")
        widths = "-".join(map(str, self.hidden))
        without = self.activation in ("identity", "none", "linear")
        act = tr("boundary.no_activation") if without else self.activation
        return tr("boundary.net", layers=len(self.hidden) + 1, widths=widths, activation=act)


@dataclass
class SeedRun:
    """One trained network of a panel: its seed, weights, accuracy and boundary pieces."""

    seed: int
    model: MLP
    accuracy: float
    pieces: list[BoundaryPiece] | None  # None: the net is not piecewise linear


@dataclass
class BoundaryPanel:
    """One architecture trained with several seeds; the seed with the median accuracy is drawn."""

    architecture: Architecture
    runs: list[SeedRun] = field(default_factory=list)

    @property
    def accuracies(self) -> list[float]:
        return [run.accuracy for run in self.runs]

    @property
    def drawn(self) -> SeedRun:
        """The run with the median accuracy (the lower one of the two middle runs)."""
        order = sorted(self.runs, key=lambda run: (run.accuracy, run.seed))
        return order[(len(order) - 1) // 2]

    @property
    def model(self) -> MLP:
        return self.drawn.model

    @property
    def train_accuracy(self) -> float:
        """Mean training accuracy over the seeds."""
        return float(np.mean(self.accuracies))

    @property
    def accuracy_spread(self) -> float:
        """Standard deviation of the training accuracy over the seeds (0 for one seed)."""
        return float(np.std(self.accuracies, ddof=1)) if len(self.runs) > 1 else 0.0

    @property
    def piece_counts(self) -> list[int] | None:
        if any(run.pieces is None for run in self.runs):
            return None
        return [len(run.pieces) for run in self.runs]

    @property
    def mean_pieces(self) -> float | None:
        """Mean number of straight boundary pieces over the seeds (None if not ReLU-like)."""
        counts = self.piece_counts
        return float(np.mean(counts)) if counts else None

    def summary(self) -> list[str]:
        """The lines printed on the panel: architecture, accuracy, boundary pieces."""
        n = len(self.runs)
        if n > 1:
            lines = [tr("boundary.accuracy_seeds", mean=100 * self.train_accuracy,
                        sd=100 * self.accuracy_spread, n=n)]
        else:
            lines = [tr("boundary.accuracy", acc=100 * self.train_accuracy)]
        counts = self.piece_counts
        if counts is not None:
            mean = _count(self.mean_pieces)
            one = "_one" if mean == "1" else ""  # "1 straight piece", not "1 ... pieces"
            if n > 1:
                lines.append(tr(f"boundary.pieces_seeds{one}", mean=mean,
                                drawn=len(self.drawn.pieces or []), seed=self.drawn.seed))
            else:
                lines.append(tr(f"boundary.pieces{one}", count=counts[0]))
        return [self.architecture.title, *lines]


def _count(mean: float | None) -> str:
    """A mean count: ``"3"`` when whole, else one decimal (``"7.3"``)."""
    if mean is None:
        return "-"
    return f"{mean:.0f}" if float(mean).is_integer() else f"{mean:.1f}"


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


def plot_box(X: np.ndarray, margin: float = 0.3) -> Box:
    """(x_min, x_max, y_min, y_max): the square drawn around the points, and searched for pieces.

    Example:
        >>> plot_box(np.array([[0.0, 0.0], [1.0, 2.0]]), margin=0.5)
        (-0.5, 1.5, -0.5, 2.5)
    """
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    return (float(low[0]), float(high[0]), float(low[1]), float(high[1]))


def train_panels(X: np.ndarray, y: np.ndarray, architectures: Sequence[Architecture], *,
                 epochs: int = 200, lr: float = 0.03, batch_size: int | None = 32,
                 seeds: Sequence[int] = (0,), init: str = "pytorch", progress: bool = True,
                 box: Box | None = None) -> list[BoundaryPanel]:
    """Train one MLP per architecture and seed on (X, y) with Adam.

    Args:
        X, y: the points and their classes.
        architectures: one panel each.
        epochs, lr: Adam's training length and step size.
        batch_size: minibatch size; None trains on all points at once (full batch).
        seeds: one network per seed (its initial weights and the batch order).
        init: the weight initialiser ("pytorch", "he", "xavier").
        progress: a progress bar counting the networks.
        box: the square where boundary pieces are counted (default :func:`plot_box`).

    Returns:
        One panel per architecture, each holding its seeds' runs.
    """
    if not seeds:
        raise ValueError("seeds must list at least one seed, e.g. seeds=(0, 1, 2).")
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}.")
    n_classes = int(y.max()) + 1
    box = box or plot_box(X)
    panels = [BoundaryPanel(arch) for arch in architectures]
    jobs = [(panel, seed) for panel in panels for seed in seeds]
    for panel, seed in tqdm(jobs, desc="training panels", unit="net", disable=not progress,
                            leave=False):
        arch = panel.architecture
        model = MLP(X.shape[1], list(arch.hidden), n_classes, activation=arch.activation,
                    init=init, seed=int(seed))
        fit(model, X, y, optimizer="adam", lr=lr, epochs=epochs,
            batch_size=batch_size or len(X), progress=False, seed=int(seed))
        accuracy = float(np.mean(predict(model, X) == y))
        panel.runs.append(SeedRun(int(seed), model, accuracy, boundary_pieces(model, box)))
    return panels


def decision_grid(model: MLP, box: Box, resolution: int = 200
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xx, yy, predicted class) on a ``resolution`` x ``resolution`` grid over ``box``."""
    xx, yy = np.meshgrid(np.linspace(box[0], box[1], resolution),
                         np.linspace(box[2], box[3], resolution))
    grid = np.column_stack([xx.ravel(), yy.ravel()]).astype(np.float32)
    classes = predict_scores(model, grid).argmax(axis=1).reshape(xx.shape)
    return xx, yy, classes


def plot_decision_boundaries(X: np.ndarray, y: np.ndarray, panels: Sequence[BoundaryPanel],
                             class_names: Sequence[str] | None = None, columns: int | None = None,
                             title: str | None = None, caption: str | None = None,
                             path: str | Path | None = None) -> Figure:
    """Panels side by side (``columns`` per row): regions by predicted class, points by true class.

    Example:
        >>> X, y = make_toy("blobs", 60, seed=0)
        >>> panels = train_panels(X, y, [Architecture(())], epochs=5, progress=False)
        >>> len(plot_decision_boundaries(X, y, panels).axes)
        1
    """
    n_classes = int(y.max()) + 1
    names = ([class_label(n) for n in class_names] if class_names is not None
             else [tr("word.class_n", i=i) for i in range(n_classes)])
    columns = columns or len(panels)
    rows = -(-len(panels) // columns)
    fig = new_figure(4.0 * columns, 4.1 * rows + (1.2 if caption else 0.6))
    colors = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(n_classes)]
    box = plot_box(X)
    for i, panel in enumerate(panels):
        draw_boundary(fig.add_subplot(rows, columns, i + 1), X, y, panel, box=box)
    handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor=c, markeredgecolor="black",
                      label=name) for c, name in zip(colors, names)]
    handles.append(Line2D([], [], color="#222222", linewidth=1.6,
                          label=tr("boundary.legend_boundary")))
    # the caption is the legend's title, so the two stack below the panels
    legend = fig.legend(handles=handles, loc="outside lower center", ncol=n_classes + 1,
                        fontsize=9, frameon=False,
                        title=caption_lines(caption, 4.0 * columns - 0.4) if caption else None,
                        title_fontsize=8.5)
    legend.get_title().set_color("#333333")
    if title:
        fig.suptitle(title, fontsize=12)
    if path is not None:
        save_figure(fig, path)
    return fig


def twist_points(X: np.ndarray, twist: float) -> np.ndarray:
    """Rotate each point about the origin by ``twist`` x its radius (radians), clockwise.

    On ``make_toy("spiral")`` this winds each arm further (its points turn with their
    radius in the direction the arm already turns), making a harder spiral.

    Example:
        >>> twist_points(np.array([[0.5, 0.0]]), np.pi).round(6).tolist()  # radius 0.5: -90°
        [[0.0, -0.5]]
    """
    if twist == 0:
        return X
    radius = np.hypot(X[:, 0], X[:, 1])
    angle = np.arctan2(X[:, 1], X[:, 0]) - twist * radius
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1).astype(X.dtype)


def toy_data(dataset: str, n_samples: int = 200, noise: float = 0.15, seed: int = 0,
             twist: float = 0.0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A seeded toy set (``fcnn.data.make_toy``), optionally twisted, and its class names."""
    X, y = make_toy(dataset, n_samples=n_samples, noise=noise, seed=seed)
    return twist_points(X, twist), y, list(TOY_SETS[dataset][1])


def describe_data(dataset: str, n_samples: int, noise: float, twist: float = 0.0) -> str:
    """One line naming the data set, e.g. for a figure title.

    Example:
        >>> describe_data("spiral", 300, 0.03, 3.0)
        'spiral (arms wound 3 rad further), 300 points, noise 0.03'
    """
    name = term("data", dataset)
    if twist:
        name = tr("data.twisted", name=name, twist=twist)
    return tr("data.describe", name=name, n=n_samples, noise=noise)


def plot_structure_grid(dataset: str = LECTURE_DATA["dataset"],
                        architectures: Sequence[Architecture] = (),
                        without_activation: bool = False,
                        n_samples: int = LECTURE_DATA["n_samples"],
                        noise: float = LECTURE_DATA["noise"],
                        twist: float = LECTURE_DATA["twist"],
                        epochs: int = LECTURE_TRAINING["epochs"],
                        lr: float = LECTURE_TRAINING["lr"],
                        batch_size: int | None = LECTURE_TRAINING["batch_size"],
                        seeds: Sequence[int] = LECTURE_TRAINING["seeds"],
                        init: str = LECTURE_TRAINING["init"], seed: int = 0,
                        progress: bool = True, title: str | None = None,
                        path: str | Path | None = None) -> tuple[Figure, list[BoundaryPanel]]:
    """Train and draw one panel per architecture; ``without_activation`` adds a second row.

    The defaults are the lecture's (:data:`LECTURE_DATA`, :data:`LECTURE_TRAINING`).
    The second row trains the same networks with the identity activation: each
    collapses to f = W'x + b', so every boundary is straight. ``seed`` draws the
    data; ``seeds`` are the networks' seeds.

    Example (the lecture's width grid, tiny training):
        >>> fig, panels = plot_structure_grid("moons", width_architectures([3, 6]), epochs=2,
        ...                                   n_samples=40, seeds=(0,), progress=False)
        >>> [p.architecture.hidden for p in panels]
        [(3,), (6,)]
    """
    architectures = list(architectures) or width_architectures([3, 6, 20])
    if without_activation:
        architectures += [Architecture(a.hidden, "identity") for a in architectures]
    X, y, names = toy_data(dataset, n_samples, noise, seed, twist)
    panels = train_panels(X, y, architectures, epochs=epochs, lr=lr, batch_size=batch_size,
                          seeds=seeds, init=init, progress=progress)
    columns = len(architectures) // 2 if without_activation else len(architectures)
    caption = tr("boundary.caption", data=describe_data(dataset, n_samples, noise, twist),
                 epochs=epochs, batch=tr("word.full_batch") if batch_size is None
                 else batch_size, lr=lr)
    fig = plot_decision_boundaries(X, y, panels, names, columns=columns,
                                   title=title or tr("boundary.title",
                                                     dataset=term("data", dataset)),
                                   caption=caption, path=path)
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
    fig = new_figure(12.0, 4.9)
    panels = []
    bar = tqdm(cases, desc="training panels", unit="net", disable=not progress, leave=False)
    for i, (dataset, arch) in enumerate(bar):
        X, y, _ = toy_data(dataset, n_samples, noise, seed)
        panel = train_panels(X, y, [arch], epochs=epochs, lr=lr, seeds=(seed,),
                             progress=False)[0]
        panels.append(panel)
        separable = tr("boundary.separable" if dataset == "blobs" else "boundary.not_separable")
        draw_boundary(fig.add_subplot(1, len(cases), i + 1), X, y, panel,
                      heading=tr("boundary.case", data=term("data", dataset), what=separable))
    fig.suptitle(tr("boundary.separability_title"), fontsize=12)
    if path is not None:
        save_figure(fig, path)
    return fig, panels


def draw_boundary(ax: Axes, X: np.ndarray, y: np.ndarray, panel: BoundaryPanel,
                  heading: str | None = None, box: Box | None = None) -> None:
    """Draw one panel on ``ax``: predicted regions, the boundary, points by true class.

    For a piecewise-linear net the boundary drawn is its exact straight pieces (the
    ones counted on the panel); otherwise the contour of the predicted class.
    """
    n_classes = int(y.max()) + 1
    colors = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(n_classes)]
    box = box or plot_box(X)
    run = panel.drawn
    xx, yy, classes = decision_grid(run.model, box)
    ax.contourf(xx, yy, classes, levels=np.arange(n_classes + 1) - 0.5,
                cmap=ListedColormap(colors), alpha=0.28)
    if run.pieces is not None:
        segments = [(piece.start, piece.end) for piece in run.pieces]
        ax.add_collection(LineCollection(segments, colors="#222222", linewidths=1.3))
    else:
        ax.contour(xx, yy, classes, levels=np.arange(n_classes) + 0.5, colors="#222222",
                   linewidths=1.0)
    ax.scatter(X[:, 0], X[:, 1], c=[colors[c] for c in y], s=12, edgecolors="black",
               linewidths=0.4)
    lines = ([heading] if heading else []) + panel.summary()
    ax.set_title("\n".join(lines), fontsize=9.5)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
