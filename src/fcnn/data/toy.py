"""2-D toy classification sets for plots of decision boundaries.

Each generator draws a clean shape with a ``numpy.random.Generator``, adds Gaussian jitter of
standard deviation ``noise`` to both coordinates and shuffles the points. Classes are balanced
(sizes differ by at most one). ``blobs`` is linearly separable for small noise; ``xor``,
``circles``, ``moons`` and ``spiral`` are not.

Example:
    >>> X, y = make_toy("xor", n_samples=4, noise=0.0, seed=0)
    >>> bool((np.sign(X[:, 0] * X[:, 1]) == np.where(y == 0, 1, -1)).all())
    True
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from fcnn.data.dataset import (
    Dataset,
    check_finite,
    check_fraction,
    check_seed,
    split_dataset,
)
from fcnn.errors import ConfigError
from fcnn.limits import check_allocation

Generator = Callable[[list[int], np.random.Generator], list[np.ndarray]]
#: bytes one point takes while a set is drawn (coordinates, noise, labels, shuffled copies)
BYTES_PER_POINT = 128
#: the largest noise accepted: beyond it every point is noise and float32 overflows sooner
MAX_NOISE = 1e6


def _blobs(sizes: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    """Three discs of radius 0.3 centred on the unit circle, 120 degrees apart."""
    points = []
    for k, n in enumerate(sizes):
        angle = 2 * np.pi * k / len(sizes) + np.pi / 2
        centre = np.array([np.cos(angle), np.sin(angle)])
        radius = 0.3 * np.sqrt(rng.uniform(0, 1, n))
        theta = rng.uniform(0, 2 * np.pi, n)
        points.append(centre + radius[:, None] * np.stack([np.cos(theta), np.sin(theta)], 1))
    return points


def _xor(sizes: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    """Class 0 in quadrants I and III, class 1 in quadrants II and IV of [-1, 1]^2."""
    points = []
    for k, n in enumerate(sizes):
        xy = rng.uniform(0.05, 1, (n, 2)) * rng.choice([-1, 1], (n, 1))
        if k == 1:
            xy[:, 0] *= -1
        points.append(xy)
    return points


def _circles(sizes: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    """Class 0 on the circle of radius 1, class 1 on the circle of radius 0.5."""
    points = []
    for radius, n in zip((1.0, 0.5), sizes):
        theta = rng.uniform(0, 2 * np.pi, n)
        points.append(radius * np.stack([np.cos(theta), np.sin(theta)], 1))
    return points


def _moons(sizes: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    """Two interleaving half circles (as scikit-learn's ``make_moons``)."""
    upper_t = rng.uniform(0, np.pi, sizes[0])
    lower_t = rng.uniform(0, np.pi, sizes[1])
    upper = np.stack([np.cos(upper_t), np.sin(upper_t)], 1)
    lower = np.stack([1 - np.cos(lower_t), 0.5 - np.sin(lower_t)], 1)
    return [upper, lower]


def _spiral(sizes: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    """Three interleaved spiral arms (as in the CS231n notes), radius 0 to 1."""
    points = []
    for k, n in enumerate(sizes):
        r = np.linspace(0.0, 1.0, n)
        theta = np.linspace(4.0 * k, 4.0 * (k + 1), n)
        points.append(r[:, None] * np.stack([np.sin(theta), np.cos(theta)], 1))
    return points


#: name -> (generator, class names)
TOY_SETS: dict[str, tuple[Generator, list[str]]] = {
    "blobs": (_blobs, ["blob 0", "blob 1", "blob 2"]),
    "xor": (_xor, ["same sign", "opposite sign"]),
    "circles": (_circles, ["outer", "inner"]),
    "moons": (_moons, ["upper", "lower"]),
    "spiral": (_spiral, ["arm 0", "arm 1", "arm 2"]),
}


def make_toy(
    name: str, n_samples: int = 300, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Draw a 2-D toy classification set.

    Args:
        name: which shape: ``"blobs"``, ``"xor"``, ``"circles"``, ``"moons"`` or ``"spiral"``.
        n_samples: total number of points, split evenly over the classes.
        noise: standard deviation of the Gaussian jitter added to every coordinate, in
            ``[0, 1e6]``.
        seed: seed of ``numpy.random.default_rng``, an integer >= 0; the same arguments give
            the same points.

    Returns:
        ``(X, y)``: float32 ``X`` of shape ``(n_samples, 2)`` and int64 ``y`` of shape
        ``(n_samples,)``.

    Raises:
        ConfigError: an unknown name, or a bad ``n_samples``, ``noise`` or ``seed``.
        BudgetError: ``n_samples`` points would not fit the memory budget.

    Example:
        >>> X, y = make_toy("moons", n_samples=10, seed=0)
        >>> X.shape, X.dtype, sorted(set(y.tolist()))
        ((10, 2), dtype('float32'), [0, 1])
    """
    generator, class_names = _get(name)
    if (isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer))
            or n_samples < len(class_names)):
        raise ConfigError(
            "n_samples", f"{name}: n_samples must be an integer of at least {len(class_names)} "
                         f"(one per class), got {str(n_samples)[:60]}."
        )
    noise = check_finite(noise, "noise", 0.0, MAX_NOISE)
    check_seed(seed)
    n_samples = int(n_samples)
    check_allocation(n_samples * BYTES_PER_POINT, f"{n_samples} points of the toy set {name!r}")
    n_classes = len(class_names)
    sizes = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    rng = np.random.default_rng(seed)
    points = generator(sizes, rng)
    X = np.concatenate(points) + noise * rng.standard_normal((n_samples, 2))
    y = np.repeat(np.arange(n_classes), sizes)
    order = rng.permutation(n_samples)
    return X[order].astype(np.float32), y[order].astype(np.int64)


def toy_loader(name: str) -> Callable[..., Dataset]:
    """A `load_dataset` loader for the toy set ``name`` (see `make_toy`).

    Example:
        >>> toy_loader("spiral")(n_samples=30, seed=1).X_test.shape
        (6, 2)
    """
    _get(name)

    def load(
        data_dir: str | Path | None = None,
        download: bool = True,
        seed: int = 0,
        *,
        n_samples: int = 1000,
        noise: float = 0.1,
        test_fraction: float = 0.2,
    ) -> Dataset:
        del data_dir, download
        check_fraction(test_fraction)
        X, y = make_toy(name, n_samples=n_samples, noise=noise, seed=seed)
        return split_dataset(name, X, y, TOY_SETS[name][1], None, test_fraction, seed)

    load.__name__ = f"load_{name}"
    load.__doc__ = (
        f"Toy set {name!r} as a Dataset: float32 X (N, 2), int64 y, a seeded stratified "
        f"train/test split. Keyword arguments: n_samples, noise (see make_toy), test_fraction."
    )
    return load


def _get(name: str) -> tuple[Generator, list[str]]:
    if not isinstance(name, str) or name not in TOY_SETS:
        raise ConfigError("dataset", f"unknown toy set {str(name)[:60]!r}; valid names: "
                                     f"{', '.join(TOY_SETS)}.")
    return TOY_SETS[name]
