"""A scikit-learn estimator over the fcnn engine: ``FCNClassifier``.

It follows scikit-learn's contract (hyper-parameters stored as given in ``__init__``,
fitted attributes ending in ``_``, ``classes_``, ``predict_proba``, ``score``,
``partial_fit``, ``warm_start``) and passes ``sklearn.utils.estimator_checks``, so it
works in ``Pipeline``, ``GridSearchCV`` and ``cross_val_score``. Beyond
``MLPClassifier`` it offers dropout, batch normalisation, Leaky ReLU, the multiclass
hinge loss, label smoothing, SGD/Adam/AdamW with schedules and a validation-loss curve.

X is a float feature matrix (N, D): no image preprocessing happens here; put a
``StandardScaler`` in front, as for any neural network in scikit-learn.

Needs the ``sklearn`` extra: ``pip install 'fcnn[sklearn]'``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from fcnn._extras import require
from fcnn.engine import Tensor, no_grad
from fcnn.nn import Linear
from fcnn.optim import Optimizer
from fcnn.run import TrainConfig, build_loss, build_model, build_optimizer
from fcnn.train import BestCheckpoint, Callback, EarlyStopping, History
from fcnn.train import fit as train

_base = require("sklearn.base", "fcnn.sklearn")
_multiclass = require("sklearn.utils.multiclass", "fcnn.sklearn")
_utils = require("sklearn.utils", "fcnn.sklearn")
_validation = require("sklearn.utils.validation", "fcnn.sklearn")
_exceptions = require("sklearn.exceptions", "fcnn.sklearn")
if not hasattr(_validation, "validate_data"):
    raise ImportError("fcnn.sklearn needs scikit-learn >= 1.6: pip install -U 'fcnn[sklearn]'")

__all__ = ["FCNClassifier"]


class FCNClassifier(_base.ClassifierMixin, _base.BaseEstimator):
    """A fully connected network classifier, f = W_L phi(... phi(W_1 x + b_1) ...) + b_L.

    Trained with minibatch gradient descent on the softmax cross-entropy (or the
    multiclass hinge loss). Stops early, like ``MLPClassifier``, when the training
    loss has not improved by ``tol`` for ``n_iter_no_change`` epochs (or the
    validation loss, with ``early_stopping=True``).

    Parameters:
        hidden: widths of the hidden layers, e.g. ``(100,)`` or ``(256, 128)``; ``()``
            gives the linear classifier f = Wx + b. (``MLPClassifier``: hidden_layer_sizes.)
        activation: "relu", "leaky_relu", "sigmoid", "tanh" or "identity" (any name of
            ``fcnn.nn.ACTIVATIONS``), or one name per hidden layer.
        negative_slope: k of Leaky ReLU, max(kx, x) (only with "leaky_relu").
        dropout: probability of dropping each hidden activation during training.
        batchnorm: batch normalisation before each hidden activation.
        init: weight initialisation, "pytorch", "xavier" or "he".
        loss: "cross_entropy" (softmax), "hinge" (multiclass SVM loss) or "squared_error".
        margin: margin of the hinge loss (only with "hinge").
        label_smoothing: of the cross-entropy loss (only with "cross_entropy").
        optimizer: "adam", "adamw" or "sgd".
        lr: learning rate (None: the optimizer's default, 1e-3 for Adam).
            (``MLPClassifier``: learning_rate_init.)
        momentum: of SGD (only with "sgd"; None: 0.9).
        weight_decay: L2 weight decay (None: the optimizer's default).
            (``MLPClassifier``: alpha.)

        Every option is checked by ``fcnn train``'s configuration schema: a value of the
        wrong type or range, or an option that does not apply to the chosen optimizer or
        loss, is a ``ValueError`` that names it when ``fit`` is called.
        schedule: learning-rate schedule over all steps of ``fit``: "constant", "step",
            "cosine" (``partial_fit`` uses the constant rate).
        batch_size: samples per step (all samples if there are fewer). With batch norm,
            a last batch of a single sample is avoided by taking one more per batch.
        epochs: the most passes over the data in one ``fit``. (``MLPClassifier``: max_iter.)
        tol, n_iter_no_change: stop when the monitored loss has not improved by ``tol``
            for ``n_iter_no_change`` epochs in a row; ``tol=None`` always runs ``epochs``.
        early_stopping: monitor the validation loss instead of the training loss and
            keep the weights of the epoch with the lowest validation loss.
        validation_fraction: fraction of the training data held out (seeded random split)
            to compute ``validation_loss_curve_``; 0 trains on every sample.
        warm_start: ``fit`` continues from the previous weights instead of starting over.
        random_state: seed of the weights, dropout masks, shuffling and validation split
            (an int, a ``numpy.random.RandomState`` or None).
        verbose: show a progress bar while training.

    Attributes:
        classes_: the class labels, sorted.
        n_features_in_, feature_names_in_: the input width (and column names, from a
            DataFrame).
        model_: the trained :class:`fcnn.nn.MLP` (save it with ``fcnn.nn.save_model``,
            export it with ``fcnn.onnx.export``).
        history_: the :class:`fcnn.train.History` of the last ``fit``.
        loss_curve_: training loss per epoch (over all fits when warm starting).
        validation_loss_curve_, validation_scores_: validation loss and accuracy per
            epoch, or None without a validation split.
        n_iter_: epochs trained in total. ``t_``: training samples seen in total.
        coefs_, intercepts_: the weight matrices (n_in, n_out) and biases of each layer,
            as in ``MLPClassifier`` (views of the live weights).

    Example:
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.model_selection import cross_val_score
        >>> from sklearn.pipeline import make_pipeline
        >>> from sklearn.preprocessing import StandardScaler
        >>> X, y = load_iris(return_X_y=True)
        >>> net = FCNClassifier(hidden=(32,), lr=0.01, epochs=50, tol=None, random_state=0)
        >>> model = make_pipeline(StandardScaler(), net)
        >>> bool(cross_val_score(model, X, y, cv=3).mean() > 0.9)
        True
    """

    def __init__(self, hidden: Sequence[int] | int = (100,), activation: str = "relu",
                 negative_slope: float | None = None, dropout: float = 0.0,
                 batchnorm: bool = False, init: str = "pytorch", loss: str = "cross_entropy",
                 margin: float | None = None, label_smoothing: float | None = None,
                 optimizer: str = "adam", lr: float | None = None,
                 momentum: float | None = None, weight_decay: float | None = None,
                 schedule: str = "constant",
                 batch_size: int = 200, epochs: int = 200, tol: float | None = 1e-4,
                 n_iter_no_change: int = 10, early_stopping: bool = False,
                 validation_fraction: float = 0.1, warm_start: bool = False,
                 random_state: Any = None, verbose: bool = False) -> None:
        self.hidden = hidden
        self.activation = activation
        self.negative_slope = negative_slope
        self.dropout = dropout
        self.batchnorm = batchnorm
        self.init = init
        self.loss = loss
        self.margin = margin
        self.label_smoothing = label_smoothing
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.schedule = schedule
        self.batch_size = batch_size
        self.epochs = epochs
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # ----- fitting ----------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> FCNClassifier:
        """Train on (X, y): features (N, D) and class labels (N,) of any type.

        Starts from new random weights unless ``warm_start`` is set and the
        classifier was fitted before. Returns ``self``.
        """
        first = not (self.warm_start and hasattr(self, "model_"))
        return self._fit(X, y, classes=None, first=first, incremental=False)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> FCNClassifier:
        """One epoch over (X, y), continuing from the current weights and optimizer state.

        Args:
            classes: every class label that will ever appear; required on the first call
                (a batch need not contain them all).
        """
        first = not hasattr(self, "model_")
        if first and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit: the "
                             "list of every class label, e.g. classes=np.unique(y_all).")
        return self._fit(X, y, classes=classes, first=first, incremental=True)

    def _fit(self, X: Any, y: Any, classes: Any, first: bool, incremental: bool
             ) -> FCNClassifier:
        X, y = _validation.validate_data(self, X, y, reset=first, dtype=np.float32)
        _multiclass.check_classification_targets(y)
        if first:
            self._start(_multiclass.unique_labels(y if classes is None else classes), X.shape[1])
        labels = self._encode(y)
        self._seed_step += 1
        seed = self._seed + self._seed_step
        config = self._config()
        loss = build_loss(config)
        if incremental:
            train_rows = len(X)
            history = train(self.model_, X, labels, loss=loss, optimizer=self._optimizer,
                            epochs=1, batch_size=self._batch_size(train_rows),
                            progress=self.verbose, seed=seed)
        else:
            split = self._validation_split()
            train_rows = len(X) - (int(round(len(X) * split)) if split else 0)
            batch_size = self._batch_size(train_rows)
            steps = -(-train_rows // batch_size) * self.epochs
            history = train(self.model_, X, labels, loss=loss,
                            optimizer=build_optimizer(config, self.model_, steps),
                            epochs=self.epochs, batch_size=batch_size, validation_split=split,
                            callbacks=self._callbacks(), progress=self.verbose, seed=seed)
            self.history_ = history
            self._warn_if_not_converged(history)
        self._record(history, train_rows)
        return self

    def _start(self, classes: np.ndarray, n_features: int) -> None:
        """New weights, optimizer and curves for ``classes`` and ``n_features`` inputs."""
        if len(classes) < 2:
            raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes to "
                             f"learn from; got one class only: {classes[0]!r}.")
        self.classes_ = classes
        seed = self.random_state
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            seed = _utils.check_random_state(seed).randint(np.iinfo(np.int32).max)
        self._seed, self._seed_step = int(seed), 0
        config = self._config().replace(seed=self._seed, schedule="constant")
        self.model_ = build_model(config, n_features, len(classes))
        # the optimizer of partial_fit: a constant rate, its state kept between calls
        self._optimizer: Optimizer = build_optimizer(config, self.model_, total_steps=1)
        self.loss_curve_: list[float] = []
        self.validation_loss_curve_: list[float] | None = None
        self.validation_scores_: list[float] | None = None
        self.n_iter_ = self.t_ = 0

    def _encode(self, y: np.ndarray) -> np.ndarray:
        """Class labels -> indices into ``classes_``; unknown labels are an error."""
        unknown = np.setdiff1d(_multiclass.unique_labels(y), self.classes_)
        if len(unknown):
            raise ValueError(f"y contains labels {unknown.tolist()} that are not in classes_ "
                             f"{self.classes_.tolist()}; pass every label in `classes` on the "
                             f"first call to partial_fit, or fit again without warm_start.")
        return np.searchsorted(self.classes_, y)

    def _batch_size(self, rows: int) -> int:
        """``batch_size``, one larger if batch norm would otherwise get a last batch of one."""
        if self.batchnorm and rows > 1 and rows % self.batch_size == 1:
            return self.batch_size + 1
        return self.batch_size

    def _config(self) -> TrainConfig:
        """The estimator's options as a run configuration, checked by the schema."""
        hidden = self.hidden
        if isinstance(hidden, (int, np.integer)) and not isinstance(hidden, bool):
            hidden = [int(hidden)]
        elif isinstance(hidden, tuple):
            hidden = list(hidden)
        values = {"hidden": hidden, "activation": self.activation, "dropout": self.dropout,
                  "batchnorm": self.batchnorm, "init": self.init, "loss": self.loss,
                  "optimizer": self.optimizer, "schedule": self.schedule,
                  "batch_size": self.batch_size, "epochs": self.epochs}
        for key in ("negative_slope", "margin", "label_smoothing", "lr", "momentum",
                    "weight_decay"):
            if getattr(self, key) is not None:
                values[key] = getattr(self, key)
        return TrainConfig.from_dict(values, where=f"{type(self).__name__}: ")

    def _validation_split(self) -> float:
        if not 0 <= self.validation_fraction < 1:
            raise ValueError(f"validation_fraction must be in [0, 1), got "
                             f"{self.validation_fraction!r}.")
        if self.early_stopping and not self.validation_fraction:
            raise ValueError("early_stopping=True monitors a validation set: set "
                             "validation_fraction > 0 (e.g. 0.1).")
        return self.validation_fraction

    def _callbacks(self) -> list[Callback]:
        if self.tol is None:
            return []
        monitor = "val_loss" if self.early_stopping else "loss"
        stop = EarlyStopping(monitor, patience=self.n_iter_no_change, min_delta=self.tol)
        return [stop, BestCheckpoint(monitor)] if self.early_stopping else [stop]

    def _warn_if_not_converged(self, history: History) -> None:
        if self.tol is not None and not history.stopped_early:
            warnings.warn(f"{type(self).__name__}: the loss was still improving by more than "
                          f"tol={self.tol} after epochs={self.epochs}; train longer (raise "
                          f"epochs) or raise tol.", _exceptions.ConvergenceWarning, stacklevel=4)

    def _record(self, history: History, train_rows: int) -> None:
        self.loss_curve_ += history["loss"]
        if history["val_loss"]:
            self.validation_loss_curve_ = (self.validation_loss_curve_ or []) + \
                history["val_loss"]
            self.validation_scores_ = (self.validation_scores_ or []) + \
                history["val_accuracy"]
        self.n_iter_ += len(history)
        self.t_ += len(history) * train_rows

    # ----- prediction -------------------------------------------------------------
    def decision_function(self, X: Any) -> np.ndarray:
        """Class scores (N, n_classes); for two classes, score of classes_[1] minus classes_[0]."""
        scores = self._scores(X)
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def predict_proba(self, X: Any) -> np.ndarray:
        """softmax(scores): class probabilities (N, n_classes), columns in ``classes_`` order.

        With ``loss="hinge"`` these are the softmax of margin scores, not calibrated
        probabilities; their argmax is still the prediction.
        """
        scores = self._scores(X)
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log softmax(scores), computed stably."""
        scores = self._scores(X)
        scores -= scores.max(axis=1, keepdims=True)
        return scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))

    def predict(self, X: Any) -> np.ndarray:
        """The class with the highest score, for every row of X."""
        scores = self._scores(X)
        return self.classes_[scores.argmax(axis=1)]

    def _scores(self, X: Any) -> np.ndarray:
        """Class scores computed in float64 from the float32 weights.

        In float64 a row's scores do not depend on which other rows share its batch
        (float32 matrix products differ in the last bit between batch sizes), so
        predictions are the same for a sample alone or in a data set.
        """
        _validation.check_is_fitted(self)
        X = _validation.validate_data(self, X, reset=False, dtype=np.float64)
        model = self.model_
        was_training = model.training
        model.eval()
        try:
            with no_grad():
                chunks = [model(Tensor(X[start:start + 4096])).data
                          for start in range(0, len(X), 4096)]
        finally:
            model.train(was_training)
        return np.concatenate(chunks) if chunks else np.zeros((0, len(self.classes_)))

    # ----- MLPClassifier-style views ----------------------------------------------
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrix of each layer, (n_in, n_out) as in ``MLPClassifier``."""
        return [layer.weight.data.T for layer in self.model_.layers if isinstance(layer, Linear)]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vector of each layer."""
        return [layer.bias.data for layer in self.model_.layers if isinstance(layer, Linear)]
