"""``fcnn export``: a trained run folder as an ONNX file that takes raw inputs."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

HELP = """\
Export a run folder written by `fcnn train` to ONNX, for onnxruntime or any other
ONNX runtime. The file starts with the run's own preprocessing (scaling,
standardisation, whitening, as fitted on its training data), so it takes `input`
(N, features) of RAW values in float32 (pixels 0-255, flattened channel-first, as
`fcnn predict` reads them) and returns `scores` (or `probabilities` with --softmax).
--no-preprocessing leaves it out (then apply it yourself before running the model).
Needs: pip install 'fcnn[onnx]'."""

EPILOG = """\
example:
  fcnn train --dataset digits --out runs/digits
  fcnn export runs/digits digits.onnx --softmax"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("export", help="export a trained network to ONNX",
                              description=HELP, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by fcnn train")
    p.add_argument("output", metavar="OUTPUT.onnx", help="the ONNX file to write")
    p.add_argument("--softmax", action="store_true",
                   help="end with a softmax: output class probabilities instead of scores")
    p.add_argument("--no-preprocessing", action="store_true",
                   help="leave the run's preprocessing out: the file takes preprocessed inputs")
    p.add_argument("--opset", type=int, default=None,
                   help="ONNX operator set version (default 17)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from fcnn._extras import require
    from fcnn.run import load_run

    try:
        require("onnx", "fcnn export")
    except ImportError as error:
        print(f"fcnn export: error: {error}", file=sys.stderr)
        return 2
    from fcnn.onnx import DEFAULT_OPSET, export

    loaded = load_run(args.run_dir)
    opset = args.opset or DEFAULT_OPSET
    raw = math.prod(loaded.image_shape) if loaded.image_shape else \
        loaded.model.config["in_features"]
    steps = [] if args.no_preprocessing else loaded.config.preprocess
    path = export(loaded.model, args.output, softmax=args.softmax, opset=opset,
                  class_names=loaded.class_names,
                  preprocessing=None if args.no_preprocessing else loaded.preprocessing,
                  raw_features=None if args.no_preprocessing else raw)
    features = loaded.model.config["in_features"] if args.no_preprocessing else raw
    output = "probabilities" if args.softmax else "scores"
    print(f"wrote {path} ({path.stat().st_size:,} bytes, opset {opset}): "
          f"{loaded.model.describe()}")
    kind = "preprocessed" if args.no_preprocessing else "raw"
    print(f"  input  'input'  float32 (N, {features}), {kind} values"
          + (f" (the file applies {', '.join(steps)} itself)" if steps else ""))
    print(f"  output '{output}' float32 (N, {len(loaded.class_names)}), classes "
          f"{', '.join(loaded.class_names)}")
    if args.no_preprocessing and loaded.config.preprocess:
        print(f"  note: apply the run's preprocessing first: fcnn.run.load_run("
              f"{str(args.run_dir)!r}).preprocessing.transform(X)")
    return 0
