"""The Chinese edition: every string translated, drawn with a CJK font, tables aligned."""

from __future__ import annotations

import io
import re
import string
import warnings

import pytest
from matplotlib.text import Text

import fcnn.viz.lecture as lecture_module
from fcnn.cli import main
from fcnn.viz import i18n
from fcnn.viz.i18n import CJK_FONT_PACKAGE, cjk_font, language, missing_font_note, tr
from fcnn.viz.lecture import run_lecture
from fcnn.viz.strings import STRINGS
from fcnn.viz.text import display_width, format_table

#: Latin words a Chinese figure may show: names of functions and data sets, formulas
ALLOWED = {"softmax", "sigmoid", "Sigmoid", "Tanh", "ReLU", "Leaky", "relu", "exp", "neg",
           "sin", "log", "one", "hot", "spiral", "blobs", "circles", "Adam", "vs", "fcnn",
           "Wx", "dx", "dy"}


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_the_string_tables_have_the_same_keys_and_fields():
    assert STRINGS.keys() == set(i18n.LANGUAGES)
    en, zh = STRINGS["en"], STRINGS["zh"]
    assert sorted(en) == sorted(zh)
    for key in en:
        assert fields(en[key]) == fields(zh[key]), key


def test_every_string_is_translated_or_is_a_name():
    same = [key for key in STRINGS["en"] if STRINGS["en"][key] == STRINGS["zh"][key]]
    # the same in both: formulas, numbers, and names that stay Latin
    assert all(not re.search(r"[a-z]{3,} [a-z]{3,}", STRINGS["en"][key]) for key in same), same


def latin_words(text: str) -> set[str]:
    text = re.sub(r"\$[^$]*\$", " ", text)  # mathtext formulas
    return set(re.findall(r"[A-Za-z]{2,}", text))


@pytest.fixture(scope="module")
def chinese_lecture(tmp_path_factory):
    """A quick Chinese run of the whole lecture, keeping every figure it saves."""
    out = tmp_path_factory.mktemp("lecture-zh")
    figures = []
    save = lecture_module.save_figure

    def keep(fig, path):
        figures.append(fig)
        return save(fig, path)

    lecture_module.save_figure = keep
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sections = run_lecture(out, "zh", epochs=3, seeds=(0,), progress=False)
    finally:
        lecture_module.save_figure = save
    return out, sections, figures, [str(w.message) for w in caught]


def test_chinese_figures_have_no_english_left(chinese_lecture):
    _, _, figures, _ = chinese_lecture
    assert len(figures) == 14
    words = set()
    for fig in figures:
        for text in fig.findobj(Text):
            words |= latin_words(text.get_text())
    assert words - ALLOWED == set()


def test_chinese_figures_draw_every_glyph(chinese_lecture):
    if cjk_font() is None:
        pytest.skip(f"no CJK font installed (Debian: apt-get install {CJK_FONT_PACKAGE})")
    _, _, _, messages = chinese_lecture
    assert [m for m in messages if "missing from font" in m] == []


def test_a_figure_without_a_cjk_font_warns_so_the_check_can_fail():
    from fcnn.viz.curves import plot_softmax
    with warnings.catch_warnings(record=True) as caught:  # English settings: DejaVu only
        warnings.simplefilter("always")
        plot_softmax([1.0, 2.0], ["海星", "龙虾"]).savefig(io.BytesIO())
    assert any("missing from font" in str(w.message) for w in caught)


def test_chinese_text_and_page(chinese_lecture):
    out, sections, _, _ = chinese_lecture
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "<pre>" not in page and "<table>" in page
    for font in ("Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi"):
        assert font in page
    assert "随堂测验" in page and "讲义" in page
    for section in sections:
        text = lecture_module.format_section(section, "zh")
        for line in text.splitlines():
            if line.startswith(("图：", "/")):
                continue
            assert not re.search(r"[A-Za-z]{3,}(?: [A-Za-z]{3,}){2,}", line), line


def test_missing_font_note_names_the_package(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(i18n, "cjk_font", lambda: None)
    assert missing_font_note("en") is None
    note = missing_font_note("zh")
    assert CJK_FONT_PACKAGE in note and "apt-get install" in note
    assert main(["lecture", "--lang", "zh", "--sections", "activations", "--no-progress",
                 "--out", str(tmp_path / "zh")]) == 0
    assert CJK_FONT_PACKAGE in capsys.readouterr().out


def test_font_settings_follow_the_language():
    assert i18n.font_rc("en") == {}
    font = cjk_font()
    if font is not None:
        assert i18n.font_rc("zh")["font.family"] == [i18n.LATIN_FONT, font]
    with language("zh"):
        assert tr("word.loss") == "损失" and i18n.get_language() == "zh"
    assert i18n.get_language() == "en"
    with pytest.raises(ValueError, match="zh"):
        tr("word.loss", "fr")


def test_set_language_for_a_session():
    try:
        i18n.set_language("zh")
        assert tr("word.epoch") == "轮次"
    finally:
        i18n.set_language("en")
    assert tr("word.epoch") == "epoch"


def test_tables_stay_aligned_with_chinese_cells():
    rows = [["q(海星)", "0.21", "0.2117"], ["softmax(1.3)", "0.02", "0.0202"],
            ["交叉熵 = -log10 q(海星)", "0.67", "0.6743"]]
    table = format_table(["量", "讲义", "fcnn"], rows, ["left", "right", "right"])
    lines = table.splitlines()
    ends = {display_width(line) for line in lines}
    assert len(ends) == 1  # right-aligned last column: every line ends in the same column
    starts = {display_width(line[:line.index(cell)]) for line, cell in
              zip(lines[2:], ["0.21", "0.02", "0.67"])}
    assert len(starts) == 1


def test_each_language_writes_its_own_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_lecture(lang="en", sections=("losses",), progress=False)
    run_lecture(lang="zh", sections=("losses",), progress=False)
    english = (tmp_path / "lecture" / "index.html").read_text(encoding="utf-8")
    chinese = (tmp_path / "lecture-zh" / "index.html").read_text(encoding="utf-8")
    assert "starfish" in english and "海星" in chinese and "海星" not in english
    assert (tmp_path / "lecture" / "starfish.png").read_bytes() != \
        (tmp_path / "lecture-zh" / "starfish.png").read_bytes()
