"""``fcnn predict``: classify image files or CSV rows with a trained run folder."""

from __future__ import annotations

import argparse
import csv
import io
from typing import Any

from fcnn.files import write_atomic
from fcnn.run import load_run
from fcnn.run.predict import predict_files

HELP = """\
Classify new inputs with a run folder written by `fcnn train`: image files (PNG or
JPEG, decoded and resized to the run's image shape) or CSV files with one sample's
raw features a row. The run's own preprocessing is applied. Prints each input's class
and its probability (the softmax of the scores)."""

EPILOG = """\
examples:
  fcnn train --dataset cifar10 --data-dir ../shared/data --out runs/c10
  fcnn predict runs/c10 cat.png ship.jpg
  fcnn train --dataset moons --out runs/moons && fcnn predict runs/moons points.csv"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("predict", help="classify images or CSV rows with a trained run",
                              description=HELP, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by fcnn train")
    p.add_argument("inputs", nargs="+", metavar="FILE", help="image files or CSV files")
    p.add_argument("--output", metavar="FILE.csv",
                   help="also write the predictions (with every class's probability) as CSV")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    loaded = load_run(args.run_dir)
    predictions = predict_files(loaded, args.inputs)
    width = max(len("input"), *(len(p.source) for p in predictions))
    print(f"{'input':<{width}}  class{'':<10}  probability")
    for p in predictions:
        print(f"{p.source:<{width}}  {p.label:<15}  {p.probability:.4f}")
    if args.output:
        text = io.StringIO(newline="")
        writer = csv.writer(text)
        writer.writerow(["input", "class", *loaded.class_names])
        for p in predictions:
            writer.writerow([p.source, p.label, *(f"{q:.6g}" for q in p.probabilities)])
        write_atomic(args.output, text.getvalue())
        print(f"wrote {args.output}")
    return 0
