"""Time of the augmentations on one CIFAR-sized minibatch (256 x 3072), uint8 and float32.

Run: python benchmarks/bench_data_augment.py
Prints a table of the median time per batch over repeated calls.
"""

from __future__ import annotations

import time

import numpy as np

from fcnn.data import RandomCrop, RandomFlip, make_augmentation

IMAGE_SHAPE = (3, 32, 32)
BATCH = 256
REPEATS = 200


def median_ms(function, X: np.ndarray) -> float:
    """Median wall time of ``function(X)`` in milliseconds."""
    function(X)
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function(X)
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def main() -> None:
    rng = np.random.default_rng(0)
    batches = {
        "uint8": rng.integers(0, 256, (BATCH, 3072), dtype=np.uint8),
        "float32": rng.random((BATCH, 3072), dtype=np.float32),
    }
    steps = {
        "RandomFlip(p=0.5)": RandomFlip(IMAGE_SHAPE, rng=0),
        "RandomCrop(padding=4)": RandomCrop(IMAGE_SHAPE, padding=4, rng=0),
        "crop + flip": make_augmentation(["crop", "flip"], IMAGE_SHAPE, seed=0),
    }
    print(f"batch {BATCH} x {IMAGE_SHAPE}, median of {REPEATS} calls")
    print(f"{'augmentation':<24}" + "".join(f"{dtype + ' ms':>12}" for dtype in batches))
    for name, step in steps.items():
        cells = "".join(f"{median_ms(step, X):>12.3f}" for X in batches.values())
        print(f"{name:<24}{cells}")


if __name__ == "__main__":
    main()
