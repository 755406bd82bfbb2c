"""``fcnn train``: train a network on a data set and write a run folder."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from fcnn.train import TrainConfig, run_experiment
from fcnn.train.experiment import DATASET_DEFAULTS, read_toml

HELP = """\
Train a fully connected network and write a run folder (model, history, report).

The defaults train the lecture's two-layer net f = W2 relu(W1 x + b1) + b2 with
64 hidden neurons on the embedded 8x8 digits in a few seconds. --hidden with no
numbers gives the linear classifier f = Wx + b. Options given on the command line
override those of --config FILE.toml (whose keys are the option names)."""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("train", help="train a network and save it", description=HELP,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", metavar="FILE.toml", help="read options from a TOML file")
    data = p.add_argument_group("data")
    data.add_argument("--dataset", help="digits (default, embedded), mnist, fashion-mnist, "
                      "cifar10, blobs, xor, circles, moons, spiral, or a folder of images "
                      "with one sub-folder per class")
    data.add_argument("--data-dir", help="folder holding the data files (e.g. ../shared/data); "
                      "default: $FCNN_DATA_DIR or the user cache folder")
    data.add_argument("--preprocess", nargs="*", metavar="STEP",
                      help="preprocessing steps in order: scale, standardize, "
                      "channel-standardize, pca, zca (default: scale standardize; scale "
                      "channel-standardize for mnist and fashion-mnist)")
    data.add_argument("--augment", nargs="*", metavar="AUG",
                      help="image augmentation per batch: flip, crop (shifts of up to 4 pixels), "
                      "crop1, crop2 (up to 1 and 2 pixels) (default: none)")
    model = p.add_argument_group("model")
    model.add_argument("--hidden", nargs="*", type=int, metavar="N",
                       help="hidden layer widths, e.g. --hidden 100 or --hidden 512 256 "
                       "(default: 64; no numbers = linear classifier)")
    model.add_argument("--activation", help="relu (default), leaky_relu, sigmoid, tanh, "
                       "identity")
    model.add_argument("--leaky-slope", type=float, help="k of Leaky ReLU max(kx, x) "
                       "(default 0.01)")
    model.add_argument("--dropout", type=float, help="dropout probability after each hidden "
                       "layer (default 0)")
    model.add_argument("--batchnorm", action="store_true", default=None,
                       help="batch normalisation before each hidden activation")
    model.add_argument("--init", help="weight initialisation: pytorch (default), xavier, he")
    model.add_argument("--granularity", choices=["coarse", "fine"],
                       help="coarse: one fused node per layer (fast, default); fine: layers "
                       "composed from primitive ops")
    training = p.add_argument_group("training", _dataset_defaults_text())
    training.add_argument("--loss", help="ce (softmax cross-entropy, default) or hinge "
                          "(multiclass SVM)")
    training.add_argument("--margin", type=float, help="margin of the hinge loss (default 1)")
    training.add_argument("--label-smoothing", type=float, help="for the ce loss (default 0)")
    training.add_argument("--optimizer", help="sgd (default, with momentum), adam, adamw")
    training.add_argument("--lr", type=float, help="learning rate (default 0.05)")
    training.add_argument("--momentum", type=float, help="SGD momentum (default 0.9)")
    training.add_argument("--weight-decay", type=float, help="L2 weight decay (default 0)")
    training.add_argument("--schedule", help="learning-rate schedule: constant (default), "
                          "step, cosine")
    training.add_argument("--warmup-steps", type=int, help="linear warm-up steps (default 0)")
    training.add_argument("--clip-norm", type=float, help="clip the gradient norm to this")
    training.add_argument("--epochs", type=int, help="passes over the training data "
                          "(default 30)")
    training.add_argument("--batch-size", type=int, help="samples per step (default 32)")
    training.add_argument("--validation-split", type=float,
                          help="fraction of the training data held out for validation; the "
                          "weights of the epoch with the lowest validation loss are kept "
                          "(default 0.1; 0 = none)")
    training.add_argument("--early-stopping", type=int, metavar="PATIENCE",
                          help="stop after PATIENCE epochs without a better validation loss")
    training.add_argument("--seed", type=int, help="seed of weights, shuffling, splits "
                          "(default 0)")
    output = p.add_argument_group("output")
    output.add_argument("--out", help="run folder to write (default runs/DATASET-TIME)")
    output.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    output.add_argument("--no-figures", action="store_true",
                        help="skip the training figures (history, confusion_matrix, per_class "
                        ".png/.svg) in the run folder")
    p.set_defaults(run=run)


def _dataset_defaults_text() -> str:
    """The training group's description, written from `DATASET_DEFAULTS` itself."""
    lines = ["defaults are for the digits; options left unset default to"]
    for name, defaults in DATASET_DEFAULTS.items():
        options = " ".join(f"--{key.replace('_', '-')} "
                           + (" ".join(value) if isinstance(value, list) else f"{value}")
                           for key, value in defaults.items())
        lines.append(f"{name}: {options}")
    return "\n  ".join(lines)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The TOML file's values, overridden by every option given on the command line."""
    values: dict[str, Any] = read_toml(args.config) if args.config else {}
    for key in TrainConfig.keys():
        given = getattr(args, key, None)
        if given is not None:
            values[key] = given
    return TrainConfig.from_dict(values)  # fills the data set's defaults for the rest


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    name = Path(str(config.dataset)).name or "data"
    folder = Path(args.out or f"runs/{name}-{time.strftime('%Y%m%d-%H%M%S')}")
    command = shlex.join(["fcnn", *sys.argv[1:]]) if sys.argv else None
    result = run_experiment(config, folder, progress=not args.no_progress, command=command,
                            figures=not args.no_figures)
    history = result.history
    print()
    print(result.report.to_text())
    best = f", best validation epoch {history.best_epoch}" if history.best_epoch else ""
    print(f"\ntest accuracy {result.report.accuracy:.4f}  test loss {result.test_loss:.4f}  "
          f"({len(history)} epochs{best}, {result.seconds:.1f} s)")
    print(f"run folder: {result.folder}")
    return 0
