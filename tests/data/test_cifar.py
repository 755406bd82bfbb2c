"""CIFAR-10 binary loader on tiny generated archives in the official layout."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from fcnn.data import load_cifar10, load_dataset

from .formats import CIFAR_CLASSES, cifar_records, md5, write_cifar_archive

ARCHIVE = "cifar-10-binary.tar.gz"


def load(data_dir, checksums, **kwargs):
    return load_cifar10(data_dir, download=False, checksums=checksums, records_per_file=4,
                        **kwargs)


def test_round_trip(tmp_path):
    contents, checksums = write_cifar_archive(tmp_path / ARCHIVE)
    ds = load(tmp_path, checksums)
    train = [contents[f"data_batch_{k}.bin"] for k in range(1, 6)]
    np.testing.assert_array_equal(ds.X_train, np.concatenate([p for p, _ in train]))
    np.testing.assert_array_equal(ds.y_train, np.concatenate([y for _, y in train]))
    np.testing.assert_array_equal(ds.X_test, contents["test_batch.bin"][0])
    np.testing.assert_array_equal(ds.y_test, contents["test_batch.bin"][1])
    assert ds.X_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
    assert ds.image_shape == (3, 32, 32) and ds.class_names == CIFAR_CLASSES


def test_rows_are_channel_major(tmp_path):
    contents, checksums = write_cifar_archive(tmp_path / ARCHIVE)
    ds = load(tmp_path, checksums)
    image = ds.X_train[0].reshape(3, 32, 32)
    np.testing.assert_array_equal(image[1].ravel(), contents["data_batch_1.bin"][0][0, 1024:2048])


def test_found_in_subfolder_via_registry(tmp_path):
    (tmp_path / "cifar10").mkdir()
    _, checksums = write_cifar_archive(tmp_path / "cifar10" / ARCHIVE)
    ds = load_dataset("cifar10", data_dir=tmp_path, download=False, checksums=checksums,
                      records_per_file=4)
    assert ds.X_test.shape == (4, 3072)


def test_member_checksum_mismatch_names_the_member(tmp_path):
    _, checksums = write_cifar_archive(tmp_path / ARCHIVE)
    checksums["data_batch_3.bin"] = "0" * 32
    with pytest.raises(ValueError, match=r"data_batch_3\.bin: MD5 checksum mismatch.*delete"):
        load(tmp_path, checksums)


def test_official_checksums_reject_generated_members(tmp_path):
    write_cifar_archive(tmp_path / ARCHIVE)
    with pytest.raises(ValueError, match="MD5 checksum mismatch"):
        load(tmp_path, checksums=None)  # None = the official table


def test_truncated_member(tmp_path):
    _, _, packed = cifar_records(4, seed=0)
    _, checksums = write_cifar_archive(tmp_path / ARCHIVE, members={"test_batch.bin": packed[:-5]})
    with pytest.raises(ValueError, match=r"test_batch\.bin: expected 12292 bytes.*not a multiple"):
        load(tmp_path, checksums)


def test_wrong_record_count(tmp_path):
    _, _, packed = cifar_records(3, seed=0)
    _, checksums = write_cifar_archive(tmp_path / ARCHIVE, members={"data_batch_2.bin": packed})
    with pytest.raises(ValueError, match=r"data_batch_2\.bin.*found 9219 bytes = 3 records"):
        load(tmp_path, checksums)


def test_label_out_of_range(tmp_path):
    pixels, labels, _ = cifar_records(4, seed=0)
    labels[2] = 12
    packed = np.concatenate([labels[:, None], pixels], axis=1).tobytes()
    _, checksums = write_cifar_archive(tmp_path / ARCHIVE, members={"data_batch_1.bin": packed})
    checksums["data_batch_1.bin"] = md5(packed)
    with pytest.raises(ValueError, match=r"data_batch_1\.bin: found label 12.*0\.\.9"):
        load(tmp_path, checksums)


def test_truncated_archive(tmp_path):
    path = tmp_path / ARCHIVE
    _, checksums = write_cifar_archive(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match="could not read the archive"):
        load(tmp_path, checksums)


def test_missing_and_offline_says_what_to_put_where(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_cifar10(tmp_path, download=False)
    message = str(info.value)
    assert "'cifar-10-binary.tar.gz' not found" in message
    assert f"put it in {tmp_path}/" in message
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz" in message


def test_peak_memory_while_loading_stays_near_the_data_size(tmp_path):
    # the issue allows 3x the uint8 data; streaming into preallocated arrays needs ~1x
    records = 1000
    _, checksums = write_cifar_archive(tmp_path / ARCHIVE, records=records)
    tracemalloc.start()
    try:
        ds = load_cifar10(tmp_path, download=False, checksums=checksums,
                          records_per_file=records)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    data = ds.X_train.nbytes + ds.X_test.nbytes  # 6000 records: 18.4 MB
    assert ds.X_train.shape == (5 * records, 3072)
    assert peak < 1.5 * data, f"peak {peak / 1e6:.1f} MB for {data / 1e6:.1f} MB of data"
