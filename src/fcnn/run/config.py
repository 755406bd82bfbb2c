"""The one typed configuration schema of a training run, and its defaults.

A run is described by flat keys (the same in ``fcnn train`` flags, TOML files, sweep
grids, the scikit-learn wrapper and the playground). Two kinds of keys exist:

* the general options in :data:`GENERAL` (data, network shape, training length...);
* the options of the chosen activation, loss, optimizer and schedule, declared by
  their registry entries (``momentum`` belongs to ``sgd``, ``betas`` to ``adam``,
  ``margin`` to ``hinge``...). Giving one that does not apply to the chosen entry is
  an error, not silently ignored.

Every value is checked strictly by its :class:`~fcnn.registry.Option` (a string is
never a list or a bool; ``lr = 0`` is out of range) and every error names the key,
what was expected, what was received and a fix.

Defaults come, in this order, from the configuration itself, the data set's entry in
:data:`DATASET_DEFAULTS`, :data:`RUN_DEFAULTS`, and the option's own default. Keys
written ``"sgd.lr"`` apply only when that entry is chosen: the learning rate tuned for
SGD on CIFAR-10 is never handed to Adam.
"""

from __future__ import annotations

import copy
import difflib
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fcnn.data import AUGMENTATIONS, DATASETS, PREPROCESSORS
from fcnn.errors import ConfigError, InputError
from fcnn.nn import ACTIVATIONS, INITIALIZERS, LOSSES
from fcnn.optim import OPTIMIZERS, SCHEDULES
from fcnn.registry import Option, Registry

#: The options of every run, whatever is chosen.
GENERAL: tuple[Option, ...] = (
    Option("dataset", str, "digits", help="a data set name or a folder of images with one "
           "sub-folder per class"),
    Option("data_dir", str, None, nullable=True, example="../shared/data",
           help="folder holding the data files (default: $FCNN_DATA_DIR or the user cache)"),
    Option("dataset_options", dict, {}, example={"noise": 0.2},
           help="options of the data set's loader, e.g. {noise = 0.2} for a toy set"),
    Option("preprocess", str, ["scale", "standardize"], choices=PREPROCESSORS,
           is_list=True, help="preprocessing steps, in order"),
    Option("augment", str, [], choices=AUGMENTATIONS, is_list=True,
           help="image augmentation of each training batch"),
    Option("hidden", int, [64], low=1, is_list=True,
           help="hidden layer widths; [] is the linear classifier f = Wx + b"),
    Option("activation", str, "relu", choices=ACTIVATIONS, list_ok=True,
           help="activation of the hidden layers (a name, or one per layer)"),
    Option("dropout", float, 0.0, low=0, high=1, high_open=True,
           help="dropout probability after each hidden layer"),
    Option("l1", float, 0.0, low=0, high=1,
           help="L1 regularisation rate: after each step every weight moves lr * l1 towards 0 "
                "and stops there (TensorFlow Playground's L1)"),
    Option("batchnorm", bool, False, help="batch normalisation before each hidden activation"),
    Option("init", str, "pytorch", choices=INITIALIZERS, help="weight initialisation"),
    Option("granularity", str, "coarse", choices=("coarse", "fine"),
           help="coarse: one fused node per layer (fast); fine: primitive ops"),
    Option("loss", str, "cross_entropy", choices=LOSSES, help="the loss"),
    Option("optimizer", str, "sgd", choices=OPTIMIZERS, help="the optimizer"),
    Option("schedule", str, "constant", choices=SCHEDULES, help="learning-rate schedule"),
    Option("warmup_steps", int, 0, low=0, help="steps of linear learning-rate warm-up"),
    Option("clip_norm", float, None, low=0, low_open=True, nullable=True, example=1.0,
           help="clip the global gradient norm to this"),
    Option("epochs", int, 30, low=1, help="passes over the training data"),
    Option("batch_size", int, 32, low=1, help="samples per step"),
    Option("validation_split", float, 0.1, low=0, high=1, high_open=True,
           help="fraction of the training data held out for validation; the weights of the "
           "epoch with the lowest validation loss are kept (0 = none)"),
    Option("early_stopping", int, None, low=0, nullable=True, example=5,
           help="stop after this many epochs without a better validation loss"),
    Option("seed", int, 0, low=0, help="seed of weights, shuffling, splits and masks"),
)

#: The general keys whose value picks a registry entry, whose options then apply.
CHOOSERS: dict[str, Registry] = {"activation": ACTIVATIONS, "loss": LOSSES,
                                 "optimizer": OPTIMIZERS, "schedule": SCHEDULES}

#: Defaults of every run that differ from the options' own (``"sgd.lr"``: only for sgd).
#: Tuned on the 8x8 digits; SGD's momentum 0.9 is the classic recipe (the SGD class's own
#: default is PyTorch's 0).
RUN_DEFAULTS: dict[str, Any] = {"sgd.lr": 0.05, "sgd.momentum": 0.9}

#: Defaults of the large image data sets, where the digits' (lr 0.05, batch 32, constant
#: rate, no weight decay, 30 epochs) fail a first run: on CIFAR-10 lr 0.05 diverges and lr
#: 0.01 overfits from epoch 9 (42.5% test); on MNIST the best validation epoch was the first
#: (92.8%). With these, 3072-64-10 reaches 52.8% on CIFAR-10 and 784-64-10 97.8% on MNIST in
#: 15 epochs (21 s and 9 s of training, 2 cores). Per-pixel standardisation of MNIST's nearly
#: always black border pixels (std ~1e-4) makes inputs of several hundred, so the MNIST images
#: are standardised per channel. The learning rate and weight decay were tuned for SGD only.
_IMAGE_DEFAULTS: dict[str, Any] = {"batch_size": 128, "schedule": "cosine", "epochs": 15,
                                   "sgd.lr": 0.02, "sgd.weight_decay": 1e-3}
_MNIST_DEFAULTS = _IMAGE_DEFAULTS | {"preprocess": ["scale", "channel-standardize"]}
DATASET_DEFAULTS: dict[str, dict[str, Any]] = {
    "cifar10": _IMAGE_DEFAULTS, "mnist": _MNIST_DEFAULTS, "fashion-mnist": _MNIST_DEFAULTS,
}


def _general() -> dict[str, Option]:
    return {option.name: option for option in GENERAL}


def schema() -> dict[str, Option]:
    """Every configuration key with its Option: the general ones, then each registry's.

    The options of registry entries are read from the registries at call time, so an
    entry registered later (a new optimizer with a new option) is part of the schema.
    """
    options = _general()
    for registry in CHOOSERS.values():
        for name, option in registry.options().items():
            options.setdefault(name, option)
    return options


def owner_of(key: str) -> str | None:
    """The chooser key (``"optimizer"``...) whose entries declare ``key``, or None if general."""
    if key in _general():
        return None
    return next((chooser for chooser, registry in CHOOSERS.items()
                 if registry.owners(key)), None)


def canonical_dataset(name: str) -> str:
    """A registry data set's canonical name (``"Fashion_MNIST"`` -> ``"fashion-mnist"``)."""
    return DATASETS.get(name).name if name in DATASETS else name  # else a folder of images


def read_toml(path: str | Path) -> dict[str, Any]:
    """A TOML file as a dict, with clear errors for a missing or malformed file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"configuration file {path} does not exist (or is not a file).", path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path} is not valid TOML: {error}. Keys are written "
                         f"`lr = 0.1`, lists `hidden = [64, 32]`, strings in quotes.",
                         path) from None


class TrainConfig:
    """Every choice of one training run, checked against the schema.

    Build it with keyword arguments, :meth:`from_dict` or :meth:`from_toml`; read a value
    as an attribute (``config.lr``) or with ``config["lr"]``. Keys may be written with
    ``-`` or ``_``. Options that do not apply to the chosen entries are not attributes.

    Example:
        >>> config = TrainConfig(dataset="moons", hidden=[8], optimizer="adam")
        >>> config.hidden, config.lr, config.betas
        ([8], 0.001, [0.9, 0.999])
        >>> TrainConfig(dataset="cifar10").lr        # the data set's default for sgd
        0.02
        >>> TrainConfig(optimizer="adam", momentum=0.9)
        Traceback (most recent call last):
        ...
        fcnn.errors.ConfigError: momentum: applies to optimizer sgd, not to adam; remove it, \
or choose optimizer = 'sgd'.
    """

    def __init__(self, **values: Any) -> None:
        self._given, self._values = self._validate(values, where="")

    # ----- building -----------------------------------------------------------
    @classmethod
    def from_dict(cls, values: Mapping[str, Any], where: str = "") -> TrainConfig:
        """Build from a mapping of keys to values; ``where`` prefixes error messages."""
        if not isinstance(values, Mapping):
            raise ConfigError("config", f"{where}a configuration must be a table of key = "
                                        f"value, got {type(values).__name__}.")
        config = cls.__new__(cls)
        config._given, config._values = cls._validate(dict(values), where)
        return config

    @classmethod
    def from_toml(cls, path: str | Path) -> TrainConfig:
        """Read a TOML file whose keys are the configuration keys (see ``configs/``)."""
        return cls.from_dict(read_toml(path), where=f"{path}: ")

    @classmethod
    def keys(cls) -> list[str]:
        """Every key the schema knows."""
        return list(schema())

    @staticmethod
    def _validate(values: dict[str, Any], where: str) -> tuple[dict[str, Any], dict[str, Any]]:
        options = schema()
        given: dict[str, Any] = {}
        for raw_key, value in values.items():
            key = str(raw_key).replace("-", "_")
            if key not in options:
                close = difflib.get_close_matches(key, list(options), n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ConfigError(key, f"{where}unknown configuration key {raw_key!r}.{hint} "
                                       f"Valid keys: {', '.join(options)}.")
            given[key] = options[key].check(value, where)
        if "dataset" in given:
            given["dataset"] = canonical_dataset(given["dataset"])
        dataset = given.get("dataset", options["dataset"].default)
        defaults = {**RUN_DEFAULTS, **copy.deepcopy(DATASET_DEFAULTS.get(dataset, {}))}
        resolved = {option.name: copy.deepcopy(option.default) for option in GENERAL}
        resolved.update({k: v for k, v in defaults.items() if "." not in k})
        resolved.update({k: v for k, v in given.items() if k in resolved})
        chosen = {chooser: resolved[chooser] for chooser in CHOOSERS}
        for key, value in given.items():
            owner = owner_of(key)
            if owner is None:
                continue
            names = _chosen_names(chosen[owner])
            entries = [CHOOSERS[owner].get(name) for name in names]
            if not any(entry.option(key) for entry in entries):
                owners = ", ".join(CHOOSERS[owner].owners(key))
                raise ConfigError(key, f"{where}{key}: applies to {owner} {owners}, not to "
                                       f"{'/'.join(names)}; remove it, or choose {owner} = "
                                       f"{CHOOSERS[owner].owners(key)[0]!r}.")
            resolved[key] = value
        for owner, registry in CHOOSERS.items():
            for name in _chosen_names(chosen[owner]):
                for option in registry.get(name).options:
                    if option.name not in given:
                        fallback = defaults.get(f"{name}.{option.name}", option.default)
                        resolved.setdefault(option.name, copy.deepcopy(fallback))
        _check_together(resolved, where)
        return given, resolved

    # ----- reading ------------------------------------------------------------
    def __getattr__(self, key: str) -> Any:
        values = self.__dict__.get("_values", {})
        if key in values:
            return values[key]
        raise AttributeError(f"TrainConfig has no option {key!r} (it is not in the schema, or "
                             f"it does not apply to the chosen activation, loss, optimizer "
                             f"and schedule).")

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __setattr__(self, key: str, value: Any) -> None:
        if key in ("_given", "_values"):
            object.__setattr__(self, key, value)
            return
        raise AttributeError(f"a TrainConfig is read-only (it was checked as a whole); make a "
                             f"changed copy instead: config.replace({key}={value!r}).")

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    @property
    def given(self) -> dict[str, Any]:
        """The values the configuration set itself (the rest are defaults)."""
        return copy.deepcopy(self._given)

    def entry_options(self, chooser: str) -> dict[str, Any]:
        """The resolved options of the entry (or entries) chosen by ``chooser``.

        Example:
            >>> TrainConfig(loss="hinge").entry_options("loss")
            {'margin': 1.0}
        """
        registry = CHOOSERS[chooser]
        names = {option.name for name in _chosen_names(self._values[chooser])
                 for option in registry.get(name).options}
        return {key: copy.deepcopy(self._values[key]) for key in self._values if key in names}

    def to_dict(self) -> dict[str, Any]:
        """Every resolved value that applies (``None`` left out), ready for TOML or JSON."""
        return {key: copy.deepcopy(value) for key, value in self._values.items()
                if value is not None}

    def to_toml(self) -> str:
        """The resolved configuration as TOML text, ready for ``fcnn train --config``.

        Example:
            >>> print(TrainConfig(hidden=[8], optimizer="adam").to_toml().splitlines()[4])
            hidden = [8]
        """
        return to_toml(self.to_dict())

    def replace(self, **changes: Any) -> TrainConfig:
        """A new configuration: this one's given values with ``changes`` on top.

        A change to None removes the key (its default applies again).

        Example:
            >>> TrainConfig(optimizer="sgd", momentum=0.5).replace(momentum=0.0).momentum
            0.0
            >>> TrainConfig(optimizer="sgd", momentum=0.5).replace(optimizer="adam",
            ...                                                     momentum=None).lr
            0.001
        """
        values = {**self._given, **changes}
        return TrainConfig.from_dict({k: v for k, v in values.items() if v is not None})

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TrainConfig):
            return self.to_dict() == other.to_dict()
        if isinstance(other, Mapping):
            return self.to_dict() == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={value!r}" for key, value in self._given.items())
        return f"TrainConfig({shown})"


def to_toml(config: Mapping[str, Any]) -> str:
    """A flat configuration as TOML text, one ``key = value`` per line (None left out).

    Lists and tables stay on one line, as people write them (``hidden = [64, 32]``).

    Example:
        >>> print(to_toml({"lr": 0.1, "hidden": [64], "clip_norm": None, "x": {"noise": 0.2}}))
        lr = 0.1
        hidden = [64]
        x = {noise = 0.2}
    """
    def value(item: Any) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, (list, tuple)):
            return "[" + ", ".join(value(x) for x in item) + "]"
        if isinstance(item, Mapping):
            return "{" + ", ".join(f"{json.dumps(str(k))} = {value(v)}" if not str(k).isidentifier()
                                   else f"{k} = {value(v)}" for k, v in item.items()) + "}"
        return json.dumps(item)  # numbers and strings: JSON's forms are valid TOML

    return "\n".join(f"{key} = {value(item)}" for key, item in config.items()
                     if item is not None)


def _chosen_names(value: str | list[str]) -> list[str]:
    return list(dict.fromkeys(value)) if isinstance(value, list) else [value]


def _check_together(values: dict[str, Any], where: str) -> None:
    """The checks that involve more than one key."""
    activation = values["activation"]
    if isinstance(activation, list) and len(activation) != len(values["hidden"]):
        raise ConfigError("activation", f"{where}activation: lists {len(activation)} names for "
                                        f"{len(values['hidden'])} hidden layers "
                                        f"(hidden = {values['hidden']}); give one name per "
                                        f"hidden layer, or one name for all.")
    if values["early_stopping"] is not None and not values["validation_split"]:
        raise ConfigError("early_stopping", f"{where}early_stopping: watches the validation "
                                            f"loss, but validation_split is 0; set "
                                            f"validation_split = 0.1 (say) or remove "
                                            f"early_stopping.")
    if values["batchnorm"] and values["batch_size"] < 2:
        raise ConfigError("batch_size", f"{where}batch_size: batch normalisation needs at least "
                                        f"2 samples per batch, got batch_size = "
                                        f"{values['batch_size']}; raise it or set "
                                        f"batchnorm = false.")
