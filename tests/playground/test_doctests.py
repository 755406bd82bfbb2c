"""The docstring examples of the playground's modules run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["fcnn.data.playground", "fcnn.playground", "fcnn.playground.setup",
           "fcnn.playground.session", "fcnn.playground.explain", "fcnn.playground.server"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
