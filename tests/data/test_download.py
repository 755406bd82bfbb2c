"""Downloads from a local HTTP server: checksums, atomic writes, cache lookup, offline errors."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

from fcnn.data import default_data_dir, load_cifar10, load_mnist

from .formats import write_cifar_archive, write_mnist

ARCHIVE = "cifar-10-binary.tar.gz"


def files_under(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_default_data_dir_honours_env(isolated_cache):
    assert default_data_dir() == isolated_cache


def test_cifar_download_into_cache_then_reuse(http_server, isolated_cache):
    served, url = http_server
    contents, checksums = write_cifar_archive(served / ARCHIVE)
    ds = load_cifar10(download=True, base_url=url, checksums=checksums, records_per_file=4)
    assert (isolated_cache / "cifar10" / ARCHIVE).is_file()
    np.testing.assert_array_equal(ds.y_test, contents["test_batch.bin"][1])
    (served / ARCHIVE).unlink()  # second load must come from the cache
    again = load_cifar10(download=True, base_url=url, checksums=checksums, records_per_file=4)
    np.testing.assert_array_equal(again.X_train, ds.X_train)


def test_wrong_hash_fails_and_leaves_no_file(http_server, isolated_cache):
    served, url = http_server
    _, checksums = write_cifar_archive(served / ARCHIVE)
    checksums[ARCHIVE] = "0" * 32
    with pytest.raises(ValueError, match=r"failed its checksum: expected MD5 0{32}.*Nothing was"):
        load_cifar10(download=True, base_url=url, checksums=checksums, records_per_file=4)
    assert files_under(isolated_cache) == []


def test_mnist_download_of_all_four_files(http_server, isolated_cache):
    served, url = http_server
    arrays, checksums = write_mnist(served)
    ds = load_mnist(download=True, base_url=url, checksums=checksums)
    assert files_under(isolated_cache / "mnist") == sorted(checksums)
    np.testing.assert_array_equal(ds.y_train, arrays["train"][1])


def test_download_needs_a_known_checksum(http_server):
    served, url = http_server
    _, checksums = write_mnist(served)
    del checksums["train-labels-idx1-ubyte.gz"]
    with pytest.raises(ValueError, match="no MD5 known for 'train-labels-idx1-ubyte.gz'"):
        load_mnist(download=True, base_url=url, checksums=checksums)


def test_failed_download_says_what_to_put_where(isolated_cache):
    with socket.socket() as probe:  # a port on which nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(download=True, base_url=f"http://127.0.0.1:{port}/", verify=False)
    message = str(info.value)
    assert "'train-images-idx3-ubyte.gz' not found" in message
    assert f"put it in {isolated_cache / 'mnist'}/" in message
    assert "The download failed" in message
    assert files_under(isolated_cache) == []


def test_base_url_must_be_a_web_url(tmp_path):
    with pytest.raises(ValueError, match="pass data_dir=<folder> instead"):
        load_mnist(download=True, base_url=tmp_path.as_uri(), verify=False)
