"""``fcnn lecture``: walk through the lecture with the library's numbers next to the lecture's."""

from __future__ import annotations

import argparse
from typing import Any

from fcnn.viz.lecture import SECTIONS, TEXT, format_section, run_lecture

HELP = """\
Walk through the lecture section by section (structure, activations, losses and
entropy, forward/backward, granularity): print every worked example with the
library's number next to the lecture's, say where the lecture's printed numbers are
rounded or inconsistent, and write all figures (PNG + SVG) and an index page
(index.html, index.md) into --out. Text in English or Chinese (--lang zh)."""

EPILOG = """\
examples:
  fcnn lecture                       # writes lecture/index.html and its figures
  fcnn lecture --lang zh --out lecture-zh
  fcnn lecture --sections losses backprop"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("lecture", help="the lecture's examples and figures, recomputed",
                              description=HELP, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="lecture", help="output folder (default lecture/)")
    p.add_argument("--lang", choices=["en", "zh"], default="en",
                   help="language of the text: en (default) or zh (Chinese)")
    p.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS),
                   metavar="SECTION", help=f"sections to run (default all: "
                   f"{' '.join(SECTIONS)})")
    p.add_argument("--epochs", type=int, default=200,
                   help="training epochs per decision-boundary panel (default 200)")
    p.add_argument("--seed", type=int, default=0, help="seed of every training (default 0)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.epochs < 1:
        raise ValueError(f"--epochs must be at least 1, got {args.epochs}.")
    print(TEXT[args.lang]["figures_note"] + "\n")
    run_lecture(args.out, args.lang, tuple(args.sections), epochs=args.epochs, seed=args.seed,
                progress=not args.no_progress,
                on_section=lambda section: print(format_section(section, args.lang)))
    print(f"index: {args.out}/index.html and {args.out}/index.md")
    return 0
