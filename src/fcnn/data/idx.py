"""MNIST and Fashion-MNIST from the official IDX files (``.gz`` or uncompressed).

IDX layout (big-endian): magic ``0x00000803`` for images then N, rows, cols as uint32 and
``N*rows*cols`` pixel bytes; magic ``0x00000801`` for labels then N and N label bytes.

A header is checked before anything is allocated: the dimensions it declares must match the
bytes the file really holds (for a ``.gz`` file, counted by decompressing it once without
keeping the data) and fit the memory budget of `fcnn.limits`. A file of a few kilobytes that
declares billions of images is refused at once.

Example:
    >>> import gzip, struct, tempfile
    >>> path = Path(tempfile.mkdtemp()) / "labels.gz"
    >>> path.write_bytes(gzip.compress(struct.pack(">II", LABELS_MAGIC, 3) + bytes([7, 0, 1])))
    31
    >>> read_idx_labels(path).tolist()
    [7, 0, 1]
    >>> path.write_bytes(gzip.compress(struct.pack(">II", LABELS_MAGIC, 4_000_000_000)))
    28
    >>> read_idx_labels(path)
    Traceback (most recent call last):
    ...
    fcnn.errors.InputError: /.../labels.gz: the header announces (4000000000,) = 4000000000 ...
"""

from __future__ import annotations

import contextlib
import gzip
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from fcnn.data.dataset import Dataset
from fcnn.data.download import Source, checksum_error, find_or_download, md5_of_file
from fcnn.data.files import is_gzip, max_decompressed_size, open_input, reading
from fcnn.errors import InputError
from fcnn.limits import check_allocation

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)
_FIX = "delete it and download it again."
_CHUNK_BYTES = 1 << 20  # read gzip streams 1 MiB at a time
_COUNT_BYTES = 1 << 18  # count them 256 KiB at a time (read and dropped)


@dataclass(frozen=True)
class IdxSpec:
    """Everything that differs between MNIST-style data sets.

    Args:
        source: the file names and where to download them.
        class_names: the name of each label 0..9.
        md5: the MD5 of each official ``.gz`` file and, under the name without ``.gz``, of the
            uncompressed file, so both forms are verified.
    """

    source: Source
    class_names: tuple[str, ...]
    md5: Mapping[str, str]


MNIST = IdxSpec(
    source=Source(
        name="mnist",
        files=FILES,
        base_urls=("http://yann.lecun.com/exdb/mnist/",
                   "https://ossci-datasets.s3.amazonaws.com/mnist/"),
    ),
    class_names=tuple(str(digit) for digit in range(10)),
    md5={
        TRAIN_IMAGES: "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        TRAIN_LABELS: "d53e105ee54ea40749a09fcbcd1e9432",
        TEST_IMAGES: "9fb629c4189551a2d022fa330f9573f3",
        TEST_LABELS: "ec29112dd5afa0611ce80d1b7f02629c",
        "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
        "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
        "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
        "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    },
)

FASHION_MNIST = IdxSpec(
    source=Source(
        name="fashion-mnist",
        files=FILES,
        base_urls=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    ),
    class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    md5={
        TRAIN_IMAGES: "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        TRAIN_LABELS: "25c81989df183df01b3e8a0aad5dffbe",
        TEST_IMAGES: "bef4ecab320f06d8554ea6380940ec79",
        TEST_LABELS: "bb300cfdad3c16e7a12a480ee83cd310",
        "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
        "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
        "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
    },
)


def load_mnist(
    data_dir: str | Path | None = None,
    download: bool = True,
    seed: int = 0,
    *,
    checksums: Mapping[str, str] | None = None,
    verify: bool = True,
    base_url: str | None = None,
) -> Dataset:
    """MNIST: 60000 train and 10000 test 28x28 grayscale handwritten digits.

    Args:
        data_dir: folder holding the four official IDX files (``.gz`` or uncompressed),
            directly or in ``mnist/``; the cache `default_data_dir()` is searched next.
        download: download missing files into the cache. With ``False`` nothing is
            downloaded and nothing is written.
        seed: unused (the official split is fixed); accepted so every loader has the same
            signature.
        checksums: MD5 by file name; ``None`` means the official table.
        verify: check the MD5s. Turn off only for files you generated yourself.
        base_url: download from this folder URL instead of the official hosts.

    Returns:
        A `Dataset` with uint8 ``X_train`` ``(60000, 784)``, ``X_test`` ``(10000, 784)``, int64
        labels, ``image_shape=(1, 28, 28)``.

    Raises:
        MissingFileError: a file is nowhere and ``download`` is off or failed.
        InputError: a file is damaged, truncated, not IDX, or fails its checksum.
        BudgetError: the headers declare more data than the memory budget allows.
        DiskError: the disk refused a read or a write.

    Example:
        >>> ds = load_mnist("/work/shared/data", download=False)  # doctest: +SKIP
        >>> ds.y_train[:5].tolist()  # doctest: +SKIP
        [5, 0, 4, 1, 9]
    """
    del seed
    return load_idx_dataset(MNIST, data_dir, download, checksums, verify, base_url)


def load_fashion_mnist(
    data_dir: str | Path | None = None,
    download: bool = True,
    seed: int = 0,
    *,
    checksums: Mapping[str, str] | None = None,
    verify: bool = True,
    base_url: str | None = None,
) -> Dataset:
    """Fashion-MNIST: 60000 train and 10000 test 28x28 grayscale clothing images.

    Same files, layout, arguments, result and errors as `load_mnist` (sub-folder
    ``fashion-mnist/``), with the 10 clothing class names.

    Example:
        >>> ds = load_fashion_mnist(download=False)  # doctest: +SKIP
        >>> ds.class_names[0]  # doctest: +SKIP
        'T-shirt/top'
    """
    del seed
    return load_idx_dataset(FASHION_MNIST, data_dir, download, checksums, verify, base_url)


def load_idx_dataset(
    spec: IdxSpec,
    data_dir: str | Path | None,
    download: bool,
    checksums: Mapping[str, str] | None,
    verify: bool,
    base_url: str | None,
) -> Dataset:
    """Find (or download), verify and decode the four IDX files described by ``spec``.

    The four headers are read and checked against the files' real sizes, against each other
    and against the memory budget before any pixel is read. (The bytes of a ``.gz`` file that
    passed its MD5 are not counted again: it is the file the checksum vouches for.)
    """
    table = (spec.md5 if checksums is None else checksums) if verify else None
    accepted = {name: (name, name.removesuffix(".gz")) for name in FILES}
    paths = find_or_download(spec.source, data_dir, download, table, base_url, accepted)
    verified = {name for name, path in paths.items()
                if table is not None and _verify(path, table, spec)}
    layouts = {name: read_idx_layout(paths[name], _magic(name), verified=name in verified)
               for name in FILES}
    train_images, test_images = layouts[TRAIN_IMAGES], layouts[TEST_IMAGES]
    for images, labels in ((train_images, layouts[TRAIN_LABELS]),
                           (test_images, layouts[TEST_LABELS])):
        if images.shape[0] != labels.shape[0] or images.shape[1:] != train_images.shape[1:]:
            raise InputError(
                f"{spec.source.name}: the files in {paths[TRAIN_IMAGES].parent} do not match: "
                f"images {train_images.shape[1:]} and {images.shape[1:]}, {images.shape[0]} "
                f"images and {labels.shape[0]} labels. Expected the four files of one release. "
                f"To fix: delete them and download them again.", images.path)
    check_allocation(sum(layout.nbytes for layout in layouts.values()),
                     f"the {spec.source.name} images and labels", paths[TRAIN_IMAGES].parent)
    X_train = _read_images(train_images)
    y_train = _read_labels(layouts[TRAIN_LABELS])
    X_test = _read_images(test_images)
    y_test = _read_labels(layouts[TEST_LABELS])
    image_shape = (1, *X_train.shape[1:])
    return Dataset(spec.source.name, X_train.reshape(len(X_train), -1), y_train,
                   X_test.reshape(len(X_test), -1), y_test, list(spec.class_names), image_shape)


def _magic(name: str) -> int:
    return IMAGES_MAGIC if "images" in name else LABELS_MAGIC


def _verify(path: Path, table: Mapping[str, str], spec: IdxSpec) -> bool:
    """Check the MD5 of ``path`` if ``table`` has one; return whether it was checked."""
    expected = table.get(path.name)
    if expected is None:
        return False
    found = md5_of_file(path)
    if found != expected:
        url = spec.source.base_urls[0] + path.name.removesuffix(".gz") + ".gz"
        raise checksum_error(
            path, expected, found,
            f"delete {path} and download it again ({url}), or put the official file there.",
        )
    return True


@dataclass(frozen=True)
class IdxLayout:
    """What an IDX file holds, checked against its real size before any data is read.

    Args:
        path: the file.
        magic: `IMAGES_MAGIC` or `LABELS_MAGIC`.
        shape: ``(N, rows, cols)`` for images, ``(N,)`` for labels.
        gzipped: whether the file is a gzip stream (told by its first bytes, not its name).
    """

    path: Path
    magic: int
    shape: tuple[int, ...]
    gzipped: bool

    @property
    def nbytes(self) -> int:
        """Memory the decoded data takes: uint8 pixels, or int64 labels (read as uint8)."""
        n_values = int(np.prod(self.shape, dtype=object))
        return n_values if self.magic == IMAGES_MAGIC else 9 * n_values


def read_idx_layout(path: Path, magic: int, verified: bool = False) -> IdxLayout:
    """Read and check the header of an IDX file without reading its data into memory.

    Args:
        path: the file, ``.gz`` or uncompressed.
        magic: the expected magic number, `IMAGES_MAGIC` or `LABELS_MAGIC`.
        verified: the file passed its checksum, so the bytes of a ``.gz`` file need not be
            counted (the header is still checked against the file size and the budget).

    Returns:
        The file's `IdxLayout`.

    Raises:
        InputError: wrong magic number, a zero dimension, or a header that announces more
            or fewer data bytes than the file holds.
        BudgetError: the header declares more data than the memory budget allows.
        DiskError: the disk refused the read.
    """
    kind = "images" if magic == IMAGES_MAGIC else "labels"
    with open_input(path, f"an IDX {kind} file", _FIX) as raw:
        gzipped = _is_gzip(raw, path)
        action = "decompress it" if gzipped else "read it"
        with reading(path, f"an IDX {kind} file", _FIX, action), _stream(raw, gzipped) as stream:
            values = _read_header(stream, path, magic, n_dims=3 if magic == IMAGES_MAGIC else 1)
            layout = IdxLayout(path, magic, tuple(values[1:]), gzipped)
            _check_dimensions(layout)
            declared = int(np.prod(layout.shape, dtype=object))
            header_bytes = 4 * len(values)
            file_size = os.fstat(raw.fileno()).st_size
            most = max_decompressed_size(file_size, gzipped) - header_bytes
            if declared > most:
                held = (f"a {file_size}-byte gzip file can hold at most {most} bytes" if gzipped
                        else f"the {file_size}-byte file holds {most}")
                raise InputError(
                    f"{path}: the header announces {layout.shape} = {declared} data bytes, but "
                    f"{held}. The file is truncated or its header is damaged. To fix: {_FIX}",
                    path)
            check_allocation(layout.nbytes, f"the {kind} announced by the header "
                                            f"{layout.shape}", path)
            if not gzipped:
                found = most
            elif verified:
                found = declared
            else:
                found = _count_to_end(stream, limit=declared + 1)
            if found != declared:
                _raise_size_mismatch(path, layout.shape, declared, found, exact=not gzipped)
    return layout


def read_idx_images(path: Path) -> np.ndarray:
    """Read an IDX image file (``.gz`` or raw) into a uint8 array of shape ``(N, rows, cols)``.

    Example:
        >>> import struct, tempfile
        >>> path = Path(tempfile.mkdtemp()) / "images"
        >>> path.write_bytes(struct.pack(">IIII", IMAGES_MAGIC, 2, 1, 3) + bytes(range(6)))
        22
        >>> read_idx_images(path).tolist()
        [[[0, 1, 2]], [[3, 4, 5]]]
    """
    return _read_images(read_idx_layout(path, IMAGES_MAGIC))


def read_idx_labels(path: Path) -> np.ndarray:
    """Read an IDX label file (``.gz`` or raw) into an int64 array of shape ``(N,)``, 0..9.

    Raises:
        InputError: a label above 9, or any problem `read_idx_layout` finds.
    """
    return _read_labels(read_idx_layout(path, LABELS_MAGIC))


def _read_images(layout: IdxLayout) -> np.ndarray:
    return _read_payload(layout)


def _read_labels(layout: IdxLayout) -> np.ndarray:
    labels = _read_payload(layout)
    if labels.max() > 9:
        raise InputError(
            f"{layout.path}: found label {int(labels.max())}; expected labels 0..9. The file is "
            f"corrupted or not an MNIST-style label file. To fix: {_FIX}", layout.path)
    return labels.astype(np.int64)


def _read_payload(layout: IdxLayout) -> np.ndarray:
    """The data of a checked layout, read straight into one preallocated uint8 array."""
    path = layout.path
    kind = "images" if layout.magic == IMAGES_MAGIC else "labels"
    with open_input(path, f"an IDX {kind} file", _FIX) as raw:
        action = "decompress it" if layout.gzipped else "read it"
        with reading(path, f"an IDX {kind} file", _FIX, action), \
                _stream(raw, layout.gzipped) as stream:
            _read_exactly(stream, 4 * (1 + len(layout.shape)))  # the header, checked before
            out = np.empty(layout.shape, dtype=np.uint8)
            got = _readinto(stream, memoryview(out).cast("B"))
            extra = len(_read_exactly(stream, 1))
    if got != out.size or extra:  # the file changed since its layout was read
        _raise_size_mismatch(path, layout.shape, out.size, got + extra)
    return out


def _is_gzip(raw: IO[bytes], path: Path) -> bool:
    with reading(path, "an IDX file", _FIX):
        return is_gzip(raw)


def _stream(raw: IO[bytes], gzipped: bool) -> contextlib.AbstractContextManager[IO[bytes]]:
    """The decompressed stream of ``raw``; closing it leaves ``raw`` open."""
    return gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else contextlib.nullcontext(raw)


def _check_dimensions(layout: IdxLayout) -> None:
    if 0 in layout.shape:
        kind = "images" if layout.magic == IMAGES_MAGIC else "labels"
        raise InputError(
            f"{layout.path}: the header announces {kind} of shape {layout.shape}, with a zero "
            f"dimension; expected at least one {kind[:-1]} of at least 1x1 pixels. The header "
            f"is damaged. To fix: {_FIX}", layout.path)


def _raise_size_mismatch(path: Path, shape: tuple[int, ...], expected: int, found: int,
                         exact: bool = False) -> None:
    found_text = f"{found} bytes" if found <= expected or exact else "more bytes"
    raise InputError(
        f"{path}: the header announces {shape} = {expected} data bytes, found {found_text}. "
        f"The file is truncated or corrupted. To fix: {_FIX}", path)


def _read_header(stream: IO[bytes], path: Path, magic: int, n_dims: int) -> tuple[int, ...]:
    size = 4 * (1 + n_dims)
    header = _read_exactly(stream, size)
    if len(header) < size:
        raise InputError(
            f"{path}: file is {len(header)} bytes, shorter than the {size}-byte IDX header. "
            f"To fix: {_FIX}", path)
    values = struct.unpack(f">{1 + n_dims}I", header)
    if values[0] != magic:
        kind = "images" if magic == IMAGES_MAGIC else "labels"
        raise InputError(
            f"{path}: IDX magic number 0x{values[0]:08x}, expected 0x{magic:08x} ({kind}). The "
            f"file is not an IDX {kind} file or the image and label files were swapped. To fix: "
            f"put the official file under this name.", path)
    return values


def _count_to_end(stream: IO[bytes], limit: int) -> int:
    """Bytes left in ``stream``, counted in chunks and kept nowhere; stops past ``limit``."""
    total = 0
    while total <= limit:
        chunk = stream.read(min(_COUNT_BYTES, limit + 1 - total))
        if not chunk:
            break
        total += len(chunk)
    return total


def _readinto(stream: IO[bytes], buffer: memoryview) -> int:
    """Fill ``buffer`` from ``stream``; return the number of bytes read (less at end of file)."""
    total = 0
    while total < len(buffer):
        got = stream.readinto(buffer[total:total + _CHUNK_BYTES])
        if not got:
            break
        total += got
    return total


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    buffer = bytearray(size)
    got = _readinto(stream, memoryview(buffer))
    return bytes(buffer[:got])
