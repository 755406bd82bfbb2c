"""The docstring examples of fcnn.viz run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["fcnn.viz.expression", "fcnn.viz.graph", "fcnn.viz.curves", "fcnn.viz.losses",
           "fcnn.viz.boundary", "fcnn.viz.templates", "fcnn.viz.training", "fcnn.viz.lecture",
           "fcnn.viz.style", "fcnn.viz.regions", "fcnn.viz.text", "fcnn.viz.i18n",
           "fcnn.viz.quiz"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
