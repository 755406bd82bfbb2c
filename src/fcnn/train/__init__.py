"""Training: the loop, callbacks (progress bar, early stopping, checkpoints) and History."""

from fcnn.train.callbacks import BestCheckpoint, Callback, EarlyStopping, History, ProgressBar
from fcnn.train.experiment import (
    LoadedRun,
    RunResult,
    TrainConfig,
    load_run,
    prepare_data,
    run_experiment,
)
from fcnn.train.loop import (
    Trainer,
    check_inputs,
    evaluate,
    fit,
    predict,
    predict_scores,
    split_validation,
)

__all__ = [
    "BestCheckpoint", "Callback", "EarlyStopping", "History", "LoadedRun", "ProgressBar",
    "RunResult", "TrainConfig", "Trainer", "load_run", "prepare_data", "run_experiment",
    "check_inputs", "evaluate", "fit", "predict", "predict_scores", "split_validation",
]
