"""``fcnn templates``: the rows of W of a trained run drawn as images, one per class."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fcnn.nn.serialization import read_model_json
from fcnn.run import load_run
from fcnn.viz.i18n import LANGUAGES, language, missing_font_note
from fcnn.viz.style import save_figure
from fcnn.viz.templates import linear_layers, plot_linear_templates, plot_two_layer_templates

HELP = """\
Draw the weight templates of a run folder written by `fcnn train` on an image data
set (cifar10, mnist, fashion-mnist, digits, an image folder). A linear classifier
(--hidden with no numbers) gives one template per class; a two-layer net gives a grid
of first-layer templates and, per class, the W2 weights that combine them."""

EPILOG = """\
examples:
  fcnn train --config configs/cifar10-linear-softmax.toml --weight-decay 0.5 --out runs/linear
  fcnn templates runs/linear          (strong weight decay makes templates readable)
  fcnn train --dataset digits --hidden 32 --out runs/two-layer && fcnn templates runs/two-layer"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("templates", help="draw weight templates of a trained run",
                              description=HELP, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by fcnn train")
    p.add_argument("--count", type=int, default=16,
                   help="first-layer templates shown for a two-layer net (default 16)")
    p.add_argument("--out", help="output file; .png and .svg are both written "
                   "(default RUN_DIR/templates.png)")
    p.add_argument("--lang", choices=list(LANGUAGES), default="en",
                   help="language of the figure: en (default) or zh")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.count < 1:
        raise ValueError(f"--count must be at least 1, got {args.count}.")
    loaded = load_run(args.run_dir)
    extra = read_model_json(Path(args.run_dir)).get("extra") or {}
    shape = extra.get("image_shape")
    if not shape:
        raise ValueError(f"{args.run_dir} was trained on {extra.get('dataset', 'a data set')!r}, "
                         f"which has no image shape: templates need an image data set "
                         f"(cifar10, mnist, fashion-mnist, digits or an image folder).")
    n_layers = len(linear_layers(loaded.model))
    if n_layers not in (1, 2):
        raise ValueError(f"{args.run_dir} holds a network with {n_layers} layers; templates "
                         f"are drawn for a linear classifier or a two-layer net.")
    note = missing_font_note(args.lang)
    if note:
        print(note)
    with language(args.lang):
        if n_layers == 1:
            fig = plot_linear_templates(loaded.model, shape, loaded.class_names)
        else:
            fig = plot_two_layer_templates(loaded.model, shape, loaded.class_names, args.count)
        files = save_figure(fig, Path(args.out) if args.out else
                            Path(args.run_dir) / "templates")
    kind = "linear classifier" if n_layers == 1 else "two-layer net"
    print(f"{kind} on {extra.get('dataset', '?')} ({'x'.join(map(str, shape))} images)")
    print("wrote " + ", ".join(str(f) for f in files))
    return 0
