"""The run layer: a training run from a configuration, and the run folder it leaves.

``TrainConfig`` (the one typed configuration schema, with per-data-set defaults),
``run_experiment`` (data -> preprocessing -> model -> fit -> report), ``write_run`` and
``load_run`` (run folders). It sits above ``fcnn.train`` and below ``fcnn.viz``, the
sweeps, the bridges and the command line.

Example:
    >>> from fcnn.run import TrainConfig, run_experiment
    >>> result = run_experiment(TrainConfig(dataset="moons", hidden=[8], epochs=3),
    ...                         progress=False, log=None)
    >>> result.report.accuracy > 0.7
    True
"""

from fcnn.run.config import DATASET_DEFAULTS, RUN_DEFAULTS, TrainConfig, read_toml, schema
from fcnn.run.experiment import (
    RunResult,
    build_loss,
    build_model,
    build_optimizer,
    prepare_data,
    resume_experiment,
    run_experiment,
)
from fcnn.run.folder import LoadedRun, RunFolder, load_run, write_run

__all__ = [
    "DATASET_DEFAULTS", "RUN_DEFAULTS", "LoadedRun", "RunResult", "TrainConfig", "build_loss",
    "build_model", "build_optimizer", "load_run", "prepare_data", "read_toml", "resume_experiment",
    "RunFolder", "run_experiment", "schema", "write_run",
]
