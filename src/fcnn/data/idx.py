"""MNIST and Fashion-MNIST from the official IDX files (``.gz`` or uncompressed).

IDX layout (big-endian): magic ``0x00000803`` for images then N, rows, cols as uint32 and
``N*rows*cols`` pixel bytes; magic ``0x00000801`` for labels then N and N label bytes.
"""

from __future__ import annotations

import gzip
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from fcnn.data.dataset import Dataset
from fcnn.data.download import Source, checksum_error, find_or_download, md5_of_file

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)


@dataclass(frozen=True)
class IdxSpec:
    """Everything that differs between MNIST-style data sets.

    ``md5`` holds the MD5 of each official ``.gz`` file and, under the name without ``.gz``,
    of the uncompressed file, so both forms are verified.
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

    Parameters
    ----------
    data_dir : str | Path | None
        Folder holding the four official IDX files (``.gz`` or uncompressed), directly or in
        ``mnist/``; the cache `default_data_dir()` is searched next.
    download : bool
        Download missing files into the cache.
    seed : int
        Unused (the official split is fixed); accepted so every loader has the same signature.
    checksums : Mapping[str, str] | None
        MD5 by file name; ``None`` means the official table.
    verify : bool
        Check the MD5s. Turn off only for files you generated yourself.
    base_url : str | None
        Download from this folder URL instead of the official hosts.

    Returns
    -------
    Dataset with uint8 ``X_train`` ``(60000, 784)``, ``X_test`` ``(10000, 784)``, int64 labels,
    ``image_shape=(1, 28, 28)``.

    Examples
    --------
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

    Same files, layout, parameters and result as `load_mnist` (sub-folder ``fashion-mnist/``),
    with the 10 clothing class names.

    Examples
    --------
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
    """Find (or download), verify and decode the four IDX files described by ``spec``."""
    table = (spec.md5 if checksums is None else checksums) if verify else None
    accepted = {name: (name, name.removesuffix(".gz")) for name in FILES}
    paths = find_or_download(spec.source, data_dir, download, table, base_url, accepted)
    if table is not None:
        for path in paths.values():
            _verify(path, table, spec)
    X_train = read_idx_images(paths[TRAIN_IMAGES])
    y_train = read_idx_labels(paths[TRAIN_LABELS])
    X_test = read_idx_images(paths[TEST_IMAGES])
    y_test = read_idx_labels(paths[TEST_LABELS])
    for images, labels in ((X_train, y_train), (X_test, y_test)):
        if len(images) != len(labels) or images.shape[1:] != X_train.shape[1:]:
            raise ValueError(
                f"{spec.source.name}: the files in {paths[TRAIN_IMAGES].parent} do not match: "
                f"images {X_train.shape[1:]} and {images.shape[1:]}, {len(images)} images and "
                f"{len(labels)} labels. Expected the four files of one release. To fix: delete "
                f"them and download them again."
            )
    image_shape = (1, *X_train.shape[1:])
    return Dataset(spec.source.name, X_train.reshape(len(X_train), -1), y_train,
                   X_test.reshape(len(X_test), -1), y_test, list(spec.class_names), image_shape)


def _verify(path: Path, table: Mapping[str, str], spec: IdxSpec) -> None:
    expected = table.get(path.name)
    if expected is None:
        return
    found = md5_of_file(path)
    if found != expected:
        url = spec.source.base_urls[0] + path.name.removesuffix(".gz") + ".gz"
        raise checksum_error(
            path, expected, found,
            f"delete {path} and download it again ({url}), or put the official file there.",
        )


def read_idx_images(path: Path) -> np.ndarray:
    """Read an IDX image file (``.gz`` or raw) into a uint8 array of shape ``(N, rows, cols)``."""
    with _open(path) as stream:
        _, n, rows, cols = _read_header(stream, path, IMAGES_MAGIC, n_dims=3)
        return _read_payload(stream, path, (n, rows, cols))


def read_idx_labels(path: Path) -> np.ndarray:
    """Read an IDX label file (``.gz`` or raw) into an int64 array of shape ``(N,)``, 0..9."""
    with _open(path) as stream:
        _, n = _read_header(stream, path, LABELS_MAGIC, n_dims=1)
        labels = _read_payload(stream, path, (n,))
    if n and labels.max() > 9:
        raise ValueError(
            f"{path}: found label {int(labels.max())}; expected labels 0..9. The file is "
            f"corrupted or not an MNIST-style label file. To fix: delete it and download it again."
        )
    return labels.astype(np.int64)


def _open(path: Path) -> IO[bytes]:
    with open(path, "rb") as probe:
        is_gzip = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if is_gzip else open(path, "rb")


def _read_header(stream: IO[bytes], path: Path, magic: int, n_dims: int) -> tuple[int, ...]:
    size = 4 * (1 + n_dims)
    header = _read_exactly(stream, path, size)
    if len(header) < size:
        raise ValueError(
            f"{path}: file is {len(header)} bytes, shorter than the {size}-byte IDX header. "
            f"To fix: delete it and download it again."
        )
    values = struct.unpack(f">{1 + n_dims}I", header)
    if values[0] != magic:
        kind = "images" if magic == IMAGES_MAGIC else "labels"
        raise ValueError(
            f"{path}: IDX magic number 0x{values[0]:08x}, expected 0x{magic:08x} ({kind}). The "
            f"file is not an IDX {kind} file or the image and label files were swapped. To fix: "
            f"put the official file under this name."
        )
    return values


def _read_payload(stream: IO[bytes], path: Path, shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(shape, dtype=np.uint8)
    expected = out.size
    got = _readinto(stream, path, memoryview(out).cast("B"))
    extra = len(_read_exactly(stream, path, 1))
    if got != expected or extra:
        found = f"{got} bytes" if got != expected else "more bytes"
        raise ValueError(
            f"{path}: the header announces {shape} = {expected} data bytes, found {found}. The "
            f"file is truncated or corrupted. To fix: delete it and download it again."
        )
    return out


def _readinto(stream: IO[bytes], path: Path, buffer: memoryview) -> int:
    """Fill ``buffer`` from ``stream``; return the number of bytes read (less at end of file)."""
    total = 0
    try:
        while total < len(buffer):
            got = stream.readinto(buffer[total:])
            if not got:
                break
            total += got
    except (EOFError, OSError) as err:  # a truncated or damaged gzip stream
        raise ValueError(
            f"{path}: could not decompress ({err}). The file is truncated or corrupted. "
            f"To fix: delete it and download it again."
        ) from err
    return total


def _read_exactly(stream: IO[bytes], path: Path, size: int) -> bytes:
    buffer = bytearray(size)
    got = _readinto(stream, path, memoryview(buffer))
    return bytes(buffer[:got])
