"""The docstring examples of every fcnn.data module and of fcnn.limits run and give what they
show; a module with docstrings but no example fails."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import fcnn.data

MODULES = sorted(["fcnn.data", "fcnn.limits",
                  *(f"fcnn.data.{info.name}" for info in pkgutil.iter_modules(fcnn.data.__path__))])


def test_every_data_module_is_listed():
    assert {"fcnn.data.cifar", "fcnn.data.idx", "fcnn.data.image_folder", "fcnn.data.files",
            "fcnn.data.download", "fcnn.data.toy"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FCNN_DATA_DIR", str(tmp_path / "cache"))  # examples never touch a cache
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    tests = finder.find(module, name)
    has_docstrings = any(test.docstring for test in tests)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
    if has_docstrings:
        assert result.attempted > 0, f"{name} has docstrings but no runnable example"
