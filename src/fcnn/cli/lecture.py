"""``fcnn lecture``: walk through the lecture with the library's numbers next to the lecture's."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fcnn.viz.boundary import LECTURE_TRAINING
from fcnn.viz.i18n import LANGUAGES, missing_font_note, tr
from fcnn.viz.lecture import SECTIONS, default_folder, format_section, run_lecture
from fcnn.viz.quiz import run_quiz

HELP = f"""\
Walk through the lecture section by section (structure, activations, losses and
entropy, forward/backward, granularity, Pop Quiz): print every worked example with
the library's number next to the lecture's, say where the lecture's printed numbers
are rounded or inconsistent, and write all figures (PNG + SVG) and an index page
(index.html, index.md) into --out. Everything in English or Chinese (--lang zh):
text, figures and page. Each language writes its own folder by default
(lecture/ and lecture-zh/).

--quiz asks the lecture's five Pop Quiz questions in the terminal instead, checks
your answers and explains each with fcnn's own computation.

The width and depth figures train every net with {len(LECTURE_TRAINING['seeds'])} seeds for
{LECTURE_TRAINING['epochs']} full-batch epochs (about half a minute in all on 2 cores);
--epochs 200 is quicker and shows the trend less clearly."""

EPILOG = """\
examples:
  fcnn lecture                       # writes lecture/index.html and its figures
  fcnn lecture --lang zh             # the same in Chinese, in lecture-zh/
  fcnn lecture --sections losses backprop
  fcnn lecture --quiz                # the Pop Quiz, in the terminal"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("lecture", help="the lecture's examples and figures, recomputed",
                              description=HELP, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=None,
                   help="output folder (default lecture/, or lecture-zh/ with --lang zh)")
    p.add_argument("--lang", choices=list(LANGUAGES), default="en",
                   help="language of text, figures and page: en (default) or zh (Chinese)")
    p.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS),
                   metavar="SECTION", help=f"sections to run (default all: "
                   f"{' '.join(SECTIONS)})")
    p.add_argument("--quiz", action="store_true",
                   help="ask the lecture's Pop Quiz in the terminal (no figures)")
    p.add_argument("--epochs", type=int, default=None,
                   help=f"training epochs per decision-boundary panel (default: the "
                   f"lecture's, {LECTURE_TRAINING['epochs']} for width/depth)")
    p.add_argument("--seeds", type=int, nargs="+", default=list(LECTURE_TRAINING["seeds"]),
                   metavar="SEED", help="seeds of the width and depth figures' nets "
                   "(default 0 1 2)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the data and the other trainings (default 0)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.quiz:
        run_quiz(args.lang, sys.stdin, sys.stdout)
        return 0
    if args.epochs is not None and args.epochs < 1:
        raise ValueError(f"--epochs must be at least 1, got {args.epochs}.")
    note = missing_font_note(args.lang)
    if note:
        print(note + "\n")
    out = Path(args.out or default_folder(args.lang))
    run_lecture(out, args.lang, tuple(args.sections), epochs=args.epochs, seed=args.seed,
                seeds=tuple(args.seeds), progress=not args.no_progress,
                on_section=lambda section: print(format_section(section, args.lang)))
    print(tr("lecture.index_line", args.lang, html=out / "index.html", md=out / "index.md"))
    return 0
