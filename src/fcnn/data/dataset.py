"""The `Dataset` container and the seeded stratified train/test split every loader shares."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from fcnn.errors import ConfigError, InputError
from fcnn.registry import Registry


@dataclass(repr=False)
class Dataset:
    """A labelled data set already split into a training part and a test part.

    Args:
        name: registry name (``"cifar10"``) or folder path the data came from.
        X_train: training inputs, one row per example. Image sets: ``uint8`` of shape
            ``(N, C*H*W)``, each row a flattened image in channel-major (CHW) order. 2-D toy
            sets: ``float32`` of shape ``(N, 2)``.
        y_train: ``int64`` class indices of shape ``(N,)``, in ``0 .. len(class_names) - 1``.
        X_test: test inputs, as ``X_train``.
        y_test: test class indices, as ``y_train``.
        class_names: human-readable name of each class index.
        image_shape: ``(C, H, W)`` of one image, or ``None`` when rows are not images.

    Raises:
        InputError: the shapes do not fit together.

    Example:
        >>> import numpy as np
        >>> ds = Dataset("tiny", np.zeros((4, 2), np.float32), np.array([0, 1, 0, 1]),
        ...              np.zeros((2, 2), np.float32), np.array([0, 1]), ["a", "b"], None)
        >>> ds
        Dataset('tiny', train=(4, 2), test=(2, 2), classes=2, image_shape=None)
        >>> ds.n_features, ds.n_classes
        (2, 2)
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    image_shape: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        for split, X, y in (("train", self.X_train, self.y_train),
                            ("test", self.X_test, self.y_test)):
            if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
                raise InputError(
                    f"Dataset {self.name!r}: {split} inputs must be 2-D (N, D) with N matching the "
                    f"1-D labels, got X {X.shape} and y {y.shape}."
                )
        if self.image_shape is not None and int(np.prod(self.image_shape)) != self.n_features:
            raise InputError(
                f"Dataset {self.name!r}: image_shape {self.image_shape} holds "
                f"{int(np.prod(self.image_shape))} values but rows have {self.n_features} features."
            )

    @property
    def n_classes(self) -> int:
        """Number of classes, ``len(class_names)``."""
        return len(self.class_names)

    @property
    def n_features(self) -> int:
        """Number of input features per example (``C*H*W`` for images, 2 for toy sets)."""
        return int(self.X_train.shape[1])

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, train={self.X_train.shape}, test={self.X_test.shape}, "
            f"classes={self.n_classes}, image_shape={self.image_shape})"
        )


def stratified_split(
    y: np.ndarray, test_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Split indices into train and test so that every class keeps the same proportion.

    Each class with ``n`` examples sends ``round(n * test_fraction)`` of them, chosen by a
    ``numpy.random.default_rng(seed)`` permutation, to the test part. Both index arrays come back
    sorted, so the original order of the examples is kept inside each part.

    Args:
        y: integer labels, shape ``(N,)``.
        test_fraction: share of each class that goes to the test part, in ``[0, 1)``.
        seed: seed of the permutation, an integer >= 0; the same seed gives the same split.

    Returns:
        ``(train_idx, test_idx)``: ``int64`` arrays whose union is ``arange(N)``.

    Raises:
        ConfigError: ``test_fraction`` is not in ``[0, 1)`` or ``seed`` is not an integer >= 0.

    Example:
        >>> import numpy as np
        >>> train, test = stratified_split(np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]), 0.5, seed=0)
        >>> len(train), len(test)
        (5, 5)
    """
    check_fraction(test_fraction)
    check_seed(seed)
    rng = np.random.default_rng(seed)
    test_parts = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        n_test = round(len(members) * test_fraction)
        test_parts.append(rng.permutation(members)[:n_test])
    test_idx = np.sort(np.concatenate(test_parts)).astype(np.int64)
    is_test = np.zeros(len(y), dtype=bool)
    is_test[test_idx] = True
    train_idx = np.flatnonzero(~is_test).astype(np.int64)
    return train_idx, test_idx


def check_fraction(test_fraction: object, key: str = "test_fraction") -> float:
    """``test_fraction`` as a float, or a `ConfigError` unless it is a number in ``[0, 1)``.

    Example:
        >>> check_fraction(0.25)
        0.25
    """
    if (isinstance(test_fraction, bool) or not isinstance(test_fraction, Real)
            or not 0.0 <= float(test_fraction) < 1.0):
        shown = repr(test_fraction) if isinstance(test_fraction, Real) else type(test_fraction)
        raise ConfigError(key, f"{key} must be in [0, 1), got {str(shown)[:60]}. Use e.g. 0.2 "
                               f"for an 80/20 split.")
    return float(test_fraction)


def check_seed(seed: object) -> int:
    """``seed`` as an int, or a `ConfigError` unless it is an integer >= 0.

    Example:
        >>> check_seed(7)
        7
    """
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        shown = repr(seed)[:60] if isinstance(seed, (Real, str)) else type(seed).__name__
        raise ConfigError("seed", f"seed must be an integer >= 0, got {shown}.")
    return int(seed)


def check_finite(value: object, key: str, low: float, high: float) -> float:
    """``value`` as a float, or a `ConfigError` unless it is a finite number in [low, high].

    Example:
        >>> check_finite(0.1, "noise", 0.0, 1e3)
        0.1
    """
    if (isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value)
            or not low <= float(value) <= high):
        shown = repr(value)[:60] if isinstance(value, (Real, str)) else type(value).__name__
        raise ConfigError(key, f"{key} must be a number in [{low:g}, {high:g}], got {shown}.")
    return float(value)


def check_names(names: object, valid: Collection[str], what: str) -> list[str]:
    """``names`` as a list, or a `ConfigError` unless it is a list of names from ``valid``.

    Args:
        names: a list or tuple of names.
        valid: the accepted names, listed in the message.
        what: what the names are (``"preprocessing"``), also the error's key.

    Example:
        >>> check_names(("a", "b"), ["a", "b", "c"], "step")
        ['a', 'b']
        >>> check_names("a", ["a"], "step")
        Traceback (most recent call last):
        ...
        fcnn.errors.ConfigError: step must be a list of names such as ['a'], got the string 'a'.
    """
    if isinstance(names, str):
        raise ConfigError(what, f"{what} must be a list of names such as [{names[:40]!r}], got "
                                f"the string {names[:40]!r}.")
    if not isinstance(names, (list, tuple)):
        raise ConfigError(what, f"{what} must be a list of names, got {type(names).__name__}.")
    unknown = [name for name in names if not isinstance(name, str) or name not in valid]
    if unknown:
        shown = ", ".join(repr(name)[:40] for name in unknown[:5])
        raise ConfigError(what, f"unknown {what} {shown}; valid names: {', '.join(valid)}.")
    if isinstance(valid, Registry):  # aliases and other spellings to the canonical names
        return [valid.get(name).name for name in names]
    return list(names)


def check_image_shape(image_shape: object) -> tuple[int, int, int]:
    """``image_shape`` as a tuple, or a `ConfigError` unless it is ``(C, H, W)`` of ints >= 1.

    Example:
        >>> check_image_shape([3, 32, 32])
        (3, 32, 32)
    """
    values = tuple(image_shape) if isinstance(image_shape, (tuple, list)) else ()
    if len(values) != 3 or not all(
            isinstance(v, Integral) and not isinstance(v, bool) and v >= 1 for v in values):
        raise ConfigError("image_shape", f"image_shape must be (C, H, W), three integers >= 1, "
                                         f"got {repr(image_shape)[:60]}. Augmentation and "
                                         f"channel statistics work on image data sets only.")
    return tuple(int(v) for v in values)  # type: ignore[return-value]


def split_indices(
    name: str, y: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """`stratified_split` of the labels ``y`` of the data set ``name``, with a training part.

    Raises:
        ConfigError: a bad ``test_fraction`` or ``seed``, or a split that leaves no training
            example.

    Example:
        >>> import numpy as np
        >>> split_indices("demo", np.array([0, 0, 1, 1]), 0.5, seed=0)[0].tolist()
        [1, 3]
    """
    train_idx, test_idx = stratified_split(y, test_fraction, seed)
    if len(train_idx) == 0:
        raise ConfigError(
            "test_fraction",
            f"{name}: test_fraction={test_fraction} leaves no training examples of the {len(y)}. "
            f"Use a smaller test_fraction (e.g. 0.2).")
    return train_idx, test_idx


def split_dataset(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    class_names: list[str],
    image_shape: tuple[int, int, int] | None,
    test_fraction: float,
    seed: int,
) -> Dataset:
    """Build a `Dataset` from one pool of examples with a seeded `stratified_split`.

    Raises:
        ConfigError: as `split_indices`.

    Example:
        >>> import numpy as np
        >>> split_dataset("demo", np.zeros((10, 2)), np.arange(10) % 2, ["a", "b"], None,
        ...               0.2, seed=0)
        Dataset('demo', train=(8, 2), test=(2, 2), classes=2, image_shape=None)
    """
    train_idx, test_idx = split_indices(name, y, test_fraction, seed)
    return Dataset(name, X[train_idx], y[train_idx], X[test_idx], y[test_idx],
                   class_names, image_shape)
