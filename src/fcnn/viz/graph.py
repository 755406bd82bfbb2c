"""Draw a computation graph with every node's forward value and gradient.

The lecture's forward/backward slides show each gate of f = sigmoid(w0 x0 + w1 x1 + b)
with its value (green, computed left to right) and its gradient df/dnode (red,
computed right to left by "downstream = local x upstream"). ``draw_graph(f)``
makes that picture for any tensor the engine computed; ``backward_steps(f)``
gives the same backward pass as a table.

Layout is left to right. When Graphviz's ``dot`` program is on the PATH it may
order the nodes (``layout="dot"`` or ``"auto"``); otherwise a pure-Python layered
layout is used (longest path from the inputs, then barycentre sweeps that reduce
edge crossings). Either way matplotlib draws the picture, so it looks the same.
An edge that skips columns (``x`` feeding both ``x*0.1`` and the ``max`` after it)
is routed through a free lane of each column it crosses (:func:`edge_routes`), so
no edge is drawn through, or hidden behind, a box other than its own two ends.

Only the public Tensor API is used: ``op``, ``parents``, ``label``, ``data``,
``grad``, ``grad_fn`` (the node: ``describe()``, ``backward()``) and ``topological_order()``.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path as MplPath

from fcnn.engine import Tensor
from fcnn.viz.i18n import tr
from fcnn.viz.style import (
    BACKWARD_COLOR,
    FORWARD_COLOR,
    caption_lines,
    new_figure,
    save_figure,
)
from fcnn.viz.text import Table, display_width, pad

__all__ = ["GraphNode", "EdgeRoute", "BackwardStep", "build_graph", "python_layout", "dot_layout",
           "parse_dot_plain", "layout_graph", "edge_routes", "node_boxes", "format_number",
           "format_array", "backward_steps", "backward_table", "format_backward_table",
           "draw_graph", "display_width", "pad", "reading_order", "LAYOUTS"]

LAYOUTS = ("auto", "python", "dot")


@dataclass
class GraphNode:
    """One box of the drawing: an input, a constant, or an op (with folded scalar constants)."""

    index: int
    tensor: Tensor
    kind: str  # "input", "constant" or "op"
    text: str
    inputs: list[int] = field(default_factory=list)

    @property
    def value(self) -> np.ndarray:
        return self.tensor.data

    @property
    def grad(self) -> np.ndarray | None:
        return self.tensor.grad

    @property
    def name(self) -> str:
        """How tables refer to the node: an input by its label, an op as ``[i] text``."""
        return self.text if self.kind == "input" else f"[{self.index}] {self.text}"


def _is_foldable(t: Tensor) -> bool:
    """A scalar constant with no name: shown inside its op (``+1``) instead of as a box."""
    return t.is_leaf and not t.requires_grad and t.label is None and t.data.size == 1


def _op_text(t: Tensor) -> str:
    """The op's symbol with scalar constants folded in: ``+1``, ``*2``, ``max(.,0)``."""
    text = t.grad_fn.describe() if t.grad_fn is not None else t.op
    constants = [(i, float(p.data.item())) for i, p in enumerate(t.parents) if _is_foldable(p)]
    if len(constants) != 1 or len(t.parents) != 2:
        return text
    position, c = constants[0]
    number = f"{c:g}"
    if text in ("+", "*"):
        return f"{text}{number}"
    if text in ("-", "/"):
        return f"{text}{number}" if position == 1 else f"{number}{text}"
    if text == "max":
        return f"max(·,{number})"
    return f"{text}({number})"


def reading_order(output: Tensor) -> list[Tensor]:
    """The tensors of ``output``'s graph, each after its inputs, first inputs first.

    The same set as ``output.topological_order()``, ordered the way a formula is read
    (``w0*x0`` before ``w1*x1``), so node numbers in drawings and tables read left to right.
    """
    order: list[Tensor] = []
    done: set[int] = set()
    stack: list[tuple[Tensor, int]] = [(output, 0)]
    while stack:
        tensor, next_parent = stack.pop()
        if id(tensor) in done:
            continue
        parents = tensor.parents
        while next_parent < len(parents) and id(parents[next_parent]) in done:
            next_parent += 1
        if next_parent < len(parents):
            stack.append((tensor, next_parent + 1))
            stack.append((parents[next_parent], 0))
            continue
        done.add(id(tensor))
        order.append(tensor)
    return order


def build_graph(output: Tensor) -> list[GraphNode]:
    """The nodes of ``output``'s graph, inputs before the ops that use them.

    Example:
        >>> import fcnn
        >>> x = fcnn.tensor(2.0, requires_grad=True, label="x")
        >>> [n.text for n in build_graph(1 / (x + 1))]
        ['x', '+1', '1/x']
    """
    _check_tensor(output)
    nodes: list[GraphNode] = []
    index_of: dict[int, int] = {}
    for t in reading_order(output):
        if _is_foldable(t) and t is not output:
            continue
        if t.is_leaf:
            kind = "input" if t.requires_grad else "constant"
            text = t.label or (f"{float(t.data.item()):g}" if t.data.size == 1 else
                               tr("graph.constant", shape=t.data.shape))
            if kind == "input" and t.label is None:
                text = tr("graph.input", n=len(nodes))
        else:
            kind, text = "op", _op_text(t)
        inputs = [index_of[id(p)] for p in t.parents if id(p) in index_of]
        index_of[id(t)] = len(nodes)
        nodes.append(GraphNode(len(nodes), t, kind, text, inputs))
    return nodes


# ----------------------------------------------------------------------------
# Layout
# ----------------------------------------------------------------------------


def python_layout(nodes: list[GraphNode], sweeps: int = 8) -> dict[int, tuple[float, float]]:
    """Column and row of every node: a layered left-to-right layout in pure Python.

    An op sits one column right of its deepest input (longest path from the
    inputs); an input sits one column left of its first consumer. Rows within a
    column are ordered by repeated barycentre sweeps (each node moves towards the
    mean row of its neighbours), which removes most edge crossings.
    """
    column: dict[int, int] = {}
    for node in nodes:  # nodes come in topological order: inputs first
        column[node.index] = 1 + max((column[i] for i in node.inputs), default=-1)
    consumers: dict[int, list[int]] = {n.index: [] for n in nodes}
    for node in nodes:
        for i in node.inputs:
            consumers[i].append(node.index)
    for node in nodes:
        if not node.inputs:
            uses = [column[c] for c in consumers[node.index]]
            column[node.index] = min(uses) - 1 if uses else 0
    shift = min(column.values())
    columns: dict[int, list[int]] = {}
    for node in nodes:
        columns.setdefault(column[node.index] - shift, []).append(node.index)
    neighbours = {n.index: n.inputs + consumers[n.index] for n in nodes}

    def rows() -> dict[int, float]:
        place = {}
        for members in columns.values():
            middle = (len(members) - 1) / 2
            for rank, index in enumerate(members):
                place[index] = rank - middle
        return place

    for sweep in range(sweeps):
        place = rows()
        order = sorted(columns) if sweep % 2 == 0 else sorted(columns, reverse=True)
        for c in order:
            def key(index: int, place: dict[int, float] = place) -> float:
                near = neighbours[index]
                return float(np.mean([place[i] for i in near])) if near else place[index]
            columns[c].sort(key=key)
            place = rows()
    place = rows()
    return {index: (float(column[index] - shift), -place[index]) for index in place}


def dot_layout(nodes: list[GraphNode], timeout: float = 10.0) -> dict[int, tuple[float, float]]:
    """Column and row of every node from Graphviz ``dot -Tplain`` (``rankdir=LR``).

    Raises FileNotFoundError if ``dot`` is not installed.
    """
    program = shutil.which("dot")
    if program is None:
        raise FileNotFoundError("Graphviz's dot program is not on the PATH; install Graphviz "
                                "or use layout='python' (the default falls back to it).")
    lines = ["digraph G {", "rankdir=LR; nodesep=0.4; ranksep=0.6;",
             "node [shape=box, width=1, height=0.6, fixedsize=true];"]
    lines += [f"n{n.index};" for n in nodes]
    lines += [f"n{i} -> n{n.index};" for n in nodes for i in n.inputs]
    lines.append("}")
    result = subprocess.run([program, "-Tplain"], input="\n".join(lines), text=True,
                            capture_output=True, timeout=timeout, check=True)
    return parse_dot_plain(result.stdout)


def parse_dot_plain(text: str) -> dict[int, tuple[float, float]]:
    """Read node centres from ``dot -Tplain`` output; x becomes a column index, y a row.

    Example:
        >>> parse_dot_plain("graph 1 3 2\\nnode n0 0.5 1 1 0.6 n0\\nnode n1 2.1 1 1 0.6 n1\\nstop")
        {0: (0.0, 1.0), 1: (1.0, 1.0)}
    """
    raw: dict[int, tuple[float, float]] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0] == "node" and parts[1].startswith("n"):
            raw[int(parts[1][1:])] = (float(parts[2]), float(parts[3]))
    if not raw:
        raise ValueError("dot produced no node positions.")
    xs = sorted({round(x, 2) for x, _ in raw.values()})
    return {i: (float(xs.index(round(x, 2))), y) for i, (x, y) in raw.items()}


def layout_graph(nodes: list[GraphNode], layout: str = "auto") -> dict[int, tuple[float, float]]:
    """Positions of ``nodes`` by ``"dot"`` (Graphviz), ``"python"`` or ``"auto"`` (dot if found)."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; valid values: {', '.join(LAYOUTS)}.")
    if layout == "dot" or (layout == "auto" and shutil.which("dot")):
        try:
            return dot_layout(nodes)
        except (OSError, subprocess.SubprocessError, ValueError):
            if layout == "dot":
                raise
    return python_layout(nodes)


# ----------------------------------------------------------------------------
# Numbers
# ----------------------------------------------------------------------------


def format_number(value: float, digits: int = 2) -> str:
    """``digits`` decimals, or scientific notation for very small or large numbers.

    Example:
        >>> format_number(0.7310585), format_number(-0.19661), format_number(6.1e-6)
        ('0.73', '-0.20', '6.10e-06')
    """
    value = float(value)
    if value == 0 or 10 ** -digits <= abs(value) < 1e5 or not np.isfinite(value):
        return f"{value:.{digits}f}"
    return f"{value:.{digits}e}"


def format_array(array: np.ndarray | None, digits: int = 2) -> str:
    """A scalar as a number, a short vector in brackets, anything bigger by its shape."""
    if array is None:
        return "-"
    array = np.asarray(array)
    if array.size == 1:
        return format_number(array.item(), digits)
    if array.size <= 3:
        return "[" + ", ".join(format_number(v, digits) for v in array.ravel()) + "]"
    return tr("graph.shape", shape="x".join(map(str, array.shape)))


# ----------------------------------------------------------------------------
# Backward pass as a table
# ----------------------------------------------------------------------------


@dataclass
class BackwardStep:
    """One use of the chain rule: the gradient an op sends back to one of its inputs."""

    node: GraphNode
    input: GraphNode
    local: np.ndarray | None  # d node / d input (scalars only; None for tensors)
    upstream: np.ndarray      # d f / d node
    downstream: np.ndarray    # d f / d input through this node = local x upstream


def _check_tensor(output: object) -> None:
    if not isinstance(output, Tensor):
        raise TypeError(f"expected an fcnn Tensor, got {type(output).__name__}. Compute it from "
                        f"inputs made with fcnn.tensor(..., requires_grad=True).")


def _ensure_gradients(output: Tensor) -> bool:
    """Run ``output.backward()`` if the graph has no gradients yet; say whether it has them."""
    _check_tensor(output)
    if output.grad is not None:
        return True
    if output.requires_grad and output.data.size == 1:
        output.backward()
        return True
    return False


def backward_steps(output: Tensor) -> list[BackwardStep]:
    """The backward pass of ``output`` step by step, from the output back to the inputs.

    Runs ``output.backward()`` first if no gradients are present (``output`` must
    then have one element).

    Example:
        >>> import fcnn
        >>> x = fcnn.tensor(3.0, requires_grad=True, label="x")
        >>> [(s.node.name, s.input.name, float(s.downstream)) for s in backward_steps(x * x + 1)]
        [('[2] +1', '[1] *', 1.0), ('[1] *', 'x', 3.0), ('[1] *', 'x', 3.0)]
    """
    if not _ensure_gradients(output):
        raise ValueError(
            f"the graph has no gradients: the output has shape {output.shape} and "
            f"requires_grad={output.requires_grad}. Call output.backward(upstream_gradient) "
            f"first (a one-element output is done for you).")
    nodes = build_graph(output)
    by_tensor = {id(n.tensor): n for n in nodes}
    steps = []
    for node in reversed(nodes):
        function = node.tensor.grad_fn
        upstream = node.grad
        if function is None or upstream is None:
            continue
        downstream = function.backward(upstream)
        scalar = node.value.size == 1
        local = function.backward(np.ones_like(upstream)) if scalar else None
        for i, parent in enumerate(node.tensor.parents):
            target = by_tensor.get(id(parent))
            if target is None or not parent.requires_grad or downstream[i] is None:
                continue
            local_i = local[i] if local is not None and parent.data.size == 1 else None
            steps.append(BackwardStep(node, target, local_i, upstream, downstream[i]))
    return steps


def backward_table(steps: list[BackwardStep], digits: int = 2,
                   headers: tuple[str, ...] | None = None) -> Table:
    """The backward pass as a Table: node, input, local, upstream, downstream = local x upstream.

    ``headers`` replaces the five column titles (default: in the current language).
    """
    titles = headers or tuple(tr("backward.headers").split("|"))
    rows = [(s.node.name, s.input.name, format_array(s.local, digits),
             format_array(s.upstream, digits), format_array(s.downstream, digits))
            for s in steps]
    return Table(titles, rows, ["left", "left", "right", "right", "right"])


def format_backward_table(steps: list[BackwardStep], digits: int = 2,
                          headers: tuple[str, ...] | None = None) -> str:
    """A text table: node, input, local gradient, upstream gradient, downstream = local x upstream.

    ``headers`` replaces the five column titles (e.g. to print them in Chinese).
    """
    return backward_table(steps, digits, headers).to_text()


# ----------------------------------------------------------------------------
# Drawing
# ----------------------------------------------------------------------------

_FILL = {"input": "#eeeeee", "constant": "#fff4cc", "op": "#dbe9f6"}
_X_STEP, _Y_STEP = 2.3, 1.55       # drawing units between columns and between rows
_HALF_WIDTH, _HALF_HEIGHT = 0.62, 0.27  # of a node's box
_LABEL_REACH = 0.62                # how far above/below a box centre its value labels reach
_LANE_GAP = 0.3                    # between two edges sharing a column (drawing units)


@dataclass
class EdgeRoute:
    """How one edge is drawn: a polyline from the source box's right side to the target's left.

    ``repeat`` counts earlier edges between the same two nodes (``x * x``: 0, then 1);
    a repeated edge between neighbouring columns is drawn as an arc so both show.
    """

    source: int
    target: int
    repeat: int
    points: list[tuple[float, float]]  # drawing coordinates

    def segments(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        return list(zip(self.points[:-1], self.points[1:]))


def node_boxes(positions: dict[int, tuple[float, float]]
               ) -> dict[int, tuple[float, float, float, float]]:
    """Each node's box in drawing coordinates: (x_min, x_max, y_min, y_max)."""
    boxes = {}
    for index, (column, row) in positions.items():
        x, y = column * _X_STEP, row * _Y_STEP
        boxes[index] = (x - _HALF_WIDTH, x + _HALF_WIDTH, y - _HALF_HEIGHT, y + _HALF_HEIGHT)
    return boxes


def edge_routes(nodes: list[GraphNode], positions: dict[int, tuple[float, float]]
                ) -> list[EdgeRoute]:
    """The drawn path of every edge; an edge that skips columns bends through free lanes.

    Between neighbouring columns there are no boxes, so a straight segment is safe.
    Where an edge crosses a column it runs horizontally along a lane of that column
    clear of every box and its value labels, and of lanes already taken: the one
    nearest the straight line from source to target (or the lane it already runs on).

    Example (``x`` feeds ``*0.1`` and the ``max`` after it: the long edge bends around):
        >>> import fcnn
        >>> x = fcnn.tensor(-2.0, requires_grad=True, label="x")
        >>> nodes = build_graph(x.maximum(x * 0.1))
        >>> [len(r.points) for r in edge_routes(nodes, python_layout(nodes))]
        [2, 4, 2]
    """
    centre = {i: (c * _X_STEP, r * _Y_STEP) for i, (c, r) in positions.items()}
    by_column: dict[int, list[float]] = {}
    for index, (column, _) in positions.items():
        by_column.setdefault(round(column), []).append(centre[index][1])
    lanes: dict[int, list[float]] = {}
    routes = []
    for node in nodes:
        seen: dict[int, int] = {}
        for source in node.inputs:
            repeat = seen.get(source, 0)
            seen[source] = repeat + 1
            (x0, y0), (x1, y1) = centre[source], centre[node.index]
            points = [(x0 + _HALF_WIDTH, y0)]
            first, last = round(positions[source][0]), round(positions[node.index][0])
            lane = None
            for column in range(first + 1, last):
                ideal = y0 + (y1 - y0) * (column - first) / (last - first)
                lane = _free_lane(by_column.get(column, []), lanes.setdefault(column, []),
                                  [lane, ideal] if lane is not None else [ideal])
                lanes[column].append(lane)
                x = column * _X_STEP
                points += [(x - _HALF_WIDTH, lane), (x + _HALF_WIDTH, lane)]
            points.append((x1 - _HALF_WIDTH, y1))
            routes.append(EdgeRoute(source, node.index, repeat, points))
    _spread_arrivals(routes)
    return routes


def _spread_arrivals(routes: list[EdgeRoute]) -> None:
    """Let the edges into one node arrive at different heights of its left side, in the
    order they come from (top to bottom), so their arrow heads do not cover each other."""
    by_target: dict[int, list[EdgeRoute]] = {}
    for route in routes:
        if len(route.points) > 2 or route.repeat == 0:  # arcs of x * x keep their ends
            by_target.setdefault(route.target, []).append(route)
    for arriving in by_target.values():
        if len(arriving) < 2:
            continue
        arriving.sort(key=lambda r: -r.points[-2][1])
        spread = 0.6 * _HALF_HEIGHT
        for k, route in enumerate(arriving):
            x, y = route.points[-1]
            offset = spread - 2 * spread * k / (len(arriving) - 1)
            route.points[-1] = (x, y + offset)


def _free_lane(boxes: list[float], taken: list[float], preferred: list[float]) -> float:
    """A height in a column clear of its boxes (with labels) and of lanes already taken."""
    def free(y: float) -> bool:
        return (all(abs(y - b) >= _LABEL_REACH + _LANE_GAP / 2 for b in boxes)
                and all(abs(y - t) >= _LANE_GAP for t in taken))

    for y in preferred:
        if free(y):
            return y
    ideal = preferred[-1]
    step = _LANE_GAP / 2
    for k in range(1, 10_000):  # search outwards from the ideal height, both ways
        for y in (ideal + k * step, ideal - k * step):
            if free(y):
                return y
    raise AssertionError("no free lane found")  # unreachable: far enough away is always free


def draw_graph(output: Tensor, path: str | Path | None = None, *, title: str | None = None,
               digits: int = 2, layout: str = "auto", gradients: bool | str = True) -> Figure:
    """Draw ``output``'s computation graph left to right, values in green, gradients in red.

    Args:
        output: a Tensor computed by the engine (for gradients: from inputs created
            with ``requires_grad=True``; name them with ``label=`` to see the names).
        path: if given, save the figure there as PNG and SVG (see ``save_figure``).
        title: the figure title (default: the output's value).
        digits: decimals shown for each number.
        layout: "auto" (Graphviz ``dot`` when installed, else pure Python), "dot" or "python".
        gradients: show gradients; if the graph has none yet and ``output`` has one
            element, ``output.backward()`` is run first. ``"present"`` shows the
            gradients the graph already has and never runs ``backward()``.

    Returns:
        The matplotlib Figure.

    Example (the lecture's sigmoid neuron, fine granularity):
        >>> import fcnn
        >>> from fcnn.nn import functional as F
        >>> w0, x0, w1, x1, b = (fcnn.tensor(v, requires_grad=True, label=n) for v, n in
        ...     [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "b")])
        >>> fig = draw_graph(F.sigmoid(w0 * x0 + w1 * x1 + b, granularity="fine"))
        >>> round(float(w0.grad), 2)
        -0.2
    """
    if gradients == "present":
        _check_tensor(output)
        has_grads = output.grad is not None
    else:
        has_grads = _ensure_gradients(output) if gradients else False
    nodes = build_graph(output)
    positions = layout_graph(nodes, layout)
    routes = edge_routes(nodes, positions)
    centre = {i: (x * _X_STEP, y * _Y_STEP) for i, (x, y) in positions.items()}
    xs_all = [x for x, _ in centre.values()]
    ys_all = [y for _, y in centre.values()] + [y for r in routes for _, y in r.points]
    span = (max(ys_all) - min(ys_all)) / _Y_STEP
    n_columns = int(max(x for x, _ in positions.values())) + 1
    fig = new_figure(max(4.5, 1.75 * n_columns + 0.6), max(2.6, 1.2 * (span + 1) + 1.0))
    ax = fig.add_subplot()
    ax.set_axis_off()
    for route in routes:
        if len(route.points) == 2:  # neighbouring columns: x * x bends its second edge
            arrow = FancyArrowPatch(route.points[0], route.points[1], arrowstyle="-|>",
                                    connectionstyle=f"arc3,rad={0.35 * route.repeat}",
                                    mutation_scale=12, color="#555555", linewidth=1.1,
                                    shrinkA=0, shrinkB=0)
        else:
            arrow = FancyArrowPatch(path=MplPath(route.points), arrowstyle="-|>",
                                    mutation_scale=12, color="#555555", linewidth=1.1,
                                    shrinkA=0, shrinkB=0)
        ax.add_patch(arrow)
    for node in nodes:
        x, y = centre[node.index]
        fontsize = 12 if len(node.text) <= 6 else max(7, 12 - (len(node.text) - 6) // 2)
        ax.add_patch(FancyBboxPatch((x - _HALF_WIDTH, y - _HALF_HEIGHT), 2 * _HALF_WIDTH,
                                    2 * _HALF_HEIGHT,
                                    boxstyle="round,pad=0.02,rounding_size=0.15",
                                    facecolor=_FILL[node.kind], edgecolor="#333333",
                                    linewidth=1.2, zorder=3))
        weight = "bold" if node.kind == "input" else "normal"
        ax.text(x, y, node.text, ha="center", va="center", fontsize=fontsize,
                fontweight=weight, zorder=4)
        if node.kind == "op":
            ax.text(x - _HALF_WIDTH + 0.05, y + 0.2, f"{node.index}", fontsize=6,
                    color="#777777", ha="left", va="center", zorder=4)
        ax.text(x, y + 0.33, format_array(node.value, digits), ha="center", va="bottom",
                fontsize=10, color=FORWARD_COLOR, fontweight="bold", zorder=4)
        if has_grads and node.grad is not None:
            ax.text(x, y - 0.33, format_array(node.grad, digits), ha="center", va="top",
                    fontsize=10, color=BACKWARD_COLOR, fontweight="bold", zorder=4)
    ax.set_xlim(min(xs_all) - 0.9, max(xs_all) + 0.9)
    ax.set_ylim(min(ys_all) - 0.85, max(ys_all) + 0.8)
    ax.set_aspect("equal")
    handles = [Line2D([], [], color=FORWARD_COLOR, marker="s", linestyle="",
                      label=tr("graph.forward"))]
    if has_grads:
        handles.append(Line2D([], [], color=BACKWARD_COLOR, marker="s", linestyle="",
                              label=tr("graph.gradient")))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2,
              frameon=False, fontsize=9)
    value = format_array(output.data, digits)
    width = float(fig.get_size_inches()[0])
    fig.suptitle(caption_lines(title or tr("graph.title", value=value), width - 0.3, 12),
                 fontsize=12)
    if path is not None:
        save_figure(fig, path)
    return fig
