"""Classify new inputs with a trained run: image files or a CSV of feature rows.

The run's own preprocessing is applied (the statistics fitted on its training data),
so inputs are given raw, as the data set holds them: image files are decoded and
resized to the run's image shape; CSV rows hold the raw features.

Example:
    >>> import tempfile, pathlib
    >>> from fcnn.run import TrainConfig, run_experiment, load_run
    >>> folder = tempfile.mkdtemp() + "/moons"
    >>> _ = run_experiment(TrainConfig(dataset="moons", hidden=[8], epochs=5), folder,
    ...                    progress=False, log=None)
    >>> points = pathlib.Path(folder).parent / "points.csv"
    >>> _ = points.write_text("x1,x2\\n0,1\\n1,-0.5\\n")
    >>> [(p.source, p.label) for p in predict_files(load_run(folder), [points])]
    [('points.csv:2', 'upper'), ('points.csv:3', 'lower')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fcnn.data.image_folder import IMAGE_SUFFIXES, read_image
from fcnn.data.table import read_features_csv
from fcnn.errors import InputError
from fcnn.run.folder import LoadedRun
from fcnn.train import predict_scores


@dataclass
class Prediction:
    """The class a run gives one input, with the softmax of its scores."""

    source: str
    index: int
    label: str
    probabilities: np.ndarray

    @property
    def probability(self) -> float:
        return float(self.probabilities[self.index])


def raw_inputs(loaded: LoadedRun, paths: Sequence[str | Path]) -> tuple[np.ndarray, list[str]]:
    """The raw rows of ``paths`` (images and CSV files), and a name for each row."""
    rows: list[np.ndarray] = []
    names: list[str] = []
    features = loaded.model.config["in_features"]
    for path in map(Path, paths):
        if path.suffix.lower() == ".csv":
            table, lines = read_features_csv(path, features)
            rows.append(table)
            names += [f"{path.name}:{line}" for line in lines]
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            if loaded.image_shape is None:
                raise InputError(f"{path} is an image, but {loaded.folder} was trained on "
                                 f"{loaded.dataset!r}, which has no images; give a CSV of "
                                 f"{features} features a row.", path)
            rows.append(read_image(path, loaded.image_shape)[None].astype(np.float32))
            names.append(path.name)
        else:
            raise InputError(f"{path}: expected a .png, .jpg or .jpeg image or a .csv file of "
                             f"feature rows, got {path.suffix or 'no suffix'}.", path)
    if not rows:
        raise InputError("no inputs to classify: give image files or CSV files.")
    return np.concatenate(rows).astype(np.float32), names


def predict_files(loaded: LoadedRun, paths: Sequence[str | Path]) -> list[Prediction]:
    """Classify every image file and every CSV row of ``paths`` with the run ``loaded``."""
    X, names = raw_inputs(loaded, paths)
    scores = predict_scores(loaded.model, loaded.preprocessing.transform(X))
    scores = scores - scores.max(axis=1, keepdims=True)
    probabilities = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    return [Prediction(name, int(p.argmax()), loaded.class_names[int(p.argmax())], p)
            for name, p in zip(names, probabilities)]
