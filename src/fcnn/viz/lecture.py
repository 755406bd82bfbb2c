"""The lecture, section by section, with the library's numbers next to the lecture's.

``run_lecture("lecture/")`` recomputes every worked example of the lecture on the
real engine (structure, activations, losses and entropy, forward/backward,
granularity, the Pop Quiz), writes every figure (PNG + SVG) and an index page
(``index.md`` and ``index.html``) into one folder, and returns the sections, each
with its text, tables and a list of :class:`Check` rows: the quantity, the number
printed in the lecture, the library's number, and whether they agree to the
lecture's rounding. Where the lecture's numbers are rounded or inconsistent the
check says so instead of bending the math.

Everything is available in English and Chinese (``lang="en"`` or ``"zh"``, the
lecture's language): printed text, tables, figure titles, axes and legends, and the
HTML page. Each language writes its own folder by default (``lecture/`` and
``lecture-zh/``). Chinese figures need a CJK font (see :mod:`fcnn.viz.i18n`).
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fcnn import info
from fcnn.data.cifar import IMAGE_SHAPE
from fcnn.engine import Tensor
from fcnn.nn import MLP, cross_entropy, hinge_loss
from fcnn.run import TrainConfig, run_experiment
from fcnn.viz.boundary import (
    LECTURE_DATA,
    LECTURE_TRAINING,
    BoundaryPanel,
    depth_architectures,
    describe_data,
    plot_separability,
    plot_structure_grid,
    width_architectures,
)
from fcnn.viz.curves import plot_activations, plot_softmax, softmax_probabilities
from fcnn.viz.expression import parse_expression
from fcnn.viz.graph import backward_steps, backward_table, draw_graph
from fcnn.viz.i18n import CSS_FONT_STACK, check_language, class_label, language, tr
from fcnn.viz.losses import (
    LECTURE_CLASSES,
    LECTURE_MATCHES,
    LECTURE_MODELS,
    compare_losses,
    loss_table,
    plot_entropy_examples,
    plot_loss_comparison,
)
from fcnn.viz.quiz import LETTERS, questions
from fcnn.viz.style import save_figure, write_text_atomic
from fcnn.viz.templates import plot_linear_templates, plot_two_layer_templates
from fcnn.viz.text import Table, display_width

LANGUAGES = ("en", "zh")
NEURON = "sigmoid(w0*x0 + w1*x1 + b)"
NEURON_VALUES = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "b": -3.0}
SECTIONS = ("structure", "activations", "losses", "backprop", "granularity", "quiz")
#: the folder each language writes by default
DEFAULT_FOLDERS = {"en": "lecture", "zh": "lecture-zh"}
#: training epochs of the separability figure (the width/depth figures: LECTURE_TRAINING)
SEPARABILITY_EPOCHS = 200


def _parse_printed(text: str) -> tuple[float, int, bool]:
    """(value, decimals, approximate) of a number as the lecture prints it: "0.73", "≈ 0"."""
    text = text.strip().lower().replace("×10^", "e").replace("x10^", "e")
    approximate = text.startswith("≈")
    text = text.lstrip("≈ ")
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.partition(".")[2])
    scale = 10.0 ** (int(exponent) if exponent else 0)
    return float(mantissa) * scale, decimals, approximate


def agrees(lecture: str, value: float) -> bool:
    """Whether ``value`` equals the lecture's printed number to the lecture's rounding.

    ``"0.73"`` allows +-0.005; ``"6.14e-6"`` allows +-0.005e-6.

    Example:
        >>> agrees("0.73", 0.7311), agrees("0.0043", 3.65e-6), agrees("2.26e-6", 2.2603e-6)
        (True, False, True)
    """
    number, decimals, _ = _parse_printed(lecture)
    exponent = lecture.lower().replace("×10^", "e").replace("x10^", "e").partition("e")[2]
    scale = 10.0 ** (int(exponent) if exponent else 0)
    tolerance = 0.5 * 10.0 ** -decimals * scale
    return abs(float(value) - number) <= tolerance * (1 + 1e-9)


def _plain_number(value: float) -> str:
    """An integer as an integer, anything else with four decimals (more if they would
    round it to an integer), trailing zeros trimmed.

    Example:
        >>> _plain_number(3072.0), _plain_number(2.3), _plain_number(0.73106), _plain_number(-0.0)
        ('3072', '2.3', '0.7311', '0')
        >>> _plain_number(0.999992), _plain_number(6.1e-6)
        ('0.999992', '6.100e-06')
    """
    value = float(value)
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) < 1e-3 or abs(value) >= 1e6:
        return f"{value:.3e}"
    for decimals in (4, 6, 9):
        text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
        if not float(text).is_integer():
            return text
    return f"{value:.12g}"


@dataclass
class Check:
    """One worked number: the lecture's value, the library's, and whether they agree.

    ``lecture`` is the number as the lecture prints it (``"0.73"``, ``"3072"``); a
    claim the lecture makes only approximately (``"≈ 0"``) agrees within
    ``tolerance``, and its ``note`` says why that is fair.
    """

    quantity: str
    lecture: str
    library: float
    note: str = ""
    shown: str | None = None  # how to print the library's number (default: as the lecture)
    tolerance: float | None = None

    @property
    def approximate(self) -> bool:
        return _parse_printed(self.lecture)[2]

    @property
    def ok(self) -> bool:
        if self.approximate:
            if self.tolerance is None:
                raise ValueError(f"check {self.quantity!r}: an approximate claim "
                                 f"({self.lecture}) needs a tolerance.")
            return abs(float(self.library) - _parse_printed(self.lecture)[0]) <= self.tolerance
        return agrees(self.lecture, self.library)

    def library_text(self) -> str:
        return self.shown if self.shown is not None else _plain_number(self.library)

    def status(self) -> str:
        if not self.ok:
            return tr("lecture.differs")
        return tr("lecture.agrees_approx") if self.approximate else tr("lecture.agrees")


@dataclass
class Section:
    """One part of the lecture: its title, paragraphs and tables, figures and checks."""

    key: str
    title: str
    text: list[str | Table] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)


def _panel_numbers(panels: Sequence[BoundaryPanel]) -> tuple[str, str]:
    """("48.0 ± 2.1%, ...", "7, 22, 79"): accuracy and mean boundary pieces of each panel."""
    accuracy = tr("word.sep").join(
        f"{100 * p.train_accuracy:.1f} ± {100 * p.accuracy_spread:.1f}%" for p in panels)
    pieces = tr("word.sep").join(f"{p.mean_pieces:.0f}" if p.mean_pieces is not None else "-"
                                 for p in panels)
    return accuracy, pieces


class Lecture:
    """Builds the sections one by one, writing figures into ``out``.

    ``epochs`` (None: the lecture's settings) trains every decision-boundary panel;
    ``seeds`` are the seeds of the width and depth figures; ``seed`` seeds the rest.
    """

    def __init__(self, out: str | Path, lang: str = "en", epochs: int | None = None,
                 seed: int = 0, progress: bool = True,
                 seeds: Sequence[int] = LECTURE_TRAINING["seeds"]) -> None:
        self.out, self.lang, self.seed = Path(out), check_language(lang), seed
        self.epochs, self.seeds, self.progress = epochs, tuple(seeds), progress

    def save(self, section: Section, fig: object, name: str) -> None:
        section.figures.append(save_figure(fig, self.out / name)[0])

    # ----- 1. structure ------------------------------------------------------
    def structure(self) -> Section:
        s = Section("structure", tr("lecture.structure"))
        runs = {}
        for hidden in ([], [16]):
            config = TrainConfig(dataset="digits", hidden=hidden, epochs=15, seed=self.seed,
                                 validation_split=0.0, lr=0.05)
            runs[len(hidden)] = run_experiment(config, progress=False, log=None)
        linear, two = runs[0], runs[1]
        names = [str(c) for c in range(10)]
        self.save(s, plot_linear_templates(linear.model, (1, 8, 8), names), "templates_linear")
        s.text.append(tr("lecture.linear", classes=10, pixels=64, shape="8x8",
                         acc=linear.report.accuracy))
        self.save(s, plot_two_layer_templates(two.model, (1, 8, 8), names),
                  "templates_two_layer")
        s.text.append(tr("lecture.two_layer", hidden=16, acc=two.report.accuracy))
        fig, panels = plot_separability(epochs=self.epochs or SEPARABILITY_EPOCHS,
                                        seed=self.seed, progress=self.progress)
        self.save(s, fig, "separability")
        s.text.append(tr("lecture.separable", a=panels[0].train_accuracy,
                         b=panels[1].train_accuracy, c=panels[2].train_accuracy))
        boundary = {**LECTURE_DATA, "seeds": self.seeds, "seed": self.seed,
                    "progress": self.progress,
                    "epochs": self.epochs or LECTURE_TRAINING["epochs"]}
        data = describe_data(LECTURE_DATA["dataset"], LECTURE_DATA["n_samples"],
                             LECTURE_DATA["noise"], LECTURE_DATA["twist"])
        fig, panels = plot_structure_grid(architectures=width_architectures([3, 6, 20]),
                                          title=tr("lecture.width_title"), **boundary)
        self.save(s, fig, "boundary_width")
        accuracy, pieces = _panel_numbers(panels)
        s.text.append(tr("lecture.width", data=data, accs=accuracy, pieces=pieces,
                         n=len(self.seeds)))
        fig, panels = plot_structure_grid(architectures=depth_architectures([2, 3, 4], 6),
                                          without_activation=True,
                                          title=tr("lecture.depth_title"), **boundary)
        self.save(s, fig, "boundary_depth")
        accuracy, pieces = _panel_numbers(panels[:3])
        linear_accuracy, linear_pieces = _panel_numbers(panels[3:])
        s.text.append(tr("lecture.depth", accs=accuracy, pieces=pieces, lin=linear_accuracy,
                         lin_pieces=linear_pieces, n=len(self.seeds)))
        s.text.append(tr("lecture.pieces_note"))
        s.text.append(tr("lecture.collapse", err=collapse_error(self.seed)))
        s.text.append(tr("lecture.collapse_note"))
        return s

    # ----- 2. activations ----------------------------------------------------
    def activations(self) -> Section:
        s = Section("activations", tr("lecture.activations"))
        self.save(s, plot_activations(negative_slope=0.1), "activations")
        s.text.append(tr("lecture.act"))
        scores = [1.3, 5.1, 2.2, 0.7, 1.1]
        self.save(s, plot_softmax(scores, [tr("word.class_n", i=i + 1) for i in range(5)],
                                  title=tr("lecture.softmax_title")), "softmax")
        s.text.append(tr("lecture.softmax"))
        q = softmax_probabilities(scores)
        for i, printed in enumerate(["0.02", "0.90", "0.05", "0.01", "0.02"]):
            s.checks.append(Check(f"softmax({scores[i]})", printed, float(q[i])))
        return s

    # ----- 3. losses and entropy ----------------------------------------------
    def losses(self) -> Section:
        s = Section("losses", tr("lecture.losses"))
        scores = [0.6, -2.3, 1.9]
        classes = list(LECTURE_CLASSES)
        star, lobster, shark = (class_label(c) for c in classes)
        self.save(s, plot_softmax(scores, classes, true_class=0,
                                  title=tr("lecture.starfish_title", true=star)), "starfish")
        s.text.append(tr("lecture.starfish"))
        q = softmax_probabilities(scores)
        for name, printed, value in zip((star, lobster, shark), ["0.21", "0.01", "0.78"], q):
            s.checks.append(Check(f"q({name})", printed, float(value)))
        batch = Tensor(np.asarray([scores], dtype=np.float64))
        ce = float(cross_entropy(batch, [0]).data)
        s.checks.append(Check(tr("lecture.q_ce", name=star), "0.67", ce / math.log(10),
                              tr("lecture.ce_note")))
        s.checks.append(Check(tr("lecture.hinge_loss"), "2.3",
                              float(hinge_loss(batch, [0]).data)))
        s.text.append(tr("lecture.engine_ce", ce=ce, ce10=ce / math.log(10)))

        rows = compare_losses(LECTURE_MODELS, true_class=0, base=10)
        self.save(s, plot_loss_comparison(rows, classes), "loss_comparison")
        s.text.append(tr("lecture.models"))
        s.text.append(loss_table(rows, classes))
        a, b, c = rows
        shark_plus = softmax_probabilities([10.0, -2.0, 3.0])[2]
        s.checks += [
            Check(tr("lecture.model_q", model="A", name=star), "0.99",
                  float(a.probabilities[0]), tr("lecture.a_q_note")),
            Check(tr("lecture.model_q", model="A", name=lobster), "6.14e-6",
                  float(a.probabilities[1])),
            Check(tr("lecture.model_q", model="A", name=shark), "2.26e-6",
                  float(a.probabilities[2]), tr("lecture.shark_note", p=shark_plus)),
            Check(tr("lecture.model_q", model="B", name=star), "0.58",
                  float(b.probabilities[0])),
            Check(tr("lecture.model_q", model="B", name=lobster), "0.21",
                  float(b.probabilities[1])),
            Check(tr("lecture.model_q", model="C", name=star), "≈ 1",
                  float(c.probabilities[0]), tr("lecture.c_q_note"), tolerance=0.005),
            Check(tr("lecture.model_ce", model="A"), "0.0043", a.cross_entropy,
                  tr("lecture.a_note", v=a.cross_entropy)),
            Check(tr("lecture.model_ce", model="B"), "0.237", b.cross_entropy,
                  tr("lecture.b_note")),
            Check(tr("lecture.model_ce", model="C"), "1.69e-48", c.cross_entropy,
                  tr("lecture.c_note", v=c.cross_entropy_exact),
                  shown=tr("lecture.c_shown", v=f"{c.cross_entropy:g}",
                           exact=f"{c.cross_entropy_exact:.2e}")),
        ]
        for row in rows:
            s.checks.append(Check(tr("lecture.model_hinge", model=row.name), "0", row.hinge,
                                  tr("lecture.hinge_all")))

        self.save(s, plot_entropy_examples(base=10), "entropy")
        s.text.append(tr("lecture.entropy"))
        s.checks.append(Check(tr("lecture.certain"), "0",
                              float(info.entropy([0, 0, 1], base=10)) + 0.0))
        lopsided = float(info.entropy(LECTURE_MATCHES[0][1], base=10))
        even = float(info.entropy([1 / 3] * 3, base=10))
        tolerance = 0.05  # about a tenth of the largest entropy of three outcomes, 0.477
        s.checks.append(Check(tr("lecture.lopsided"), "≈ 0", lopsided,
                              tr("lecture.lopsided_note", h=lopsided, even=even,
                                 share=lopsided / even, tolerance=tolerance),
                              tolerance=tolerance))
        s.checks.append(Check(tr("lecture.even"), "0.477", even))
        p, qq = [1.0, 0.0, 0.0], q
        s.text.append(tr("lecture.kl", h=info.cross_entropy(p, qq, base=10),
                         hp=info.entropy(p, base=10) + 0.0,  # -0.0 prints as 0
                         kl=info.kl_divergence(p, qq, base=10)))
        return s

    # ----- 4. forward / backward ---------------------------------------------
    def backprop(self) -> Section:
        s = Section("backprop", tr("lecture.backprop"))
        f = parse_expression("(x + y)**2", {"x": 1.0, "y": 2.0})
        self.save(s, draw_graph(f, title=tr("lecture.square_title")), "graph_square")
        s.text.append(tr("lecture.xy"))
        f = parse_expression("sin(1/x**2)", {"x": 1.5})
        self.save(s, draw_graph(f, title=tr("lecture.sin_title")), "graph_sin")
        s.text.append(tr("lecture.sin"))
        f = parse_expression(NEURON, NEURON_VALUES, granularity="fine")
        self.save(s, draw_graph(f, title=tr("lecture.neuron_fine_title")), "graph_neuron_fine")
        s.text.append(tr("lecture.neuron"))
        s.text.append(tr("lecture.table"))
        s.text.append(backward_table(backward_steps(f)))
        s.checks.append(Check(tr("lecture.f"), "0.73", float(f.data)))
        leaves = {n.label: n for n in f.topological_order() if n.label}
        for name, printed in [("w0", "-0.20"), ("x0", "0.39"), ("w1", "-0.39"),
                              ("x1", "-0.59"), ("b", "0.20")]:
            s.checks.append(Check(f"df/d{name}", printed, float(leaves[name].grad)))
        return s

    # ----- 5. granularity ----------------------------------------------------
    def granularity(self) -> Section:
        s = Section("granularity", tr("lecture.granularity"))
        fine = parse_expression(NEURON, NEURON_VALUES, granularity="fine")
        coarse = parse_expression(NEURON, NEURON_VALUES, granularity="coarse")
        self.save(s, draw_graph(coarse, title=tr("lecture.neuron_coarse_title")),
                  "graph_neuron_coarse")
        fine.backward()  # (draw_graph ran coarse.backward() already)
        grads = {n.label: n.grad for n in fine.topological_order() if n.label}
        diff = max(abs(float(fine.data) - float(coarse.data)),
                   *(abs(float(n.grad) - float(grads[n.label]))
                     for n in coarse.topological_order() if n.label))
        y = float(coarse.data)
        s.text.append(tr("lecture.coarse", diff=diff, local=y * (1 - y)))
        s.checks.append(Check(tr("lecture.sigmoid_local"), "0.20", y * (1 - y)))
        timing = granularity_timing(seed=self.seed)
        s.text.append(tr("lecture.timing", **timing))
        return s

    # ----- 6. Pop Quiz -------------------------------------------------------
    def quiz(self) -> Section:
        s = Section("quiz", tr("lecture.quiz"))
        s.text.append(tr("lecture.quiz_intro"))
        for question in questions():
            options = "  ".join(f"{letter}. {option}"
                                for letter, option in zip(LETTERS, question.options))
            s.text.append(f"{question.number}. {question.text}  {options}")
            s.text.append(tr("lecture.quiz_answer", answer=question.answer_text,
                             explanation=question.explain()))
        s.checks.append(Check(tr("lecture.flatten"), "3072", float(np.prod(IMAGE_SHAPE))))
        s.checks.append(Check(tr("lecture.rows"), "10",
                              float(MLP(3072, [], 10, seed=self.seed).layers[0].weight.shape[0])))
        best = float(hinge_loss(Tensor(np.array([[10.0, -2.0, -3.0]])), [0]).data)
        s.checks.append(Check(tr("lecture.hinge_min"), "0", best))
        return s


def collapse_error(seed: int = 0) -> float:
    """Max |f(x) - (W'x + b')| for a 3-layer net without activations (W' = W3 W2 W1).

    Example:
        >>> collapse_error() < 1e-5
        True
    """
    net = MLP(4, [5, 6], 3, activation="identity", seed=seed)
    (w1, b1), (w2, b2), (w3, b3) = [(layer.weight.data.astype(np.float64),
                                     layer.bias.data.astype(np.float64))
                                    for layer in net.layers if hasattr(layer, "weight")]
    w_prime = w3 @ w2 @ w1
    b_prime = w3 @ w2 @ b1 + w3 @ b2 + b3
    x = np.random.default_rng(seed).normal(size=(8, 4)).astype(np.float32)
    f = net(Tensor(x)).data.astype(np.float64)
    return float(np.abs(f - (x @ w_prime.T + b_prime)).max())


def granularity_timing(hidden: tuple[int, ...] = (64, 64), n: int = 256, repeats: int = 31,
                       seed: int = 0) -> dict[str, float | str | int]:
    """Median milliseconds of one forward + backward step at each granularity (not asserted).

    The two granularities are timed alternately (after one warm-up step each), and the
    ratio is the median of the paired ratios, so a busy machine disturbs both alike.
    """
    rng = np.random.default_rng(seed)
    X = Tensor(rng.normal(size=(n, 64)).astype(np.float32))
    y = rng.integers(0, 10, n)
    nets = {g: MLP(64, list(hidden), 10, activation="sigmoid", seed=seed, granularity=g)
            for g in ("coarse", "fine")}

    def step(granularity: str) -> float:
        started = time.perf_counter()
        cross_entropy(nets[granularity](X), y, granularity=granularity).backward()
        return time.perf_counter() - started

    step("coarse")
    step("fine")
    times: dict[str, list[float]] = {"coarse": [], "fine": []}
    for _ in range(repeats):
        for granularity in times:
            times[granularity].append(step(granularity))
    ratios = np.array(times["fine"]) / np.array(times["coarse"])
    return {"arch": "-".join(map(str, (64, *hidden, 10))), "n": n,
            "coarse": 1000 * float(np.median(times["coarse"])),
            "fine": 1000 * float(np.median(times["fine"])), "ratio": float(np.median(ratios))}


def default_folder(lang: str) -> str:
    """The folder ``run_lecture`` writes when none is given: ``lecture`` or ``lecture-zh``."""
    return DEFAULT_FOLDERS[check_language(lang)]


def run_lecture(out: str | Path | None = None, lang: str = "en",
                sections: tuple[str, ...] = SECTIONS, epochs: int | None = None, seed: int = 0,
                progress: bool = True, on_section: Callable[[Section], None] | None = None,
                seeds: Sequence[int] = LECTURE_TRAINING["seeds"]) -> list[Section]:
    """Recompute the lecture's examples, write its figures and an index page into ``out``.

    Args:
        out: the folder (created if needed); default ``lecture`` (``lecture-zh`` in Chinese).
        lang: "en" or "zh": text, tables, figures and the index page.
        sections: which sections, in order (default all of :data:`SECTIONS`).
        epochs: training epochs of each decision-boundary panel (default: the lecture's,
            :data:`fcnn.viz.boundary.LECTURE_TRAINING`; fewer for a quick look).
        seed: seeds the data, the digits runs and the separability figure.
        progress: progress bars while training boundary panels.
        on_section: called with each section as soon as it is done (e.g. to print it).
        seeds: the seeds of every network of the width and depth figures.

    Returns:
        The sections, each with text, figure paths (PNG; an SVG lies beside each) and checks.
    """
    check_language(lang)
    unknown = [name for name in sections if name not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown lecture section(s) {unknown}; valid: {', '.join(SECTIONS)}.")
    if epochs is not None and epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}.")
    lecture = Lecture(out if out is not None else default_folder(lang), lang, epochs=epochs,
                      seed=seed, progress=progress, seeds=seeds)
    lecture.out.mkdir(parents=True, exist_ok=True)
    done = []
    with language(lang):
        for name in sections:
            section = getattr(lecture, name)()
            done.append(section)
            if on_section is not None:
                on_section(section)
        write_index(lecture.out, done, lang)
    return done


def checks_table(checks: list[Check], lang: str | None = None) -> Table:
    """The checks as a Table: quantity, lecture, fcnn, status; the notes that matter below.

    A note is shown for a check that differs or agrees only approximately.
    """
    with language(lang) if lang else nullcontext():
        rows = [(c.quantity, c.lecture, c.library_text(), c.status()) for c in checks]
        headers = (tr("lecture.quantity"), tr("lecture.lecture"), tr("lecture.library"),
                   tr("lecture.status"))
    notes = list(dict.fromkeys(c.note for c in checks if c.note and (not c.ok or
                                                                     c.approximate)))
    return Table(headers, rows, ["left", "right", "right", "left"], notes)


def format_checks(checks: list[Check], lang: str | None = None) -> str:
    """The checks as a text table: quantity, lecture, fcnn, status; notes below."""
    return checks_table(checks, lang).to_text()


def format_section(section: Section, lang: str | None = None) -> str:
    """A section as printed text: title, paragraphs and tables, checks, figure files."""
    with language(lang) if lang else nullcontext():
        lines = [section.title, "=" * display_width(section.title)]
        for paragraph in section.text:
            lines.append(paragraph.to_text() if isinstance(paragraph, Table) else paragraph)
        if section.checks:
            lines += ["", format_checks(section.checks)]
        lines += ["", *(tr("lecture.figure_line", path=path) for path in section.figures)]
    return "\n".join(lines) + "\n"


_CSS = (
    "body{font-family:FONTS;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.55;"
    "color:#1f2328}"
    "table{border-collapse:collapse;margin:.8em 0;font-size:.92em}"
    "th,td{border:1px solid #d0d7de;padding:.3em .65em;text-align:left;vertical-align:top}"
    "th{background:#f6f8fa}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
    "ul.notes{font-size:.9em;color:#57606a}img{max-width:100%}"
    "figure{margin:1.2em 0}"
).replace("FONTS", CSS_FONT_STACK)


def write_index(out: Path, sections: list[Section], lang: str = "en") -> list[Path]:
    """Write ``index.md`` and ``index.html`` listing every section's text, checks and figures.

    The HTML declares a font stack with Chinese fonts of Windows, macOS and Linux,
    and its tables are HTML tables (aligned whatever the font).
    """
    with language(lang):
        title = tr("lecture.page_title")
        intro = tr("lecture.page_intro")
        md = [f"# {title}", "", intro, ""]
        body = [f"<h1>{html.escape(title)}</h1>", f"<p><em>{html.escape(intro)}</em></p>"]
        for s in sections:
            md += [f"## {s.title}", ""]
            body.append(f"<h2>{html.escape(s.title)}</h2>")
            for paragraph in s.text:
                if isinstance(paragraph, Table):
                    md += ["```", paragraph.to_text(), "```", ""]
                    body.append(paragraph.to_html())
                else:
                    md += [paragraph, ""]
                    body.append(f"<p>{html.escape(paragraph)}</p>")
            if s.checks:
                table = checks_table(s.checks)
                md += ["```", table.to_text(), "```", ""]
                body.append(table.to_html())
            for path in s.figures:
                rel = path.relative_to(out).as_posix()
                md += [f"![{path.stem}]({rel})", ""]
                body.append(f'<figure><img src="{html.escape(rel)}" '
                            f'alt="{html.escape(path.stem)}"></figure>')
    page = (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
            f'<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
    write_text_atomic(out / "index.md", "\n".join(md))
    write_text_atomic(out / "index.html", page)
    return [out / "index.md", out / "index.html"]
