"""``fcnn evaluate``: a saved model on a data set's test split."""

from __future__ import annotations

import argparse
from typing import Any

from fcnn.data import load_dataset
from fcnn.metrics import precision_recall_f1
from fcnn.train import load_run, predict

HELP = """\
Evaluate a run folder written by `fcnn train` on a data set (by default the data
set it was trained on). Prints accuracy and per-class precision, recall and F1."""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("evaluate", help="evaluate a saved model", description=HELP,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by fcnn train")
    p.add_argument("--dataset", help="data set to evaluate on (default: the training one)")
    p.add_argument("--data-dir", help="folder holding the data files")
    p.add_argument("--split", choices=["test", "train"], default="test",
                   help="which split to evaluate (default test)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    loaded = load_run(args.run_dir)
    config = loaded.config
    name = args.dataset or config.dataset
    data_dir = args.data_dir or config.data_dir
    dataset = load_dataset(name, data_dir=data_dir, seed=config.seed, **config.dataset_options)
    X, y = (dataset.X_test, dataset.y_test) if args.split == "test" else \
        (dataset.X_train, dataset.y_train)
    predictions = predict(loaded.model, loaded.preprocessing.transform(X))
    report = precision_recall_f1(y, predictions, num_classes=len(loaded.class_names),
                                 class_names=loaded.class_names)
    print(f"{loaded.model.extra_repr()} on {dataset.name} ({args.split}, {len(y)} samples)")
    print(report.to_text())
    return 0
