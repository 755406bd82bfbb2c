"""MNIST / Fashion-MNIST IDX loader on tiny generated files."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from fcnn.data import load_dataset, load_mnist

from .formats import idx_images, idx_labels, write_mnist


@pytest.mark.parametrize("compress", [True, False])
def test_round_trip_gz_and_raw(tmp_path, compress):
    arrays, checksums = write_mnist(tmp_path / "mnist", compress=compress)
    ds = load_mnist(tmp_path, download=False, checksums=checksums)
    X_train, y_train = arrays["train"]
    np.testing.assert_array_equal(ds.X_train, X_train.reshape(len(X_train), 784))
    np.testing.assert_array_equal(ds.y_train, y_train)
    np.testing.assert_array_equal(ds.X_test, arrays["test"][0].reshape(-1, 784))
    assert ds.X_train.dtype == np.uint8 and ds.y_test.dtype == np.int64
    assert ds.image_shape == (1, 28, 28) and ds.class_names[3] == "3"


def test_fashion_mnist_found_directly_in_data_dir(tmp_path):
    _, checksums = write_mnist(tmp_path)
    ds = load_dataset("fashion-mnist", data_dir=tmp_path, download=False, checksums=checksums)
    assert ds.name == "fashion-mnist" and ds.class_names[-1] == "Ankle boot"


def test_checksum_mismatch(tmp_path):
    _, checksums = write_mnist(tmp_path)
    checksums["t10k-labels-idx1-ubyte.gz"] = "f" * 32
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz: MD5 checksum mismatch"):
        load_mnist(tmp_path, download=False, checksums=checksums)


def test_official_checksums_reject_generated_files(tmp_path):
    write_mnist(tmp_path)
    with pytest.raises(ValueError, match="expected f68b3c2dcbeaaa9fbdd348bbdeb94873"):
        load_mnist(tmp_path, download=False)


def test_wrong_magic(tmp_path):
    labels = idx_labels(np.zeros(12), magic=0x00000803)
    write_mnist(tmp_path, overrides={"train-labels-idx1-ubyte.gz": labels})
    with pytest.raises(ValueError, match=r"magic number 0x00000803, expected 0x00000801"):
        load_mnist(tmp_path, download=False, verify=False)


def test_truncated_payload(tmp_path):
    images = idx_images(np.zeros((12, 28, 28)))[:-100]
    write_mnist(tmp_path, overrides={"train-images-idx3-ubyte.gz": images})
    with pytest.raises(ValueError, match=r"announces \(12, 28, 28\) = 9408 data bytes, found 9308"):
        load_mnist(tmp_path, download=False, verify=False)


def test_truncated_gzip_stream(tmp_path):
    write_mnist(tmp_path)
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte\.gz: could not decompress"):
        load_mnist(tmp_path, download=False, verify=False)


def test_label_out_of_range(tmp_path):
    write_mnist(tmp_path, overrides={"t10k-labels-idx1-ubyte.gz": idx_labels(np.full(5, 10))})
    with pytest.raises(ValueError, match="found label 10; expected labels 0..9"):
        load_mnist(tmp_path, download=False, verify=False)


def test_image_and_label_counts_must_match(tmp_path):
    write_mnist(tmp_path, overrides={"train-labels-idx1-ubyte.gz": idx_labels(np.zeros(11))})
    with pytest.raises(ValueError, match="12 images and 11 labels"):
        load_mnist(tmp_path, download=False, verify=False)


def test_missing_and_offline_says_what_to_put_where(tmp_path, isolated_cache):
    write_mnist(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(tmp_path, download=False, verify=False)
    message = str(info.value)
    assert "'t10k-images-idx3-ubyte.gz' not found" in message
    assert str(tmp_path / "mnist") in message and str(isolated_cache) in message
    assert "http://yann.lecun.com/exdb/mnist/t10k-images-idx3-ubyte.gz" in message


def test_gzip_detection_uses_content_not_name(tmp_path):
    arrays, _ = write_mnist(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.decompress(path.read_bytes()))  # raw bytes under the .gz name
    ds = load_mnist(tmp_path, download=False, verify=False)
    np.testing.assert_array_equal(ds.X_train, arrays["train"][0].reshape(12, 784))
