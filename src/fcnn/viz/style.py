"""Shared figure helpers: one look for every picture, saved as PNG and SVG.

Figures are built with ``matplotlib.figure.Figure`` directly (no ``pyplot``), so
drawing needs no display, keeps no global state and works after a plain
``pip install`` on a headless machine.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from fcnn.viz.text import wrap

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


def caption_lines(text: str, width_inches: float, fontsize: float = 8.5) -> str:
    """``text`` wrapped to fit ``width_inches`` at ``fontsize`` points (for a figure caption).

    Example:
        >>> print(caption_lines("the straight pieces of the decision boundary", 2.0, 10))
        the straight pieces of the
        decision boundary
    """
    columns = max(20, int(width_inches * 72 / (0.55 * fontsize)))
    return "\n".join(wrap(text, columns))


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
        partial = target.with_name(f".{target.name}.partial")
        try:
            fig.savefig(partial, format=fmt, dpi=dpi, facecolor="white")
            os.replace(partial, target)  # a file is written whole or not at all
        finally:
            partial.unlink(missing_ok=True)
        written.append(target)
    return written


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file, so it is whole or absent.

    Example:
        >>> import tempfile, pathlib
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
        >>> write_text_atomic(target, "海星").read_text(encoding="utf-8")
        '海星'
    """
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
