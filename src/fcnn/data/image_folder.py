"""A folder of images with one sub-folder per class, read with Pillow (PNG and JPEG only).

Nothing is decoded before it is bounded. Each image's header (its width and height) is read
first and checked against what a file of its size can hold (a PNG's deflate stream expands at
most 1032 times; a JPEG spends at least one bit on every 8x8 block), against the size of the
first image, and against the memory budget of `fcnn.limits`. While a header is read, Pillow's
own decompression-bomb limit (``PIL.Image.MAX_IMAGE_PIXELS``) is set to the smaller of the two
bounds and its warning is an error. The number of files is bounded by the budget too. Every
problem Pillow reports on a damaged file becomes an `fcnn.errors.InputError` naming the file.

Example:
    >>> import struct, tempfile, zlib
    >>> from PIL import Image
    >>> root = Path(tempfile.mkdtemp())
    >>> for cls in ("cat", "dog"):
    ...     (root / cls).mkdir()
    ...     Image.new("RGB", (4, 3)).save(root / cls / "0.png")
    >>> png = (root / "cat" / "0.png").read_bytes()  # a 70-byte PNG; forge its header:
    >>> ihdr = b"IHDR" + struct.pack(">II", 100_000, 100_000) + png[24:29]
    >>> forged = png[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + png[33:]
    >>> _ = (root / "dog" / "1.png").write_bytes(forged)
    >>> load_image_folder(root)
    Traceback (most recent call last):
    ...
    fcnn.errors.InputError: /.../dog/1.png: the header declares more pixels than a ...
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from fcnn.data.dataset import Dataset, split_indices
from fcnn.data.files import MAX_DEFLATE_RATIO, describe, os_error, preview, shorten
from fcnn.errors import BudgetError, ConfigError, InputError
from fcnn.limits import check_allocation, format_size, memory_budget

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
MODES = {"RGB": 3, "L": 1}
#: the only decoders Pillow may use (a file's content decides, not its name)
FORMATS = ("PNG", "JPEG")
#: bytes one source pixel may occupy while decoded: Pillow's pixel (up to 4 bytes), its
#: converted copy (up to 4) and the NumPy row (up to 3), rounded up
DECODE_BYTES_PER_PIXEL = 12
#: memory a listed file costs before decoding (its path and label), generously
BYTES_PER_LISTED_FILE = 512
#: fewest bits per pixel a PNG of each Pillow mode can store (palette and grayscale PNGs may
#: use 1, 2 or 4 bits)
_PNG_MIN_BITS = {"1": 1, "P": 1, "L": 2, "LA": 16, "I": 16, "I;16": 16, "I;16B": 16,
                 "RGB": 24, "RGBA": 32}
_FIX = "delete or replace that file."


def load_image_folder(
    path: str | Path,
    *,
    mode: str = "RGB",
    size: tuple[int, int] | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> Dataset:
    """Load ``path/<class name>/*.png|jpg|jpeg`` as a flattened CHW uint8 image data set.

    Class names are the sorted sub-folder names; class ``i`` is ``class_names[i]``. Images are
    read in sorted file order, converted to ``mode`` and, when ``size`` is given, resized.
    A seeded stratified split holds out ``test_fraction`` of every class.

    Args:
        path: folder with one sub-folder per class.
        mode: ``"RGB"`` (3 channels) or ``"L"`` (grayscale, 1 channel).
        size: ``(H, W)`` to resize every image to; ``None`` requires all images to have one
            size.
        test_fraction: share of each class held out for testing.
        seed: seed of the split.

    Returns:
        A `Dataset` with uint8 ``X`` of shape ``(N, C*H*W)`` and ``image_shape=(C, H, W)``.

    Raises:
        ConfigError: a bad ``mode``, ``size``, ``test_fraction`` or ``seed``.
        MissingFileError: ``path`` does not exist.
        InputError: ``path`` has no class folders or no images, or an image is damaged, not
            PNG/JPEG, of another size than the first (without ``size``), or declares more
            pixels than its file can hold.
        BudgetError: the images, their number, or one image's decoding would not fit the
            memory budget.
        DiskError: the disk refused a read.

    Example:
        >>> import tempfile
        >>> from PIL import Image
        >>> root = Path(tempfile.mkdtemp())
        >>> for cls in ("cat", "dog"):
        ...     (root / cls).mkdir()
        ...     for i in range(5):
        ...         Image.new("RGB", (4, 3), (i, 0, 0)).save(root / cls / f"{i}.png")
        >>> ds = load_image_folder(root)
        >>> ds.class_names, ds.image_shape, ds.X_train.shape
        (['cat', 'dog'], (3, 3, 4), (8, 36))
    """
    from PIL import Image

    if not isinstance(mode, str) or mode not in MODES:
        raise ConfigError("mode", f"mode must be one of {sorted(MODES)}, got "
                                  f"{shorten(repr(mode), 60)}.")
    target = _check_size(size)
    if not isinstance(path, (str, os.PathLike)):
        raise ConfigError("path", f"path must be a folder path, got {type(path).__name__}.")
    root = Path(path)
    files, labels, class_names = _list_images(root)
    channels = MODES[mode]
    y = np.asarray(labels, dtype=np.int64)
    # split first: each image is decoded straight into its row of X_train or X_test
    train_idx, test_idx = split_indices(str(root), y, test_fraction, seed)
    in_test, row_of = _destinations(len(files), train_idx, test_idx)
    parts: tuple[np.ndarray, np.ndarray] | None = None
    expected_hw = target
    for index, file in enumerate(files):
        with _open_image(Image, file) as (image, file_size):
            height, width = image.height, image.width
            _check_pixels(image, file, file_size)
            if expected_hw is None:
                expected_hw = (height, width)
            if target is None and (height, width) != expected_hw:
                raise InputError(
                    f"{file}: image is {height}x{width} (HxW) but {files[0]} is "
                    f"{expected_hw[0]}x{expected_hw[1]}. To fix: pass size=(H, W) to resize "
                    f"all images.", file)
            row_bytes = channels * expected_hw[0] * expected_hw[1]
            decode_bytes = DECODE_BYTES_PER_PIXEL * (height * width + row_bytes)
            data_bytes = len(files) * row_bytes
            if parts is None:
                check_allocation(data_bytes + 8 * len(files) + decode_bytes,
                                 f"{len(files)} images of {channels}x{expected_hw[0]}x"
                                 f"{expected_hw[1]}", root)
                parts = (np.empty((len(train_idx), row_bytes), dtype=np.uint8),
                         np.empty((len(test_idx), row_bytes), dtype=np.uint8))
            else:
                check_allocation(data_bytes + decode_bytes, f"decoding a {width}x{height} image",
                                 file)
            parts[int(in_test[index])][row_of[index]] = _decode(image, file, mode, target)
    X_train, X_test = parts
    image_shape = (channels, int(expected_hw[0]), int(expected_hw[1]))
    return Dataset(str(root), X_train, y[train_idx], X_test, y[test_idx], class_names,
                   image_shape)


def read_image(file: str | Path, image_shape: tuple[int, int, int]) -> np.ndarray:
    """One PNG or JPEG file as a flattened CHW uint8 row of ``image_shape`` (resized to it).

    Bounded like the folder loader: the header is checked before anything is decoded.

    Args:
        file: the image.
        image_shape: ``(C, H, W)`` with C = 1 (grey) or 3 (RGB), e.g. a run's image shape.

    Example:
        >>> import tempfile
        >>> from PIL import Image
        >>> path = Path(tempfile.mkdtemp()) / "a.png"
        >>> Image.new("RGB", (64, 48), (255, 0, 0)).save(path)
        >>> row = read_image(path, (3, 32, 32))
        >>> row.shape, int(row[0]), int(row[1024])
        ((3072,), 255, 0)
    """
    from PIL import Image

    channels, height, width = (int(n) for n in image_shape)
    mode = {count: name for name, count in MODES.items()}.get(channels)
    if mode is None:
        raise ConfigError("image_shape", f"images have 1 or 3 channels, got image_shape "
                                         f"{tuple(image_shape)}.")
    file = Path(file)
    with _open_image(Image, file) as (image, file_size):
        _check_pixels(image, file, file_size)
        check_allocation(DECODE_BYTES_PER_PIXEL * (image.height * image.width + height * width),
                         f"decoding a {image.width}x{image.height} image", file)
        return _decode(image, file, mode, (height, width))


def _destinations(n: int, train_idx: np.ndarray,
                  test_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``n`` examples: whether it goes to the test part, and its row there."""
    in_test = np.zeros(n, dtype=bool)
    in_test[test_idx] = True
    row_of = np.empty(n, dtype=np.int64)
    row_of[train_idx] = np.arange(len(train_idx))
    row_of[test_idx] = np.arange(len(test_idx))
    return in_test, row_of


def _check_size(size: Any) -> tuple[int, int] | None:
    if size is None:
        return None
    try:
        height, width = size
        ok = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1
                 for v in (height, width))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ConfigError("size", f"size must be None or (H, W), two integers >= 1, got "
                                  f"{shorten(repr(size), 60)}.")
    return int(height), int(width)


@contextlib.contextmanager
def _open_image(Image: Any, file: Path) -> Iterator[tuple[Any, int]]:
    """``file`` opened lazily (header only) and its size in bytes, or the fcnn error why not.

    While Pillow reads the header, its decompression-bomb limit ``Image.MAX_IMAGE_PIXELS`` is
    the smaller of the memory budget and the most pixels a PNG or JPEG of this size can hold,
    and its warning is an error; the previous limit is restored right after (it is a module
    global of Pillow, and only ``Image.open`` reads it).
    """
    try:
        file_size = os.stat(file).st_size
    except OSError as err:
        raise os_error(file, err, "a PNG or JPEG image", _FIX) from err
    budget_pixels = memory_budget() // DECODE_BYTES_PER_PIXEL
    plausible_pixels = file_size * MAX_DEFLATE_RATIO * 8  # a 1-bit PNG: the densest case
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max(1, min(budget_pixels, plausible_pixels))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file, formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        if plausible_pixels < budget_pixels:
            raise InputError(
                f"{file}: the header declares more pixels than a {file_size}-byte PNG or JPEG "
                f"can hold ({describe(err)}). The file is truncated, damaged or a decompression "
                f"bomb. To fix: {_FIX}", file) from err
        raise BudgetError(
            f"{file}: decoding the image would take more than the memory budget of "
            f"{format_size(memory_budget())} ({describe(err)}). If the input is genuine, raise "
            f"the budget: set the environment variable FCNN_MEMORY_BUDGET (e.g. "
            f"FCNN_MEMORY_BUDGET=16GiB) or use fcnn.limits.use_memory_budget(...); otherwise "
            f"{_FIX}", file) from err
    except Exception as err:  # Pillow's header parsers raise many types on damaged bytes
        raise _pillow_error(file, err, "read") from err
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    with image:
        yield image, file_size


def _pillow_error(file: Path, error: Exception, action: str) -> Exception:
    """The fcnn error for an exception Pillow raised on ``file``."""
    if isinstance(error, OSError) and error.errno is not None:
        return os_error(file, error, "a PNG or JPEG image", _FIX)
    return InputError(f"{file}: could not {action} the image ({describe(error)}). Expected a PNG "
                      f"or JPEG file. To fix: {_FIX}", file)


def _check_pixels(image: Any, file: Path, file_size: int) -> None:
    """Refuse a header that declares more pixels than a file of this size and kind can hold."""
    if image.format == "PNG":
        most = file_size * MAX_DEFLATE_RATIO * 8 // _PNG_MIN_BITS.get(image.mode, 1)
        why = "a PNG's deflate stream expands at most 1032 times"
    else:
        most = file_size * 8 * 64
        why = "a JPEG spends at least one bit on each 8x8 block"
    if image.width * image.height > most:
        raise InputError(
            f"{file}: the header declares {image.width}x{image.height} pixels, but a "
            f"{file_size}-byte {image.format} file can hold at most {most} ({why}). The file is "
            f"truncated, damaged or a decompression bomb. To fix: {_FIX}", file)


def _decode(image: Any, file: Path, mode: str, size: tuple[int, int] | None) -> np.ndarray:
    """Decode, convert and resize one opened image into a flattened CHW uint8 row."""
    from PIL import Image

    try:
        converted = image.convert(mode)
        if size is not None:
            converted = converted.resize((size[1], size[0]), Image.Resampling.BILINEAR)
        array = np.asarray(converted, dtype=np.uint8)
    except Exception as err:  # Pillow's decoders raise many types on damaged bytes
        raise _pillow_error(file, err, "decode") from err
    chw = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
    return chw.reshape(-1)


def _list_images(root: Path) -> tuple[list[Path], list[int], list[str]]:
    """The image files under ``root/<class>/``, their labels and the class names, bounded."""
    fix = "pass a folder with one sub-folder of images per class."
    try:
        if not root.is_dir():
            if root.exists():
                raise InputError(f"{root} is not a folder. Expected a folder with one sub-folder "
                                 f"per class.", root)
            raise FileNotFoundError(2, "no such folder", str(root))
        class_dirs = sorted(d for d in _bounded(root.iterdir(), root)
                            if d.is_dir() and not d.name.startswith("."))
        if not class_dirs:
            raise InputError(
                f"{root} has no class sub-folders. Expected {root}/<class name>/<image>.png; to "
                f"fix, move the images of each class into their own sub-folder.", root)
        files: list[Path] = []
        labels: list[int] = []
        for label, class_dir in enumerate(class_dirs):
            found = [file for file in _bounded(class_dir.iterdir(), class_dir, len(files))
                     if file.suffix.lower() in IMAGE_SUFFIXES and file.is_file()]
            files.extend(sorted(found))
            labels.extend([label] * len(found))
    except OSError as err:
        raise os_error(Path(err.filename or root), err, "an image folder", fix) from err
    if not files:
        raise InputError(
            f"{root} holds no images: its sub-folders {preview(d.name for d in class_dirs)} "
            f"contain no {'/'.join(IMAGE_SUFFIXES)} files. To fix: put the images in "
            f"{root}/<class name>/.", root)
    return files, labels, [d.name for d in class_dirs]


def _bounded(entries: Iterator[Path], folder: Path, already: int = 0) -> Iterator[Path]:
    """``entries`` of ``folder``, with the memory of the listing checked every 1024 entries."""
    for count, entry in enumerate(entries, start=already + 1):
        if count % 1024 == 0:
            check_allocation(count * BYTES_PER_LISTED_FILE, f"a list of over {count} files",
                             folder)
        yield entry
