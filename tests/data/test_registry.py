"""The registry, `load_dataset`, the `Dataset` container, the split and the embedded digits."""

from __future__ import annotations

import numpy as np
import pytest

from fcnn.data import DATASETS, Dataset, dataset_names, load_dataset, stratified_split


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as info:
        load_dataset("cifar")
    message = str(info.value)
    assert "unknown dataset 'cifar'" in message
    for name in DATASETS:
        assert name in message


def test_names():
    assert set(dataset_names()) >= {"digits", "mnist", "fashion-mnist", "cifar10", "blobs",
                                     "xor", "circles", "moons", "spiral"}


def test_digits_embedded():
    ds = load_dataset("digits", download=False)
    assert ds.image_shape == (1, 8, 8) and ds.class_names == [str(d) for d in range(10)]
    assert len(ds.X_train) + len(ds.X_test) == 1797
    assert ds.X_train.dtype == np.uint8 and ds.X_train.max() == 16
    assert abs(len(ds.X_test) / 1797 - 0.2) < 0.01
    other_seed = load_dataset("digits", seed=5)
    np.testing.assert_array_equal(other_seed.X_test, load_dataset("digits", seed=5).X_test)
    assert not np.array_equal(other_seed.X_test, ds.X_test)


def test_stratified_split_keeps_class_proportions():
    y = np.repeat([0, 1, 2], [100, 50, 10])
    train, test = stratified_split(y, 0.2, seed=0)
    assert np.bincount(y[test]).tolist() == [20, 10, 2]
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(len(y)))
    np.testing.assert_array_equal(test, stratified_split(y, 0.2, seed=0)[1])


def test_stratified_split_rejects_bad_fraction():
    with pytest.raises(ValueError, match=r"test_fraction must be in \[0, 1\), got 1.5"):
        stratified_split(np.zeros(4), 1.5)


def test_dataset_checks_shapes():
    with pytest.raises(ValueError, match="image_shape"):
        Dataset("x", np.zeros((2, 5)), np.zeros(2), np.zeros((1, 5)), np.zeros(1), ["a"],
                (1, 2, 2))
