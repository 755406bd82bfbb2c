"""The lecture notebooks are up to date, run from top to bottom, and show rich displays.

Executing them needs the ``notebook`` extra (nbclient, nbformat, ipykernel); without
it those tests skip. The decision-boundary nets train briefly here (the notebook's
parameters cell is overridden, as papermill does), so the run takes seconds.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fcnn
from fcnn.nn import MLP
from fcnn.train import History

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
QUICK = "EPOCHS = 40\nSEEDS = (0,)"


def generator():
    spec = importlib.util.spec_from_file_location("make_notebooks",
                                                  NOTEBOOKS / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_notebooks_are_generated_from_the_current_source(lang):
    make = generator()
    assert make.path_for(lang).read_text(encoding="utf-8") == make.render(lang), (
        "run: python notebooks/make_notebooks.py")
    notebook = make.build(lang)
    tagged = [c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    assert all(not c.get("outputs") for c in notebook["cells"] if c["cell_type"] == "code")


def outputs_of(cell):
    return [o for o in cell.get("outputs", [])]


def mimetypes(cell):
    return {m for o in outputs_of(cell) for m in o.get("data", {})}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_notebook_runs_and_shows_graphs_tables_and_curves(lang, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(NOTEBOOKS / f"lecture-{lang}.ipynb", as_version=4)
    at = next(i for i, c in enumerate(notebook.cells)
              if "parameters" in c.metadata.get("tags", []))
    injected = nbformat.v4.new_code_cell(QUICK, metadata={"tags": ["injected-parameters"]})
    notebook.cells.insert(at + 1, injected)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError if any cell fails
    code = [c for c in notebook.cells if c.cell_type == "code"]
    for cell in code:
        for output in outputs_of(cell):
            assert output.output_type != "error"
            assert "missing from font" not in output.get("text", "")
    by_source = {c.source.strip().splitlines()[-1]: c for c in code}
    assert "text/html" in mimetypes(by_source["linear"])           # a model: summary table
    assert "image/png" in mimetypes(by_source["history"])          # a History: its curves
    assert "image/png" in mimetypes(by_source["neuron"])           # a Tensor: its graph
    assert "image/png" in mimetypes(by_source["coarse"])
    table = by_source["linear"].outputs[0]["data"]["text/html"]
    assert ("parameters" if lang == "en" else "参数个数") in table and "650" in table
    figures = sum("image/png" in mimetypes(c) for c in code)
    assert figures == 16  # curves, 2 templates, 3 boundary, 5 lecture figures, 5 graphs


def test_rich_display_formatters():
    interactive = pytest.importorskip("IPython.core.interactiveshell")
    from fcnn.viz import notebook

    shell = interactive.InteractiveShell.instance()
    notebook.load_ipython_extension(shell)
    try:
        x = fcnn.tensor(2.0, requires_grad=True, label="x")
        y = x * x + 1
        data, _ = shell.display_formatter.format(y)
        assert data["image/png"][:4] == b"\x89PNG" and "text/plain" in data
        assert y.grad is None  # displaying never runs backward()
        leaf, _ = shell.display_formatter.format(x)
        assert "image/png" not in leaf  # a leaf has no graph to draw
        model, _ = shell.display_formatter.format(MLP(4, [3], 2, seed=0))
        assert "<table>" in model["text/html"] and "23" in model["text/html"]
        history = History()
        for epoch in (1, 2):
            history.append({"epoch": epoch, "loss": 1 / epoch, "accuracy": 0.5 * epoch})
        curves, _ = shell.display_formatter.format(history)
        assert curves["image/png"][:4] == b"\x89PNG"
        big = fcnn.tensor(np.ones(3), requires_grad=True)
        for _ in range(40):
            big = big * 1.01 + 0.1
        assert "image/png" not in shell.display_formatter.format(big)[0]
    finally:
        notebook.unload_ipython_extension(shell)
    assert "image/png" not in shell.display_formatter.format(x * 2)[0]


def test_importing_fcnn_viz_inside_ipython_registers_the_displays():
    pytest.importorskip("IPython")
    script = ("from IPython.core.interactiveshell import InteractiveShell\n"
              "shell = InteractiveShell.instance()\n"
              "import fcnn, fcnn.viz\n"
              "data, _ = shell.display_formatter.format(fcnn.tensor(1.0, requires_grad=True)"
              " * 2)\n"
              "print(sorted(data))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=True)
    assert "image/png" in result.stdout
    plain = subprocess.run([sys.executable, "-c", "import sys, fcnn.viz; "
                            "print('IPython' in sys.modules)"], capture_output=True,
                           text=True, timeout=120, check=True)
    assert plain.stdout.strip() == "False"  # outside IPython nothing is imported
