"""Seeding like PyTorch: one package-level generator, set by :func:`manual_seed`.

Every random choice in fcnn takes a ``seed``: an int (the same int always gives the
same bits), a ``numpy.random.Generator`` (used as it is), or ``None`` (the default),
which draws a fresh, independent generator from the package-level one. So two layers
built without a seed never share weights or dropout masks, and

    fcnn.manual_seed(0)

at the top of a script makes everything after it reproducible, as
``torch.manual_seed`` does.

Example:
    >>> import fcnn
    >>> fcnn.manual_seed(0)
    >>> a = new_generator().random()
    >>> fcnn.manual_seed(0)
    >>> a == new_generator().random()
    True
"""

from __future__ import annotations

import numpy as np

Seed = int | np.random.Generator | None

_default = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Reset the package-level generator, so every unseeded random choice after it repeats.

    Args:
        seed: a non-negative integer.
    """
    global _default
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed takes a non-negative integer, got {seed!r}.")
    _default = np.random.default_rng(int(seed))


def new_generator(seed: Seed = None) -> np.random.Generator:
    """The generator a random choice should use for ``seed``.

    Args:
        seed: an int (a new generator seeded with it), a Generator (returned as it is),
            or None (a new generator spawned from the package-level one: independent of
            every other, and reproducible after :func:`manual_seed`).
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return _default.spawn(1)[0]
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"a seed must be a non-negative integer, a numpy Generator or None, "
                         f"got {seed!r}.")
    return np.random.default_rng(int(seed))


def draw_seed(seed: Seed = None) -> int:
    """An integer seed: ``seed`` itself if it is one, else one drawn from ``new_generator(seed)``.

    Used where a seed must be written down (a run's configuration, a checkpoint).
    """
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return int(seed)
    return int(new_generator(seed).integers(2**31 - 1))
