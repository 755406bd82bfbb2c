"""Augmentation of flattened CHW batches: what each step does, and seeded determinism."""

from __future__ import annotations

import numpy as np
import pytest

from fcnn.data import RandomCrop, RandomFlip, make_augmentation

SHAPE = (3, 5, 6)


@pytest.fixture
def batch():
    return np.random.default_rng(0).integers(1, 256, (64, 90), dtype=np.uint8)


def as_images(X):
    return X.reshape(len(X), *SHAPE)


def test_flip_mirrors_columns_of_some_images(batch):
    out = as_images(RandomFlip(SHAPE, p=0.5, rng=0)(batch))
    images = as_images(batch)
    flipped = np.array([np.array_equal(o, i[:, :, ::-1]) for o, i in zip(out, images)])
    kept = np.array([np.array_equal(o, i) for o, i in zip(out, images)])
    assert (flipped | kept).all() and 10 < flipped.sum() < 54
    assert out.dtype == batch.dtype


def test_flip_probability_extremes(batch):
    np.testing.assert_array_equal(RandomFlip(SHAPE, p=0.0, rng=0)(batch), batch)
    expected = as_images(batch)[:, :, :, ::-1].reshape(64, -1)
    np.testing.assert_array_equal(RandomFlip(SHAPE, p=1.0, rng=0)(batch), expected)


def test_crop_is_a_zero_filled_shift(batch):
    padding = 2
    out = as_images(RandomCrop(SHAPE, padding=padding, rng=1)(batch))
    images = as_images(batch)
    shifts = set()
    for o, image in zip(out, images):
        padded = np.pad(image, ((0, 0), (padding, padding), (padding, padding)))
        matches = [(dy, dx) for dy in range(2 * padding + 1) for dx in range(2 * padding + 1)
                   if np.array_equal(o, padded[:, dy:dy + 5, dx:dx + 6])]
        assert matches, "every output must be a window of the zero-padded image"
        shifts.add(matches[0])
    assert len(shifts) > 5


def test_crop_without_padding_is_identity(batch):
    np.testing.assert_array_equal(RandomCrop(SHAPE, padding=0, rng=0)(batch), batch)


def test_same_seed_same_batches(batch):
    a = make_augmentation(["crop", "flip"], SHAPE, seed=3)
    b = make_augmentation(["crop", "flip"], SHAPE, seed=3)
    c = make_augmentation(["crop", "flip"], SHAPE, seed=4)
    first_a, first_b = a(batch), b(batch)
    np.testing.assert_array_equal(first_a, first_b)
    np.testing.assert_array_equal(a(batch), b(batch))  # the second batch too
    assert not np.array_equal(first_a, c(batch))
    assert not np.array_equal(first_a, a(batch))  # the generator moves on


def test_input_is_not_modified(batch):
    before = batch.copy()
    make_augmentation(["crop", "flip"], SHAPE, seed=0)(batch)
    np.testing.assert_array_equal(batch, before)


def test_wrong_batch_shape():
    with pytest.raises(ValueError, match=r"expects a batch of shape \(N, 90\), got \(4, 30\)"):
        RandomFlip(SHAPE)(np.zeros((4, 30)))


def test_unknown_augmentation():
    with pytest.raises(ValueError, match="unknown augmentation 'rotate'; valid names: flip, crop"):
        make_augmentation(["rotate"], SHAPE)
