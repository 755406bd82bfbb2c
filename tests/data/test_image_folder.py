"""Image folders made with Pillow: round trip, modes, resizing and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from fcnn.data import load_dataset, load_image_folder


def make_folder(root, classes=("cat", "dog"), per_class=5, size=(6, 4)):
    """PNGs whose red value encodes (class, index); returns {(class, index): HxWx3 array}."""
    images = {}
    rng = np.random.default_rng(0)
    for c, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            array = rng.integers(0, 256, (size[0], size[1], 3), dtype=np.uint8)
            array[0, 0, 0] = 10 * c + i
            Image.fromarray(array).save(root / name / f"{i:02d}.png")
            images[(c, i)] = array
    return images


def test_round_trip_rgb(tmp_path):
    images = make_folder(tmp_path)
    ds = load_dataset(str(tmp_path), seed=0, test_fraction=0.2)
    assert ds.class_names == ["cat", "dog"] and ds.image_shape == (3, 6, 4)
    assert ds.X_train.shape == (8, 72) and ds.X_test.shape == (2, 72)
    assert np.bincount(ds.y_test).tolist() == [1, 1]
    for row, label in zip(ds.X_train, ds.y_train):
        chw = row.reshape(3, 6, 4)
        index = int(chw[0, 0, 0]) - 10 * int(label)
        np.testing.assert_array_equal(chw, images[(int(label), index)].transpose(2, 0, 1))


def test_grayscale_and_resize(tmp_path):
    make_folder(tmp_path)
    ds = load_image_folder(tmp_path, mode="L", size=(3, 2))
    assert ds.image_shape == (1, 3, 2) and ds.X_train.shape[1] == 6


def test_same_seed_same_split(tmp_path):
    make_folder(tmp_path, per_class=10)
    a, b = load_image_folder(tmp_path, seed=3), load_image_folder(tmp_path, seed=3)
    np.testing.assert_array_equal(a.X_test, b.X_test)


def test_mixed_sizes_need_size(tmp_path):
    make_folder(tmp_path)
    Image.new("RGB", (9, 9)).save(tmp_path / "dog" / "big.png")
    with pytest.raises(ValueError, match=r"big\.png: image is 9x9.*pass size=\(H, W\)"):
        load_image_folder(tmp_path)
    assert load_image_folder(tmp_path, size=(6, 4)).X_train.shape[1] == 72


def test_unreadable_image_is_named(tmp_path):
    make_folder(tmp_path)
    (tmp_path / "cat" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match=r"broken\.png: could not read the image"):
        load_image_folder(tmp_path)


def test_no_class_folders(tmp_path):
    Image.new("RGB", (2, 2)).save(tmp_path / "loose.png")
    with pytest.raises(ValueError, match="has no class sub-folders"):
        load_image_folder(tmp_path)


def test_empty_class_folders(tmp_path):
    (tmp_path / "a").mkdir()
    with pytest.raises(ValueError, match="holds no images"):
        load_image_folder(tmp_path)
