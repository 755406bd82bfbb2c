"""``fcnn playground``: start the playground's web server and open it in the browser."""

from __future__ import annotations

import argparse
import sys
import webbrowser
from typing import Any

HELP = """\
The lecture's networks training live in your browser, on fcnn's engine: TensorFlow
Playground's page with 2 to 5 classes, the lecture's losses, your own points, SGD,
momentum, Adam, dropout, batch norm, Leaky ReLU, one activation per layer, any width and
depth, "explain this number", "backprop one step", "remove the activations", a confusion
matrix, a stop condition, and exports (a TOML for fcnn train, a run folder, ONNX).

The server listens on 127.0.0.1 (this machine only) and answers only requests that carry
the random token in the address it prints. Ctrl-C stops it."""

EPILOG = """\
examples:
  fcnn playground                          # opens the page in your browser
  fcnn playground --lang zh                # the Chinese interface
  fcnn playground --no-browser --port 8765 # print the address only
  fcnn playground --open runs/playground-20261203-101500   # a run folder trained on 2-D data"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("playground", help="train networks live in the browser",
                              description=HELP, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0,
                   help="port to listen on (default: a free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="interface language")
    p.add_argument("--open", metavar="RUN_DIR", help="start with this run folder's network "
                   "(trained on 2-D data: the playground's, moons, circles...)")
    p.add_argument("--runs-dir", default="runs",
                   help="where exported run folders go and are looked for (default runs)")
    p.add_argument("--max-sessions", type=int, default=8,
                   help="playground tabs open at once (default 8)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from fcnn.playground.server import PlaygroundServer, limit_blas_threads
    from fcnn.playground.session import Session

    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port must be in 0..65535, got {args.port}.")
    if not 1 <= args.max_sessions <= 64:
        raise ValueError(f"--max-sessions must be in 1..64, got {args.max_sessions}.")
    limit_blas_threads()
    try:
        server = PlaygroundServer(args.host, args.port, args.runs_dir, args.max_sessions)
    except OSError as error:
        raise ValueError(f"cannot listen on {args.host}:{args.port} ({error.strerror or error});"
                         f" choose another --port, or leave it out for a free one.") from None
    session = None
    if args.open:
        session = server.sessions.add(lambda sid: Session.from_run(args.open, sid))
    url = server.url(lang=args.lang, session=session.id if session else None)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"fcnn playground: warning: listening on {args.host}, so other machines can "
              f"reach this server; only the token in the address keeps them out. Use "
              f"--host 127.0.0.1 unless you mean it.", file=sys.stderr)
    print(f"fcnn playground: {url}", flush=True)
    print("  (open it in a browser; Ctrl-C stops the server)", flush=True)
    if not args.no_browser:
        webbrowser.open(url)
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        print("\nfcnn playground: stopped.", flush=True)
    finally:
        server.server_close()
    return 0
