"""Turn a formula typed by a user into a graph of engine Tensors, safely.

``parse_expression("sigmoid(w0*x0 + w1*x1 + b)", {"w0": 2, ...})`` reads the text
with Python's ``ast`` parser and walks a whitelist: numbers, names, the operators
``+ - * / **``, unary minus and calls of the functions in :data:`FUNCTIONS`.
Anything else (attributes, subscripts, strings, lambdas, comprehensions, keyword
arguments...) is rejected with an error naming the offending piece. Nothing is
ever passed to ``eval``: the tree is walked and each allowed node becomes an
engine op, so the result is a real graph whose values and gradients are the
engine's.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from fcnn.engine import Tensor
from fcnn.nn import ACTIVATIONS
from fcnn.nn import functional as F

MAX_LENGTH = 1000  # characters; a formula for a drawing is never longer


def _unary(method: str) -> Callable[[Tensor, str], Tensor]:
    def apply(x: Tensor, granularity: str) -> Tensor:
        del granularity  # a primitive op looks the same at both granularities
        return getattr(x, method)()
    return apply


#: The lecture's Leaky ReLU slope, used when ``leaky_relu(x)`` is written without one.
_EXPRESSION_DEFAULTS = {"leaky_relu": (0.1,)}


def _activation(name: str) -> Callable[..., Tensor]:
    """``f(x, granularity, *numbers)``: the activation, its options given by position."""
    entry = ACTIVATIONS.get(name)

    def apply(x: Tensor, granularity: str, *numbers: float) -> Tensor:
        numbers = numbers or _EXPRESSION_DEFAULTS.get(entry.name, ())
        options = dict(zip((o.name for o in entry.options), numbers))
        return entry.target(x, granularity=granularity, **entry.resolve(options))
    return apply


def _functions() -> dict[str, tuple[Callable[..., Tensor], int]]:
    """function name -> (callable(tensor, granularity, *numbers), number of extra numeric args).

    Every activation of ``nn.ACTIVATIONS`` (its options as extra arguments, e.g.
    ``leaky_relu(x, 0.1)``), then the primitive functions exp, log, sin and cos.
    """
    table: dict[str, tuple[Callable[..., Tensor], int]] = {}
    for entry in ACTIVATIONS.entries():
        table[entry.name] = (_activation(entry.name), len(entry.options))
    for name in ("exp", "log", "sin", "cos"):
        table[name] = (_unary(name), 0)
    return table


class _Functions(Mapping):
    """A live view of :func:`_functions`: an activation registered later is callable too."""

    def __getitem__(self, name: str) -> tuple[Callable[..., Tensor], int]:
        return _functions()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_functions())

    def __len__(self) -> int:
        return len(_functions())


FUNCTIONS: Mapping[str, tuple[Callable[..., Tensor], int]] = _Functions()

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_HINTS = {ast.BitXor: " (for a power write x**2, not x^2)", ast.MatMult: "",
          ast.FloorDiv: " (use / for division)", ast.Mod: ""}

Value = Tensor | float


class ExpressionError(ValueError):
    """The formula is not one fcnn can draw (the message says which piece and why)."""


def parse_values(text: str) -> dict[str, float]:
    """Read ``"w0=2,x0=-1"`` into ``{"w0": 2.0, "x0": -1.0}``.

    Example:
        >>> parse_values("w0=2, x0=-1.5")
        {'w0': 2.0, 'x0': -1.5}
    """
    values: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, number = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ExpressionError(f"cannot read {item!r} in --set: expected NAME=NUMBER pairs "
                                  f"separated by commas, e.g. --set w0=2,x0=-1.")
        try:
            values[name] = float(number)
        except ValueError:
            raise ExpressionError(f"the value of {name!r} in --set must be a number, got "
                                  f"{number.strip()!r}.") from None
    return values


def expression_names(text: str) -> list[str]:
    """The variable names used in ``text`` (function names excluded), in order of appearance.

    Raises ExpressionError if ``text`` uses anything but the allowed syntax.

    Example:
        >>> expression_names("sigmoid(w0*x0 + b)")
        ['w0', 'x0', 'b']
    """
    tree = _parse(text)
    _check(tree.body)
    names = sorted({(node.lineno, node.col_offset, node.id) for node in ast.walk(tree)
                    if isinstance(node, ast.Name) and node.id not in FUNCTIONS})
    return list(dict.fromkeys(name for _, _, name in names))


def parse_expression(text: str, values: Mapping[str, float], granularity: str = "fine",
                     dtype: Any = np.float64) -> Tensor:
    """Build the graph of ``text`` with each name a leaf tensor holding ``values[name]``.

    Args:
        text: a formula of numbers, names, ``+ - * / **``, unary minus and the functions
            ``sigmoid tanh relu leaky_relu(x, k) exp log sin cos``.
        values: a number for every name used.
        granularity: ``"fine"`` expands sigmoid/tanh/relu/leaky_relu into primitive gates
            (the lecture's ``neg, exp, +1, 1/x`` chain); ``"coarse"`` keeps one node each.
        dtype: of the leaves (float64 by default, for exact-looking numbers).

    Returns:
        The output tensor; leaves require gradients and carry their names as labels.

    Raises:
        ExpressionError (a ValueError) naming the piece that is not allowed, or the
        names that have no value.

    Example (the lecture's sigmoid neuron):
        >>> f = parse_expression("sigmoid(w0*x0 + w1*x1 + b)",
        ...                      {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "b": -3})
        >>> round(float(f), 2), [t.op for t in f.topological_order() if t.op][-4:]
        (0.73, ['neg', 'exp', '+', '1/x'])
    """
    F.check_granularity(granularity)
    names = expression_names(text)  # validates the syntax first
    missing = [name for name in names if name not in values]
    if missing:
        raise ExpressionError(
            f"no value for {', '.join(missing)} in {text!r}; give one with --set "
            f"{','.join(f'{name}=NUMBER' for name in missing)} (e.g. --set "
            f"{','.join(f'{name}=1' for name in missing)}).")
    if not names:
        raise ExpressionError(f"{text!r} has no variables, so it has no graph to draw; use "
                              f"names such as x and give their values with --set x=1.")
    return _Builder(values, granularity, dtype).build(_parse(text).body)


def _parse(text: str) -> ast.Expression:
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be a string, got {type(text).__name__}.")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; at most "
                              f"{MAX_LENGTH} are accepted.")
    if not text.strip():
        raise ExpressionError("the expression is empty; write a formula such as "
                              "'sigmoid(w*x + b)'.")
    try:
        return ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"cannot parse {text!r}: {error.msg} at column "
                              f"{error.offset}.") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply to draw.") from None


def _reject(node: ast.AST, why: str) -> ExpressionError:
    return ExpressionError(
        f"{ast.unparse(node)!r} is not allowed: {why}. Expressions may use numbers, names, "
        f"+ - * / **, parentheses and the functions {', '.join(FUNCTIONS)}.")


def _has_name(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) for n in ast.walk(node))


def _check(node: ast.AST) -> None:
    """Raise ExpressionError unless ``node`` uses only the whitelisted syntax."""
    try:
        _check_node(node)
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply to draw.") from None


def _check_node(node: ast.AST) -> None:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _reject(node, f"only numbers are allowed, not {type(value).__name__}")
    elif isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise _reject(node, "names starting with '_' are not allowed")
        if node.id in FUNCTIONS:
            raise _reject(node, f"{node.id} is a function; call it, e.g. {node.id}(x)")
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise _reject(node, "only unary minus and plus are supported")
        _check_node(node.operand)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            hint = _HINTS.get(type(node.op), "")
            raise _reject(node, f"operator {type(node.op).__name__} is not supported{hint}")
        if isinstance(node.op, ast.Pow) and _has_name(node.right):
            raise _reject(node, "the exponent of ** must be a number (write exp(b*log(a)) "
                          "for a variable exponent)")
        _check_node(node.left)
        _check_node(node.right)
    elif isinstance(node, ast.Call):
        _check_call(node)
    else:
        raise _reject(node, f"{type(node).__name__} syntax is not part of arithmetic")


def _check_call(node: ast.Call) -> None:
    func = node.func
    if not isinstance(func, ast.Name) or func.id not in FUNCTIONS:
        raise _reject(node, "only the listed functions may be called")
    if node.keywords:
        raise _reject(node, "keyword arguments are not supported (write leaky_relu(x, 0.1) "
                      "for a slope)")
    extra = FUNCTIONS[func.id][1]
    if not 1 <= len(node.args) <= 1 + extra:
        expected = "one argument" if not extra else f"1 to {1 + extra} arguments"
        raise _reject(node, f"{func.id} takes {expected}, got {len(node.args)}")
    if any(_has_name(arg) for arg in node.args[1:]):
        raise _reject(node, f"the extra arguments of {func.id} must be numbers")
    for arg in node.args:
        _check_node(arg)


class _Builder:
    """Turn a checked syntax tree into numbers and engine ops (one leaf per name)."""

    def __init__(self, values: Mapping[str, float], granularity: str, dtype: Any) -> None:
        self.values, self.granularity, self.dtype = values, granularity, dtype
        self.leaves: dict[str, Tensor] = {}

    def build(self, node: ast.AST) -> Value:
        try:
            return self.visit(node)
        except RecursionError:
            raise ExpressionError("the expression is nested too deeply to draw.") from None

    def visit(self, node: ast.AST) -> Value:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return self.leaf(node.id)
        if isinstance(node, ast.UnaryOp):
            operand = self.visit(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        assert isinstance(node, ast.Call), "unchecked syntax reached the builder"
        return self.call(node)

    def leaf(self, name: str) -> Tensor:
        if name not in self.leaves:  # a name used twice is one node (its gradients add up)
            self.leaves[name] = Tensor(np.asarray(self.values[name], dtype=self.dtype),
                                       requires_grad=True, label=name)
        return self.leaves[name]

    def binary(self, node: ast.BinOp) -> Value:
        left, right = self.visit(node.left), self.visit(node.right)
        try:
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.Div):
                return left / right
            return left ** right
        except (OverflowError, ZeroDivisionError) as error:
            raise _reject(node, f"its numbers give {type(error).__name__}") from None

    def call(self, node: ast.Call) -> Value:
        assert isinstance(node.func, ast.Name)
        function = FUNCTIONS[node.func.id][0]
        argument = self.visit(node.args[0])
        numbers = [float(self.visit(arg)) for arg in node.args[1:]]
        if not isinstance(argument, Tensor):
            argument = Tensor(np.asarray(argument, dtype=self.dtype))
        try:
            return function(argument, self.granularity, *numbers)
        except ValueError as error:
            raise _reject(node, str(error)) from None
