"""The lecture walk-through: its numbers against the lecture's printed values."""

from __future__ import annotations

import re

import pytest

from fcnn.viz.lecture import SECTIONS, Check, agrees, format_section, run_lecture

from .helpers import assert_png, assert_svg


@pytest.fixture(scope="module")
def lecture(tmp_path_factory):
    out = tmp_path_factory.mktemp("lecture")
    sections = run_lecture(out, "en", epochs=3, seeds=(0,), progress=False)
    return out, {s.key: s for s in sections}


def checks(section):
    return {c.quantity: c for c in section.checks}


def test_the_sigmoid_neuron_matches_the_slides(lecture):
    _, sections = lecture
    c = checks(sections["backprop"])
    assert round(c["f = sigmoid(...)"].library, 2) == 0.73
    expected = {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "b": 0.20}
    for name, value in expected.items():
        assert round(c[f"df/d{name}"].library, 2) == value
        assert c[f"df/d{name}"].ok


def test_softmax_losses_and_entropy_match_the_lecture(lecture):
    _, sections = lecture
    assert [round(c.library, 2) for c in sections["activations"].checks] == \
        [0.02, 0.90, 0.05, 0.01, 0.02]
    c = checks(sections["losses"])
    assert [round(c[f"q({n})"].library, 2) for n in ("starfish", "lobster", "shark")] == \
        [0.21, 0.01, 0.78]
    assert round(c["CE = -log10 q(starfish)"].library, 2) == 0.67
    assert round(c["hinge loss"].library, 4) == 2.3
    assert f"{c['A: q(lobster)'].library:.2e}" == "6.14e-06"
    assert f"{c['A: q(shark)'].library:.2e}" == "2.26e-06"   # consistent with shark = -3
    assert round(c["B: q(starfish)"].library, 2) == 0.58
    assert round(c["entropy of an even match (1/3, 1/3, 1/3)"].library, 3) == 0.477
    assert all(c[f"{m}: hinge"].library == 0 for m in "ABC")


def test_the_lectures_inconsistencies_are_reported_not_bent(lecture):
    _, sections = lecture
    c = checks(sections["losses"])
    for name in ("A: CE (log10)", "B: CE (log10)", "C: CE (log10)"):
        assert not c[name].ok and c[name].note
    assert c["C: CE (log10)"].library == 0.0
    assert "q(lobster)" in c["C: CE (log10)"].note
    text = format_section(sections["losses"])
    assert "DIFFERS" in text and "rounded" in text
    assert "W3 W2 W1" in "\n".join(sections["structure"].text)


def test_every_figure_and_the_index_are_written(lecture):
    out, sections = lecture
    assert list(sections) == list(SECTIONS)
    figures = [f for s in sections.values() for f in s.figures]
    assert [f.stem for f in figures] == [
        "templates_linear", "templates_two_layer", "separability", "boundary_width",
        "boundary_depth", "activations", "softmax", "starfish", "loss_comparison", "entropy",
        "graph_square", "graph_sin", "graph_neuron_fine", "graph_neuron_coarse"]
    assert not sections["quiz"].figures
    for png in figures:
        assert_png(png)
        assert_svg(png.with_suffix(".svg"))
    page = (out / "index.html").read_text(encoding="utf-8")
    assert sorted(re.findall(r'src="([^"]+)"', page)) == sorted(f.name for f in figures)
    assert (out / "index.md").read_text(encoding="utf-8").count("![") == len(figures)


def test_chinese_text(tmp_path):
    sections = run_lecture(tmp_path, "zh", sections=("losses",), progress=False)
    text = format_section(sections[0], "zh")
    assert "损失函数与熵" in text and "不一致" in text and "海星" in text
    assert "讲义" in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_agreement_to_the_lectures_rounding():
    assert agrees("0.73", 0.7311) and not agrees("0.73", 0.7361)
    assert agrees("2.26e-6", 2.2603e-6) and not agrees("2.26e-6", 2.27e-6)
    assert agrees("1.69×10^-48", 1.689e-48)


def test_bad_options():
    with pytest.raises(ValueError, match="language"):
        run_lecture("unused", "fr")
    with pytest.raises(ValueError, match="section"):
        run_lecture("unused", "en", sections=("pop",))
    with pytest.raises(ValueError, match="epochs"):
        run_lecture("unused", "en", epochs=0)


def test_answers_print_as_the_lecture_states_them(lecture):
    _, sections = lecture
    quiz = checks(sections["quiz"])
    flatten = quiz["CIFAR-10 image flattened (quiz 1)"]
    assert flatten.library_text() == "3072" and flatten.ok
    assert quiz["rows of W for 10 classes (quiz 2)"].library_text() == "10"
    assert quiz["smallest hinge loss (quiz 3)"].library_text() == "0"
    text = format_section(sections["quiz"])
    assert "3072.0" not in text and "C. 3072" in text and "D. the bias" in text
    losses = checks(sections["losses"])
    assert losses["hinge loss"].library_text() == "2.3"
    assert losses["A: q(starfish)"].library_text() == "0.999992"  # not rounded up to "1"


def test_approximate_claims_read_correctly(lecture):
    _, sections = lecture
    c = checks(sections["losses"])
    lopsided = c["entropy of a lopsided match (0.01, 0.01, 0.98)"]
    assert lopsided.lecture == "≈ 0" and lopsided.ok and lopsided.approximate
    assert lopsided.status() == "agrees (≈, see note)"
    line = next(line for line in format_section(sections["losses"]).splitlines()
                if line.startswith("entropy of a lopsided"))
    assert "≈ 0" in line and "0.0486" in line and "(≈" in line
    assert "10%" in format_section(sections["losses"])  # the note says how close
    with pytest.raises(ValueError, match="tolerance"):
        _ = Check("x", "≈ 0", 0.1).ok
