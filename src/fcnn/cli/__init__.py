"""The ``fcnn`` command line: parses, calls the library, prints. No math here.

Each command lives in its own module with ``register(subparsers)``; add new
commands to ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from fcnn import __version__
from fcnn.errors import FcnnError

#: modules under fcnn.cli, each with register(subparsers) setting a ``run`` function.
COMMANDS = ["train", "evaluate", "predict", "export", "sweep", "graph", "boundary", "templates",
            "lecture", "playground"]

DESCRIPTION = """\
fcnn: fully connected neural networks you can read, see and trust.

Train a network, evaluate a saved one, and (with the other commands) draw the
lecture's computation graphs, weight templates and decision boundaries.
Run `fcnn COMMAND --help` for the options of a command."""

EPILOG = """\
examples:
  fcnn train                                   # two-layer net on the embedded digits
  fcnn train --dataset mnist --data-dir ../shared/data --hidden 512 256 --epochs 10
  fcnn train --config configs/cifar10-linear-softmax.toml
  fcnn evaluate runs/demo"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fcnn", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"fcnn {__version__}")
    subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"fcnn.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``fcnn`` program; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.run(args) or 0
    except FcnnError as error:  # input and disk problems: the message says what to do
        print(f"fcnn {args.command}: error: {error}", file=sys.stderr)
        return error.exit_status
    except (ValueError, TypeError, FileNotFoundError, FloatingPointError) as error:
        print(f"fcnn {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"fcnn {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
