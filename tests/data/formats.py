"""Writers of tiny files in the real CIFAR-10 binary and IDX formats, for the tests."""

from __future__ import annotations

import gzip
import hashlib
import io
import struct
import tarfile
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


def write_cifar_archive(path: Path, records: int = 4, members: dict[str, bytes] | None = None):
    """Write a CIFAR-10 binary tar.gz with the official member names.

    Returns ``(contents, checksums)``: contents maps member name to (pixels, labels) and
    checksums maps member names and the archive name to MD5s. ``members`` overrides the bytes
    of chosen members (to corrupt them).
    """
    contents, checksums, blobs = {}, {}, {}
    for seed, name in enumerate(CIFAR_MEMBERS):
        pixels, labels, packed = cifar_records(records, seed)
        contents[name] = (pixels, labels)
        checksums[name] = md5(packed)
        blobs[name] = packed
    blobs.update(members or {})
    meta = ("\n".join(CIFAR_CLASSES) + "\n\n").encode()
    with tarfile.open(path, "w:gz") as archive:
        for name, data in [("batches.meta.txt", meta), *blobs.items()]:
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
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
