"""``fcnn graph``: draw the computation graph of a formula with values and gradients."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fcnn.viz.expression import FUNCTIONS, expression_names, parse_expression, parse_values
from fcnn.viz.graph import LAYOUTS, backward_steps, draw_graph, format_backward_table
from fcnn.viz.i18n import LANGUAGES, language, missing_font_note
from fcnn.viz.style import save_figure

HELP = f"""\
Draw the computation graph of EXPRESSION on the real engine: every node with its
forward value (green) and its gradient d(output)/d(node) (red), left to right.

EXPRESSION uses numbers, names, + - * / **, parentheses and the functions
{', '.join(FUNCTIONS)}. It is parsed safely (never evaluated as Python).
Give every name a value with --set."""

EPILOG = """\
examples:
  fcnn graph "sigmoid(w0*x0 + w1*x1 + b)" --set w0=2,x0=-1,w1=-3,x1=-2,b=-3
  fcnn graph "sigmoid(w0*x0 + w1*x1 + b)" --set w0=2,x0=-1,w1=-3,x1=-2,b=-3 --granularity coarse
  fcnn graph "(x + y)**2" --set x=1,y=2 --steps
  fcnn graph "sin(1/x**2)" --set x=1.5 --out sin_graph.svg
  fcnn graph "leaky_relu(x, 0.1)" --set x=-2 --lang zh"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("graph", help="draw a computation graph with values and gradients",
                              description=HELP, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expression", metavar="EXPRESSION", help="the formula, in quotes")
    p.add_argument("--set", dest="values", default="", metavar="NAME=VALUE,...",
                   help="values of the names, e.g. w0=2,x0=-1")
    p.add_argument("--granularity", choices=["fine", "coarse"], default="fine",
                   help="fine (default): sigmoid/tanh/relu as chains of primitive gates "
                   "(neg, exp, +1, 1/x); coarse: one node each")
    p.add_argument("--steps", action="store_true",
                   help="also print the backward pass as a table: node, local gradient, "
                   "upstream gradient, downstream = local x upstream")
    p.add_argument("--digits", type=int, default=2, help="decimals shown (default 2)")
    p.add_argument("--layout", choices=LAYOUTS, default="auto",
                   help="auto (default): Graphviz dot if installed, else pure Python")
    p.add_argument("--out", default="graph.png",
                   help="output file; .png and .svg are both written (default graph.png)")
    p.add_argument("--lang", choices=list(LANGUAGES), default="en",
                   help="language of the figure: en (default) or zh")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.digits < 0 or args.digits > 10:
        raise ValueError(f"--digits must be between 0 and 10, got {args.digits}.")
    output = parse_expression(args.expression, parse_values(args.values),
                              granularity=args.granularity)
    note = missing_font_note(args.lang)
    if note:
        print(note)
    with language(args.lang):
        fig = draw_graph(output, title=f"f = {args.expression}  ({args.granularity})",
                         digits=args.digits, layout=args.layout)
        files = save_figure(fig, Path(args.out))
        print(f"f = {args.expression} = {float(output.data):.{args.digits + 2}f}")
        leaves = {t.label: t for t in output.topological_order()
                  if t.label and t.grad is not None}
        for name in expression_names(args.expression):
            print(f"  df/d{name} = {float(leaves[name].grad):.{args.digits + 2}f}")
        if args.steps:
            print()
            print(format_backward_table(backward_steps(output), digits=args.digits))
    print("wrote " + ", ".join(str(f) for f in files))
    return 0
