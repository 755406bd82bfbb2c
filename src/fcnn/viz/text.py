"""Plain-text and HTML tables that stay aligned in any language.

A terminal shows a Chinese character two columns wide, so padding by ``len()``
misaligns every table with a Chinese header. :func:`display_width` counts columns
as terminals do (``unicodedata.east_asian_width``: wide and full-width characters
take two), and :func:`format_table` pads with it. :func:`html_table` writes the
same rows as an HTML ``<table>``, which a browser aligns whatever the font.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) and full-width characters take two.

    Example:
        >>> display_width("node"), display_width("节点"), display_width("≈ 0"), display_width("（")
        (4, 4, 3, 2)
    """
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def pad(text: str, width: int, align: str = "left") -> str:
    """``text`` padded with spaces to ``width`` terminal columns (``align``: left or right).

    Example:
        >>> pad("海星", 6) + "|", pad("0.2", 5, "right") + "|"
        ('海星  |', '  0.2|')
    """
    fill = " " * max(0, width - display_width(text))
    return fill + text if align == "right" else text + fill


def wrap(text: str, width: int) -> list[str]:
    """Break ``text`` into lines of at most ``width`` terminal columns.

    Latin text breaks at spaces; Chinese, which has no spaces, between any two
    characters (a word longer than ``width`` gets a line of its own).

    Example:
        >>> wrap("the decision boundary of a net", 12)
        ['the decision', 'boundary of', 'a net']
        >>> wrap("分界线由权值精确算出", 8)
        ['分界线由', '权值精确', '算出']
    """
    tokens = re.findall(r"\s+|[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff"
                        r"\uf900-\ufaff\uff00-\uffef]+", text)
    lines: list[str] = []
    current = ""
    for token in tokens:
        if token.isspace():
            if current:
                current += " "
            continue
        if current and display_width(current + token) > width:
            lines.append(current.rstrip())
            current = ""
        current += token
    if current.strip():
        lines.append(current.rstrip())
    return lines


@dataclass
class Table:
    """Rows of cells under a header, printable as text or HTML.

    ``align`` holds "left" or "right" per column (default: all left); ``notes`` are
    printed under the table.
    """

    headers: Sequence[str]
    rows: list[Sequence[str]]
    align: Sequence[str] = ()
    notes: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        return format_table(self.headers, self.rows, self.align, self.notes)

    def to_html(self) -> str:
        return html_table(self.headers, self.rows, self.align, self.notes)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:  # shown as a table in Jupyter
        return self.to_html()


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]],
                 align: Sequence[str] = (), notes: Sequence[str] = ()) -> str:
    """A text table with a rule under the header, columns padded to their display width.

    Example:
        >>> print(format_table(["量", "fcnn"], [["q(海星)", "0.21"]], ["left", "right"]))
        量       fcnn
        -------  ----
        q(海星)  0.21
    """
    columns = len(headers)
    aligns = list(align) + ["left"] * (columns - len(align))
    widths = [max(display_width(str(row[i])) for row in [headers, *rows]) for i in range(columns)]

    def line(cells: Sequence[str]) -> str:
        text = "  ".join(pad(str(c), w, a) for c, w, a in zip(cells, widths, aligns))
        return text.rstrip()

    lines = [line(headers), "  ".join("-" * w for w in widths)]
    lines += [line(row) for row in rows]
    lines += [f"  * {note}" for note in notes]
    return "\n".join(lines)


def html_table(headers: Sequence[str], rows: Sequence[Sequence[str]],
               align: Sequence[str] = (), notes: Sequence[str] = ()) -> str:
    """The same table as HTML (cells escaped); numbers right-aligned where ``align`` says so.

    Example:
        >>> html_table(["a"], [["<1>"]]).replace(' style="text-align:left"', "")
        '<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>&lt;1&gt;</td></tr></tbody></table>'
    """
    aligns = list(align) + ["left"] * (len(headers) - len(align))

    def cell(tag: str, text: str, side: str) -> str:
        # inline alignment: notebook style sheets right-align every cell otherwise
        style = ' class="num" style="text-align:right"' if side == "right" else \
            ' style="text-align:left"'
        return f"<{tag}{style}>{html.escape(str(text))}</{tag}>"

    head = "".join(cell("th", h, a) for h, a in zip(headers, aligns))
    body = "".join("<tr>" + "".join(cell("td", c, a) for c, a in zip(row, aligns)) + "</tr>"
                   for row in rows)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if notes:
        table += "<ul class=\"notes\">" + "".join(f"<li>{html.escape(n)}</li>"
                                                for n in notes) + "</ul>"
    return table
