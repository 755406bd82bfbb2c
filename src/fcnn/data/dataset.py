"""The `Dataset` container and the seeded stratified train/test split every loader shares."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(repr=False)
class Dataset:
    """A labelled data set already split into a training part and a test part.

    Parameters
    ----------
    name : str
        Registry name (``"cifar10"``) or folder path the data came from.
    X_train, X_test : np.ndarray
        Inputs, one row per example. Image sets: ``uint8`` of shape ``(N, C*H*W)``, each row a
        flattened image in channel-major (CHW) order. 2-D toy sets: ``float32`` of shape ``(N, 2)``.
    y_train, y_test : np.ndarray
        ``int64`` class indices of shape ``(N,)``, in ``0 .. len(class_names) - 1``.
    class_names : list[str]
        Human-readable name of each class index.
    image_shape : tuple[int, int, int] | None
        ``(C, H, W)`` of one image, or ``None`` when rows are not images.

    Examples
    --------
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
                raise ValueError(
                    f"Dataset {self.name!r}: {split} inputs must be 2-D (N, D) with N matching the "
                    f"1-D labels, got X {X.shape} and y {y.shape}."
                )
        if self.image_shape is not None and int(np.prod(self.image_shape)) != self.n_features:
            raise ValueError(
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

    Parameters
    ----------
    y : np.ndarray
        Integer labels, shape ``(N,)``.
    test_fraction : float
        Share of each class that goes to the test part, in ``[0, 1)``.
    seed : int
        Seed of the permutation; the same seed gives the same split.

    Returns
    -------
    (train_idx, test_idx) : tuple of ``int64`` arrays whose union is ``arange(N)``.

    Examples
    --------
    >>> import numpy as np
    >>> train, test = stratified_split(np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]), 0.5, seed=0)
    >>> len(train), len(test)
    (5, 5)
    """
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(
            f"test_fraction must be in [0, 1), got {test_fraction}. "
            f"Use e.g. 0.2 for an 80/20 split."
        )
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


def split_dataset(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    class_names: list[str],
    image_shape: tuple[int, int, int] | None,
    test_fraction: float,
    seed: int,
) -> Dataset:
    """Build a `Dataset` from one pool of examples with a seeded `stratified_split`."""
    train_idx, test_idx = stratified_split(y, test_fraction, seed)
    return Dataset(name, X[train_idx], y[train_idx], X[test_idx], y[test_idx],
                   class_names, image_shape)
