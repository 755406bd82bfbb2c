"""Every docstring example of the package runs and gives what it shows.

One runner walks every module of ``fcnn``. A module with docstrings must carry at
least one example, so a module whose examples silently stop being collected fails
here; the exceptions are listed with the reason.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import fcnn

#: modules without examples, and why.
NO_EXAMPLES = {
    "fcnn.cli": "the command line: tested by running the commands (tests/cli, test_configs)",
    "fcnn.engine": "a package that only re-exports names",
    "fcnn.nn": "a package that only re-exports names",
    "fcnn.optim": "a package that only re-exports names",
    "fcnn.train": "a package that only re-exports names",
    "fcnn.viz": "a package that only re-exports names",
}

#: modules that need an optional extra to import, and the module that extra provides.
EXTRAS = {"fcnn.onnx": "onnxruntime", "fcnn.torch": "torch", "fcnn.sklearn": "sklearn"}


def _modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(fcnn.__path__, "fcnn.")]
    return ["fcnn", *sorted(n for n in names if not n.endswith("__main__"))]


def _exempt(name: str) -> bool:
    return name in NO_EXAMPLES or name.startswith("fcnn.cli.")


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name: str, tmp_path, monkeypatch) -> None:
    if name in EXTRAS:
        pytest.importorskip(EXTRAS[name])
    module = importlib.import_module(name)
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
    if _exempt(name):
        return
    assert result.attempted > 0, (f"{name} has no docstring example; add one (or list it in "
                                  f"NO_EXAMPLES with the reason)")


def test_the_walk_finds_every_room() -> None:
    rooms = {name.split(".")[1] for name in _modules() if name.count(".") >= 1}
    assert {"engine", "nn", "optim", "train", "run", "data", "viz", "cli", "registry",
            "errors", "random"} <= rooms
