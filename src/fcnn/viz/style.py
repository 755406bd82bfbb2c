"""Shared figure helpers: one look for every picture, saved as PNG and SVG.

Figures are built with ``matplotlib.figure.Figure`` directly (no ``pyplot``), so
drawing needs no display, keeps no global state and works after a plain
``pip install`` on a headless machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

#: file formats written by :func:`save_figure` unless told otherwise
FORMATS = ("png", "svg")

FORWARD_COLOR = "#1a7f37"   # forward values (green, as on the lecture's slides)
BACKWARD_COLOR = "#c62828"  # gradients (red)
CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def new_figure(width: float, height: float) -> Figure:
    """A blank white figure of ``width`` x ``height`` inches with a tight layout.

    Example:
        >>> fig = new_figure(4, 3)
        >>> fig.get_size_inches().tolist()
        [4.0, 3.0]
    """
    return Figure(figsize=(width, height), layout="constrained", facecolor="white")


def save_figure(fig: Figure, path: str | Path, formats: Sequence[str] = FORMATS,
                dpi: int = 130) -> list[Path]:
    """Write ``fig`` as ``path`` with each suffix in ``formats``; return the files written.

    ``path`` may carry a suffix (``"graph.png"``): it is replaced by each format.

    Example:
        >>> import tempfile, pathlib
        >>> fig = new_figure(2, 2)
        >>> files = save_figure(fig, pathlib.Path(tempfile.mkdtemp()) / "empty")
        >>> [f.suffix for f in files]
        ['.png', '.svg']
    """
    path = Path(path)
    if path.suffix.lower().lstrip(".") in ("png", "svg", "pdf"):
        path = path.with_suffix("")
    unknown = [f for f in formats if f not in ("png", "svg", "pdf")]
    if unknown:
        raise ValueError(f"unknown figure format(s) {unknown}; valid formats: png, svg, pdf.")
    path.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        target = path.with_name(f"{path.name}.{fmt}")
        fig.savefig(target, dpi=dpi, facecolor="white")
        written.append(target)
    return written
