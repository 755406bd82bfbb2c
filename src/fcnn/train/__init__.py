"""Training: the loop, callbacks (progress bar, early stopping, checkpoints) and History."""

from fcnn.train.callbacks import BestCheckpoint, Callback, EarlyStopping, History, ProgressBar
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
    "BestCheckpoint", "Callback", "EarlyStopping", "History", "ProgressBar", "Trainer",
    "check_inputs", "evaluate", "fit", "predict", "predict_scores", "split_validation",
]
