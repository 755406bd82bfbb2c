"""``fcnn evaluate``: a saved model on a data set's test split."""

from __future__ import annotations

import argparse
from typing import Any

from fcnn.data import DATASETS, load_dataset
from fcnn.errors import InputError
from fcnn.metrics import precision_recall_f1
from fcnn.run import load_run
from fcnn.train import predict

HELP = """\
Evaluate a run folder written by `fcnn train` on a data set (by default the data
set it was trained on). Prints accuracy and per-class precision, recall and F1.

A run folder is data, never instructions: the data is read from --data-dir (or
$FCNN_DATA_DIR, or the cache), not from a folder the run names."""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("evaluate", help="evaluate a saved model", description=HELP,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by fcnn train")
    p.add_argument("--dataset", help="data set to evaluate on (default: the training one)")
    p.add_argument("--data-dir", help="folder holding the data files (default: $FCNN_DATA_DIR "
                   "or the user cache folder)")
    p.add_argument("--split", choices=["test", "train"], default="test",
                   help="which split to evaluate (default test)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    loaded = load_run(args.run_dir)
    config = loaded.config
    name = args.dataset or config.dataset
    if args.dataset is None and config.dataset not in DATASETS:
        raise InputError(f"{args.run_dir} was trained on the image folder {config.dataset!r}; "
                         f"a run folder never makes fcnn read files elsewhere, so name the data "
                         f"yourself: fcnn evaluate {args.run_dir} --dataset FOLDER.")
    try:
        dataset = load_dataset(name, data_dir=args.data_dir, seed=config.seed,
                               **config.dataset_options)
    except FileNotFoundError as error:
        hint = (f" (the run was trained with --data-dir {config.data_dir}; pass it again if "
                f"the files are there)") if config.data_dir and not args.data_dir else ""
        raise InputError(f"{error}{hint}") from None
    X, y = (dataset.X_test, dataset.y_test) if args.split == "test" else \
        (dataset.X_train, dataset.y_train)
    predictions = predict(loaded.model, loaded.preprocessing.transform(X))
    report = precision_recall_f1(y, predictions, num_classes=len(loaded.class_names),
                                 class_names=loaded.class_names)
    print(f"{loaded.model.describe()} on {dataset.name} ({args.split}, {len(y)} samples)")
    print(report.to_text())
    return 0
