"""An exported ONNX file against fcnn on a real test set: raw pixels in, the same answers out.

Trains (or reuses) a run, exports it with `fcnn export` (the file includes the run's
preprocessing), runs the data set's raw test images through onnxruntime and through
fcnn (`load_run` + its preprocessing + `predict_scores`, what `fcnn predict` does), and
prints how often the predicted classes agree and the largest probability difference.

    python benchmarks/onnx_parity.py --data-dir ../shared/data              # CIFAR-10, ~1 min
    python benchmarks/onnx_parity.py --dataset mnist --data-dir ../shared/data
    python benchmarks/onnx_parity.py --run runs/c10                         # an existing run

Needs the onnx extra (onnx, onnxruntime).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="cifar10")
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--run", help="an existing run folder (default: train one)")
    args = parser.parse_args()

    import onnxruntime

    from fcnn.cli import main as fcnn
    from fcnn.data import load_dataset
    from fcnn.run import load_run
    from fcnn.train import predict_scores

    work = Path(tempfile.mkdtemp(prefix="fcnn-onnx-"))
    run = Path(args.run) if args.run else work / "run"
    if not args.run:
        started = time.perf_counter()
        if fcnn(["train", "--dataset", args.dataset, "--data-dir", args.data_dir, "--out",
                 str(run), "--no-progress", "--no-figures"]) != 0:
            return 1
        print(f"trained {run} in {time.perf_counter() - started:.0f} s")
    if fcnn(["export", str(run), str(work / "model.onnx"), "--softmax"]) != 0:
        return 1
    loaded = load_run(run)
    dataset = load_dataset(loaded.dataset, data_dir=args.data_dir, download=False)
    raw = dataset.X_test.astype(np.float32)  # pixels as stored, 0-255
    ours = predict_scores(loaded.model, loaded.preprocessing.transform(raw))
    ours = np.exp(ours - ours.max(axis=1, keepdims=True))
    ours /= ours.sum(axis=1, keepdims=True)
    session = onnxruntime.InferenceSession(str(work / "model.onnx"))
    theirs = session.run(None, {"input": raw})[0]
    agree = float(np.mean(ours.argmax(axis=1) == theirs.argmax(axis=1)))
    accuracy = float(np.mean(theirs.argmax(axis=1) == dataset.y_test))
    print(f"{loaded.dataset} test set: {len(raw)} raw images of {raw.shape[1]} values")
    print(f"predicted classes agree: {agree:.2%}; ONNX file's test accuracy {accuracy:.2%}")
    print(f"largest probability difference: {np.abs(ours - theirs).max():.2e}")
    print(f"onnxruntime {onnxruntime.__version__}; files in {work}")
    return 0 if agree == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
