"""CIFAR-10 from the official binary release ``cifar-10-binary.tar.gz``.

Each member file ``cifar-10-batches-bin/*.bin`` holds 10000 records of 3073 bytes: one label
byte (0..9), then 1024 red, 1024 green and 1024 blue bytes (32x32 planes, row-major). That is
already the flattened CHW layout `Dataset` uses, so records are copied as they are.

The members are streamed out of the tar in chunks straight into preallocated arrays, with the
MD5 of every member computed on the way, so the peak memory stays close to the size of the data
(about 184 MB). The tar wrapper itself is not checked when it is found on disk (re-packed copies
exist whose members are byte-identical to the official ones); the six members always are, and
so is the class-name file ``batches.meta.txt``: when the batches are the official ones it must
list the ten official names (blank lines aside), and in any case ten distinct short names.

The archive is read in one bounded pass: at most `MAX_MEMBERS` tar members, at most
`MAX_TAR_METADATA` bytes of tar headers (pax and GNU long-name records and sparse maps
included: tarfile holds them in memory), a class-name file of at most `MAX_META_BYTES`, and the
arrays allocated only once a batch's size is checked and the total fits the memory budget.

Example:
    >>> import io, tarfile, tempfile
    >>> path = Path(tempfile.mkdtemp()) / ARCHIVE
    >>> names = b"cat\\n" * 2000  # a class-name file of 8000 bytes
    >>> with tarfile.open(path, "w:gz") as archive:
    ...     info = tarfile.TarInfo(f"{FOLDER}/{META_MEMBER}")
    ...     info.size = len(names)
    ...     archive.addfile(info, io.BytesIO(names))
    >>> read_cifar10_archive(path, checksums=None)
    Traceback (most recent call last):
    ...
    fcnn.errors.InputError: /.../batches.meta.txt is 8000 bytes; the official one is 61 ...
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import tarfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

import numpy as np

from fcnn.data.dataset import Dataset
from fcnn.data.download import Source, checksum_error, find_or_download
from fcnn.data.files import (
    DAMAGED,
    GZIP_MAGIC,
    max_decompressed_size,
    open_input,
    preview,
    reading,
    shorten,
)
from fcnn.errors import ConfigError, InputError
from fcnn.limits import check_allocation

ARCHIVE = "cifar-10-binary.tar.gz"
FOLDER = "cifar-10-batches-bin"
TRAIN_MEMBERS = tuple(f"data_batch_{k}.bin" for k in range(1, 6))
TEST_MEMBER = "test_batch.bin"
META_MEMBER = "batches.meta.txt"
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
#: the official archive has 8 members (a folder, the class names and six batches)
MAX_MEMBERS = 64
#: the official class-name file is 61 bytes
MAX_META_BYTES = 4096
#: the most bytes of tar headers tarfile may read in all (the official archive has 4 KB)
MAX_TAR_METADATA = 2**20
_MAX_NAME_CHARS = 64
#: tarfile's parsers of pax and sparse records also raise these on damaged bytes
TAR_DAMAGED = (*DAMAGED, ValueError, IndexError)
_DESCRIPTION = f"the CIFAR-10 binary release {ARCHIVE} (a tar of {FOLDER}/*.bin)"


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

    Args:
        data_dir: folder holding ``cifar-10-binary.tar.gz`` (directly or in ``cifar10/``); the
            cache `default_data_dir()` is searched next.
        download: download the archive into the cache when it is found nowhere. With
            ``False`` nothing is downloaded and nothing is written.
        seed: unused (the official split is fixed); accepted so every loader has the same
            signature.
        checksums: MD5 by file name (archive, members and optionally ``batches.meta.txt``);
            ``None`` means the official `OFFICIAL_MD5`.
        verify: check the MD5s. Turn off only for files you generated yourself.
        base_url: download from this folder URL instead of the official host.
        records_per_file: records in each of the six batch files: 10000 in the official
            release; smaller only for tiny archives made by tests.

    Returns:
        A `Dataset` with ``X_train`` uint8 ``(50000, 3072)``, ``X_test`` uint8
        ``(10000, 3072)`` (CHW rows), int64 labels, ``image_shape=(3, 32, 32)``.

    Raises:
        MissingFileError: the archive is nowhere and ``download`` is off or failed.
        InputError: the archive is damaged, truncated, not CIFAR-10, or fails a checksum.
        BudgetError: the data would not fit the memory budget of `fcnn.limits`.
        DiskError: the disk refused a read or a write.

    Example:
        >>> ds = load_cifar10("/work/shared/data", download=False)  # doctest: +SKIP
        >>> ds.X_train.shape, ds.y_test[:3].tolist()  # doctest: +SKIP
        ((50000, 3072), [3, 8, 8])
    """
    del seed
    _check_records_per_file(records_per_file)
    if checksums is not None and not isinstance(checksums, Mapping):
        raise ConfigError("checksums", f"checksums must be a mapping of file name to MD5, got "
                                       f"{type(checksums).__name__}.")
    table = (OFFICIAL_MD5 if checksums is None else checksums) if verify else None
    path = find_or_download(SOURCE, data_dir, download, table, base_url)[ARCHIVE]
    return read_cifar10_archive(path, table, records_per_file)


def read_cifar10_archive(
    path: Path, checksums: Mapping[str, str] | None, records_per_file: int = RECORDS_PER_FILE
) -> Dataset:
    """Decode the six batches of a CIFAR-10 binary tar (gzip or plain) into a `Dataset`.

    Args:
        path: the archive.
        checksums: MD5s by member name (``data_batch_1.bin``..., optionally
            ``batches.meta.txt``); ``None`` skips every check of content.
        records_per_file: records in each batch file.

    Returns:
        The `Dataset`; class names from ``batches.meta.txt`` (the official ones when the
        archive has none).

    Raises:
        InputError: a damaged or truncated archive, a missing, repeated, mis-sized or
            non-file member, a label above 9, a bad class-name file, or a checksum mismatch.
        BudgetError: the arrays would not fit the memory budget.
        DiskError: the disk refused the read.
    """
    _check_records_per_file(records_per_file)
    wanted = {f"{FOLDER}/{name}": name for name in (*TRAIN_MEMBERS, TEST_MEMBER, META_MEMBER)}
    fix = _fix(path)
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
    class_names = CLASS_NAMES
    seen: set[str] = set()
    with open_input(path, _DESCRIPTION, fix) as raw, \
            reading(path, _DESCRIPTION, fix, "read the archive", TAR_DAMAGED), \
            _open_tar(raw, path) as (archive, reads, gzipped):
        most = max_decompressed_size(os.fstat(raw.fileno()).st_size, gzipped)
        for count, member in enumerate(archive, start=1):
            if count > MAX_MEMBERS:
                raise InputError(
                    f"{path}: the archive has more than {MAX_MEMBERS} members; the official "
                    f"{ARCHIVE} has 8. It is not CIFAR-10. To fix: {fix}", path)
            name = wanted.get(member.name.removeprefix("./"))
            if name is None:
                continue
            where = f"{path}::{FOLDER}/{name}"
            _check_member(member, name, where, seen, path)
            if name == META_MEMBER:
                with reads.member_data():
                    class_names = _read_class_names(archive.extractfile(member), member.size,
                                                    where, checksums, path)
                continue
            _check_member_size(where, member.size, records_per_file)
            if arrays is None:
                arrays = _allocate(path, records_per_file, most)
            X, y = _batch_rows(arrays, name, records_per_file)
            with reads.member_data():
                md5 = _read_records(archive.extractfile(member), X, y, where, path)
            expected = None if checksums is None else checksums.get(name)
            if expected is not None and md5 != expected:
                raise checksum_error(where, expected, md5, fix)
    missing = [name for name in (*TRAIN_MEMBERS, TEST_MEMBER) if name not in seen]
    if missing or arrays is None:
        raise InputError(
            f"{path}: the archive lacks {', '.join(f'{FOLDER}/{m}' for m in missing)}. Expected "
            f"the official CIFAR-10 binary release. To fix: {fix}", path)
    X_train, y_train, X_test, y_test = arrays
    return Dataset("cifar10", X_train, y_train, X_test, y_test, list(class_names), IMAGE_SHAPE)


def _check_records_per_file(records_per_file: int) -> None:
    if (isinstance(records_per_file, bool) or not isinstance(records_per_file, (int, np.integer))
            or records_per_file < 1):
        raise ConfigError(
            "records_per_file",
            f"records_per_file must be an integer >= 1 (10000 for the official release), got "
            f"{shorten(repr(records_per_file), 60)}.")


@contextlib.contextmanager
def _open_tar(
    raw: IO[bytes], path: Path
) -> Iterator[tuple[tarfile.TarFile, _BoundedReads, bool]]:
    """The tar in ``raw`` (gzip'd or plain), the `_BoundedReads` it reads through, and whether
    ``raw`` is gzip'd."""
    start = raw.read(6)
    raw.seek(0)
    gzipped = start.startswith(GZIP_MAGIC)
    if start.startswith((b"BZh", b"\xfd7zXZ")):
        raise InputError(
            f"{path} is a bzip2 or xz archive; expected {_DESCRIPTION}, compressed with gzip. "
            f"To fix: {_fix(path)}", path)
    with contextlib.ExitStack() as stack:
        stream: IO[bytes] = raw
        if gzipped:
            stream = stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb"))
        reads = _BoundedReads(stream, path)
        archive = stack.enter_context(tarfile.open(fileobj=reads, mode="r:"))
        yield archive, reads, gzipped


class _BoundedReads:
    """A read-only view of a stream that lets tarfile read at most `MAX_TAR_METADATA` bytes of
    tar headers in all; reads of member data (inside `member_data`) are not counted.

    tarfile reads a pax or GNU long-name record whole, in one read of the size its header
    declares, keeps a chain of them alive while it recurses, and grows a list for every sparse
    map block; this keeps a damaged or hostile header from making it allocate gigabytes.
    """

    def __init__(self, stream: IO[bytes], path: Path) -> None:
        self.stream = stream
        self.path = path
        self.metadata = 0
        self.in_member = False

    @contextlib.contextmanager
    def member_data(self) -> Iterator[None]:
        """Reads inside the block are a member's data, not tar headers."""
        self.in_member = True
        try:
            yield
        finally:
            self.in_member = False

    def read(self, size: int | None = -1) -> bytes:
        if not self.in_member:
            if size is None or size < 0 or self.metadata + size > MAX_TAR_METADATA:
                raise InputError(
                    f"{self.path}: the tar headers ask for {self.metadata} + {size} bytes, more "
                    f"than the {MAX_TAR_METADATA} bytes any CIFAR-10 archive needs (the official "
                    f"one has 4 KB of headers). The archive is damaged or not CIFAR-10. To fix: "
                    f"{_fix(self.path)}", self.path)
            self.metadata += size
        return self.stream.read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self.stream.seek(offset, whence)

    def tell(self) -> int:
        return self.stream.tell()


def _check_member(member: tarfile.TarInfo, name: str, where: str, seen: set[str],
                  path: Path) -> None:
    if name in seen:
        raise InputError(f"{where}: the archive holds this member twice; the official "
                         f"{ARCHIVE} holds it once. To fix: {_fix(path)}", path)
    seen.add(name)
    if not member.isreg():
        raise InputError(f"{where}: is a link, folder or device in the archive; expected a "
                         f"regular file. To fix: {_fix(path)}", path)


def _allocate(
    path: Path, records_per_file: int, most: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The empty ``X_train, y_train, X_test, y_test``, once the archive (which can hold at most
    ``most`` bytes) can hold them and they fit the memory budget."""
    n_records = (len(TRAIN_MEMBERS) + 1) * records_per_file
    held = n_records * RECORD_BYTES
    if held > most:
        raise InputError(
            f"{path}: the six batches need {n_records} records ({held} bytes), more than this "
            f"file can hold once decompressed ({most} bytes at most). The archive is truncated "
            f"or damaged. To fix: {_fix(path)}", path)
    check_allocation(n_records * (IMAGE_BYTES + 8), f"CIFAR-10's {n_records} images and labels",
                     path)
    n_train = len(TRAIN_MEMBERS) * records_per_file
    return (np.empty((n_train, IMAGE_BYTES), dtype=np.uint8), np.empty(n_train, dtype=np.int64),
            np.empty((records_per_file, IMAGE_BYTES), dtype=np.uint8),
            np.empty(records_per_file, dtype=np.int64))


def _batch_rows(arrays: tuple[np.ndarray, ...], name: str,
                records_per_file: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``X`` and ``y`` the batch ``name`` fills."""
    X_train, y_train, X_test, y_test = arrays
    if name == TEST_MEMBER:
        return X_test, y_test
    start = TRAIN_MEMBERS.index(name) * records_per_file
    return (X_train[start:start + records_per_file], y_train[start:start + records_per_file])


def _check_member_size(where: str, size: int, records_per_file: int) -> None:
    expected = records_per_file * RECORD_BYTES
    if size != expected:
        if size % RECORD_BYTES:
            found = f"{size} bytes, not a multiple of {RECORD_BYTES}"
        else:
            found = f"{size} bytes = {size // RECORD_BYTES} records"
        raise InputError(
            f"{where}: expected {expected} bytes ({records_per_file} records of {RECORD_BYTES} "
            f"bytes), found {found}. The file is truncated or not a CIFAR-10 "
            f"binary batch (the python-pickle release is not supported). To fix: "
            f"{_fix(where.split('::')[0])}", where.split("::")[0]
        )


def _read_records(
    stream: IO[bytes] | None, X: np.ndarray, y: np.ndarray, where: str, path: Path
) -> str:
    """Stream 3073-byte records into ``X`` (pixels) and ``y`` (labels); return the member MD5."""
    if stream is None:  # checked by _check_member; tarfile gives no stream for non-files
        raise InputError(f"{where}: not a regular file. To fix: {_fix(path)}", path)
    digest = hashlib.md5()
    buffer = np.empty((_CHUNK_RECORDS, RECORD_BYTES), dtype=np.uint8)
    for start in range(0, len(X), _CHUNK_RECORDS):
        rows = min(_CHUNK_RECORDS, len(X) - start)
        view = memoryview(buffer[:rows]).cast("B")
        got = stream.readinto(view)
        if got != rows * RECORD_BYTES:
            raise InputError(f"{where}: file ended early. To fix: {_fix(path)}", path)
        digest.update(view)
        labels = buffer[:rows, 0]
        if labels.max() > 9:
            raise InputError(
                f"{where}: found label {int(labels.max())} near record {start}; CIFAR-10 labels "
                f"are 0..9. The file is corrupted or not CIFAR-10. To fix: {_fix(path)}", path)
        y[start:start + rows] = labels
        X[start:start + rows] = buffer[:rows, 1:]
    return digest.hexdigest()


def _read_class_names(
    stream: IO[bytes] | None, size: int, where: str, checksums: Mapping[str, str] | None,
    path: Path,
) -> list[str]:
    """The ten class names of ``batches.meta.txt``, checked before they are used.

    With an MD5 for it in ``checksums``, the file must match it; when the six batches are
    checked against the official MD5s, it must list the official names; always, it must list
    ten distinct printable names of at most 64 characters, one per line (blank lines skipped).
    """
    if size > MAX_META_BYTES:
        raise InputError(
            f"{where} is {size} bytes; the official one is 61 bytes and lists 10 class names. "
            f"The archive is damaged or not CIFAR-10. To fix: {_fix(path)}", path)
    if stream is None:
        raise InputError(f"{where}: not a regular file. To fix: {_fix(path)}", path)
    data = stream.read(size)
    expected_md5 = None if checksums is None else checksums.get(META_MEMBER)
    if expected_md5 is not None and hashlib.md5(data).hexdigest() != expected_md5:
        raise checksum_error(where, expected_md5, hashlib.md5(data).hexdigest(), _fix(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"{where}: not UTF-8 text ({err.reason} at byte {err.start}); expected "
                         f"10 class names, one per line. To fix: {_fix(path)}", path) from err
    names = [line.strip() for line in text.splitlines() if line.strip()]
    bad = [n for n in names if len(n) > _MAX_NAME_CHARS or not n.isprintable()]
    if len(names) != len(CLASS_NAMES) or len(set(names)) != len(names) or bad:
        raise InputError(
            f"{where}: expected {len(CLASS_NAMES)} distinct printable class names of at most "
            f"{_MAX_NAME_CHARS} characters, one per line; found {len(names)} lines: "
            f"{preview(names)}. To fix: {_fix(path)}", path)
    if _official_batches(checksums) and names != CLASS_NAMES:
        raise InputError(
            f"{where}: lists {preview(names)}, but the batches are the official CIFAR-10 ones, "
            f"whose classes are {', '.join(CLASS_NAMES)}. The file is damaged. To fix: "
            f"{_fix(path)}", path)
    return names


def _official_batches(checksums: Mapping[str, str] | None) -> bool:
    """Whether ``checksums`` checks all six batches against the official MD5s."""
    return checksums is not None and all(
        checksums.get(name) == OFFICIAL_MD5[name] for name in (*TRAIN_MEMBERS, TEST_MEMBER))


def _fix(path: Path | str) -> str:
    return (
        f"delete {path} and download it again (https://www.cs.toronto.edu/~kriz/{ARCHIVE}), or "
        f"put the official {ARCHIVE} at {path}."
    )
