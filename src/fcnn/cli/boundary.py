"""``fcnn boundary``: decision boundaries of small networks on 2-D toy data, side by side."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fcnn.data import TOY_SETS
from fcnn.nn import ACTIVATIONS
from fcnn.viz.boundary import (
    LECTURE_DATA,
    LECTURE_TRAINING,
    depth_architectures,
    plot_separability,
    plot_structure_grid,
    width_architectures,
)
from fcnn.viz.i18n import LANGUAGES, language, missing_font_note
from fcnn.viz.style import save_figure

HELP = """\
Train small networks on a 2-D toy set and draw their decision boundaries side by
side (the lecture's structure-design slides). Each panel trains its net with
several seeds and prints the training accuracy (mean ± standard deviation) and the
number of straight pieces of the decision boundary (counted exactly from the
weights of ReLU nets), and draws the seed with the median accuracy.

  --hidden 3 6 20           two-layer nets with 3, 6 and 20 hidden neurons (default)
  --layers 2 3 4 --width 6  nets of 2, 3 and 4 layers, 6 neurons per hidden layer
  --without-activation      add a row with the same nets without activations: each
                            collapses to a linear classifier W'x + b'
  --separability            linearly separable (blobs) vs not (circles)

The defaults are the lecture's: a three-arm spiral wound 3 radians further
(--twist 3), 300 points, noise 0.03, Adam lr 0.02, 1500 full-batch epochs, seeds
0 1 2."""

EPILOG = """\
examples:
  fcnn boundary --hidden 3 6 20
  fcnn boundary --layers 2 3 4 --width 6 --without-activation
  fcnn boundary --dataset moons --twist 0 --noise 0.15 --hidden 3 6 20 --seeds 0
  fcnn boundary --separability --out separability.png
  fcnn boundary --lang zh --out boundary-zh.png"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("boundary", help="draw decision boundaries on 2-D toy data",
                              description=HELP, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", default=LECTURE_DATA["dataset"], choices=sorted(TOY_SETS),
                   help=f"2-D toy set (default {LECTURE_DATA['dataset']})")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--hidden", nargs="+", type=int, metavar="N",
                       help="one two-layer net per width (default: 3 6 20)")
    group.add_argument("--layers", nargs="+", type=int, metavar="L",
                       help="one net per depth (layers counted without the input)")
    group.add_argument("--separability", action="store_true",
                       help="draw linearly separable vs not separable data instead")
    p.add_argument("--width", type=int, default=6, help="neurons per hidden layer for "
                   "--layers (default 6)")
    p.add_argument("--activation", default="relu",
                   help=f"activation of the hidden layers, one of {', '.join(ACTIVATIONS.names())} "
                   f"(default relu)")
    p.add_argument("--without-activation", action="store_true",
                   help="add a second row: the same nets with no activation")
    p.add_argument("--samples", type=int, default=LECTURE_DATA["n_samples"],
                   help=f"points (default {LECTURE_DATA['n_samples']})")
    p.add_argument("--noise", type=float, default=LECTURE_DATA["noise"],
                   help=f"jitter (default {LECTURE_DATA['noise']})")
    p.add_argument("--twist", type=float, default=LECTURE_DATA["twist"],
                   help="rotate each point by TWIST x its radius (radians): winds the "
                   f"spiral's arms further (default {LECTURE_DATA['twist']}; 0: none)")
    p.add_argument("--epochs", type=int, default=LECTURE_TRAINING["epochs"],
                   help=f"training epochs per net (default {LECTURE_TRAINING['epochs']})")
    p.add_argument("--batch-size", type=int, default=None,
                   help="minibatch size (default: all points, full batch)")
    p.add_argument("--lr", type=float, default=LECTURE_TRAINING["lr"],
                   help=f"Adam learning rate (default {LECTURE_TRAINING['lr']})")
    p.add_argument("--seeds", type=int, nargs="+", default=list(LECTURE_TRAINING["seeds"]),
                   metavar="SEED", help="one net per seed in each panel (default 0 1 2)")
    p.add_argument("--seed", type=int, default=0, help="seed of the data (default 0)")
    p.add_argument("--lang", choices=list(LANGUAGES), default="en",
                   help="language of the figure: en (default) or zh")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--out", default="boundary.png",
                   help="output file; .png and .svg are both written (default boundary.png)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.epochs < 1:
        raise ValueError(f"--epochs must be at least 1, got {args.epochs}.")
    if args.batch_size is not None and args.batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {args.batch_size}.")
    note = missing_font_note(args.lang)
    if note:
        print(note)
    with language(args.lang):
        if args.separability:
            fig, panels = plot_separability(n_samples=args.samples, epochs=args.epochs,
                                            lr=args.lr, seed=args.seed,
                                            progress=not args.no_progress)
        else:
            if args.layers:
                architectures = depth_architectures(args.layers, args.width, args.activation)
            else:
                architectures = width_architectures(args.hidden or [3, 6, 20], args.activation)
            fig, panels = plot_structure_grid(
                args.dataset, architectures, without_activation=args.without_activation,
                n_samples=args.samples, noise=args.noise, twist=args.twist, epochs=args.epochs,
                lr=args.lr, batch_size=args.batch_size, seeds=args.seeds, seed=args.seed,
                progress=not args.no_progress)
        for panel in panels:
            print(" | ".join(panel.summary()))
        files = save_figure(fig, Path(args.out))
    print("wrote " + ", ".join(str(f) for f in files))
    return 0
