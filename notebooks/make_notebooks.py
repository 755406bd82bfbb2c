"""Write the lecture notebooks, ``lecture-en.ipynb`` and ``lecture-zh.ipynb``, from one source.

Both notebooks run the same code; their words come from fcnn's string tables
(``fcnn.viz.strings``), so the two languages say the same thing and stay in sync
with ``fcnn lecture``. The notebooks are written without outputs (run them, or let
the test suite run them: ``tests/viz/test_notebooks.py``). Run this script again
after changing it or the strings:

    python notebooks/make_notebooks.py          # rewrites both notebooks
    python notebooks/make_notebooks.py --check  # exit 1 if a notebook is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fcnn.viz.i18n import LANGUAGES, tr

FOLDER = Path(__file__).resolve().parent

#: (kind, content) pairs; markdown given as string keys (or literal text), code as source.
#: "{lang}" in code is the notebook's language; "{epochs_comment}" and "{seeds_comment}" are
#: translated comments (write other braces in code doubled: {{"x": 1.0}}).
CELLS: list[tuple[str, str | list[str]]] = [
    ("title", ["notebook.title", "notebook.intro"]),
    ("markdown", ["notebook.setup"]),
    ("code", """\
from fcnn.viz import i18n

%load_ext fcnn.viz.notebook
i18n.set_language("{lang}")"""),
    ("markdown", ["notebook.parameters"]),
    ("parameters", """\
EPOCHS = 1500      # {epochs_comment}
SEEDS = (0, 1, 2)  # {seeds_comment}"""),
    # 1. structure
    ("heading", ["lecture.structure"]),
    ("code", """\
from fcnn.data import load_dataset, make_preprocessing
from fcnn.nn import MLP
from fcnn.train import evaluate, fit

digits = load_dataset("digits")
prep = make_preprocessing(["scale", "standardize"], digits.image_shape)
X_train, X_test = prep.fit_transform(digits.X_train), prep.transform(digits.X_test)
linear = MLP(64, hidden=[], out_features=10, seed=0)   # f = Wx + b
history = fit(linear, X_train, digits.y_train, lr=0.05, epochs=15, validation_split=0.1,
              progress=False)
print(evaluate(linear, X_test, digits.y_test))"""),
    ("markdown", ["notebook.model"]),
    ("code", "linear"),
    ("markdown", ["notebook.history"]),
    ("code", "history"),
    ("code", """\
from fcnn.viz.templates import plot_linear_templates, plot_two_layer_templates

plot_linear_templates(linear, digits.image_shape, digits.class_names)"""),
    ("code", """\
two_layer = MLP(64, hidden=[16], out_features=10, seed=0)   # f = W2 max(0, W1 x + b1) + b2
fit(two_layer, X_train, digits.y_train, lr=0.05, epochs=15, progress=False)
plot_two_layer_templates(two_layer, digits.image_shape, digits.class_names)"""),
    ("code", """\
from fcnn.viz.boundary import (
    depth_architectures,
    plot_separability,
    plot_structure_grid,
    width_architectures,
)

figure, panels = plot_separability(epochs=min(EPOCHS, 200), progress=False)
figure"""),
    ("markdown", ["lecture.width_title"]),
    ("code", """\
figure, panels = plot_structure_grid(architectures=width_architectures([3, 6, 20]),
                                     epochs=EPOCHS, seeds=SEEDS, progress=False)
figure"""),
    ("markdown", ["lecture.depth_title"]),
    ("code", """\
figure, panels = plot_structure_grid(architectures=depth_architectures([2, 3, 4], 6),
                                     without_activation=True, epochs=EPOCHS, seeds=SEEDS,
                                     progress=False)
figure"""),
    ("markdown", ["lecture.pieces_note", "lecture.collapse_note"]),
    # 2. activations
    ("heading", ["lecture.activations"]),
    ("markdown", ["lecture.act"]),
    ("code", """\
from fcnn.viz.curves import plot_activations, plot_softmax

plot_activations(negative_slope=0.1)"""),
    ("markdown", ["lecture.softmax"]),
    ("code", """\
plot_softmax([1.3, 5.1, 2.2, 0.7, 1.1], [i18n.tr("word.class_n", i=i) for i in range(1, 6)])"""),
    # 3. losses
    ("heading", ["lecture.losses"]),
    ("markdown", ["lecture.starfish"]),
    ("code", """\
from fcnn.viz.losses import (
    LECTURE_CLASSES,
    LECTURE_MODELS,
    compare_losses,
    loss_table,
    plot_entropy_examples,
    plot_loss_comparison,
)

plot_softmax([0.6, -2.3, 1.9], LECTURE_CLASSES, true_class=0)"""),
    ("markdown", ["lecture.models"]),
    ("code", """\
rows = compare_losses(LECTURE_MODELS, true_class=0, base=10)
loss_table(rows)"""),
    ("code", "plot_loss_comparison(rows)"),
    ("markdown", ["lecture.entropy"]),
    ("code", "plot_entropy_examples(base=10)"),
    # 4. forward / backward
    ("heading", ["lecture.backprop"]),
    ("markdown", ["lecture.xy", "notebook.tensor"]),
    ("code", """\
from fcnn.viz.expression import parse_expression

f = parse_expression("(x + y)**2", {{"x": 1.0, "y": 2.0}})
f"""),
    ("code", """\
f.backward()
f"""),
    ("markdown", ["lecture.sin"]),
    ("code", """\
g = parse_expression("sin(1/x**2)", {{"x": 1.5}})
g.backward()
g"""),
    ("markdown", ["lecture.neuron"]),
    ("code", """\
neuron = parse_expression("sigmoid(w0*x0 + w1*x1 + b)",
                          {{"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "b": -3.0}})
neuron.backward()
neuron"""),
    ("markdown", ["lecture.table"]),
    ("code", """\
from fcnn.viz.graph import backward_steps, backward_table

backward_table(backward_steps(neuron))"""),
    # 5. granularity
    ("heading", ["lecture.granularity"]),
    ("code", """\
coarse = parse_expression("sigmoid(w0*x0 + w1*x1 + b)",
                          {{"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "b": -3.0}},
                          granularity="coarse")
coarse.backward()
coarse"""),
    # 6. Pop Quiz
    ("heading", ["lecture.quiz"]),
    ("markdown", ["notebook.quiz"]),
    ("code", """\
from fcnn.viz.quiz import quiz_table

quiz_table()"""),
]


def _source(text: str) -> list[str]:
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def build(lang: str) -> dict:
    """The notebook for ``lang`` as a JSON-ready dict (nbformat 4.5, no outputs)."""
    cells = []
    for index, (kind, content) in enumerate(CELLS):
        cell_id = f"{lang}-{index:02d}"
        if kind in ("title", "heading", "markdown"):
            keys = content if isinstance(content, list) else [content]
            texts = [tr(key, lang) for key in keys]
            if kind == "title":
                texts[0] = f"# {texts[0]}"
            elif kind == "heading":
                texts[0] = f"## {texts[0]}"
            cells.append({"cell_type": "markdown", "id": cell_id, "metadata": {},
                          "source": _source("\n\n".join(texts))})
            continue
        metadata = {"tags": ["parameters"]} if kind == "parameters" else {}
        cells.append({"cell_type": "code", "execution_count": None, "id": cell_id,
                      "metadata": metadata, "outputs": [],
                      "source": _source(str(content).format(
                          lang=lang, epochs_comment=tr("notebook.epochs_comment", lang),
                          seeds_comment=tr("notebook.seeds_comment", lang)))})
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def render(lang: str) -> str:
    """The notebook file's text for ``lang`` (stable: the same input gives the same bytes)."""
    return json.dumps(build(lang), ensure_ascii=False, indent=1) + "\n"


def path_for(lang: str) -> Path:
    return FOLDER / f"lecture-{lang}.ipynb"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="only check that the notebooks are up to date")
    args = parser.parse_args(argv)
    stale = []
    for lang in LANGUAGES:
        text = render(lang)
        target = path_for(lang)
        if args.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(target.name)
            continue
        partial = target.with_name(f".{target.name}.partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(target)
        print(f"wrote {target}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python notebooks/make_notebooks.py",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
