"""Exact linear regions and decision-boundary pieces of a ReLU network on the plane.

A network built from Linear layers and piecewise-linear activations (ReLU, Leaky
ReLU, none) computes an affine function on each of finitely many convex polygons
of its 2-D input: inside one polygon every hidden neuron stays on one side of its
kink, so the scores are ``S x + s``. :func:`linear_regions` finds these polygons
exactly, by cutting a box with each hidden neuron's line ``a . x + c = 0`` (one
layer after the other, since a neuron of layer 2 is affine only inside a region of
layer 1). On each polygon the decision boundary between classes i and j is the
straight segment where ``score_i = score_j`` and both beat every other class;
:func:`boundary_pieces` collects these segments and joins pieces that continue
each other on the same line. Their number is the measure of boundary complexity
the lecture's width and depth figures print: a linear classifier has one piece,
and every extra kink a hidden neuron adds is one more.

Nothing is sampled: the count depends only on the weights and the box (up to
float64 rounding in the polygon cuts, with a tolerance relative to the box size).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fcnn.nn import Linear, Module

#: slopes of the piecewise-linear activations below and above their kink at 0
_LINEAR_PIECES = {"relu": (0.0, 1.0), "identity": (1.0, 1.0)}


@dataclass
class Region:
    """A convex polygon of the input plane on which the network is the affine map S x + s."""

    polygon: np.ndarray  # (m, 2) vertices in order
    weight: np.ndarray   # (k, 2) S
    bias: np.ndarray     # (k,)   s


@dataclass
class BoundaryPiece:
    """One straight piece of the decision boundary between classes ``classes``."""

    start: np.ndarray
    end: np.ndarray
    classes: tuple[int, int]


def activation_slopes(module: Module) -> tuple[float, float] | None:
    """(slope below 0, slope above 0) of a piecewise-linear activation module, else None.

    Example:
        >>> from fcnn.nn.layers import LeakyReLU, ReLU, Sigmoid
        >>> [activation_slopes(m) for m in (ReLU(), LeakyReLU(0.1), Sigmoid())]
        [(0.0, 1.0), (0.1, 1.0), None]
    """
    name = getattr(module, "name", None) or getattr(module, "function_name", None)
    if name == "leaky_relu":
        return (float(module.negative_slope), 1.0)
    return _LINEAR_PIECES.get(name) if isinstance(name, str) else None


def piecewise_linear_layers(model: Module) -> list[tuple[np.ndarray, np.ndarray,
                                                        tuple[float, float] | None]] | None:
    """``model`` as [(W, b, slopes of the activation after it or None)], or None if it is not
    a stack of Linear layers and piecewise-linear activations (sigmoid, tanh, batch norm...).
    """
    layers: list[tuple[np.ndarray, np.ndarray, tuple[float, float] | None]] = []
    for module in getattr(model, "layers", [model]):
        if isinstance(module, Linear):
            bias = (module.bias.data if module.bias is not None
                    else np.zeros(module.weight.shape[0]))
            layers.append((module.weight.data.astype(np.float64), bias.astype(np.float64), None))
            continue
        slopes = activation_slopes(module)
        if slopes is None or not layers or layers[-1][2] is not None:
            return None
        weight, bias, _ = layers[-1]
        layers[-1] = (weight, bias, slopes)
    if not layers or layers[0][0].shape[1] != 2:
        return None
    return layers


def _box_polygon(box: tuple[float, float, float, float]) -> np.ndarray:
    x0, x1, y0, y1 = box
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)


def _area(polygon: np.ndarray) -> float:
    x, y = polygon[:, 0], polygon[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def clip(polygon: np.ndarray, a: np.ndarray, c: float, tol: float) -> np.ndarray:
    """The part of a convex polygon where ``a . x + c >= 0`` (Sutherland-Hodgman, one edge).

    Example (the left half of the unit square):
        >>> square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
        >>> clip(square, np.array([-1.0, 0.0]), 0.5, 1e-12).tolist()
        [[0.0, 0.0], [0.5, 0.0], [0.5, 1.0], [0.0, 1.0]]
    """
    values = polygon @ a + c
    kept: list[np.ndarray] = []
    for i in range(len(polygon)):
        p, q = polygon[i], polygon[(i + 1) % len(polygon)]
        fp, fq = values[i], values[(i + 1) % len(polygon)]
        if fp >= -tol:
            kept.append(p)
        if (fp > tol and fq < -tol) or (fp < -tol and fq > tol):
            kept.append(p + (q - p) * (fp / (fp - fq)))
    return np.array(kept).reshape(-1, 2)


def linear_regions(model: Module, box: tuple[float, float, float, float]) -> list[Region] | None:
    """The convex polygons of ``box`` = (x_min, x_max, y_min, y_max) on which ``model`` is affine.

    Returns None for a network that is not piecewise linear (sigmoid, tanh, batch norm).

    Example (one ReLU neuron |-> two regions; no activation -> one):
        >>> from fcnn.nn import MLP
        >>> len(linear_regions(MLP(2, [1], 2, seed=1), (-3, 3, -3, 3)))
        2
        >>> len(linear_regions(MLP(2, [5, 5], 2, activation="identity"), (-3, 3, -3, 3)))
        1
    """
    layers = piecewise_linear_layers(model)
    if layers is None:
        return None
    start = _box_polygon(box)
    tol = 1e-12 * max(box[1] - box[0], box[3] - box[2], 1.0)
    min_area = 1e-12 * _area(start)
    weight, bias, slopes = layers[0]
    regions = [Region(start, weight, bias)]
    for next_weight, next_bias, next_slopes in [*layers[1:], (None, None, None)]:
        if slopes is not None:
            regions = _cut_by_kinks(regions, slopes, tol, min_area)
        if next_weight is None:
            break
        regions = [Region(r.polygon, next_weight @ r.weight, next_weight @ r.bias + next_bias)
                   for r in regions]
        slopes = next_slopes
    return regions


def _cut_by_kinks(regions: list[Region], slopes: tuple[float, float], tol: float,
                  min_area: float) -> list[Region]:
    """Split every region along each neuron's kink and apply the activation's slopes."""
    below, above = slopes
    if below == above:  # no kink (no activation): the map only scales
        return [Region(r.polygon, below * r.weight, below * r.bias) for r in regions]
    result = []
    for region in regions:
        pieces = [(region.polygon, np.ones(len(region.bias)))]
        for j, (a, c) in enumerate(zip(region.weight, region.bias)):
            split = []
            for polygon, scale in pieces:
                for sign, slope in ((1.0, above), (-1.0, below)):
                    part = clip(polygon, sign * a, sign * c, tol)
                    if len(part) >= 3 and _area(part) > min_area:
                        new_scale = scale.copy()
                        new_scale[j] = slope
                        split.append((part, new_scale))
            pieces = split
        result += [Region(polygon, scale[:, None] * region.weight, scale * region.bias)
                   for polygon, scale in pieces]
    return result


def _segment(polygon: np.ndarray, a: np.ndarray, c: float, tol: float
             ) -> tuple[np.ndarray, np.ndarray] | None:
    """Where the line ``a . x + c = 0`` crosses a convex polygon (None if it misses)."""
    values = polygon @ a + c
    points = []
    for i in range(len(polygon)):
        p, q = polygon[i], polygon[(i + 1) % len(polygon)]
        fp, fq = values[i], values[(i + 1) % len(polygon)]
        if abs(fp) <= tol:
            points.append(p)
        elif (fp > tol and fq < -tol) or (fp < -tol and fq > tol):
            points.append(p + (q - p) * (fp / (fp - fq)))
    if len(points) < 2:
        return None
    points_arr = np.array(points)
    direction = np.array([-a[1], a[0]])
    along = points_arr @ direction
    return points_arr[int(np.argmin(along))], points_arr[int(np.argmax(along))]


def boundary_pieces(model: Module, box: tuple[float, float, float, float]
                    ) -> list[BoundaryPiece] | None:
    """The straight pieces of ``model``'s decision boundary inside ``box``, exactly.

    A piece is a maximal straight segment where two classes tie for the highest score:
    segments of neighbouring regions that continue each other on the same line count
    once. Returns None for a network that is not piecewise linear.

    Example (a linear classifier's boundary is one straight piece):
        >>> from fcnn.nn import MLP
        >>> len(boundary_pieces(MLP(2, [], 2, seed=0), (-3, 3, -3, 3)))
        1
    """
    regions = linear_regions(model, box)
    if regions is None:
        return None
    size = max(box[1] - box[0], box[3] - box[2], 1.0)
    tol = 1e-12 * size
    segments: list[BoundaryPiece] = []
    for region in regions:
        scores_w, scores_b = region.weight, region.bias
        k = len(scores_b)
        for i in range(k):
            for j in range(i + 1, k):
                polygon = region.polygon
                for other in range(k):  # both i and j must beat every other class
                    if other in (i, j) or len(polygon) < 3:
                        continue
                    polygon = clip(polygon, scores_w[i] - scores_w[other],
                                   scores_b[i] - scores_b[other], tol)
                if len(polygon) < 3:
                    continue
                a, c = scores_w[i] - scores_w[j], scores_b[i] - scores_b[j]
                if not np.any(np.abs(a) > 1e-15):
                    continue  # the two scores are parallel: no line
                ends = _segment(polygon, a, c, tol)
                if ends is not None and np.linalg.norm(ends[1] - ends[0]) > 1e-9 * size:
                    segments.append(BoundaryPiece(ends[0], ends[1], (i, j)))
    return _join_collinear(segments, 1e-7 * size)


def _join_collinear(segments: list[BoundaryPiece], tol: float) -> list[BoundaryPiece]:
    """Join segments of the same class pair that share an end and lie on one line."""
    parent = list(range(len(segments)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def collinear(s: BoundaryPiece, t: BoundaryPiece) -> bool:
        d = s.end - s.start
        length = float(np.linalg.norm(d))
        for point in (t.start, t.end):
            offset = point - s.start
            if abs(float(d[0] * offset[1] - d[1] * offset[0])) > tol * max(length, 1.0):
                return False
        return True

    for i, s in enumerate(segments):
        for j in range(i):
            t = segments[j]
            if s.classes != t.classes:
                continue
            touching = min(np.linalg.norm(p - q) for p in (s.start, s.end)
                           for q in (t.start, t.end)) <= tol
            if touching and collinear(s, t) and collinear(t, s):
                parent[root(i)] = root(j)
    groups: dict[int, list[BoundaryPiece]] = {}
    for i, s in enumerate(segments):
        groups.setdefault(root(i), []).append(s)
    joined = []
    for members in groups.values():
        points = np.array([p for s in members for p in (s.start, s.end)])
        direction = members[0].end - members[0].start
        along = points @ direction
        joined.append(BoundaryPiece(points[int(np.argmin(along))], points[int(np.argmax(along))],
                                    members[0].classes))
    return joined
