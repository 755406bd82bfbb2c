"""The README's Python examples run and print what the README says they print."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def _expected_lines(block: str) -> list[str]:
    """What each print(...) line claims: an inline '# value' or a '# value' line after it."""
    expected, lines = [], block.splitlines() + [""]
    for line, following in zip(lines, lines[1:]):
        if not line.lstrip().startswith("print("):
            continue
        if "  # " in line:
            expected.append(line.split("  # ", 1)[1].split(" (")[0].strip())
        elif following.startswith("# "):
            expected.append(following[2:].split("  ")[0].strip())
    return expected


OPTIONAL = ("sklearn", "onnx", "onnxruntime", "torch")


@contextlib.contextmanager
def registries_restored():
    """Entries a README example registers (softplus) are removed again afterwards."""
    from fcnn.data import AUGMENTATIONS, DATASETS, PREPROCESSORS
    from fcnn.nn import ACTIVATIONS, INITIALIZERS, LOSSES
    from fcnn.optim import OPTIMIZERS, SCHEDULES

    tables = [ACTIVATIONS, LOSSES, INITIALIZERS, OPTIMIZERS, SCHEDULES, DATASETS,
              PREPROCESSORS, AUGMENTATIONS]
    before = [set(table.names()) for table in tables]
    try:
        yield
    finally:
        for table, names in zip(tables, before):
            for name in set(table.names()) - names:
                table.unregister(name)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_block_runs_and_prints_what_it_claims(
        index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    block = BLOCKS[index]
    for module in OPTIONAL:  # a block using an optional extra runs where the extra is installed
        if re.search(rf"^\s*(import|from) {module}\b", block, re.M):
            pytest.importorskip(module)
    monkeypatch.chdir(tmp_path)  # files the examples write land in a temporary folder
    output = io.StringIO()
    with contextlib.redirect_stdout(output), registries_restored():
        exec(compile(block, f"README block {index}", "exec"), {})
    printed = output.getvalue().splitlines()
    for claim in _expected_lines(block):
        prefix = claim.split("...")[0]
        assert any(line.startswith(prefix) for line in printed), (claim, printed)


def test_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 3
