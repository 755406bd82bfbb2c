"""``fcnn train``: train a network on a data set and write a run folder.

Every training option is a flag written from the configuration schema
(``fcnn.run.schema()``): its type, range, default and the valid names come from the
option itself and from the registries, so a new optimizer or activation shows up
here without an edit.
"""

from __future__ import annotations

import argparse
import functools
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from fcnn.errors import InputError
from fcnn.registry import Option, Registry
from fcnn.run import (
    DATASET_DEFAULTS,
    RUN_DEFAULTS,
    RunFolder,
    TrainConfig,
    read_toml,
    resume_experiment,
    run_experiment,
)
from fcnn.run.config import CHOOSERS, GENERAL, owner_of, schema
from fcnn.run.folder import partial_of
from fcnn.threads import default_num_threads, set_num_threads

HELP = """\
Train a fully connected network and write a run folder (model, history, report).

The defaults train the lecture's two-layer net f = W2 relu(W1 x + b1) + b2 with
64 hidden neurons on the embedded 8x8 digits in a few seconds. --hidden with no
numbers gives the linear classifier f = Wx + b. Options given on the command line
override those of --config FILE.toml (whose keys are the option names)."""

#: The help groups of the general options.
GROUPS = {
    "data": ("dataset", "data_dir", "preprocess", "augment"),
    "model": ("hidden", "activation", "dropout", "batchnorm", "init", "granularity"),
    "training": ("loss", "optimizer", "schedule", "warmup_steps", "clip_norm", "l1", "epochs",
                 "batch_size", "validation_split", "early_stopping", "seed"),
}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return " ".join(map(str, value)) or "none"
    return str(value)


def _details(option: Option, default: str | None = None) -> str:
    """`` (one of: a, b; default: x)`` for the help of ``option``."""
    parts = []
    if option.choices is not None:
        names = option.choices.names() if isinstance(option.choices, Registry) \
            else list(option.choices)
        parts.append(f"one of: {', '.join(names)}")
    if default is None and option.default is not None:
        default = _show(option.default)
    if default:
        parts.append(f"default: {default}")
    return f" ({'; '.join(parts)})" if parts else ""


def add_option(group: Any, option: Option, help_text: str) -> None:
    """Add ``option`` to an argparse group as ``--name`` with the matching argparse type."""
    kwargs: dict[str, Any] = {"help": help_text, "default": None}
    if option.type is bool:
        kwargs["action"] = argparse.BooleanOptionalAction
    elif option.type is dict:
        return  # tables (dataset_options) only in --config files
    else:
        kwargs["type"] = option.type
        kwargs["metavar"] = "NAME" if option.choices is not None else \
            ("N" if option.type is int else "X")
        if option.is_list or option.list_ok:
            kwargs["nargs"] = "*" if option.is_list else "+"
    group.add_argument(_flag(option.name), dest=option.name, **kwargs)


def _dataset_defaults_text() -> str:
    """The description of the data-set defaults, written from the tables themselves."""
    def show(values: dict[str, Any]) -> str:
        parts = []
        for key, value in values.items():
            entry, _, name = key.rpartition(".")
            parts.append(f"{_flag(name)} {_show(value)}" + (f" (with {entry})" if entry else ""))
        return ", ".join(parts)

    lines = [f"options left unset default to: {show(RUN_DEFAULTS)};"]
    lines += [f"for {name}: {show(defaults)}" for name, defaults in DATASET_DEFAULTS.items()]
    return "\n  ".join(lines)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("train", help="train a network and save it", description=HELP,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", metavar="FILE.toml", help="read options from a TOML file")
    general = {option.name: option for option in GENERAL}
    for title, names in GROUPS.items():
        group = p.add_argument_group(title, _dataset_defaults_text() if title == "training"
                                     else None)
        for name in names:
            option = general[name]
            add_option(group, option, option.help + _details(option))
    for chooser, registry in CHOOSERS.items():
        group = p.add_argument_group(f"options of the {chooser}",
                                     f"each applies only to the {chooser} named in brackets")
        for name, option in registry.options().items():
            if owner_of(name) != chooser:
                continue
            owners = registry.owners(name)
            values = {owner: RUN_DEFAULTS.get(f"{owner}.{name}",
                                              registry.get(owner).option(name).default)
                      for owner in owners}
            defaults = ", ".join(f"{_show(value)} with {owner}"
                                 for owner, value in values.items() if value is not None)
            add_option(group, option, f"{option.help} [{', '.join(owners)}]"
                       f"{_details(option, defaults)}")
    output = p.add_argument_group(
        "output", "the run trains in OUT.partial (checkpointed every epoch and on Ctrl-C) and "
        "becomes OUT, complete, when it finishes")
    output.add_argument("--out", help="run folder to write (default runs/DATASET-TIME, with "
                        "-2, -3... if taken)")
    output.add_argument("--overwrite", action="store_true",
                        help="replace the run already at --out (it stays whole until the new "
                        "one is complete)")
    output.add_argument("--resume", metavar="RUN_DIR",
                        help="continue a stopped run from its last checkpoint, as it was "
                        "configured (to the same weights as an uninterrupted run)")
    output.add_argument("--checkpoint-minutes", type=float, default=5.0, metavar="M",
                        help="also checkpoint inside an epoch every M minutes (default 5)")
    output.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    output.add_argument("--no-figures", action="store_true",
                        help="skip the training figures (history, confusion_matrix, per_class "
                        ".png/.svg) in the run folder")
    output.add_argument("--threads", type=int, metavar="N", default=None,
                        help="threads for the matrix products and kernels (default: the CPUs "
                        "this process may use, or $FCNN_NUM_THREADS / $OMP_NUM_THREADS)")
    p.set_defaults(run=run)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The TOML file's values, overridden by every option given on the command line."""
    values: dict[str, Any] = read_toml(args.config) if args.config else {}
    given = {key: getattr(args, key) for key in schema() if getattr(args, key, None) is not None}
    for key, value in given.items():
        option = schema()[key]
        if option.list_ok and isinstance(value, list) and len(value) == 1:
            value = value[0]  # --activation relu: one name for all layers
        values[key] = value
    where = f"{args.config} (with the command line): " if args.config else ""
    return TrainConfig.from_dict(values, where=where)


def _resume_conflicts(args: argparse.Namespace) -> list[str]:
    """The options given beside --resume, which would change the run being resumed."""
    given = [f"--{key.replace('_', '-')}" for key in schema() if getattr(args, key, None)
             is not None]
    return given + [flag for flag, on in (("--config", args.config), ("--out", args.out),
                                          ("--overwrite", args.overwrite)) if on]


def run(args: argparse.Namespace) -> int:
    from fcnn.viz.training import write_run_figures

    if args.threads is not None and args.threads < 1:
        raise InputError(f"--threads must be a number >= 1, got {args.threads}. Leave it out "
                         f"for the default ({default_num_threads()}).")
    set_num_threads(args.threads)
    artifacts = () if args.no_figures else (write_run_figures,)
    seconds = None if args.checkpoint_minutes <= 0 else args.checkpoint_minutes * 60
    if args.resume:
        conflicts = _resume_conflicts(args)
        if conflicts:
            raise InputError(f"--resume continues a run as it was configured; leave out "
                             f"{', '.join(conflicts)} (or start a new run with them).")
        folder = Path(args.resume)
        runner = functools.partial(resume_experiment, folder)
    else:
        config = config_from_args(args)
        command = shlex.join(["fcnn", *sys.argv[1:]]) if sys.argv else None
        if args.out:
            claim = RunFolder.create(args.out, overwrite=args.overwrite)
        else:
            name = Path(str(config.dataset)).name or "data"
            claim = RunFolder.create_unique(f"runs/{name}-{time.strftime('%Y%m%d-%H%M%S')}")
        folder = claim.final
        runner = functools.partial(run_experiment, config, claim, command=command)
    try:
        result = runner(progress=not args.no_progress, artifacts=artifacts,
                        checkpoint_seconds=seconds)
    except KeyboardInterrupt:
        print(f"\nfcnn train: interrupted; the run is saved in {partial_of(folder)}. Continue "
              f"it with:\n  fcnn train --resume {folder}", file=sys.stderr)
        return 130
    history = result.history
    print()
    print(result.report.to_text())
    best = f", best validation epoch {history.best_epoch}" if history.best_epoch else ""
    print(f"\ntest accuracy {result.report.accuracy:.4f}  test loss {result.test_loss:.4f}  "
          f"({len(history)} epochs{best}, {result.seconds:.1f} s)")
    print(f"run folder: {result.folder}")
    return 0
