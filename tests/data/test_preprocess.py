"""Preprocessing: fitted on training data only, float32 outputs, state as plain arrays."""

from __future__ import annotations

import numpy as np
import pytest

from fcnn.data import PCAWhiten, Scale, Standardize, ZCAWhiten, make_preprocessing


@pytest.fixture
def images():
    """Train and test CHW rows for 2-channel 3x3 images, with different statistics."""
    rng = np.random.default_rng(0)
    train = rng.integers(0, 200, (400, 18), dtype=np.uint8)
    test = rng.integers(50, 256, (100, 18), dtype=np.uint8)
    return train, test


def test_scale(images):
    train, test = images
    scale = Scale().fit(train)
    assert scale.max_value == train.max()
    out = scale.transform(test)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, test / float(train.max()), rtol=1e-6)
    assert Scale(255).fit(train).transform(train).max() <= 1.0


def test_standardize_uses_training_statistics(images):
    train, test = images
    standardize = Standardize().fit(train)
    np.testing.assert_allclose(standardize.transform(train).mean(0), 0, atol=1e-5)
    expected = (test - train.mean(0)) / train.std(0)
    np.testing.assert_allclose(standardize.transform(test), expected, rtol=1e-4, atol=1e-5)
    assert abs(standardize.transform(test).mean()) > 0.5  # test data is brighter than train


def test_channel_standardize(images):
    train, test = images
    standardize = Standardize(per="channel", channels=2).fit(train)
    planes = train.reshape(-1, 2, 9).astype(np.float64)
    np.testing.assert_allclose(standardize.mean, planes.mean(axis=(0, 2)), rtol=1e-6)
    np.testing.assert_allclose(standardize.std, planes.std(axis=(0, 2)), rtol=1e-6)
    out = standardize.transform(test).reshape(-1, 2, 9)
    expected = (test.reshape(-1, 2, 9) - standardize.mean[:, None]) / standardize.std[:, None]
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("whiten", "width"), [(PCAWhiten(eps=1e-8), 6), (PCAWhiten(4), 4), (ZCAWhiten(eps=1e-8), 6)]
)
def test_whitening_gives_identity_covariance_on_train(whiten, width):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, 6)) @ rng.normal(size=(6, 6)) + 3.0
    Z = whiten.fit_transform(X.astype(np.float32))
    assert Z.shape == (2000, width) and Z.dtype == np.float32
    np.testing.assert_allclose(np.cov(Z.T.astype(np.float64)), np.eye(width), atol=2e-3)


def test_zca_stays_in_pixel_basis():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3000, 3)) * [1.0, 2.0, 3.0]  # already decorrelated
    Z = ZCAWhiten(eps=0.0).fit_transform(X)
    np.testing.assert_allclose(Z, (X - X.mean(0)) / X.std(0, ddof=1), atol=0.05)


def test_pipeline_state_round_trip_without_pickle(images, tmp_path):
    train, test = images
    names = ["scale", "channel-standardize", "pca"]
    fitted = make_preprocessing(names, image_shape=(2, 3, 3))
    fitted.fit(train)
    np.savez(tmp_path / "state.npz", **fitted.state_dict())
    with np.load(tmp_path / "state.npz", allow_pickle=False) as saved:
        restored = make_preprocessing(names, image_shape=(2, 3, 3))
        restored.load_state_dict(dict(saved))
    np.testing.assert_array_equal(restored.transform(test), fitted.transform(test))


def test_transform_before_fit_is_an_error():
    with pytest.raises(ValueError, match="Standardize is not fitted.*Call fit"):
        Standardize().transform(np.zeros((2, 2)))


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="unknown preprocessing 'whiten'; valid names: scale, "
                                         "standardize, channel-standardize, pca, zca"):
        make_preprocessing(["scale", "whiten"])


def test_channel_standardize_needs_image_shape():
    with pytest.raises(ValueError, match="needs image_shape"):
        make_preprocessing(["channel-standardize"], image_shape=None)


def test_images_must_be_flat():
    with pytest.raises(ValueError, match=r"expects a 2-D array \(N, D\), got \(2, 3, 4\)"):
        Scale().fit(np.zeros((2, 3, 4)))


def test_standardize_only_centres_a_feature_constant_in_training():
    # like MNIST's corner pixels: always 0 in training, not in a test image
    train = np.array([[0.0, 1.0], [0.0, 3.0]], dtype=np.float32)
    standardize = Standardize().fit(train)
    np.testing.assert_allclose(standardize.transform(np.array([[0.5, 2.0]], np.float32)),
                               [[0.5, 0.0]])
