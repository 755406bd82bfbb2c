"""The registries: one normalisation rule, errors that list the valid names, strict options."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fcnn.data import AUGMENTATIONS, DATASETS, PREPROCESSORS
from fcnn.errors import ConfigError
from fcnn.nn import ACTIVATIONS, INITIALIZERS, LOSSES
from fcnn.optim import OPTIMIZERS, SCHEDULES
from fcnn.registry import Entry, Option, Registry, normalize_name

TABLES = [ACTIVATIONS, LOSSES, INITIALIZERS, OPTIMIZERS, SCHEDULES, DATASETS, PREPROCESSORS,
          AUGMENTATIONS]


@pytest.mark.parametrize("registry", TABLES, ids=lambda r: r.kind)
def test_every_table_resolves_every_spelling_of_every_name(registry: Registry) -> None:
    for entry in registry.entries():
        for name in (entry.name, *entry.aliases):
            for spelling in (name, name.upper(), name.replace("_", "-"), f" {name} "):
                assert registry.get(spelling) is entry, spelling


@pytest.mark.parametrize("registry", TABLES, ids=lambda r: r.kind)
def test_an_unknown_name_lists_the_valid_ones(registry: Registry) -> None:
    with pytest.raises(ConfigError) as caught:
        registry.get("no-such-thing")
    message = str(caught.value)
    assert message.startswith(f"unknown {registry.kind} 'no-such-thing'; valid names: ")
    assert all(name in message for name in registry.names())
    with pytest.raises(ConfigError, match=r"unknown .* 5 \(an integer\)"):
        registry.get(5)


def test_a_near_miss_gets_a_suggestion() -> None:
    with pytest.raises(ConfigError, match=r"did you mean 'sigmoid'\?"):
        ACTIVATIONS.get("sigmod")


def test_names_and_aliases_cannot_collide() -> None:
    table = Registry("thing")
    table.add("leaky_relu", None, aliases=("lrelu",))
    with pytest.raises(ValueError, match="'Leaky-ReLU' is already taken by 'leaky_relu'"):
        table.add("Leaky-ReLU", None)
    with pytest.raises(ValueError, match="'LReLU' is already taken by 'leaky_relu'"):
        table.add("other", None, aliases=("LReLU",))


def test_temporarily_registers_and_removes() -> None:
    entry = Entry("cube", lambda x: x ** 3, aliases=("x3",))
    with ACTIVATIONS.temporarily(entry):
        assert ACTIVATIONS.get("X3") is entry and "cube" in ACTIVATIONS.names()
    assert "cube" not in ACTIVATIONS and "x3" not in ACTIVATIONS


def test_normalize_name() -> None:
    assert normalize_name("Fashion-MNIST") == normalize_name("fashion_mnist") == "fashion_mnist"


NUMBER = Option("lr", float, 0.01, low=0, low_open=True)
RATE = Option("p", float, 0.0, low=0, high=1, high_open=True)
COUNT = Option("epochs", int, 10, low=1)
FLAG = Option("batchnorm", bool, False)
WIDTHS = Option("hidden", int, [64], low=1, is_list=True)
PAIR = Option("betas", float, [0.9, 0.999], low=0, high=1, high_open=True, is_list=True, length=2)
NAME = Option("activation", str, "relu", choices=ACTIVATIONS, list_ok=True)
MAYBE = Option("clip_norm", float, None, low=0, low_open=True, nullable=True)


@pytest.mark.parametrize("option, value, expected", [
    (NUMBER, 0.1, 0.1), (NUMBER, 3, 3.0), (NUMBER, np.float32(0.5), 0.5),
    (RATE, 0, 0.0), (COUNT, 7, 7), (COUNT, np.int64(7), 7), (FLAG, True, True),
    (FLAG, np.bool_(False), False), (WIDTHS, [], []), (WIDTHS, (8, 4), [8, 4]),
    (PAIR, [0.5, 0.9], [0.5, 0.9]), (NAME, "Leaky-ReLU", "leaky_relu"),
    (NAME, ["relu", "none"], ["relu", "identity"]), (MAYBE, None, None), (MAYBE, 1, 1.0),
])
def test_valid_values_come_back_in_their_type(option: Option, value, expected) -> None:
    result = option.check(value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("option, value, fragment", [
    (NUMBER, "0.1", "lr: expected a number > 0; got '0.1' (a string). For example: lr = 0.01."),
    (NUMBER, 0, "expected a number > 0; got 0 (an integer)"),
    (NUMBER, True, "got true (a boolean)"),
    (NUMBER, math.nan, "got nan (a number)"),
    (NUMBER, math.inf, "got inf (a number)"),
    (NUMBER, None, "got None"),
    (RATE, 1.0, "expected a number in [0, 1); got 1.0"),
    (COUNT, 2.5, "expected an integer >= 1; got 2.5 (a number)"),
    (COUNT, 10.0, "expected an integer >= 1; got 10.0 (a number)"),
    (COUNT, 0, "expected an integer >= 1; got 0"),
    (FLAG, "false", "batchnorm: expected true or false; got 'false' (a string)"),
    (FLAG, 1, "expected true or false; got 1 (an integer)"),
    (WIDTHS, "64", "hidden: expected a list of values, each an integer >= 1; got '64' (a string)"),
    (WIDTHS, 64, "got 64 (an integer). For example: hidden = [64]."),
    (WIDTHS, [64, 0], "got [64, 0] (a list)"),
    (WIDTHS, [64, "32"], "got [64, '32'] (a list)"),
    (PAIR, [0.9], "expected a list of 2 values, each a number in [0, 1), not 1 values"),
    (NAME, 5, "expected one of relu, leaky_relu, sigmoid, tanh, identity, or a list of them; "
              "got 5 (an integer)"),
    (NAME, "gelu", "(did you mean 'relu'?); got 'gelu'"),
    (NAME, {"relu": 1}, "got {"),
])
def test_bad_values_name_the_key_the_expectation_the_value_and_a_fix(option: Option, value,
                                                                      fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        option.check(value)
    assert fragment in str(caught.value) and caught.value.key == option.name


def test_entry_options_are_checked_and_completed() -> None:
    sgd = OPTIMIZERS.get("sgd")
    assert sgd.resolve({"momentum": 0.5}) == {"lr": 0.01, "momentum": 0.5, "nesterov": False,
                                               "weight_decay": 0.0}
    with pytest.raises(ConfigError, match="betas: sgd does not take this option \\(it takes lr, "
                                          "momentum, nesterov, weight_decay\\); remove it."):
        sgd.resolve({"betas": [0.9, 0.99]})


@pytest.mark.parametrize("registry", [OPTIMIZERS], ids=["optimizers"])
def test_option_defaults_are_the_classes_own(registry: Registry) -> None:
    # one source of truth: a class built with no options equals the table's defaults
    import inspect

    for entry in registry.entries():
        signature = inspect.signature(entry.target)
        for option in entry.options:
            default = signature.parameters[option.name].default
            expected = list(default) if isinstance(default, tuple) else default
            assert option.default == expected, (entry.name, option.name)
