"""``fcnn sweep``: a grid or random hyper-parameter search, here or on a Dask cluster."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

HELP = """\
Train many configurations and rank them: a grid search (every combination) or a
random search, described by a TOML file with a [base] table of training options
and a [grid] or [random] table of the values to try (see configs/sweep-digits.toml).

Trials run in parallel processes on this machine (--jobs), or on the workers of a
Dask cluster (--scheduler). Each finished trial is appended at once to
OUT/results.jsonl (one record a line, each sealed by a checksum, so a kill or a full
disk cannot leave a record that reads wrong; OUT/results.csv is a readable copy);
running the same command again resumes the sweep, skipping recorded trials (failed
ones too, unless --retry-failed). A sweep may describe at most max_trials trials
(10,000 unless its file raises it).
The best configuration is written to OUT/best-config.toml for `fcnn train --config`.
Needs: pip install 'fcnn[dask]'."""

EPILOG = """\
examples:
  fcnn sweep --config configs/sweep-digits.toml
  fcnn sweep --config configs/sweep-digits.toml --jobs 4 --out sweeps/digits
  fcnn sweep --config configs/sweep-digits.toml --scheduler tcp://10.0.0.5:8786"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("sweep", help="hyper-parameter search (grid or random)",
                              description=HELP, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, metavar="SWEEP.toml",
                   help="the sweep file: [base], and [grid] or [random]")
    p.add_argument("--out", help="sweep folder for results.csv and best-config.toml "
                   "(default sweeps/NAME, NAME = the config file's name)")
    p.add_argument("--jobs", type=int, help="trials at once on this machine (default: the "
                   "file's n_jobs, else -1 = one per CPU core)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run the trials on this Dask scheduler's workers")
    p.add_argument("--top", type=int, default=10, help="trials shown in the summary "
                   "(default 10)")
    p.add_argument("--retry-failed", action="store_true",
                   help="run again the trials recorded as failed (by default they are results "
                   "and are not rerun)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from fcnn.sweep import RESULTS_FILE, Sweep, run_sweep

    sweep = Sweep.from_toml(args.config)
    folder = Path(args.out or Path("sweeps") / Path(args.config).stem)
    if args.jobs == 0:
        raise ValueError("--jobs must be a positive number or -1 (one per CPU core), got 0.")
    try:
        result = run_sweep(sweep, folder, n_jobs=args.jobs, scheduler=args.scheduler,
                           progress=not args.no_progress, retry_failed=args.retry_failed)
    except ImportError as error:
        print(f"fcnn sweep: error: {error}", file=sys.stderr)
        return 2
    print()
    print(result.to_text(top=args.top))
    print(f"\nresults: {folder / RESULTS_FILE}")
    if result.best is not None:
        print(f"best configuration: {folder / 'best-config.toml'} "
              f"(train it: fcnn train --config {folder / 'best-config.toml'})")
    return 0 if result.best is not None else 1
