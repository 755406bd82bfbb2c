"""The ``playground`` data set: shapes, classes, features, your own points, and its checks."""

from __future__ import annotations

import numpy as np
import pytest

from fcnn.data import load_dataset
from fcnn.data import playground as playdata
from fcnn.errors import BudgetError, ConfigError, InputError


@pytest.mark.parametrize("shape", list(playdata.SHAPES))
@pytest.mark.parametrize("classes", [2, 3, 5])
def test_every_shape_gives_balanced_classes_inside_the_square(shape, classes):
    data = playdata.generate(3, shape=shape, classes=classes, n_samples=203, noise=0.3)
    points = np.concatenate([data.points_train, data.points_test])
    labels = np.concatenate([data.dataset.y_train, data.dataset.y_test])
    assert points.shape == (203, 2) and points.dtype == np.float32
    assert np.abs(points).max() <= playdata.DOMAIN
    counts = np.bincount(labels, minlength=classes)
    assert counts.max() - counts.min() <= 1 and len(counts) == classes
    assert len(data.points_test) == pytest.approx(203 * 0.5, abs=classes)


def test_two_class_shapes_are_tensorflow_playgrounds():
    xor = playdata.generate(0, shape="xor", n_samples=400)
    P, y = xor.points_train, xor.dataset.y_train
    assert np.all((P[:, 0] * P[:, 1] > 0) == (y == 0))          # class 0: quadrants I and III
    assert np.all(np.minimum(np.abs(P[:, 0]), np.abs(P[:, 1])) > 0.3)
    circle = playdata.generate(0, shape="circle", n_samples=400)
    radius = np.hypot(*circle.points_train.T)
    assert radius[circle.dataset.y_train == 0].max() < radius[circle.dataset.y_train == 1].min()
    gauss = playdata.generate(0, shape="gauss", n_samples=400)
    centre = gauss.points_train[gauss.dataset.y_train == 0].mean(axis=0)
    assert centre == pytest.approx([2, 2], abs=0.3)


def test_features_are_the_columns_in_order():
    data = playdata.generate(0, shape="spiral", n_samples=50,
                             features=["sin_x2", "x1", "x1_squared", "x1_x2"])
    P, X = data.points_train, data.dataset.X_train
    expected = np.stack([np.sin(P[:, 1]), P[:, 0], P[:, 0] ** 2, P[:, 0] * P[:, 1]], 1)
    np.testing.assert_allclose(X, expected, rtol=1e-6, atol=1e-6)


def test_the_loader_is_in_the_registry_and_seeded():
    a = load_dataset("playground", shape="moons", noise=0.2, n_samples=60, seed=4)
    b = load_dataset("playground", shape="moons", noise=0.2, n_samples=60, seed=4)
    c = load_dataset("playground", shape="moons", noise=0.2, n_samples=60, seed=5)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert not np.array_equal(a.X_train, c.X_train)
    assert a.class_names == ["class 0", "class 1"] and a.image_shape is None


def test_your_own_points_inline_and_from_a_csv_file(tmp_path):
    rows = [[1.0, 2.0, 0], [-1.5, 0.5, 1], [3.0, -3.0, 2], [0.0, 0.0, 1]]
    inline = load_dataset("playground", shape="custom", classes=3, points=rows,
                          test_fraction=0.0)
    assert sorted(map(tuple, np.column_stack([inline.X_train, inline.y_train]).tolist())) == \
        sorted(map(tuple, rows))
    path = tmp_path / "points.csv"
    path.write_text(playdata.points_to_csv(np.array(rows)[:, :2], np.array(rows)[:, 2]))
    from_csv = load_dataset("playground", shape="custom", classes=3, csv=str(path),
                            test_fraction=0.0)
    np.testing.assert_array_equal(from_csv.X_train, inline.X_train)


@pytest.mark.parametrize("options, error, words", [
    ({"shape": "square"}, ConfigError, "one of circle, xor"),
    ({"classes": 6}, ConfigError, "classes"),
    ({"noise": "0.2"}, ConfigError, "noise"),
    ({"features": ["x3"]}, ConfigError, "features"),
    ({"features": []}, ConfigError, "at least one"),
    ({"colour": 1}, ConfigError, "colour"),
    ({"points": [[1, 2, 0]]}, ConfigError, "shape = 'custom'"),
    ({"shape": "custom"}, ConfigError, "needs one of them"),
    ({"shape": "custom", "points": [[1, 2]]}, ConfigError, "three numbers"),
    ({"shape": "custom", "points": [[1, 2, 2]]}, ConfigError, "label 2"),
    ({"shape": "custom", "points": [[1, 7, 0]]}, ConfigError, "outside the square"),
    ({"shape": "custom", "points": [[1, float("nan"), 0]]}, ConfigError, "NaN"),
    ({"shape": "custom", "points": [[1, 2, True]]}, ConfigError, "three numbers"),
    ({"shape": "custom", "points": [[0, 0, 0]] * 5001}, BudgetError, "limit"),
    ({"shape": "custom", "points": []}, InputError, "empty"),
    ({"shape": "custom", "csv": "/no/such/file.csv"}, InputError, "does not exist"),
])
def test_bad_options_are_refused_with_the_key_and_a_fix(options, error, words):
    with pytest.raises(error, match=words):
        load_dataset("playground", **options)


def test_a_csv_file_that_is_too_large_is_not_read(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"0,0,0\n" * (playdata.MAX_CSV_BYTES // 6 + 10))
    with pytest.raises(BudgetError, match="bytes"):
        load_dataset("playground", shape="custom", csv=str(path))
