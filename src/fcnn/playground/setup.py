"""What the playground page sets, checked in one place: data, network, training, play.

A playground setup is one flat table of keys, the same in the page's URL, its JSON
requests and the TOML it exports:

* the data keys of ``fcnn.data.playground.OPTIONS`` (shape, classes, noise...) and
  ``data_seed``;
* the training keys of :class:`fcnn.run.TrainConfig` (hidden, activation, loss,
  optimizer and its options...), checked by ``TrainConfig.from_dict``; the keys the
  playground sets itself (the data set, preprocessing, validation split, epochs) are
  refused;
* the playground's own keys in :data:`PLAY_OPTIONS` (data seed, stop condition, speed).

Keys left out take :data:`DEFAULTS` (TensorFlow Playground's first screen: a 4-2
tanh network, batch size 10, learning rate 0.03 for SGD), then the schema's.

Example:
    >>> setup = Setup.from_values({"shape": "spiral", "classes": 3, "hidden": [8, 8]})
    >>> setup.config.hidden, setup.config.activation, setup.data["classes"]
    ([8, 8], 'tanh', 3)
    >>> setup.train_config(epochs=20).dataset_options["shape"]
    'spiral'
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fcnn.data import playground as data
from fcnn.errors import BudgetError, ConfigError
from fcnn.optim import OPTIMIZERS
from fcnn.registry import Option
from fcnn.run import TrainConfig
from fcnn.run.config import schema

#: Bounds of one session (the page shows them, the server enforces them).
MAX_LAYERS = 12
MAX_WIDTH = 256
MAX_PARAMETERS = 100_000
MAX_EPOCHS = 1_000_000

#: The playground's own keys (not part of ``fcnn train``'s schema).
PLAY_OPTIONS: tuple[Option, ...] = (
    Option("data_seed", int, 0, low=0, high=2**31 - 1,
           help="seed of the points and of the training/test split (Regenerate draws new ones)"),
    Option("stop_epoch", int, None, low=1, high=MAX_EPOCHS, nullable=True, example=200,
           help="pause when training reaches this epoch"),
    Option("target_loss", float, None, low=0, nullable=True, example=0.05,
           help="pause when the training loss is at most this"),
    Option("epochs_per_update", int, 1, low=1, high=100,
           help="epochs trained between two pictures (speed)"),
)
_PLAY = {option.name: option for option in PLAY_OPTIONS}
_DATA = {option.name: option for option in data.OPTIONS if option.name != "csv"}

#: Training keys the playground sets itself: a setup may not give them.
FIXED_KEYS = ("dataset", "data_dir", "dataset_options", "preprocess", "augment",
              "validation_split", "early_stopping", "epochs")

#: Defaults of a setup that differ from the schema's (``"sgd.lr"``: only with sgd).
DEFAULTS: dict[str, Any] = {"hidden": [4, 2], "activation": "tanh", "batch_size": 10,
                            "sgd.lr": 0.03}


def train_keys() -> list[str]:
    """The training keys a setup may give: the schema's, less :data:`FIXED_KEYS`."""
    return [key for key in schema() if key not in FIXED_KEYS]


def _count_parameters(n_in: int, hidden: list[int], n_out: int, batchnorm: bool) -> int:
    widths = [n_in, *hidden, n_out]
    weights = sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))
    return weights + (2 * sum(hidden) if batchnorm else 0)


@dataclass
class Setup:
    """A checked playground setup.

    Attributes:
        given: the keys the user set (what the URL keeps).
        data: the data options, complete (``fcnn.data.playground.OPTIONS``), with ``seed``.
        config: the training configuration (its ``epochs`` is a placeholder).
        play: the playground's own options, complete.
    """

    given: dict[str, Any]
    data: dict[str, Any]
    config: TrainConfig
    play: dict[str, Any]

    @classmethod
    def from_values(cls, values: Mapping[str, Any], where: str = "") -> Setup:
        """Check a flat table of keys; every error names the key, what was expected and a fix.

        Raises:
            ConfigError: an unknown key, a key the playground sets itself, a bad value.
            BudgetError: a network or data set beyond the playground's limits.
        """
        if not isinstance(values, Mapping):
            raise ConfigError("setup", f"{where}a setup is a table of key: value, got "
                                       f"{type(values).__name__}.")
        given = {str(k).replace("-", "_"): copy.deepcopy(v) for k, v in values.items()}
        known = set(train_keys()) | set(_DATA) | set(_PLAY)
        for key in given:
            if key in FIXED_KEYS or key == "csv":
                why = ("upload the file in the page instead" if key == "csv" else
                       "the playground sets it itself (its export writes it for fcnn train)")
                raise ConfigError(key, f"{where}{key}: not a playground setting: {why}; "
                                       f"remove it.")
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ConfigError(key, f"{where}unknown setting {key!r}.{hint} Valid settings: "
                                       f"{', '.join(sorted(known))}.")
        data_values = {k: v for k, v in given.items() if k in _DATA}
        play = {o.name: o.default for o in PLAY_OPTIONS}
        play.update({k: _PLAY[k].check(v, where) for k, v in given.items() if k in _PLAY})
        checked = data.check_options(data_values, where)
        checked.pop("csv")
        checked["seed"] = play.pop("data_seed")
        train = {k: v for k, v in given.items() if k in train_keys()}
        config = TrainConfig.from_dict(_with_defaults(train), where=where)
        setup = cls(given, checked, config, play)
        setup._check_budget(where)
        if config.schedule != "constant" and play["stop_epoch"] is None:
            raise ConfigError("schedule", f"{where}schedule: {config.schedule!r} plans the "
                                          f"learning rate over the whole run, so it needs a "
                                          f"stop_epoch (e.g. stop_epoch = 200), or use "
                                          f"schedule = 'constant'.")
        return setup

    def _check_budget(self, where: str) -> None:
        hidden = self.config.hidden
        if len(hidden) > MAX_LAYERS:
            raise BudgetError(f"{where}hidden: {len(hidden)} hidden layers, more than the "
                              f"playground's limit of {MAX_LAYERS}; remove layers.")
        if any(width > MAX_WIDTH for width in hidden):
            raise BudgetError(f"{where}hidden: a layer of {max(hidden)} neurons, more than the "
                              f"playground's limit of {MAX_WIDTH}; use narrower layers.")
        count = _count_parameters(len(self.data["features"]), hidden, self.data["classes"],
                                  self.config.batchnorm)
        if count > MAX_PARAMETERS:
            raise BudgetError(f"{where}hidden: {hidden} has {count:,} parameters, more than "
                              f"the playground's limit of {MAX_PARAMETERS:,}; use fewer or "
                              f"narrower layers (fcnn train has no such limit).")

    def train_config(self, epochs: int) -> TrainConfig:
        """The configuration ``fcnn train`` runs to train this setup for ``epochs`` epochs.

        The data set is ``playground`` with this setup's data options, no preprocessing
        (the features are the inputs) and no validation split, so ``fcnn train`` trains
        on exactly the rows the playground trains on, in the same order.
        """
        options = {k: v for k, v in self.data.items() if v is not None}
        fixed = {"dataset": "playground", "dataset_options": options, "preprocess": [],
                 "augment": [], "validation_split": 0.0, "epochs": int(epochs)}
        return TrainConfig.from_dict({**self.config.to_dict(), **fixed})

    def resolved(self) -> dict[str, Any]:
        """Every setting with its value in effect, for the page's controls."""
        values = {k: v for k, v in self.config.to_dict().items() if k not in FIXED_KEYS}
        values.update({k: v for k, v in self.data.items() if k != "seed"})
        values["data_seed"] = self.data["seed"]
        values.update(self.play)
        return values


def _with_defaults(train: dict[str, Any]) -> dict[str, Any]:
    """``train`` completed with :data:`DEFAULTS` (an ``"entry.key"`` default only for it)."""
    values = {k: copy.deepcopy(v) for k, v in DEFAULTS.items() if "." not in k}
    values.update(train)
    optimizer = values.get("optimizer", "sgd")
    if isinstance(optimizer, str) and optimizer in OPTIMIZERS:
        optimizer = OPTIMIZERS.get(optimizer).name  # "SGD" is sgd
    for key, value in DEFAULTS.items():
        entry, _, name = key.partition(".")
        if name and name not in values and optimizer == entry:
            values[name] = value
    return values


def describe_option(option: Option) -> dict[str, Any]:
    """An option as the page needs it to build a control: type, range, default, help."""
    choices = option.valid_names() if option.choices is not None else None
    return {"name": option.name, "type": option.type.__name__, "default": option.default,
            "help": option.help, "low": option.low, "high": option.high,
            "low_open": option.low_open, "high_open": option.high_open, "choices": choices,
            "nullable": option.nullable, "is_list": option.is_list, "list_ok": option.list_ok,
            "length": option.length}


def limits() -> dict[str, int]:
    """The bounds a session enforces, shown in the page."""
    return {"max_layers": MAX_LAYERS, "max_width": MAX_WIDTH, "max_parameters": MAX_PARAMETERS,
            "max_points": data.MAX_POINTS, "max_csv_bytes": data.MAX_CSV_BYTES,
            "max_epochs": MAX_EPOCHS}
