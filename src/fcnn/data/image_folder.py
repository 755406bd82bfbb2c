"""A folder of images with one sub-folder per class, read with Pillow."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fcnn.data.dataset import Dataset, split_dataset

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
MODES = {"RGB": 3, "L": 1}


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

    Parameters
    ----------
    path : str | Path
        Folder with one sub-folder per class.
    mode : {"RGB", "L"}
        Colour (3 channels) or grayscale (1 channel).
    size : tuple[int, int] | None
        ``(H, W)`` to resize every image to; ``None`` requires all images to have one size.
    test_fraction : float
        Share of each class held out for testing.
    seed : int
        Seed of the split.

    Returns
    -------
    Dataset with uint8 ``X`` of shape ``(N, C*H*W)`` and ``image_shape=(C, H, W)``.

    Examples
    --------
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
    from PIL import Image, UnidentifiedImageError

    root = Path(path)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {sorted(MODES)}, got {mode!r}.")
    files, labels, class_names = _list_images(root)
    images = []
    expected_hw = tuple(size) if size is not None else None
    for file in files:
        try:
            with Image.open(file) as opened:
                image = opened.convert(mode)
            if size is not None:
                image = image.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            array = np.asarray(image, dtype=np.uint8)
        except (UnidentifiedImageError, OSError) as err:
            raise ValueError(
                f"{file}: could not read the image ({err}). Expected a PNG or JPEG file. To fix: "
                f"delete or replace that file."
            ) from err
        if expected_hw is None:
            expected_hw = array.shape[:2]
        if array.shape[:2] != expected_hw:
            raise ValueError(
                f"{file}: image is {array.shape[0]}x{array.shape[1]} (HxW) but {files[0]} is "
                f"{expected_hw[0]}x{expected_hw[1]}. To fix: pass size=(H, W) to resize all images."
            )
        chw = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
        images.append(chw.reshape(-1))
    X = np.stack(images)
    y = np.asarray(labels, dtype=np.int64)
    image_shape = (MODES[mode], int(expected_hw[0]), int(expected_hw[1]))
    return split_dataset(str(root), X, y, class_names, image_shape, test_fraction, seed)


def _list_images(root: Path) -> tuple[list[Path], list[int], list[str]]:
    if not root.is_dir():
        raise ValueError(
            f"{root} is not a folder. Expected a folder with one sub-folder per class."
        )
    class_dirs = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not class_dirs:
        raise ValueError(
            f"{root} has no class sub-folders. Expected {root}/<class name>/<image>.png; to fix, "
            f"move the images of each class into their own sub-folder."
        )
    files: list[Path] = []
    labels: list[int] = []
    for label, class_dir in enumerate(class_dirs):
        for file in sorted(class_dir.iterdir()):
            if file.is_file() and file.suffix.lower() in IMAGE_SUFFIXES:
                files.append(file)
                labels.append(label)
    if not files:
        raise ValueError(
            f"{root} holds no images: its sub-folders {[d.name for d in class_dirs]} contain no "
            f"{'/'.join(IMAGE_SUFFIXES)} files. To fix: put the images in {root}/<class name>/."
        )
    return files, labels, [d.name for d in class_dirs]
