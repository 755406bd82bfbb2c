"""The real MNIST and CIFAR-10 files in ../shared/data (skipped where they are absent)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from fcnn.data import load_dataset

#: ../shared/data next to the checkout, or FCNN_SHARED_DATA (e.g. from a git worktree)
SHARED = Path(os.environ.get("FCNN_SHARED_DATA",
                             Path(__file__).resolve().parents[2].parent / "shared" / "data"))


@pytest.mark.skipif(not (SHARED / "mnist").is_dir(), reason=f"no MNIST in {SHARED}")
def test_real_mnist():
    ds = load_dataset("mnist", data_dir=SHARED, download=False)
    assert ds.X_train.shape == (60000, 784) and ds.X_test.shape == (10000, 784)
    assert ds.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert ds.y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(ds.y_train).tolist() == [5923, 6742, 5958, 6131, 5842,
                                                5421, 5918, 6265, 5851, 5949]
    assert abs(ds.X_train.mean() / 255 - 0.1307) < 1e-4


@pytest.mark.skipif(not (SHARED / "cifar-10-binary.tar.gz").is_file(),
                    reason=f"no CIFAR-10 in {SHARED}")
def test_real_cifar10():
    ds = load_dataset("cifar10", data_dir=SHARED, download=False)
    assert ds.X_train.shape == (50000, 3072) and ds.X_test.shape == (10000, 3072)
    assert ds.y_test[:10].tolist() == [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]
    assert ds.y_train[:10].tolist() == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]
    assert np.bincount(ds.y_train).tolist() == [5000] * 10
    assert np.bincount(ds.y_test).tolist() == [1000] * 10
    assert ds.class_names[0] == "airplane" and ds.class_names[9] == "truck"
    red_mean = ds.X_train.reshape(-1, 3, 1024)[:, 0].mean(dtype=np.float64)
    assert red_mean == pytest.approx(125.306918046875)
