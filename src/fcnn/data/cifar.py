"""CIFAR-10 from the official binary release ``cifar-10-binary.tar.gz``.

Each member file ``cifar-10-batches-bin/*.bin`` holds 10000 records of 3073 bytes: one label
byte (0..9), then 1024 red, 1024 green and 1024 blue bytes (32x32 planes, row-major). That is
already the flattened CHW layout `Dataset` uses, so records are copied as they are.

The members are streamed out of the tar in chunks straight into preallocated arrays, with the
MD5 of every member computed on the way, so the peak memory stays close to the size of the data
(about 184 MB). The tar wrapper itself is not checked when it is found on disk (re-packed copies
exist whose members are byte-identical to the official ones); the six members always are.
"""

from __future__ import annotations

import hashlib
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import numpy as np

from fcnn.data.dataset import Dataset
from fcnn.data.download import Source, checksum_error, find_or_download

ARCHIVE = "cifar-10-binary.tar.gz"
FOLDER = "cifar-10-batches-bin"
TRAIN_MEMBERS = tuple(f"data_batch_{k}.bin" for k in range(1, 6))
TEST_MEMBER = "test_batch.bin"
RECORDS_PER_FILE = 10000
IMAGE_SHAPE = (3, 32, 32)
IMAGE_BYTES = 3 * 32 * 32
RECORD_BYTES = 1 + IMAGE_BYTES
CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer",
               "dog", "frog", "horse", "ship", "truck"]

#: MD5 of the official archive and of the six ``.bin`` files inside it.
OFFICIAL_MD5 = {
    ARCHIVE: "c32a1d4ab5d03f1284b67883e8d87530",
    "data_batch_1.bin": "5dd7e06a14cb22eb9f671a540d1b7c25",
    "data_batch_2.bin": "5ea93a67294ea407fff1d09f752e9692",
    "data_batch_3.bin": "942cd6a4bcdd0dd3c604fbe906cb4421",
    "data_batch_4.bin": "ae636b3ba5c66a11e91e8cb52e771fcb",
    "data_batch_5.bin": "53f37980c15c3d472c316c40844f3f0d",
    "test_batch.bin": "803d5f7f4d78ea53de84dbe85f74fb6d",
}

SOURCE = Source(name="cifar10", files=(ARCHIVE,),
                base_urls=("https://www.cs.toronto.edu/~kriz/",))

_CHUNK_RECORDS = 1000  # 3 MB read at a time


def load_cifar10(
    data_dir: str | Path | None = None,
    download: bool = True,
    seed: int = 0,
    *,
    checksums: Mapping[str, str] | None = None,
    verify: bool = True,
    base_url: str | None = None,
    records_per_file: int = RECORDS_PER_FILE,
) -> Dataset:
    """CIFAR-10: 50000 train and 10000 test 32x32 RGB images in 10 classes.

    Parameters
    ----------
    data_dir : str | Path | None
        Folder holding ``cifar-10-binary.tar.gz`` (directly or in ``cifar10/``); the cache
        `default_data_dir()` is searched next.
    download : bool
        Download the archive into the cache when it is found nowhere.
    seed : int
        Unused (the official split is fixed); accepted so every loader has the same signature.
    checksums : Mapping[str, str] | None
        MD5 by file name (archive and members); ``None`` means the official `OFFICIAL_MD5`.
    verify : bool
        Check the MD5s. Turn off only for files you generated yourself.
    base_url : str | None
        Download from this folder URL instead of the official host.
    records_per_file : int
        Records in each of the six batch files: 10000 in the official release; smaller only for
        tiny archives made by tests.

    Returns
    -------
    Dataset with ``X_train`` uint8 ``(50000, 3072)``, ``X_test`` uint8 ``(10000, 3072)`` (CHW
    rows), int64 labels, ``image_shape=(3, 32, 32)``.

    Examples
    --------
    >>> ds = load_cifar10("/work/shared/data", download=False)  # doctest: +SKIP
    >>> ds.X_train.shape, ds.y_test[:3].tolist()  # doctest: +SKIP
    ((50000, 3072), [3, 8, 8])
    """
    del seed
    table = (OFFICIAL_MD5 if checksums is None else checksums) if verify else None
    path = find_or_download(SOURCE, data_dir, download, table, base_url)[ARCHIVE]
    return read_cifar10_archive(path, table, records_per_file)


def read_cifar10_archive(
    path: Path, checksums: Mapping[str, str] | None, records_per_file: int = RECORDS_PER_FILE
) -> Dataset:
    """Decode the six batches of a CIFAR-10 binary tar (gzip or plain) into a `Dataset`.

    ``checksums`` maps member names to MD5s; ``None`` skips the check.
    """
    wanted = {f"{FOLDER}/{name}": name for name in (*TRAIN_MEMBERS, TEST_MEMBER)}
    n_train = len(TRAIN_MEMBERS) * records_per_file
    X_train = np.empty((n_train, IMAGE_BYTES), dtype=np.uint8)
    y_train = np.empty(n_train, dtype=np.int64)
    X_test = np.empty((records_per_file, IMAGE_BYTES), dtype=np.uint8)
    y_test = np.empty(records_per_file, dtype=np.int64)
    class_names = CLASS_NAMES
    seen: set[str] = set()
    try:
        with tarfile.open(path, mode="r:*") as archive:
            for member in archive:
                if member.name == f"{FOLDER}/batches.meta.txt":
                    class_names = _read_class_names(archive.extractfile(member), path)
                if member.name not in wanted:
                    continue
                name = wanted[member.name]
                where = f"{path}::{member.name}"
                _check_member_size(where, member.size, records_per_file)
                if name == TEST_MEMBER:
                    X, y = X_test, y_test
                else:
                    start = TRAIN_MEMBERS.index(name) * records_per_file
                    X = X_train[start:start + records_per_file]
                    y = y_train[start:start + records_per_file]
                md5 = _read_records(archive.extractfile(member), X, y, where, path)
                expected = None if checksums is None else checksums.get(name)
                if expected is not None and md5 != expected:
                    raise checksum_error(where, expected, md5, _fix(path))
                seen.add(name)
    except (tarfile.TarError, EOFError, OSError) as err:
        raise ValueError(
            f"{path}: could not read the archive ({err}). Expected the official {ARCHIVE} "
            f"(a tar holding {FOLDER}/*.bin). To fix: {_fix(path)}"
        ) from err
    missing = sorted(set(wanted.values()) - seen)
    if missing:
        raise ValueError(
            f"{path}: the archive lacks {', '.join(f'{FOLDER}/{m}' for m in missing)}. Expected "
            f"the official CIFAR-10 binary release. To fix: {_fix(path)}"
        )
    return Dataset("cifar10", X_train, y_train, X_test, y_test, class_names, IMAGE_SHAPE)


def _check_member_size(where: str, size: int, records_per_file: int) -> None:
    expected = records_per_file * RECORD_BYTES
    if size != expected:
        if size % RECORD_BYTES:
            found = f"{size} bytes, not a multiple of {RECORD_BYTES}"
        else:
            found = f"{size} bytes = {size // RECORD_BYTES} records"
        raise ValueError(
            f"{where}: expected {expected} bytes ({records_per_file} records of {RECORD_BYTES} "
            f"bytes), found {found}. The file is truncated or not a CIFAR-10 "
            f"binary batch (the python-pickle release is not supported). To fix: "
            f"{_fix(where.split('::')[0])}"
        )


def _read_records(
    stream: IO[bytes] | None, X: np.ndarray, y: np.ndarray, where: str, path: Path
) -> str:
    """Stream 3073-byte records into ``X`` (pixels) and ``y`` (labels); return the member MD5."""
    assert stream is not None, "tar members checked by name are regular files"
    digest = hashlib.md5()
    buffer = np.empty((_CHUNK_RECORDS, RECORD_BYTES), dtype=np.uint8)
    for start in range(0, len(X), _CHUNK_RECORDS):
        rows = min(_CHUNK_RECORDS, len(X) - start)
        view = memoryview(buffer[:rows]).cast("B")
        got = stream.readinto(view)
        if got != rows * RECORD_BYTES:
            raise ValueError(f"{where}: file ended early. To fix: {_fix(path)}")
        digest.update(view)
        labels = buffer[:rows, 0]
        if labels.max() > 9:
            raise ValueError(
                f"{where}: found label {int(labels.max())} near record {start}; CIFAR-10 labels "
                f"are 0..9. The file is corrupted or not CIFAR-10. To fix: {_fix(path)}"
            )
        y[start:start + rows] = labels
        X[start:start + rows] = buffer[:rows, 1:]
    return digest.hexdigest()


def _read_class_names(stream: IO[bytes] | None, path: Path) -> list[str]:
    assert stream is not None, "batches.meta.txt is a regular file"
    names = [line.strip() for line in stream.read().decode("ascii").splitlines() if line.strip()]
    if len(names) != len(CLASS_NAMES):
        raise ValueError(
            f"{path}::{FOLDER}/batches.meta.txt: expected {len(CLASS_NAMES)} class names, found "
            f"{names}. To fix: {_fix(path)}"
        )
    return names


def _fix(path: Path | str) -> str:
    return (
        f"delete {path} and download it again (https://www.cs.toronto.edu/~kriz/{ARCHIVE}), or "
        f"put the official {ARCHIVE} at {path}."
    )
