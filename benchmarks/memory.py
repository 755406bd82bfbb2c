"""Peak memory (RSS) of a CIFAR-10 training run, against the memory the run needs.

Run: python benchmarks/memory.py [--data-dir DIR] [--epochs-fraction F]

This process loads CIFAR-10 (``fcnn.data.load_dataset``), scales it to float32 (fitted on
the training set), drops the uint8 originals, and trains 3072-512-256-10 with SGD momentum,
batch 256, with ``fcnn.train.fit`` (one epoch by default). It prints its peak resident set
size against data in float32 + parameters + optimizer state (the issue's target: <= 2x),
and a last line of JSON for ``benchmarks/throughput.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import time
from pathlib import Path

from fcnn.data import load_dataset, make_preprocessing
from fcnn.nn import MLP
from fcnn.optim import SGD
from fcnn.train import fit

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB.

    Linux: VmHWM of /proc/self/status, which starts afresh at exec; ``ru_maxrss`` would
    also count the parent's memory when this script runs as a subprocess of a large one.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--epochs-fraction", type=float, default=1.0,
                        help="train on this fraction of the training set (default 1: an epoch)")
    args = parser.parse_args()

    baseline = peak_rss_mb()  # the interpreter with numpy and fcnn imported
    ds = load_dataset("cifar10", data_dir=args.data_dir, download=False)
    after_load = peak_rss_mb()
    pipeline = make_preprocessing(["scale"], ds.image_shape)
    X_train = pipeline.fit_transform(ds.X_train)
    X_test = pipeline.transform(ds.X_test)
    y_train, y_test = ds.y_train, ds.y_test
    del ds  # the uint8 originals
    after_preprocess = peak_rss_mb()
    n = int(len(X_train) * args.epochs_fraction)

    model = MLP(3072, [512, 256], 10, seed=0)
    optimizer = SGD(model.parameters(), lr=0.01, momentum=0.9)
    started = time.perf_counter()
    history = fit(model, X_train[:n], y_train[:n], optimizer=optimizer, epochs=1,
                  batch_size=256, progress=False)
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()

    data = sum(a.nbytes for a in (X_train, X_test, y_train, y_test)) / 2**20
    params = sum(p.data.nbytes for p in model.parameters()) / 2**20
    state = sum(v.nbytes for s in optimizer.state for v in s.values()) / 2**20
    needed = data + params + state
    print(f"CIFAR-10, 3072-512-256-10, SGD momentum, batch 256, {n} samples "
          f"({seconds:.1f} s, loss {history['loss'][-1]:.3f})")
    print(f"data float32 {data:.0f} MB + params {params:.1f} MB + optimizer state "
          f"{state:.1f} MB = {needed:.0f} MB")
    print(f"peak RSS: {peak:.0f} MB = {peak / needed:.2f}x (interpreter {baseline:.0f} MB, "
          f"after loading {after_load:.0f} MB, after preprocessing {after_preprocess:.0f} MB)")
    print(json.dumps({"peak_mb": peak, "needed_mb": needed, "ratio": peak / needed,
                      "baseline_mb": baseline, "seconds": seconds}))


if __name__ == "__main__":
    main()
