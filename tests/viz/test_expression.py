"""The expression parser: arithmetic, known functions and names only; never runs code."""

from __future__ import annotations

import numpy as np
import pytest

import fcnn
from fcnn.nn import functional as F
from fcnn.viz.expression import (
    ExpressionError,
    expression_names,
    parse_expression,
    parse_values,
)

NEURON = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "b": -3.0}


def test_builds_the_same_graph_as_the_engine_by_hand():
    f = parse_expression("sigmoid(w0*x0 + w1*x1 + b)", NEURON, granularity="fine")
    f.backward()
    w0, x0, w1, x1, b = (fcnn.tensor(v, requires_grad=True, dtype=np.float64)
                         for v in NEURON.values())
    g = F.sigmoid(w0 * x0 + w1 * x1 + b, granularity="fine")
    g.backward()
    assert float(f.data) == float(g.data)
    leaves = {t.label: t for t in f.topological_order() if t.label}
    for name, t in zip(NEURON, (w0, x0, w1, x1, b)):
        assert float(leaves[name].grad) == float(t.grad)
    assert [t.op for t in f.topological_order() if t.op] == \
        [t.op for t in g.topological_order() if t.op]


def test_granularity_changes_the_nodes_not_the_numbers():
    fine = parse_expression("sigmoid(w0*x0 + w1*x1 + b)", NEURON, granularity="fine")
    coarse = parse_expression("sigmoid(w0*x0 + w1*x1 + b)", NEURON, granularity="coarse")
    fine_ops = [t.op for t in fine.topological_order() if t.op]
    coarse_ops = [t.op for t in coarse.topological_order() if t.op]
    assert {"neg", "exp", "1/x"} <= set(fine_ops) and "sigmoid" not in fine_ops
    assert coarse_ops.count("sigmoid") == 1 and "exp" not in coarse_ops
    assert float(fine.data) == pytest.approx(float(coarse.data), abs=1e-15)


def test_a_name_used_twice_is_one_leaf_whose_gradients_add():
    f = parse_expression("x*x + 2*x", {"x": 3.0})
    f.backward()
    x = [t for t in f.topological_order() if t.label == "x"]
    assert len(x) == 1 and float(x[0].grad) == 8.0  # d/dx (x^2 + 2x) = 2x + 2


@pytest.mark.parametrize("text, value", [
    ("(x + y)**2", 9.0), ("sin(1/x**2)", np.sin(1.0)), ("-x + +y", 1.0),
    ("leaky_relu(x - 2, 0.1)", -0.1), ("relu(x) * tanh(y) / exp(log(y))", np.tanh(2) / 2),
    ("cos(x) - 1e-3", np.cos(1.0) - 1e-3),
])
def test_arithmetic_and_known_functions(text, value):
    assert float(parse_expression(text, {"x": 1.0, "y": 2.0}).data) == pytest.approx(value)


@pytest.mark.parametrize("text, piece", [
    ("__import__('os').system('echo hacked')", "__import__"),
    ("x.real", "x.real"),
    ("x[0]", "x[0]"),
    ("(lambda: 1)()", "lambda"),
    ("'abc' * x", "'abc'"),
    ("x ^ 2", "x**2"),
    ("open('f')", "open"),
    ("[x for x in y]", "for"),
    ("x if y else 1", "if"),
    ("x < y", "x < y"),
    ("leaky_relu(x, k=0.1)", "keyword"),
    ("x ** y", "exponent"),
    ("sigmoid", "is a function"),
    ("sigmoid(x, y)", "one argument"),
    ("_secret * x", "_secret"),
    ("True * x", "bool"),
    ("x; y", "cannot parse"),
])
def test_rejects_everything_else_with_a_clear_error(text, piece):
    with pytest.raises(ExpressionError, match="not allowed|cannot parse") as error:
        parse_expression(text, {"x": 1.0, "y": 2.0})
    assert piece in str(error.value)


def test_cannot_execute_code(tmp_path):
    target = tmp_path / "pwned"
    attempts = [f"__import__('pathlib').Path({str(target)!r}).touch()",
                "x.__class__.__base__.__subclasses__()",
                f"exec('open({str(target)!r}, \"w\")')"]
    for text in attempts:
        with pytest.raises(ExpressionError):
            parse_expression(text, {"x": 1.0})
    assert not target.exists()


def test_missing_names_are_listed():
    with pytest.raises(ExpressionError, match="no value for x1, b") as error:
        parse_expression("sigmoid(w0*x0 + w1*x1 + b)", {"w0": 1, "x0": 1, "w1": 1})
    assert "--set x1=" in str(error.value)


def test_other_user_errors():
    with pytest.raises(ExpressionError, match="no variables"):
        parse_expression("1 + 2", {})
    with pytest.raises(ExpressionError, match="empty"):
        parse_expression("   ", {})
    with pytest.raises(ExpressionError, match="at most"):
        parse_expression("x+" * 600 + "x", {"x": 1})
    with pytest.raises(ExpressionError, match="OverflowError"):
        parse_expression("10**10**10 * x", {"x": 1})
    with pytest.raises(ValueError, match="granularity"):
        parse_expression("x", {"x": 1}, granularity="medium")


def test_parse_values_and_names():
    assert parse_values("w0=2, x0=-1.5,") == {"w0": 2.0, "x0": -1.5}
    with pytest.raises(ExpressionError, match="NAME=NUMBER"):
        parse_values("w0:2")
    with pytest.raises(ExpressionError, match="must be a number"):
        parse_values("w0=two")
    assert expression_names("sigmoid(w0*x0 + w1*x1 + b)") == ["w0", "x0", "w1", "x1", "b"]
    assert expression_names("b * a + a") == ["b", "a"]
