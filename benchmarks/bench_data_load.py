"""Load time and peak memory of the real data sets in ../shared/data (one subprocess each).

Run: python benchmarks/bench_data_load.py [DATA_DIR]
Prints a table: seconds to load, data size, peak RSS of the process and peak RSS above the
RSS right after ``import fcnn.data`` (the loader's own overhead), as a multiple of the data size.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"

CHILD = r"""
import json, resource, sys, time
import fcnn.data
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
ds = fcnn.data.load_dataset(sys.argv[1], data_dir=sys.argv[2], download=False)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
nbytes = sum(a.nbytes for a in (ds.X_train, ds.y_train, ds.X_test, ds.y_test))
print(json.dumps({"seconds": seconds, "base_kb": base, "peak_kb": peak, "nbytes": nbytes}))
"""


def measure(name: str, data_dir: Path) -> dict:
    """Load ``name`` in a fresh interpreter and return its timing and memory numbers."""
    result = subprocess.run([sys.executable, "-c", CHILD, name, str(data_dir)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def main() -> None:
    data_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DATA_DIR
    print(f"data from {data_dir}")
    print(f"{'dataset':<10} {'load s':>8} {'data MB':>8} {'peak RSS MB':>12} "
          f"{'loader MB':>10} {'loader / data':>14}")
    for name in ("digits", "mnist", "cifar10"):
        r = measure(name, data_dir)
        data_mb = r["nbytes"] / 1e6
        peak_mb = r["peak_kb"] / 1e3
        loader_mb = (r["peak_kb"] - r["base_kb"]) / 1e3
        ratio = loader_mb * 1e6 / r["nbytes"]
        print(f"{name:<10} {r['seconds']:>8.2f} {data_mb:>8.1f} {peak_mb:>12.1f} "
              f"{loader_mb:>10.1f} {ratio:>13.2f}x")


if __name__ == "__main__":
    main()
