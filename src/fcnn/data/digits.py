"""The 8x8 handwritten digits embedded in the package (offline, no download)."""

from __future__ import annotations

import gzip
from importlib import resources
from pathlib import Path

import numpy as np

from fcnn.data.dataset import Dataset, split_dataset

IMAGE_SHAPE = (1, 8, 8)
N_EXAMPLES = 1797


def load_digits(
    data_dir: str | Path | None = None,
    download: bool = True,
    seed: int = 0,
    *,
    test_fraction: float = 0.2,
) -> Dataset:
    """Embedded 8x8 digits (scikit-learn's copy of UCI optdigits): 1797 images, 10 classes.

    Pixels are counts 0..16 (not 0..255). The train/test split is a stratified split:
    ``round(test_fraction * n)`` of each class's ``n`` images, chosen by ``seed``, go to the test
    part (80/20 by default: 1438 train and 359 test images); the same seed gives the same split.

    Parameters
    ----------
    data_dir, download : ignored
        The data ships with the package; accepted so every loader has the same signature.
    seed : int
        Seed of the stratified split.
    test_fraction : float
        Share of each class held out for testing.

    Returns
    -------
    Dataset with uint8 ``X`` of shape ``(N, 64)``, values 0..16, ``image_shape=(1, 8, 8)``,
    class names ``"0"`` .. ``"9"``.

    Examples
    --------
    >>> ds = load_digits()
    >>> ds.X_train.shape, ds.X_test.shape, int(ds.X_train.max())
    ((1438, 64), (359, 64), 16)
    """
    del data_dir, download
    X, y = read_digits()
    class_names = [str(digit) for digit in range(10)]
    return split_dataset("digits", X, y, class_names, IMAGE_SHAPE, test_fraction, seed)


def read_digits() -> tuple[np.ndarray, np.ndarray]:
    """All 1797 digits in file order: uint8 ``X`` ``(1797, 64)`` and int64 ``y`` ``(1797,)``."""
    resource = resources.files("fcnn.data").joinpath("embedded", "digits.csv.gz")
    with resource.open("rb") as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64)
    assert table.shape == (N_EXAMPLES, 65), f"embedded digits.csv.gz has shape {table.shape}"
    return table[:, :64].astype(np.uint8), table[:, 64]
