"""The graph drawer shows the engine's values and gradients, laid out left to right."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import fcnn
from fcnn.nn import MLP, cross_entropy
from fcnn.viz.expression import parse_expression
from fcnn.viz.graph import (
    backward_steps,
    build_graph,
    dot_layout,
    draw_graph,
    format_array,
    format_backward_table,
    format_number,
    parse_dot_plain,
    python_layout,
)

from .helpers import assert_figure_files

NEURON = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "b": -3.0}


def neuron(granularity="fine"):
    return parse_expression("sigmoid(w0*x0 + w1*x1 + b)", NEURON, granularity=granularity)


def figure_texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_nodes_carry_the_engines_values_and_gradients():
    f = neuron()
    f.backward()
    nodes = build_graph(f)
    engine = {id(t): t for t in f.topological_order()}
    for node in nodes:
        assert node.value is engine[id(node.tensor)].data
        assert node.grad is engine[id(node.tensor)].grad
    # the lecture's fine chain, with the constant 1 folded into its gate
    assert [n.text for n in nodes if n.kind == "op"][-4:] == ["neg", "exp", "+1", "1/x"]
    assert len(nodes) == len(f.topological_order()) - 1


def test_the_drawing_shows_every_value_and_gradient(tmp_path):
    f = neuron()
    fig = draw_graph(f, tmp_path / "neuron", layout="python")
    texts = figure_texts(fig)
    for node in build_graph(f):
        assert format_array(node.value) in texts
        assert format_array(node.grad) in texts
    # the lecture's slide: 0.73 out, exp gate 0.37, gradients -0.20 / 0.39 / -0.59 / -0.53
    for shown in ["0.73", "0.37", "1.37", "-0.53", "-0.20", "0.39", "-0.39", "-0.59"]:
        assert shown in texts
    assert_figure_files(tmp_path / "neuron")


def test_coarse_granularity_shows_one_sigmoid_node():
    fig = draw_graph(neuron("coarse"), layout="python")
    texts = figure_texts(fig)
    assert "sigmoid" in texts and "exp" not in texts and "0.20" in texts


def test_backward_steps_follow_the_chain_rule():
    f = neuron()
    steps = backward_steps(f)
    for step in steps:
        np.testing.assert_allclose(step.downstream, step.local * step.upstream)
    totals = {}
    for step in steps:
        totals[step.input.name] = totals.get(step.input.name, 0.0) + float(step.downstream)
    for leaf in (t for t in f.topological_order() if t.label):
        assert totals[leaf.label] == pytest.approx(float(leaf.grad))
    table = format_backward_table(steps)
    assert "downstream = local x upstream" in table and "1/x" in table


def test_layout_runs_left_to_right_without_overlaps():
    nodes = build_graph(neuron())
    place = python_layout(nodes)
    assert len(set(place.values())) == len(nodes)
    for node in nodes:
        for i in node.inputs:
            assert place[i][0] < place[node.index][0]


def test_draws_tensor_graphs_and_graphs_without_gradients(tmp_path):
    net = MLP(4, [3], 2, seed=0, granularity="fine")
    x = fcnn.tensor(np.ones((5, 4)), label="x")
    loss = cross_entropy(net(x), [0, 1, 0, 1, 0])
    fig = draw_graph(loss, tmp_path / "mlp")
    assert "shape 5x4" in figure_texts(fig)
    assert_figure_files(tmp_path / "mlp")
    constant = fcnn.tensor([1.0, 2.0], label="c") * 3
    fig = draw_graph(constant)
    assert "[3.00, 6.00]" in figure_texts(fig)
    with pytest.raises(ValueError, match="no gradients"):
        backward_steps(constant)
    with pytest.raises(TypeError, match="Tensor"):
        draw_graph(np.ones(3))
    with pytest.raises(ValueError, match="layout"):
        draw_graph(neuron(), layout="circo")


def test_numbers_are_formatted_like_the_lecture():
    assert format_number(0.7310585) == "0.73"
    assert format_number(-0.19661) == "-0.20"
    assert format_number(2.26e-6) == "2.26e-06"
    assert format_number(0.0) == "0.00"


def test_dot_plain_output_is_read():
    text = "graph 1 3 2\nnode n0 0.5 1.5 1 0.6 n0\nnode n1 2.1 1.0 1 0.6 n1\nedge n0 n1\nstop\n"
    assert parse_dot_plain(text) == {0: (0.0, 1.5), 1: (1.0, 1.0)}
    with pytest.raises(ValueError):
        parse_dot_plain("graph 1 1 1\nstop\n")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")
def test_dot_layout_when_graphviz_is_installed():
    nodes = build_graph(neuron())
    place = dot_layout(nodes)
    for node in nodes:
        for i in node.inputs:
            assert place[i][0] < place[node.index][0]
