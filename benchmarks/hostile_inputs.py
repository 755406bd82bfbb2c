"""Peak memory of the data readers on the hostile inputs of issue 13, at full size.

Run: python benchmarks/hostile_inputs.py [--src SRC_DIR] [--inputs NAME ...]

Builds, in a temporary folder, the small files that once made fcnn allocate gigabytes:

* idx-bomb: a ~970 KB gzip'd IDX image file whose header declares 2.67 million 28x28 images
  (1.95 GiB) over a payload of 1 GB of zeros;
* idx-short: the same payload declaring 1 GB + 784 bytes: within what the gzip can hold, so
  the reader must count the real bytes (the slow worst case, no allocation);
* cifar-meta: a ~200 KB CIFAR-10 archive whose class-name file has 100 million lines;
* png-forged: 40 KB of PNGs (10 files) whose headers declare 9450x9450 pixels each;
* png-1bit: 40 KB of genuine 1-bit PNGs (10 files of 5700x5700 black pixels): they really
  hold 325 million pixels (975 MB as RGB bytes), so only the memory budget can refuse them.

Each is loaded through the public API in a fresh interpreter with the default memory budget
(no FCNN_MEMORY_BUDGET); the table shows the error raised, the seconds, the peak traced by
tracemalloc and the growth of the peak resident set (VmHWM) over the interpreter's own.
``--src`` loads another checkout's ``src`` folder instead (e.g. an older fcnn, to compare).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import struct
import subprocess
import sys
import tarfile
import tempfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

CHILD = r"""
import json, resource, sys, time, tracemalloc
from pathlib import Path

def hwm_kb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

import fcnn.data
kind, folder = sys.argv[1], sys.argv[2]
calls = {
    "idx": lambda: fcnn.data.load_mnist(folder, download=False, verify=False),
    "cifar": lambda: fcnn.data.load_cifar10(folder, download=False, verify=False),
    "images": lambda: fcnn.data.load_image_folder(folder),
}
base = hwm_kb()
tracemalloc.start()
t0 = time.perf_counter()
try:
    calls[kind]()
    outcome = "loaded"
    message = ""
except BaseException as error:
    outcome = type(error).__name__
    message = str(error)
seconds = time.perf_counter() - t0
_, peak = tracemalloc.get_traced_memory()
print(json.dumps({"outcome": outcome, "seconds": seconds, "traced": peak,
                  "rss_growth_kb": hwm_kb() - base, "message": message[:300]}))
"""


def idx_files(folder: Path, declared_images: int, payload: bytes) -> None:
    """The four MNIST files, the training images replaced by a hostile header and payload."""
    folder.mkdir()
    header = struct.pack(">IIII", 0x803, declared_images, 28, 28)
    stream = zlib.compressobj(9, zlib.DEFLATED, 31)  # a gzip stream, built piece by piece
    blob = stream.compress(header) + stream.compress(payload) + stream.flush()
    (folder / "train-images-idx3-ubyte.gz").write_bytes(blob)
    small = {"train-labels-idx1-ubyte.gz": struct.pack(">II", 0x801, 1) + b"\0",
             "t10k-images-idx3-ubyte.gz": struct.pack(">IIII", 0x803, 1, 28, 28) + bytes(784),
             "t10k-labels-idx1-ubyte.gz": struct.pack(">II", 0x801, 1) + b"\0"}
    for name, raw in small.items():
        (folder / name).write_bytes(gzip.compress(raw))


def cifar_meta_bomb(folder: Path, lines: int) -> None:
    folder.mkdir()
    meta = b"a\n" * lines
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        info = tarfile.TarInfo("cifar-10-batches-bin/batches.meta.txt")
        info.size = len(meta)
        archive.addfile(info, io.BytesIO(meta))
    (folder / "cifar-10-binary.tar.gz").write_bytes(gzip.compress(buffer.getvalue(), 9))


def forged_pngs(folder: Path, files: int, side: int) -> None:
    noise = np.random.default_rng(0).integers(0, 256, (36, 36, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, format="PNG")
    png = buffer.getvalue()
    ihdr = b"IHDR" + struct.pack(">II", side, side) + png[24:29]
    forged = png[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + png[33:]
    for cls in ("a", "b"):
        (folder / cls).mkdir(parents=True)
        for i in range(files // 2):
            (folder / cls / f"{i}.png").write_bytes(forged)


def black_pngs(folder: Path, files: int, side: int) -> None:
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, format="PNG", optimize=True)
    for cls in ("a", "b"):
        (folder / cls).mkdir(parents=True)
        for i in range(files // 2):
            (folder / cls / f"{i}.png").write_bytes(buffer.getvalue())


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, default=Path(__file__).resolve().parents[1] / "src")
    parser.add_argument("--inputs", nargs="*", default=None,
                        help="only these inputs (default: all)")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "FCNN_MEMORY_BUDGET"}
    env["PYTHONPATH"] = str(args.src)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        payload = bytes(10**9)
        idx_files(root / "idx-bomb", 2_670_000, payload)  # 2.09e9 bytes = 1.95 GiB declared
        idx_files(root / "idx-short", 10**9 // 784 + 1, payload[:10**9 // 784 * 784])
        del payload
        cifar_meta_bomb(root / "cifar-meta", 100_000_000)
        forged_pngs(root / "png-forged", 10, 9450)
        black_pngs(root / "png-1bit", 10, 5700)
        cases = [("idx-bomb", "idx"), ("idx-short", "idx"), ("cifar-meta", "cifar"),
                 ("png-forged", "images"), ("png-1bit", "images")]
        print(f"fcnn from {args.src}; default memory budget")
        print(f"{'input':<11} {'files KB':>9} {'outcome':<17} {'seconds':>8} {'traced MB':>10} "
              f"{'RSS growth MB':>14}")
        for name, kind in cases:
            if args.inputs and name not in args.inputs:
                continue
            folder = root / name
            run = subprocess.run([sys.executable, "-c", CHILD, kind, str(folder)], env=env,
                                 capture_output=True, text=True, check=True)
            r = json.loads(run.stdout)
            print(f"{name:<11} {size_of(folder) / 1000:>9.0f} {r['outcome']:<17} "
                  f"{r['seconds']:>8.2f} {r['traced'] / 1e6:>10.1f} "
                  f"{r['rss_growth_kb'] / 1e3:>14.1f}")
            print(f"    {r['message'][:160]}")


if __name__ == "__main__":
    main()
