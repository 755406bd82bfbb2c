"""The playground's 2-D data: TensorFlow Playground's shapes, 2 to 5 classes, your own points.

``load_dataset("playground", shape="spiral", classes=3, noise=0.1, features=["x1", "x2",
"sin_x1"])`` draws the points ``fcnn playground`` shows and returns them as a
:class:`~fcnn.data.Dataset` whose columns are the chosen input features, so a setup
exported from the playground (``dataset = "playground"``, ``dataset_options = {...}``)
trains in ``fcnn train`` on exactly the numbers the page trained on.

Points live in the square [-6, 6]^2, as in TensorFlow Playground:

* ``circle``: concentric rings, class c at radius (c + 0.1 .. c + 0.9) * 5 / classes;
* ``xor``: 2 * classes angular sectors, sector s has class s mod classes (2 classes:
  the four quadrants, class 0 where x1 * x2 > 0);
* ``gauss``: one Gaussian blob per class, centred on a circle of radius 2 * sqrt(2)
  (2 classes: at (2, 2) and (-2, -2)); the noise widens the blobs;
* ``spiral``: one arm per class, each turning 1.75 times;
* ``moons``: interleaved half circles (2 classes: scikit-learn's ``make_moons``, scaled);
* ``custom``: your own ``points`` (a list of [x1, x2, label]) or a ``csv`` file of
  ``x1,x2,label`` rows.

``noise`` in [0, 0.5] jitters every point uniformly (as TensorFlow Playground's noise
slider, 0 to 50%); for ``gauss`` it widens the blobs instead. The split into training
and test points is a seeded stratified split (``test_fraction``); the same options and
seed give the same points, split and features.

Example:
    >>> from fcnn.data import load_dataset
    >>> ds = load_dataset("playground", shape="spiral", classes=3, n_samples=90, noise=0.1,
    ...                   features=["x1", "x2", "x1_x2"], seed=1)
    >>> ds.X_train.shape, ds.X_test.shape, ds.class_names
    ((45, 3), (45, 3), ['class 0', 'class 1', 'class 2'])
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fcnn.data.dataset import Dataset, stratified_split
from fcnn.errors import BudgetError, ConfigError, InputError
from fcnn.registry import Option

#: Half the side of the square the points live in (TensorFlow Playground's [-6, 6]).
DOMAIN = 6.0
#: Bounds of what one data set may hold (the playground's page shows them).
MAX_POINTS = 5000
MAX_CSV_BYTES = 1_000_000
MIN_CLASSES, MAX_CLASSES = 2, 5

Shape = Callable[[list[int], float, np.random.Generator], list[np.ndarray]]


def _jitter(points: np.ndarray, scale: float, noise: float,
            rng: np.random.Generator) -> np.ndarray:
    """``points`` moved by uniform noise in [-scale * noise, scale * noise] per coordinate."""
    return points + rng.uniform(-scale, scale, points.shape) * noise


def _circle(sizes: list[int], noise: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Class c on the ring of radii (c + 0.1 .. c + 0.9) * 5 / classes (class 0 inside)."""
    ring = 5.0 / len(sizes)
    points = []
    for c, n in enumerate(sizes):
        radius = rng.uniform((c + 0.1) * ring, (c + 0.9) * ring, n)
        angle = rng.uniform(0, 2 * math.pi, n)
        xy = np.stack([radius * np.sin(angle), radius * np.cos(angle)], 1)
        points.append(_jitter(xy, 5.0, noise, rng))
    return points


def _xor(sizes: list[int], noise: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Points of [-5, 5]^2 in 2 * classes sectors, kept 0.3 away from the sector borders."""
    k = len(sizes)
    width = math.pi / k  # 2k sectors: class c owns sectors c, c + k
    points = []
    for c, n in enumerate(sizes):
        chosen = np.empty((0, 2))
        while len(chosen) < n:  # rejection sampling: a few rounds at most
            xy = rng.uniform(-5, 5, (4 * n + 8, 2))
            angle = np.mod(np.arctan2(xy[:, 1], xy[:, 0]), 2 * math.pi)
            sector = np.floor(angle / width).astype(int)
            offset = np.minimum(angle - sector * width, (sector + 1) * width - angle)
            keep = (sector % k == c) & (np.hypot(xy[:, 0], xy[:, 1]) * np.sin(offset) > 0.3)
            chosen = np.concatenate([chosen, xy[keep]])
        points.append(_jitter(chosen[:n], 5.0, noise, rng))
    return points


def _gauss(sizes: list[int], noise: float, rng: np.random.Generator) -> list[np.ndarray]:
    """One Gaussian per class; its variance grows from 0.5 to 4 as noise goes from 0 to 0.5."""
    variance = 0.5 + 7.0 * noise
    points = []
    for c, n in enumerate(sizes):
        angle = math.pi / 4 + 2 * math.pi * c / len(sizes)
        centre = 2 * math.sqrt(2) * np.array([math.cos(angle), math.sin(angle)])
        points.append(centre + math.sqrt(variance) * rng.standard_normal((n, 2)))
    return points


def _spiral(sizes: list[int], noise: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Arm c: radius 0 to 5 while the angle turns 1.75 times, started at 2 pi c / classes."""
    points = []
    for c, n in enumerate(sizes):
        t = np.arange(n) / max(n, 1)
        radius = 5 * t
        angle = 1.75 * 2 * math.pi * t + 2 * math.pi * c / len(sizes)
        xy = np.stack([radius * np.sin(angle), radius * np.cos(angle)], 1)
        points.append(_jitter(xy, 1.0, noise, rng))
    return points


def _moons(sizes: list[int], noise: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Half circles of radius 1, alternately opening down and up, 1.25 apart, scaled by 2.5."""
    spacing = 1.0 if len(sizes) == 2 else 1.25
    raw = []
    for c, n in enumerate(sizes):
        t = rng.uniform(0, math.pi, n)
        if c % 2 == 0:
            xy = np.stack([c * spacing + np.cos(t), np.sin(t)], 1)
        else:
            xy = np.stack([c * spacing - np.cos(t), 0.5 - np.sin(t)], 1)
        raw.append(xy)
    centre = np.array([((len(sizes) - 1) * spacing) / 2, 0.25])
    scale = min(2.5, 10.0 / ((len(sizes) - 1) * spacing + 2))
    return [_jitter((xy - centre) * scale, scale, noise, rng) for xy in raw]


#: name -> generator of one array of points per class.
SHAPES: dict[str, Shape] = {"circle": _circle, "xor": _xor, "gauss": _gauss,
                            "spiral": _spiral, "moons": _moons}

#: input feature name -> (title, function of x1 and x2): TensorFlow Playground's seven.
FEATURES: dict[str, tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "x1": ("x₁", lambda x1, x2: x1),
    "x2": ("x₂", lambda x1, x2: x2),
    "x1_squared": ("x₁²", lambda x1, x2: x1 * x1),
    "x2_squared": ("x₂²", lambda x1, x2: x2 * x2),
    "x1_x2": ("x₁x₂", lambda x1, x2: x1 * x2),
    "sin_x1": ("sin(x₁)", lambda x1, x2: np.sin(x1)),
    "sin_x2": ("sin(x₂)", lambda x1, x2: np.sin(x2)),
}

#: The options of the ``playground`` data set, checked like every configuration key.
OPTIONS: tuple[Option, ...] = (
    Option("shape", str, "circle", choices=(*SHAPES, "custom"),
           help="the shape of the data (custom: your own points or a CSV file)"),
    Option("classes", int, 2, low=MIN_CLASSES, high=MAX_CLASSES, help="number of classes"),
    Option("n_samples", int, 500, low=10, high=MAX_POINTS,
           help="number of points drawn (training and test together)"),
    Option("noise", float, 0.0, low=0, high=0.5, help="how far points are jittered (0 to 0.5)"),
    Option("test_fraction", float, 0.5, low=0, high=0.9,
           help="share of the points held out as test data"),
    Option("features", str, ["x1", "x2"], choices=list(FEATURES), is_list=True,
           help="the network's inputs, computed from x1 and x2"),
    Option("points", float, None, nullable=True, example=[[1.0, -2.0, 0], [0.5, 3.0, 1]],
           help="your own points: a list of [x1, x2, label] (shape = custom)"),
    Option("csv", str, None, nullable=True, example="points.csv",
           help="a CSV file of x1,x2,label rows (shape = custom)"),
)
_OPTIONS = {option.name: option for option in OPTIONS}


@dataclass
class PlaygroundData:
    """The raw 2-D points (for drawing) beside the Dataset of features (for training)."""

    dataset: Dataset
    points_train: np.ndarray  # (N_train, 2) float32: x1, x2 of each training row
    points_test: np.ndarray
    features: list[str]


def feature_matrix(points: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """The input features of each (x1, x2) row, as float32 (one column per feature).

    Example:
        >>> feature_matrix(np.array([[2.0, 3.0]]), ["x1", "x1_x2", "x2_squared"]).tolist()
        [[2.0, 6.0, 9.0]]
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    x1, x2 = points[:, 0], points[:, 1]
    columns = [FEATURES[name][1](x1, x2) for name in features]
    return np.stack(columns, 1).astype(np.float32) if columns else \
        np.zeros((len(points), 0), np.float32)


def check_points(value: Any, classes: int, where: str = "") -> np.ndarray:
    """Validate user points ``[[x1, x2, label], ...]``; return them as an (N, 3) float64 array.

    Labels must be integers in 0..classes-1 and coordinates finite numbers in [-6, 6].
    """
    if not isinstance(value, (list, tuple)):
        raise ConfigError("points", f"{where}points: expected a list of [x1, x2, label], got "
                                    f"{type(value).__name__}.")
    if len(value) > MAX_POINTS:
        raise BudgetError(f"{where}points: {len(value)} points, more than the limit of "
                          f"{MAX_POINTS}; use fewer points.")
    rows = np.empty((len(value), 3))
    for i, row in enumerate(value):
        if (not isinstance(row, (list, tuple)) or len(row) != 3
                or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in row)):
            raise ConfigError("points", f"{where}points[{i}]: expected [x1, x2, label] (three "
                                        f"numbers), got {row!r}.")
        rows[i] = row
    _check_rows(rows, classes, f"{where}points", "points")
    return rows


def _check_rows(rows: np.ndarray, classes: int, where: str, key: str) -> None:
    if not np.all(np.isfinite(rows)):
        bad = int(np.nonzero(~np.all(np.isfinite(rows), axis=1))[0][0])
        raise ConfigError(key, f"{where}: row {bad} holds a NaN or infinite value.")
    outside = np.abs(rows[:, :2]) > DOMAIN
    if outside.any():
        bad = int(np.nonzero(outside.any(axis=1))[0][0])
        raise ConfigError(key, f"{where}: row {bad} ({rows[bad, 0]:g}, {rows[bad, 1]:g}) lies "
                               f"outside the square [-{DOMAIN:g}, {DOMAIN:g}]^2 the playground "
                               f"shows; scale x1 and x2 into it.")
    labels = rows[:, 2]
    if np.any(labels != np.round(labels)) or np.any(labels < 0) or np.any(labels >= classes):
        bad = int(np.nonzero((labels != np.round(labels)) | (labels < 0) |
                             (labels >= classes))[0][0])
        raise ConfigError(key, f"{where}: row {bad} has label {labels[bad]:g}; labels are "
                               f"integers 0..{classes - 1} for classes = {classes} (raise "
                               f"classes, up to {MAX_CLASSES}, for more).")


def read_points_csv(text: str | bytes, where: str = "CSV") -> np.ndarray:
    """Parse ``x1,x2,label`` rows (a header line is allowed) into an (N, 3) float64 array.

    Labels are checked by :func:`check_points`'s rules later, against the class count.

    Example:
        >>> read_points_csv("x1,x2,label\\n1.5,-2,0\\n0,3,1\\n").tolist()
        [[1.5, -2.0, 0.0], [0.0, 3.0, 1.0]]
    """
    if isinstance(text, bytes):
        if len(text) > MAX_CSV_BYTES:
            raise BudgetError(f"{where}: {len(text):,} bytes, more than the limit of "
                              f"{MAX_CSV_BYTES:,}; use fewer points.")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{where}: not UTF-8 text; save the CSV as UTF-8 (x1,x2,label "
                             f"rows).") from None
    if len(text) > MAX_CSV_BYTES:
        raise BudgetError(f"{where}: {len(text):,} characters, more than the limit of "
                          f"{MAX_CSV_BYTES:,}; use fewer points.")
    rows: list[list[float]] = []
    for number, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not fields or all(not f.strip() for f in fields):
            continue
        if len(fields) != 3:
            raise InputError(f"{where}, line {number}: expected 3 fields x1,x2,label, got "
                             f"{len(fields)}: {','.join(fields)[:80]!r}.")
        try:
            rows.append([float(f) for f in fields])
        except ValueError:
            if number == 1 and not any(_is_number(f) for f in fields):
                continue  # the header
            raise InputError(f"{where}, line {number}: expected numbers x1,x2,label, got "
                             f"{','.join(fields)[:80]!r}.") from None
        if len(rows) > MAX_POINTS:
            raise BudgetError(f"{where}: more than {MAX_POINTS} points, the limit; use fewer.")
    if not rows:
        raise InputError(f"{where}: no x1,x2,label rows found.")
    return np.array(rows, dtype=np.float64)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def points_to_csv(points: np.ndarray, labels: np.ndarray) -> str:
    """``x1,x2,label`` rows with a header, as :func:`read_points_csv` reads them."""
    lines = ["x1,x2,label"]
    lines += [f"{float(x):.6g},{float(y):.6g},{int(c)}" for (x, y), c in zip(points, labels)]
    return "\n".join(lines) + "\n"


def check_options(options: Mapping[str, Any], where: str = "") -> dict[str, Any]:
    """Every option of :data:`OPTIONS` checked and completed with its default.

    Raises:
        ConfigError: naming an unknown option, or a value of the wrong type or range.
    """
    unknown = [key for key in options if key not in _OPTIONS]
    if unknown:
        raise ConfigError(unknown[0], f"{where}{unknown[0]}: the playground data set does not "
                                      f"take this option (it takes "
                                      f"{', '.join(_OPTIONS)}, and seed); remove it.")
    values = {option.name: option.default for option in OPTIONS}
    for key, value in options.items():
        if key == "points" and value is not None:
            values[key] = value  # checked with the class count below
        else:
            values[key] = _OPTIONS[key].check(value, where)
    if not values["features"]:
        raise ConfigError("features", f"{where}features: give at least one input feature, e.g. "
                                      f"features = ['x1', 'x2'].")
    custom = values["points"] is not None or values["csv"] is not None
    if custom != (values["shape"] == "custom"):
        raise ConfigError("shape", f"{where}shape: points and csv go with shape = 'custom' "
                                   f"(and shape = 'custom' needs one of them); got shape = "
                                   f"{values['shape']!r}.")
    if values["points"] is not None and values["csv"] is not None:
        raise ConfigError("points", f"{where}points and csv: give one of them, not both.")
    if values["points"] is not None:
        values["points"] = check_points(values["points"], values["classes"], where).tolist()
    return values


def generate(seed: int = 0, where: str = "", allow_empty: bool = False,
             **options: Any) -> PlaygroundData:
    """Draw (or read) the points, split them, and compute the features.

    Args:
        seed: seeds the points, the noise and the split.
        where: a prefix for error messages.
        allow_empty: accept ``points = []`` (the playground's page before you click);
            training needs points, so the loader refuses an empty set.
        **options: see :data:`OPTIONS`.
    """
    values = check_options(options, where)
    classes = values["classes"]
    if values["shape"] == "custom":
        if values["csv"] is not None:
            path = Path(values["csv"])
            if not path.is_file():
                raise InputError(f"{where}csv: {path} does not exist (or is not a file).", path)
            if path.stat().st_size > MAX_CSV_BYTES:
                raise BudgetError(f"{where}csv: {path} holds {path.stat().st_size:,} bytes, "
                                  f"more than the limit of {MAX_CSV_BYTES:,}.", path)
            rows = read_points_csv(path.read_bytes(), where=f"{where}{path}")
            _check_rows(rows, classes, f"{where}{path}", "csv")
        else:
            rows = np.array(values["points"], dtype=np.float64).reshape(-1, 3)
        points, labels = rows[:, :2], rows[:, 2].astype(np.int64)
    else:
        n = values["n_samples"]
        sizes = [n // classes + (c < n % classes) for c in range(classes)]
        rng = np.random.default_rng(seed)
        points = np.concatenate(SHAPES[values["shape"]](sizes, values["noise"], rng))
        points = np.clip(points, -DOMAIN, DOMAIN)
        labels = np.repeat(np.arange(classes), sizes)
        order = rng.permutation(n)
        points, labels = points[order], labels[order]
    if len(points) == 0 and not allow_empty:
        raise InputError(f"{where}points: the data set is empty; add points.")
    points = points.astype(np.float32).reshape(-1, 2)
    if len(points):
        train, test = stratified_split(labels, values["test_fraction"], seed)
    else:
        train = test = np.zeros(0, dtype=np.int64)
    features = values["features"]
    dataset = Dataset("playground", feature_matrix(points[train], features), labels[train],
                      feature_matrix(points[test], features), labels[test],
                      [f"class {c}" for c in range(classes)], None)
    return PlaygroundData(dataset, points[train], points[test], list(features))


def load_playground(data_dir: str | Path | None = None, download: bool = True, seed: int = 0,
                    *, shape: str = _OPTIONS["shape"].default,
                    classes: int = _OPTIONS["classes"].default,
                    n_samples: int = _OPTIONS["n_samples"].default,
                    noise: float = _OPTIONS["noise"].default,
                    test_fraction: float = _OPTIONS["test_fraction"].default,
                    features: Sequence[str] = tuple(_OPTIONS["features"].default),
                    points: Any = None, csv: str | None = None) -> Dataset:
    """The ``playground`` entry of ``load_dataset``: see the module docstring and :data:`OPTIONS`.

    Example:
        >>> ds = load_playground(shape="xor", n_samples=40, test_fraction=0.25)
        >>> ds.X_train.shape, ds.n_classes
        ((30, 2), 2)
    """
    del data_dir, download  # generated (or read from the csv option): nothing to download
    if isinstance(features, tuple):
        features = list(features)
    return generate(seed, where="playground data: ", shape=shape, classes=classes,
                    n_samples=n_samples, noise=noise, test_fraction=test_fraction,
                    features=features, points=points, csv=csv).dataset
