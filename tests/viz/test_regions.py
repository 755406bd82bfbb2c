"""Exact linear regions and boundary pieces, checked against the network itself."""

from __future__ import annotations

import numpy as np
import pytest

from fcnn.engine import Tensor
from fcnn.nn import MLP
from fcnn.viz.regions import BoundaryPiece, boundary_pieces, clip, linear_regions

BOX = (-2.0, 2.0, -1.5, 1.5)


def scores(model, points):
    return model(Tensor(np.asarray(points, dtype=np.float32))).data.astype(np.float64)


def grid(n=160):
    xs, ys = np.meshgrid(np.linspace(BOX[0], BOX[1], n), np.linspace(BOX[2], BOX[3], n))
    return np.column_stack([xs.ravel(), ys.ravel()])


def pattern(model, points):
    """Which hidden neurons are active at each point (the activation pattern)."""
    x = np.asarray(points, dtype=np.float64)
    bits = []
    for layer in model.layers:
        if hasattr(layer, "weight"):
            x = x @ layer.weight.data.T.astype(np.float64) + layer.bias.data
        else:
            bits.append(x > 0)
            x = np.maximum(x, 0)
    return np.concatenate(bits, axis=1) if bits else np.zeros((len(x), 0), bool)


# untrained nets whose boundaries cross the box (7, 8, 3 and 15 pieces)
MODELS = [MLP(2, [5], 2, seed=1), MLP(2, [6, 6], 3, seed=7), MLP(2, [4, 4, 4], 2, seed=1),
          MLP(2, [8], 3, seed=0, activation="leaky_relu", negative_slope=0.1)]


def polygon_area(polygon):
    x, y = polygon[:, 0], polygon[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


@pytest.mark.parametrize("model", MODELS)
def test_each_region_is_one_affine_piece_of_the_network(model):
    regions = linear_regions(model, BOX)
    area = sum(polygon_area(r.polygon) for r in regions)
    assert area == pytest.approx((BOX[1] - BOX[0]) * (BOX[3] - BOX[2]), rel=1e-9)  # a partition
    rng = np.random.default_rng(0)
    for region in regions:
        weights = rng.dirichlet(np.ones(len(region.polygon)), size=3)
        inside = weights @ region.polygon  # points inside the convex polygon
        expected = inside @ region.weight.T + region.bias
        np.testing.assert_allclose(scores(model, inside), expected, atol=1e-4)


@pytest.mark.parametrize("model", MODELS[:3])
def test_regions_match_the_activation_patterns_seen_on_a_grid(model):
    regions = linear_regions(model, BOX)
    seen = {row.tobytes() for row in pattern(model, grid())}
    # every pattern a grid point shows is one region; tiny regions may hold no grid point
    assert len(seen) <= len(regions) <= len(seen) + 0.1 * len(seen) + 3


@pytest.mark.parametrize("model", MODELS)
def test_pieces_lie_where_two_classes_tie_for_the_top_score(model):
    pieces = boundary_pieces(model, BOX)
    assert pieces
    for piece in pieces:
        for t in (0.25, 0.5, 0.75):
            point = piece.start + t * (piece.end - piece.start)
            s = scores(model, [point])[0]
            i, j = piece.classes
            assert abs(s[i] - s[j]) < 1e-4
            assert s[i] >= s.max() - 1e-4


@pytest.mark.parametrize("model", MODELS)
def test_the_pieces_are_the_whole_boundary(model):
    # wherever the predicted class changes between two neighbouring grid points, a piece
    # passes between them
    n = 120
    xs, ys = np.meshgrid(np.linspace(BOX[0], BOX[1], n), np.linspace(BOX[2], BOX[3], n))
    classes = scores(model, np.column_stack([xs.ravel(), ys.ravel()])).argmax(1).reshape(n, n)
    step = (BOX[1] - BOX[0]) / (n - 1)
    pieces = boundary_pieces(model, BOX)
    starts = np.array([p.start for p in pieces])
    ends = np.array([p.end for p in pieces])

    def distance_to_pieces(point):
        d = ends - starts
        t = np.clip(((point - starts) * d).sum(1) / np.maximum((d * d).sum(1), 1e-300), 0, 1)
        return np.min(np.hypot(*(starts + t[:, None] * d - point).T))

    changes = np.argwhere(classes[:, 1:] != classes[:, :-1])
    for row, col in changes[:: max(1, len(changes) // 200)]:
        middle = np.array([xs[row, col] + step / 2, ys[row, col]])
        assert distance_to_pieces(middle) <= step


def test_a_linear_classifier_has_one_piece_per_pair_and_no_activation_changes_nothing():
    two = boundary_pieces(MLP(2, [], 2, seed=0), BOX)
    assert len(two) == 1
    deep_linear = MLP(2, [5, 5], 2, seed=0, activation="identity")
    assert len(linear_regions(deep_linear, BOX)) == 1
    assert len(boundary_pieces(deep_linear, BOX)) <= 1  # one straight line (if in the box)
    three = boundary_pieces(MLP(2, [], 3, seed=0), BOX)
    assert 1 <= len(three) <= 3


def test_collinear_neighbours_count_once():
    # h1 = relu(y) has its kink along y = 0 but the scores ignore it; h2 = relu(x + 10) is
    # active in the whole box, and s0 = h2 - 10 = x, s1 = 0: the boundary x = 0 crosses
    # the kink as one straight line, so its two segments are one piece
    model = MLP(2, [2], 2, seed=0)
    first, second = model.layers[0], model.layers[2]
    first.weight.data[...] = [[0.0, 1.0], [1.0, 0.0]]
    first.bias.data[...] = [0.0, 10.0]
    second.weight.data[...] = [[0.0, 1.0], [0.0, 0.0]]
    second.bias.data[...] = [-10.0, 0.0]
    assert len(linear_regions(model, BOX)) == 2
    pieces = boundary_pieces(model, BOX)
    assert len(pieces) == 1
    (x0, y0), (x1, y1) = pieces[0].start, pieces[0].end
    assert x0 == pytest.approx(0, abs=1e-5) and x1 == pytest.approx(0, abs=1e-5)
    assert sorted([y0, y1]) == pytest.approx([BOX[2], BOX[3]])


def test_other_activations_have_no_exact_count():
    assert linear_regions(MLP(2, [4], 2, activation="tanh"), BOX) is None
    assert boundary_pieces(MLP(2, [4], 2, activation="sigmoid"), BOX) is None
    assert boundary_pieces(MLP(2, [4], 2, batchnorm=True), BOX) is None


def test_clip_keeps_the_side_asked_for():
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    right = clip(square, np.array([1.0, 0.0]), -0.25, 1e-12)
    assert right[:, 0].min() == pytest.approx(0.25) and len(right) == 4
    assert len(clip(square, np.array([1.0, 0.0]), -2.0, 1e-12)) == 0
    assert isinstance(boundary_pieces(MLP(2, [3], 2, seed=0), BOX)[0], BoundaryPiece)
