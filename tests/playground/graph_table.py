"""Reading the table `fcnn graph --steps` prints, for comparing it with the page's."""

from __future__ import annotations

import re


def table_rows(text: str) -> list[list[str]]:
    """The rows of ``fcnn graph --steps``'s table, split on runs of two spaces."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("node")) + 2
    rows = []
    for line in lines[start:]:
        if not line.strip() or line.startswith("wrote"):
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows
