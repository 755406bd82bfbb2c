"""The 8x8 handwritten digits embedded in the package (offline, no download).

The embedded file is checked against its SHA-256 before it is parsed, so a damaged
installation is an error, never silently different digits.
"""

from __future__ import annotations

import gzip
import hashlib
from importlib import resources
from pathlib import Path

import numpy as np

from fcnn.data.dataset import Dataset, check_fraction, check_seed, split_dataset
from fcnn.errors import InputError

IMAGE_SHAPE = (1, 8, 8)
N_EXAMPLES = 1797
#: SHA-256 of ``fcnn/data/embedded/digits.csv.gz``
SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"


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

    Args:
        data_dir: ignored (the data ships with the package); accepted so every loader has the
            same signature.
        download: ignored, as ``data_dir``.
        seed: seed of the stratified split, an integer >= 0.
        test_fraction: share of each class held out for testing, in ``[0, 1)``.

    Returns:
        A `Dataset` with uint8 ``X`` of shape ``(N, 64)``, values 0..16,
        ``image_shape=(1, 8, 8)``, class names ``"0"`` .. ``"9"``.

    Raises:
        ConfigError: a bad ``seed`` or ``test_fraction``.
        InputError: the embedded file is damaged (reinstall fcnn).

    Example:
        >>> ds = load_digits()
        >>> ds.X_train.shape, ds.X_test.shape, int(ds.X_train.max())
        ((1438, 64), (359, 64), 16)
    """
    del data_dir, download
    check_fraction(test_fraction)
    check_seed(seed)
    X, y = read_digits()
    class_names = [str(digit) for digit in range(10)]
    return split_dataset("digits", X, y, class_names, IMAGE_SHAPE, test_fraction, seed)


def read_digits() -> tuple[np.ndarray, np.ndarray]:
    """All 1797 digits in file order: uint8 ``X`` ``(1797, 64)`` and int64 ``y`` ``(1797,)``.

    Raises:
        InputError: the embedded file does not match its SHA-256 (a damaged installation).

    Example:
        >>> X, y = read_digits()
        >>> X.shape, y[:5].tolist()
        ((1797, 64), [0, 1, 2, 3, 4])
    """
    resource = resources.files("fcnn.data").joinpath("embedded", "digits.csv.gz")
    data = resource.read_bytes()
    found = hashlib.sha256(data).hexdigest()
    if found != SHA256:
        raise InputError(
            f"{resource}: the embedded digits are damaged (SHA-256 {found}, expected {SHA256}). "
            f"To fix: reinstall fcnn (pip install --force-reinstall fcnn).", str(resource))
    table = np.loadtxt(gzip.decompress(data).decode("ascii").splitlines(), delimiter=",",
                       dtype=np.int64)
    return table[:, :64].astype(np.uint8), table[:, 64]
