"""Writers of tiny files in the real CIFAR-10 binary, IDX and PNG formats, for the tests."""

from __future__ import annotations

import gzip
import hashlib
import io
import struct
import tarfile
import zlib
from pathlib import Path

import numpy as np

CIFAR_MEMBERS = [f"data_batch_{k}.bin" for k in range(1, 6)] + ["test_batch.bin"]
CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer",
                 "dog", "frog", "horse", "ship", "truck"]


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def cifar_records(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, bytes]:
    """``n`` random records: pixels ``(n, 3072)``, labels ``(n,)`` and the packed bytes."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    packed = np.concatenate([labels[:, None], pixels], axis=1).tobytes()
    return pixels, labels, packed


CIFAR_META = ("\n".join(CIFAR_CLASSES) + "\n\n").encode()


def cifar_tar(records: int = 4, members: dict[str, bytes] | None = None,
              meta: bytes | None = CIFAR_META):
    """The uncompressed bytes of a CIFAR-10 binary tar with the official member names.

    Returns ``(tar_bytes, contents, checksums)``: contents maps member name to (pixels,
    labels); checksums maps member names (and ``batches.meta.txt``) to MD5s. ``members``
    overrides the bytes of chosen members (to corrupt them); ``meta=None`` leaves the class-name
    file out.
    """
    contents, checksums, blobs = {}, {}, {}
    for seed, name in enumerate(CIFAR_MEMBERS):
        pixels, labels, packed = cifar_records(records, seed)
        contents[name] = (pixels, labels)
        checksums[name] = md5(packed)
        blobs[name] = packed
    blobs.update(members or {})
    entries = list(blobs.items())
    if meta is not None:
        checksums["batches.meta.txt"] = md5(meta)
        entries.insert(0, ("batches.meta.txt", meta))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in entries:
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue(), contents, checksums


def write_cifar_archive(path: Path, records: int = 4, members: dict[str, bytes] | None = None,
                        meta: bytes | None = CIFAR_META):
    """Write a CIFAR-10 binary tar.gz with the official member names.

    Returns ``(contents, checksums)``: contents maps member name to (pixels, labels) and
    checksums maps member names, ``batches.meta.txt`` and the archive name to MD5s. ``members``
    overrides the bytes of chosen members (to corrupt them).
    """
    tar_bytes, contents, checksums = cifar_tar(records, members, meta)
    path.write_bytes(gzip.compress(tar_bytes, mtime=0))
    checksums[path.name] = md5(path.read_bytes())
    return contents, checksums


def idx_images(images: np.ndarray, magic: int = 0x00000803) -> bytes:
    n, rows, cols = images.shape
    return struct.pack(">IIII", magic, n, rows, cols) + images.astype(np.uint8).tobytes()


def idx_labels(labels: np.ndarray, magic: int = 0x00000801) -> bytes:
    return struct.pack(">II", magic, len(labels)) + labels.astype(np.uint8).tobytes()


def write_mnist(folder: Path, n_train: int = 12, n_test: int = 5, compress: bool = True,
                overrides: dict[str, bytes] | None = None):
    """Write the four MNIST IDX files (gzip'd unless ``compress=False``) into ``folder``.

    Returns ``(arrays, checksums)`` with arrays ``{"train": (X, y), "test": (X, y)}`` (X of
    shape ``(N, 28, 28)``) and MD5s by written file name. ``overrides`` replaces the
    uncompressed content of a file, by official ``.gz`` name.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    arrays, blobs = {}, {}
    for split, prefix, n in (("train", "train", n_train), ("test", "t10k", n_test)):
        X = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        y = np.arange(n) % 10
        arrays[split] = (X, y)
        blobs[f"{prefix}-images-idx3-ubyte.gz"] = idx_images(X)
        blobs[f"{prefix}-labels-idx1-ubyte.gz"] = idx_labels(y)
    blobs.update(overrides or {})
    checksums = {}
    for name, raw in blobs.items():
        data = gzip.compress(raw, mtime=0) if compress else raw
        file_name = name if compress else name.removesuffix(".gz")
        (folder / file_name).write_bytes(data)
        checksums[file_name] = md5(data)
    return arrays, checksums


def png_bytes(array: np.ndarray) -> bytes:
    """A PNG of a ``(H, W)`` or ``(H, W, 3)`` uint8 array, written by Pillow."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(array: np.ndarray, quality: int = 90) -> bytes:
    """A JPEG of a ``(H, W, 3)`` uint8 array, written by Pillow."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def forge_png_size(png: bytes, width: int, height: int) -> bytes:
    """``png`` with the width and height of its IHDR chunk replaced, and its CRC fixed.

    The result passes Pillow's header checks but declares ``width x height`` pixels that its
    data does not hold: the shape of a decompression bomb.
    """
    assert png[12:16] == b"IHDR"
    ihdr = b"IHDR" + struct.pack(">II", width, height) + png[24:29]
    return png[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + png[33:]
