"""``fcnn boundary``: decision boundaries of small networks on 2-D toy data, side by side."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fcnn.data import TOY_SETS
from fcnn.viz.boundary import (
    depth_architectures,
    plot_separability,
    plot_structure_grid,
    width_architectures,
)
from fcnn.viz.style import save_figure

HELP = """\
Train small networks on a 2-D toy set and draw their decision boundaries side by
side (the lecture's structure-design slides). Each panel is titled with its
architecture and training accuracy.

  --hidden 3 6 20           two-layer nets with 3, 6 and 20 hidden neurons (default)
  --layers 2 3 4 --width 6  nets of 2, 3 and 4 layers, 6 neurons per hidden layer
  --without-activation      add a row with the same nets without activations: each
                            collapses to a linear classifier W'x + b'
  --separability            linearly separable (blobs) vs not (circles)"""

EPILOG = """\
examples:
  fcnn boundary --dataset moons --hidden 3 6 20
  fcnn boundary --dataset moons --layers 2 3 4 --width 6 --without-activation
  fcnn boundary --separability --out separability.png"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("boundary", help="draw decision boundaries on 2-D toy data",
                              description=HELP, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", default="moons", choices=sorted(TOY_SETS),
                   help="2-D toy set (default moons)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--hidden", nargs="+", type=int, metavar="N",
                       help="one two-layer net per width (default: 3 6 20)")
    group.add_argument("--layers", nargs="+", type=int, metavar="L",
                       help="one net per depth (layers counted without the input)")
    group.add_argument("--separability", action="store_true",
                       help="draw linearly separable vs not separable data instead")
    p.add_argument("--width", type=int, default=6, help="neurons per hidden layer for "
                   "--layers (default 6)")
    p.add_argument("--activation", default="relu", help="relu (default), tanh, sigmoid, "
                   "leaky_relu, identity")
    p.add_argument("--without-activation", action="store_true",
                   help="add a second row: the same nets with no activation")
    p.add_argument("--samples", type=int, default=200, help="points (default 200)")
    p.add_argument("--noise", type=float, default=0.15, help="jitter (default 0.15)")
    p.add_argument("--epochs", type=int, default=200, help="training epochs per panel "
                   "(default 200)")
    p.add_argument("--lr", type=float, default=0.03, help="Adam learning rate (default 0.03)")
    p.add_argument("--seed", type=int, default=0, help="seed of data and weights (default 0)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--out", default="boundary.png",
                   help="output file; .png and .svg are both written (default boundary.png)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    common = {"epochs": args.epochs, "lr": args.lr, "seed": args.seed,
              "progress": not args.no_progress}
    if args.separability:
        fig, panels = plot_separability(n_samples=args.samples, **common)
    else:
        if args.layers:
            architectures = depth_architectures(args.layers, args.width, args.activation)
        else:
            architectures = width_architectures(args.hidden or [3, 6, 20], args.activation)
        fig, panels = plot_structure_grid(args.dataset, architectures,
                                          without_activation=args.without_activation,
                                          n_samples=args.samples, noise=args.noise, **common)
    for panel in panels:
        print(f"{panel.architecture.title:<45} train accuracy {panel.train_accuracy:.1%}")
    files = save_figure(fig, Path(args.out))
    print("wrote " + ", ".join(str(f) for f in files))
    return 0
