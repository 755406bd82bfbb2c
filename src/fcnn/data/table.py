"""Rows of numbers from a CSV file: the features of samples to classify.

Each row holds one sample's features, in the order the model was trained on (for a
2-D toy set: ``x1,x2``). A first row that is not numeric is taken as a header. The
file is bounded before it is read (its size against the memory budget), and every
bad row is an `fcnn.errors.InputError` naming the file and the line.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "points.csv"
    >>> _ = path.write_text("x1,x2\\n0.5,-1\\n2,3.25\\n")
    >>> X, lines = read_features_csv(path, 2)
    >>> X, lines
    (array([[ 0.5 , -1.  ],
           [ 2.  ,  3.25]], dtype=float32), [2, 3])
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from fcnn.data.files import reading, shorten
from fcnn.errors import InputError
from fcnn.limits import check_allocation


def _numbers(fields: list[str]) -> list[float] | None:
    try:
        return [float(field) for field in fields]
    except ValueError:
        return None


def read_features_csv(path: str | Path, n_features: int) -> tuple[np.ndarray, list[int]]:
    """The rows of ``path`` as float32 features (N, n_features), and the line of each row.

    Raises:
        InputError: a row with another number of fields, a field that is not a finite
            number, or no rows at all (the line is named).
        MissingFileError, DiskError, BudgetError: the file is missing or unreadable, or
            larger than the memory budget allows.
    """
    path = Path(path)
    fix = "pass a CSV file with one sample a row"
    with reading(path, "a CSV file of numbers", fix, damaged=(UnicodeDecodeError, csv.Error)):
        size = path.stat().st_size
        # each value takes 2 characters at least ("0,") and ~32 bytes as a Python float in a list
        check_allocation(16 * size, f"the rows of a {size:,}-byte CSV file", path)
        rows: list[list[float]] = []
        lines: list[int] = []
        with open(path, newline="", encoding="utf-8", errors="strict") as handle:
            for line, fields in enumerate(csv.reader(handle), 1):
                if not fields or all(not field.strip() for field in fields):
                    continue
                values = _numbers(fields)
                if values is None and line == 1 and not rows:
                    continue  # a header
                if values is None or len(values) != n_features or \
                        not all(math.isfinite(v) for v in values):
                    raise InputError(
                        f"{path}, line {line}: expected {n_features} numbers (one sample's "
                        f"features, as the model was trained on), got "
                        f"{shorten(','.join(fields), 80)!r}.", path)
                rows.append(values)
                lines.append(line)
    if not rows:
        raise InputError(f"{path} holds no rows of numbers; expected one sample a line, "
                         f"{n_features} numbers each.", path)
    return np.asarray(rows, dtype=np.float32), lines
