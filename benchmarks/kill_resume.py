"""Kill a real training run with SIGKILL at random moments, resume it, compare the weights.

Trains the same configuration twice: once straight through, once killed (kill -9) at
random moments and resumed with `fcnn train --resume` after each kill, until it finishes.
Prints the SHA-256 of both runs' weights; they must be equal.

    python benchmarks/kill_resume.py --data-dir ../shared/data            # MNIST, ~3 min
    python benchmarks/kill_resume.py --kills 5 --seed 1 -- --epochs 6     # more kills

Arguments after ``--`` are passed to `fcnn train` on top of the default recipe (MNIST,
784-512-256-10 with batch norm, dropout and 2-pixel shifts, 4 epochs, a checkpoint inside
every epoch every 3 seconds).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RECIPE = ["train", "--dataset", "mnist", "--hidden", "512", "256", "--batchnorm",
          "--dropout", "0.2", "--augment", "crop2", "--epochs", "4", "--no-figures",
          "--no-progress", "--checkpoint-minutes", "0.05"]


def fcnn(args: list[str], cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-m", "fcnn.cli", *args], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--kills", type=int, default=3, help="kills before letting it finish")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill times")
    parser.add_argument("extra", nargs="*", help="more fcnn train options (after --)")
    args = parser.parse_args()
    recipe = [*RECIPE, "--data-dir", str(Path(args.data_dir).resolve()), *args.extra]
    work = Path(tempfile.mkdtemp(prefix="fcnn-kill-"))

    started = time.perf_counter()
    straight = fcnn([*recipe, "--out", "straight"], work)
    if straight.wait() != 0:
        print(straight.stderr.read())
        return 1
    seconds = time.perf_counter() - started
    reference = sha256(work / "straight" / "model.safetensors")
    print(f"uninterrupted run: {seconds:.1f} s, weights sha256 {reference}")

    rng = random.Random(args.seed)
    process = fcnn([*recipe, "--out", "killed"], work)
    for kill in range(1, args.kills + 1):
        delay = rng.uniform(2.0, seconds * 0.4)
        time.sleep(delay)
        if process.poll() is not None:
            break
        process.send_signal(signal.SIGKILL)
        process.wait()
        partial = work / "killed.partial"
        checkpoint = partial / "checkpoints" / "last.safetensors"
        print(f"kill -9 #{kill} after {delay:.1f} s; checkpoint "
              f"{'present' if checkpoint.exists() else 'absent'}; final folder "
              f"{'present' if (work / 'killed').exists() else 'absent'}")
        process = fcnn(["train", "--resume", "killed", "--no-progress", "--no-figures",
                        "--checkpoint-minutes", "0.05"], work)
    if process.wait() != 0:
        print(process.stderr.read())
        return 1
    resumed = sha256(work / "killed" / "model.safetensors")
    print(f"killed and resumed: weights sha256 {resumed}")
    print("equal" if resumed == reference else "DIFFERENT")
    print(f"(runs in {work})")
    return 0 if resumed == reference else 1


if __name__ == "__main__":
    sys.exit(main())
