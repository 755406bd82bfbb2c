"""No edge of a graph drawing passes through a node other than its own two ends.

The check works on the drawn geometry: each node's box (with the value and gradient
labels above and below it) and each edge's polyline, exactly as ``draw_graph``
draws them. It runs over the lecture's graphs, every activation at both
granularities and expressions that share sub-expressions (x*x + x).
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.patches import FancyArrowPatch

import fcnn
from fcnn.nn import MLP, cross_entropy
from fcnn.viz.expression import parse_expression
from fcnn.viz.graph import (
    _LABEL_REACH,
    EdgeRoute,
    build_graph,
    draw_graph,
    edge_routes,
    layout_graph,
    node_boxes,
)

EXPRESSIONS = [
    "sigmoid(w0*x0 + w1*x1 + b)", "(x + y)**2", "sin(1/x**2)",
    "sigmoid(x)", "tanh(x)", "relu(x)", "leaky_relu(x, 0.1)",
    "sigmoid(w*x + b)", "tanh(w*x + b)", "relu(w*x + b)", "leaky_relu(w*x + b, 0.1)",
    "x*x + x", "x*y + x", "x*x*x + x", "exp(x)*x + x", "x + sin(cos(exp(x)))",
    "relu(x) + leaky_relu(x, 0.2) + x", "tanh(x)*sigmoid(x)",
]
VALUES = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "b": -3.0, "x": -0.7, "y": 1.3,
          "w": 0.5}


def _segment_hits_box(p, q, box, margin=0.02) -> bool:
    """Whether the segment p-q enters the rectangle ``box`` (grown by ``margin``)."""
    x0, x1, y0, y1 = box[0] - margin, box[1] + margin, box[2] - margin, box[3] + margin
    (px, py), (qx, qy) = p, q
    t0, t1 = 0.0, 1.0
    dx, dy = qx - px, qy - py
    for d, low, high, start in ((dx, x0, x1, px), (dy, y0, y1, py)):  # Liang-Barsky clipping
        if abs(d) < 1e-12:
            if start < low or start > high:
                return False
            continue
        a, b = (low - start) / d, (high - start) / d
        t0, t1 = max(t0, min(a, b)), min(t1, max(a, b))
        if t0 > t1:
            return False
    return True


def hidden_edges(nodes, positions, routes) -> list[tuple[int, int, int]]:
    """(source, target, node) for every edge segment crossing another node's box or labels."""
    boxes = node_boxes(positions)
    crossings = []
    for route in routes:
        for p, q in route.segments():
            for index, (x0, x1, y0, y1) in boxes.items():
                if index in (route.source, route.target):
                    continue
                centre = (y0 + y1) / 2
                with_labels = (x0, x1, centre - _LABEL_REACH, centre + _LABEL_REACH)
                if _segment_hits_box(p, q, with_labels):
                    crossings.append((route.source, route.target, index))
    return crossings


def graph_for(text, granularity):
    return parse_expression(text, {k: v for k, v in VALUES.items() if k in text},
                            granularity=granularity)


@pytest.mark.parametrize("granularity", ["fine", "coarse"])
@pytest.mark.parametrize("text", EXPRESSIONS)
def test_no_edge_passes_through_another_node(text, granularity):
    nodes = build_graph(graph_for(text, granularity))
    positions = layout_graph(nodes, "python")
    routes = edge_routes(nodes, positions)
    assert len(routes) == sum(len(n.inputs) for n in nodes)
    assert hidden_edges(nodes, positions, routes) == []
    for route in routes:  # every edge starts at its source's box and ends at its target's
        boxes = node_boxes(positions)
        assert route.points[0][0] == pytest.approx(boxes[route.source][1])
        assert route.points[-1][0] == pytest.approx(boxes[route.target][0])


def test_the_check_catches_an_edge_drawn_straight_through_a_node():
    # leaky_relu at fine granularity: x -> *0.1 -> max, and x -> max directly. Drawn as
    # one straight line (as fcnn did before), the x -> max edge hides behind *0.1.
    nodes = build_graph(graph_for("leaky_relu(x, 0.1)", "fine"))
    assert [n.text for n in nodes] == ["x", "*0.1", "max"]
    positions = layout_graph(nodes, "python")
    boxes = node_boxes(positions)
    straight = [EdgeRoute(i, n.index, 0, [(boxes[i][1], (boxes[i][2] + boxes[i][3]) / 2),
                                           (boxes[n.index][0],
                                            (boxes[n.index][2] + boxes[n.index][3]) / 2)])
                for n in nodes for i in n.inputs]
    assert hidden_edges(nodes, positions, straight) == [(0, 2, 1)]
    routed = edge_routes(nodes, positions)
    assert hidden_edges(nodes, positions, routed) == []
    assert len(next(r for r in routed if (r.source, r.target) == (0, 2)).points) == 4


def test_a_small_network_graph_has_no_hidden_edges():
    net = MLP(3, [2], 2, seed=0, granularity="fine")
    x = fcnn.tensor(np.ones((4, 3)), label="x")
    loss = cross_entropy(net(x), [0, 1, 0, 1], granularity="fine")
    nodes = build_graph(loss)
    positions = layout_graph(nodes, "python")
    assert hidden_edges(nodes, positions, edge_routes(nodes, positions)) == []


def test_the_drawing_follows_the_routes():
    f = graph_for("leaky_relu(x, 0.1)", "fine")
    fig = draw_graph(f, layout="python")
    nodes = build_graph(f)
    routes = edge_routes(nodes, layout_graph(nodes, "python"))
    ax = fig.axes[0]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(routes)
    bent = next(r for r in routes if len(r.points) > 2)
    fig.canvas.draw()
    drawn = [a.get_path().vertices for a in arrows]  # in data coordinates
    for point in bent.points[1:-1]:  # the bends of the long edge are on a drawn arrow
        assert any(np.min(np.hypot(*(v - point).T)) < 1e-6 for v in drawn)
