"""``fcnn export``: a trained run folder as an ONNX file."""

from __future__ import annotations

import argparse
from typing import Any

HELP = """\
Export the network of a run folder written by `fcnn train` to ONNX, for
onnxruntime or any other ONNX runtime. The file takes `input` (N, features) in
float32 and returns `scores` (or `probabilities` with --softmax).

The run's preprocessing (e.g. scale, standardize) is not part of the file: apply
it to the inputs before running the model. Needs: pip install 'fcnn[onnx]'."""

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
    p.add_argument("--opset", type=int, default=None,
                   help="ONNX operator set version (default 17)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from fcnn._extras import require
    from fcnn.onnx import DEFAULT_OPSET, export
    from fcnn.run import load_run

    try:
        require("onnx", "fcnn export")
    except ImportError as error:
        print(f"fcnn export: error: {error}", file=sys.stderr)
        return 2
    loaded = load_run(args.run_dir)
    opset = args.opset or DEFAULT_OPSET
    path = export(loaded.model, args.output, softmax=args.softmax, opset=opset,
                  class_names=loaded.class_names)
    features = loaded.model.config["in_features"]
    output = "probabilities" if args.softmax else "scores"
    print(f"wrote {path} ({path.stat().st_size:,} bytes, opset {opset}): "
          f"{loaded.model.describe()}")
    print(f"  input  'input'  float32 (N, {features})")
    print(f"  output '{output}' float32 (N, {len(loaded.class_names)}), classes "
          f"{', '.join(loaded.class_names)}")
    steps = loaded.config.preprocess
    if steps:
        print(f"  note: the run preprocesses its inputs with {', '.join(steps)}; that is not "
              f"in the file. Apply it first: fcnn.run.load_run({str(args.run_dir)!r})"
              f".preprocessing.transform(X)")
    return 0
