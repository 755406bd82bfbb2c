"""Random image augmentation for minibatches of flattened CHW rows.

Each augmentation is built with the ``image_shape`` ``(C, H, W)`` of the rows and a seed or a
``numpy.random.Generator``; calling it on a batch ``(N, C*H*W)`` returns a new augmented batch of
the same shape and dtype, drawing all random choices for the batch at once (no per-image loop).
The same seed gives the same sequence of batches.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from fcnn.data.dataset import check_image_shape, check_names
from fcnn.errors import ConfigError, InputError
from fcnn.registry import Registry

RngLike = np.random.Generator | int | None


class Augmentation:
    """Base class: holds ``image_shape`` and ``rng``; subclasses implement ``_augment``."""

    def __init__(self, image_shape: tuple[int, int, int], rng: RngLike = None) -> None:
        self.image_shape = check_image_shape(image_shape)
        self.rng = _as_generator(rng)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """Augment a batch ``X`` of shape ``(N, C*H*W)``; returns a new array of that shape."""
        size = int(np.prod(self.image_shape))
        if X.ndim != 2 or X.shape[1] != size:
            raise InputError(
                f"{type(self).__name__} for images {self.image_shape} expects a batch of shape "
                f"(N, {size}), got {X.shape}. Pass flattened CHW rows."
            )
        images = X.reshape(len(X), *self.image_shape)
        return self._augment(images).reshape(len(X), size)

    def _augment(self, images: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class RandomFlip(Augmentation):
    """Mirror each image left-right with probability ``p``.

    Args:
        image_shape: ``(C, H, W)`` of one image.
        p: probability that an image is flipped.
        rng: random source or seed.

    Example:
        >>> import numpy as np
        >>> flip = RandomFlip((1, 1, 3), p=1.0, rng=0)
        >>> flip(np.array([[1, 2, 3]], dtype=np.uint8))
        array([[3, 2, 1]], dtype=uint8)
    """

    def __init__(self, image_shape: tuple[int, int, int], p: float = 0.5,
                 rng: RngLike = None) -> None:
        super().__init__(image_shape, rng)
        if not 0.0 <= p <= 1.0:
            raise ConfigError("p", f"RandomFlip: p is a probability in [0, 1], got {p}.")
        self.p = p

    def _augment(self, images: np.ndarray) -> np.ndarray:
        flip = self.rng.random(len(images)) < self.p
        out = images.copy()
        out[flip] = images[flip, :, :, ::-1]
        return out

    def __repr__(self) -> str:
        return f"RandomFlip(p={self.p})"


class RandomCrop(Augmentation):
    """Zero-pad each image by ``padding`` pixels and cut a random ``H x W`` window.

    Equivalent to shifting each image by a random ``(dy, dx)`` in ``[-padding, padding]`` and
    filling the uncovered border with zeros (as ``torchvision.transforms.RandomCrop(padding=4)``).

    Args:
        image_shape: ``(C, H, W)`` of one image.
        padding: largest shift in pixels, in each direction.
        rng: random source or seed.

    Example:
        >>> import numpy as np
        >>> crop = RandomCrop((1, 2, 2), padding=1, rng=0)
        >>> crop(np.array([[1, 2, 3, 4]], dtype=np.uint8)).shape
        (1, 4)
    """

    def __init__(self, image_shape: tuple[int, int, int], padding: int = 4,
                 rng: RngLike = None) -> None:
        super().__init__(image_shape, rng)
        if padding < 0:
            raise ConfigError("padding", f"RandomCrop: padding must be >= 0, got {padding}.")
        self.padding = int(padding)

    def _augment(self, images: np.ndarray) -> np.ndarray:
        n, channels, height, width = images.shape
        pad = self.padding
        padded = np.zeros((n, channels, height + 2 * pad, width + 2 * pad), dtype=images.dtype)
        padded[:, :, pad:pad + height, pad:pad + width] = images
        # windows[i, c, dy, dx] is the H x W crop of image i starting at row dy, column dx
        windows = sliding_window_view(padded, (height, width), axis=(2, 3))
        dy = self.rng.integers(0, 2 * pad + 1, size=n)
        dx = self.rng.integers(0, 2 * pad + 1, size=n)
        return windows[np.arange(n), :, dy, dx]

    def __repr__(self) -> str:
        return f"RandomCrop(padding={self.padding})"


class Compose:
    """Apply augmentations one after the other.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> augment = Compose([RandomCrop((3, 8, 8), 2, rng), RandomFlip((3, 8, 8), rng=rng)])
        >>> augment(np.zeros((5, 192), np.uint8)).shape
        (5, 192)
    """

    def __init__(self, augmentations: Sequence[Augmentation]) -> None:
        self.augmentations = list(augmentations)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        for augmentation in self.augmentations:
            X = augmentation(X)
        return X

    def __repr__(self) -> str:
        return f"Compose({self.augmentations!r})"


#: The augmentations by name; each target is a factory ``(image_shape, rng) -> Augmentation``.
AUGMENTATIONS = Registry("augmentation")
AUGMENTATIONS.add("flip", lambda image_shape, rng: RandomFlip(image_shape, rng=rng),
                  help="mirror left-right with probability 0.5")
AUGMENTATIONS.add("crop", lambda image_shape, rng: RandomCrop(image_shape, padding=4, rng=rng),
                  help="shift by up to 4 pixels (zero padding)")
# smaller shifts for small images (8x8 digits: crop1) or thin strokes (28x28 MNIST: crop2)
AUGMENTATIONS.add("crop1", lambda image_shape, rng: RandomCrop(image_shape, padding=1, rng=rng),
                  help="shift by up to 1 pixel")
AUGMENTATIONS.add("crop2", lambda image_shape, rng: RandomCrop(image_shape, padding=2, rng=rng),
                  help="shift by up to 2 pixels")


def make_augmentation(
    names: Sequence[str], image_shape: tuple[int, int, int], seed: RngLike = 0
) -> Compose:
    """Build a `Compose` of augmentations from names in `AUGMENTATIONS`, sharing one generator.

    Args:
        names: steps in order, from ``"flip"`` (`RandomFlip`, p=0.5), ``"crop"`` (`RandomCrop`,
            padding=4), ``"crop1"`` and ``"crop2"`` (padding 1 and 2, for small images).
        image_shape: ``(C, H, W)`` of the images.
        seed: seed (an integer >= 0) or generator shared by all steps.

    Returns:
        The `Compose` of the steps.

    Raises:
        ConfigError: an unknown name, ``names`` not a list of names, a bad ``image_shape``
            or a bad ``seed``.

    Example:
        >>> make_augmentation(["crop", "flip"], (3, 32, 32), seed=0)
        Compose([RandomCrop(padding=4), RandomFlip(p=0.5)])
    """
    names = check_names(names, AUGMENTATIONS, "augmentation")
    image_shape = check_image_shape(image_shape)
    rng = _as_generator(seed)
    return Compose([AUGMENTATIONS.get(name).target(image_shape, rng) for name in names])


def _as_generator(seed: RngLike) -> np.random.Generator:
    """``seed`` as a ``numpy.random.Generator``; a `ConfigError` unless a generator, None or an
    integer >= 0."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError("seed", f"seed must be an integer >= 0, None or a numpy Generator, got "
                                  f"{repr(seed)[:60]}.")
    return np.random.default_rng(seed)
