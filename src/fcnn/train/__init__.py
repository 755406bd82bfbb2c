"""Training: the loop, callbacks (progress bar, early stopping, checkpoints) and History."""

from fcnn.train.callbacks import (
    BestCheckpoint,
    Callback,
    EarlyStopping,
    History,
    L1Shrink,
    ProgressBar,
    TrainState,
)
from fcnn.train.loop import (
    check_inputs,
    evaluate,
    fit,
    predict,
    predict_scores,
    split_validation,
    train_epoch,
)

__all__ = [
    "BestCheckpoint", "Callback", "EarlyStopping", "History", "L1Shrink", "ProgressBar",
    "TrainState", "check_inputs", "evaluate", "fit", "predict", "predict_scores",
    "split_validation", "train_epoch",
]
