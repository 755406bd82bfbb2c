"""Rich display of fcnn objects in Jupyter: graphs, model summaries, training curves.

Once registered, a notebook cell that ends with

* a :class:`~fcnn.engine.Tensor` computed by the engine shows its computation graph,
  every node with its forward value (green) and, after ``backward()``, its gradient
  (red) — the lecture's pictures, for your own formulas;
* a :class:`~fcnn.nn.Module` (an ``MLP``, a layer) shows a summary table: each layer,
  its output features and its number of parameters;
* a :class:`~fcnn.train.History` shows its loss and accuracy curves;
* a matplotlib ``Figure`` (what every ``fcnn.viz.plot_*`` function returns) shows itself.

Registering happens by itself when ``fcnn.viz`` is imported inside IPython, or
explicitly with ``%load_ext fcnn.viz.notebook``. The text display (``repr``) stays
available, and nothing is registered outside IPython. The engine, ``nn`` and
``train`` know nothing of this module: it adds display formatters for their types
from the outside.
"""

from __future__ import annotations

import html
import io
from typing import Any

from matplotlib.figure import Figure

from fcnn.engine import Tensor
from fcnn.nn import Module
from fcnn.train import History
from fcnn.viz.graph import draw_graph
from fcnn.viz.i18n import tr
from fcnn.viz.training import plot_history

#: graphs with more nodes than this are shown as text (a drawing would be unreadable)
MAX_GRAPH_NODES = 60


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, facecolor="white")
    return buffer.getvalue()


def tensor_png(tensor: Tensor) -> bytes | None:
    """The computation graph of ``tensor`` as PNG bytes, or None for a leaf or a huge graph.

    Shows the gradients the graph has (it never runs ``backward()`` itself).

    Example:
        >>> import fcnn
        >>> x = fcnn.tensor(2.0, requires_grad=True, label="x")
        >>> tensor_png(x) is None, tensor_png(x * x + 1)[:4]
        (True, b'\\x89PNG')
    """
    if tensor.is_leaf or len(tensor.topological_order()) > MAX_GRAPH_NODES:
        return None
    return _png(draw_graph(tensor, gradients="present", layout="python"))


def module_rows(module: Module) -> list[tuple[str, str, str, int]]:
    """(name, layer, output features, parameters) of each innermost layer of ``module``.

    Example:
        >>> from fcnn.nn import MLP
        >>> [(name, outputs, count) for name, _, outputs, count in module_rows(MLP(4, [3], 2))]
        [('0', '3', 15), ('1', '', 0), ('2', '2', 8)]
    """
    rows = []
    stack: list[tuple[str, Module]] = [("", module)]
    while stack:
        name, current = stack.pop()
        children = list(current.named_children())
        if children:
            prefix = f"{name}." if name else ""
            stack += [(prefix + child_name, child) for child_name, child in reversed(children)]
            continue
        own = [p for n, p in current.named_parameters() if "." not in n]
        weight = getattr(current, "weight", None)
        outputs = str(weight.shape[0]) if weight is not None and weight.data.ndim >= 1 else ""
        layer = repr(current).splitlines()[0]
        rows.append((name or type(current).__name__, layer, outputs,
                     int(sum(p.data.size for p in own))))
    return rows


def module_html(module: Module) -> str:
    """A summary table of ``module`` as HTML: layers, output features, parameters, total."""
    rows = module_rows(module)
    total = sum(row[3] for row in rows)
    head = "".join(f"<th>{html.escape(tr(key))}</th>" for key in
                   ("summary.layer", "summary.type", "summary.output", "summary.params"))
    body = "".join(
        f"<tr><td>{html.escape(name)}</td><td><code>{html.escape(layer)}</code></td>"
        f"<td style='text-align:right'>{outputs}</td>"
        f"<td style='text-align:right'>{count:,}</td></tr>"
        for name, layer, outputs, count in rows)
    body += (f"<tr><th colspan='3' style='text-align:left'>{html.escape(tr('summary.total'))}"
             f"</th><th style='text-align:right'>{total:,}</th></tr>")
    caption = html.escape(tr("summary.title", name=type(module).__name__, params=f"{total:,}"))
    return (f"<table><caption style='text-align:left'><b>{caption}</b></caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def history_png(history: History) -> bytes | None:
    """The loss and accuracy curves of ``history`` as PNG bytes (None when it is empty)."""
    if len(history) == 0:
        return None
    return _png(plot_history(history))


_FORMATTERS = ((Tensor, "image/png", tensor_png), (Module, "text/html", module_html),
               (History, "image/png", history_png), (Figure, "image/png", _png))


def register(shell: Any = None) -> bool:
    """Add fcnn's display formatters to IPython ``shell`` (default: the running one).

    Returns False (and does nothing) outside IPython.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
        if shell is None:
            return False
    formatters = shell.display_formatter.formatters
    for kind, mime, function in _FORMATTERS:
        formatters[mime].for_type(kind, function)
    return True


def unregister(shell: Any) -> None:
    """Remove fcnn's display formatters from ``shell`` (the text display stays)."""
    formatters = shell.display_formatter.formatters
    for kind, mime, _ in _FORMATTERS:
        formatters[mime].pop(kind, None)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext fcnn.viz.notebook``: register the display formatters."""
    register(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext fcnn.viz.notebook``: remove them again."""
    unregister(ipython)
