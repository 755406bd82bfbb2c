"""The docstring examples of the core modules run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "fcnn.engine.tensor", "fcnn.engine.ops", "fcnn.engine.gradcheck",
    "fcnn.nn.functional", "fcnn.nn.init", "fcnn.nn.layers", "fcnn.nn.losses", "fcnn.nn.module",
    "fcnn.nn.serialization",
    "fcnn.optim.optimizers", "fcnn.optim.schedules",
    "fcnn.train.callbacks", "fcnn.train.loop",
    "fcnn.info", "fcnn.metrics", "fcnn.errors",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_the_core_has_examples() -> None:
    attempted = sum(doctest.testmod(importlib.import_module(n)).attempted for n in MODULES)
    assert attempted >= 40
