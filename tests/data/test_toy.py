"""2-D toy sets: shapes, labels, balance, determinism and separability."""

from __future__ import annotations

import numpy as np
import pytest

from fcnn.data import TOY_SETS, load_dataset, make_toy


@pytest.mark.parametrize("name", list(TOY_SETS))
def test_shapes_labels_and_balance(name):
    X, y = make_toy(name, n_samples=301, noise=0.05, seed=1)
    n_classes = len(TOY_SETS[name][1])
    assert X.shape == (301, 2) and X.dtype == np.float32 and y.dtype == np.int64
    counts = np.bincount(y, minlength=n_classes)
    assert len(counts) == n_classes and counts.max() - counts.min() <= 1
    assert np.isfinite(X).all()


@pytest.mark.parametrize("name", list(TOY_SETS))
def test_seed_determinism(name):
    a, b, c = (make_toy(name, 50, seed=s) for s in (7, 7, 8))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def linear_training_accuracy(X, y):
    """Accuracy of least squares on one-hot targets with a bias (a linear classifier)."""
    features = np.hstack([X, np.ones((len(X), 1))])
    targets = np.eye(y.max() + 1)[y]
    weights, *_ = np.linalg.lstsq(features, targets, rcond=None)
    return float(np.mean((features @ weights).argmax(1) == y))


def test_blobs_separable_others_not():
    assert linear_training_accuracy(*make_toy("blobs", 600, noise=0.05)) == 1.0
    for name in ("xor", "circles", "moons", "spiral"):
        assert linear_training_accuracy(*make_toy(name, 600, noise=0.05)) < 0.95, name


def test_load_dataset_split():
    ds = load_dataset("spiral", seed=2, n_samples=300, noise=0.2)
    assert ds.X_train.shape == (240, 2) and ds.X_test.shape == (60, 2)
    assert ds.image_shape is None and ds.class_names == ["arm 0", "arm 1", "arm 2"]


def test_unknown_toy_name_lists_valid_ones():
    with pytest.raises(ValueError, match="valid names: blobs, xor, circles, moons, spiral"):
        make_toy("swiss-roll")
