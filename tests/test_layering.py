"""The rooms show the flow: no module imports a layer above its own.

    errors, registry, random, info, metrics  <-  engine  <-  nn, data  <-  optim  <-  train
    <-  run  <-  viz, sweep, sklearn, onnx, torch, playground  <-  cli

Every ``import fcnn.X`` and ``from fcnn.X import ...`` counts, at the top of a module or
inside a function (a lazy import up the layers is still one).
"""

from __future__ import annotations

import ast
from pathlib import Path

import fcnn

SOURCE = Path(fcnn.__file__).parent

#: The layer of each room (the first part of a module name under fcnn).
LAYERS = {
    "errors": 0, "registry": 0, "random": 0, "_extras": 0, "info": 0, "metrics": 0,
    "limits": 0, "files": 0, "threads": 0,
    "engine": 1, "nn": 2, "data": 2, "optim": 3, "train": 4, "run": 5, "viz": 6, "sweep": 6,
    "sklearn": 6, "onnx": 6, "torch": 6, "playground": 6, "cli": 7,
}


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] if node.module != "fcnn" else \
                [f"fcnn.{alias.name}" for alias in node.names]
            found += [(node.lineno, name) for name in names]
    return [(line, name) for line, name in found if name.startswith("fcnn.")]


def upward_imports() -> list[str]:
    problems = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE)
        if relative.name == "__init__.py" and len(relative.parts) == 1:
            continue  # the package root gathers the light rooms for `import fcnn`
        room = relative.parts[0].removesuffix(".py")
        for line, name in _imports(path):
            target = _room(name)
            if target in LAYERS and LAYERS[target] > LAYERS[room]:
                problems.append(f"{relative}:{line} ({room}, layer {LAYERS[room]}) imports "
                                f"{name} (layer {LAYERS[target]})")
    return problems


def test_every_room_has_a_layer() -> None:
    rooms = {p.relative_to(SOURCE).parts[0].removesuffix(".py") for p in SOURCE.rglob("*.py")}
    assert rooms - {"__init__"} <= set(LAYERS), rooms - set(LAYERS)


def test_no_import_runs_up_the_layers() -> None:
    assert upward_imports() == []


def test_the_check_catches_an_upward_import(tmp_path, monkeypatch) -> None:
    fake = tmp_path / "fcnn"
    (fake / "nn").mkdir(parents=True)
    (fake / "nn" / "bad.py").write_text("def f():\n    from fcnn.train import fit\n")
    monkeypatch.setattr(__import__(__name__), "SOURCE", fake)
    assert upward_imports() == ["nn/bad.py:2 (nn, layer 2) imports fcnn.train (layer 4)"]
