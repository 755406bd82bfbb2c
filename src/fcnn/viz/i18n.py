"""The words of every figure and printed line, in English and Chinese, and a font for Chinese.

Every visible string of ``fcnn.viz`` comes from one table per language
(:data:`fcnn.viz.strings.STRINGS`, identical keys in each) through :func:`tr`. The
language is ``"en"`` unless changed for a block (``with language("zh"): ...``) or for
the whole session (:func:`set_language`, e.g. in a notebook).

Figures in Chinese need a font with CJK glyphs; matplotlib ships none. While the
language is Chinese, the font family is DejaVu Sans followed by the first CJK font
found on the system (:data:`CJK_FONTS`), so matplotlib draws Latin letters and digits
with DejaVu and falls back to the CJK font for Chinese characters. Where none is
installed, :func:`missing_font_note` says which package provides one.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import font_manager

from fcnn.viz.strings import STRINGS

LANGUAGES = ("en", "zh")

#: CJK fonts in order of preference: Linux (Noto, Source Han, WenQuanYi), Windows, macOS
CJK_FONTS = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC",
    "SimHei", "Noto Sans CJK JP", "Noto Sans CJK TC", "Source Han Sans", "Noto Sans SC",
    "Droid Sans Fallback", "Arial Unicode MS",
)

#: the Debian/Ubuntu package that provides Noto Sans CJK
CJK_FONT_PACKAGE = "fonts-noto-cjk"

#: what the file names of CJK fonts contain (to find fonts installed after matplotlib's cache)
_CJK_FILE_HINTS = ("cjk", "wqy", "wenquanyi", "sourcehan", "droidsansfallback", "msyh",
                   "simhei", "pingfang", "hiragino", "arialuni", "notosanssc")

#: the font of Latin letters, digits and symbols in every language
LATIN_FONT = "DejaVu Sans"

#: the CSS font stack of the HTML pages: Latin first, then CJK fonts of macOS, Windows, Linux
CSS_FONT_STACK = (
    '-apple-system, "Segoe UI", "Helvetica Neue", Arial, "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", '
    '"WenQuanYi Zen Hei", sans-serif'
)

_default_language = "en"
_block_language: ContextVar[str | None] = ContextVar("fcnn_viz_language", default=None)


def check_language(lang: str) -> str:
    """``lang`` if it is a known language, else a ValueError listing the valid ones."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; valid values: en (English), "
                         f"zh (Chinese).")
    return lang


def get_language() -> str:
    """The language figures and text are made in now ("en" unless changed)."""
    return _block_language.get() or _default_language


def set_language(lang: str) -> None:
    """Make ``lang`` the language of every later figure and text (e.g. once in a notebook).

    Also sets matplotlib's font family, so that Chinese figures find a CJK font.
    """
    global _default_language
    _default_language = check_language(lang)
    matplotlib.rcParams["font.family"] = font_rc(lang).get(
        "font.family", matplotlib.rcParamsDefault["font.family"])


@contextmanager
def language(lang: str) -> Iterator[str]:
    """Within the block, figures and text are in ``lang`` (and use a CJK font for Chinese).

    Example:
        >>> with language("zh"):
        ...     tr("word.loss")
        '损失'
        >>> tr("word.loss")
        'loss'
    """
    token = _block_language.set(check_language(lang))
    try:
        with matplotlib.rc_context(font_rc(lang)), warnings.catch_warnings():
            if missing_font_note(lang):  # said once (by the caller), not once per glyph
                warnings.filterwarnings("ignore", message="Glyph .* missing from font")
            yield lang
    finally:
        _block_language.reset(token)


def tr(key: str, lang: str | None = None, **values: Any) -> str:
    """The string ``key`` in ``lang`` (default: the current language), formatted with ``values``.

    Example:
        >>> tr("graph.title", "en", value="0.73"), tr("graph.title", "zh", value="0.73")
        ('computation graph: output = 0.73', '计算图：输出 = 0.73')
    """
    table = STRINGS[check_language(lang or get_language())]
    try:
        text = table[key]
    except KeyError:
        raise KeyError(f"no string {key!r} in the {lang or get_language()!r} table of "
                       f"fcnn.viz.strings") from None
    return text.format(**values) if values else text


def term(kind: str, name: str, lang: str | None = None, default: str | None = None) -> str:
    """The name of a ``kind`` of thing ("class", "data", "act") in ``lang``.

    Names without a translation come back as ``default`` (or unchanged).

    Example:
        >>> term("class", "starfish", "zh"), term("class", "cat", "zh"), term("data", "moons", "zh")
        ('海星', 'cat', '双月 moons')
    """
    table = STRINGS[check_language(lang or get_language())]
    return table.get(f"{kind}.{name}", name if default is None else default)


def class_label(name: str, lang: str | None = None) -> str:
    """A class name (toy sets, the lecture's animals) in ``lang``; unknown names unchanged."""
    return term("class", name, lang)


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of the first CJK font of :data:`CJK_FONTS` that matplotlib can use, or None.

    Fonts installed after matplotlib built its font cache are found too: system font
    files whose names look like CJK fonts are added to matplotlib's font manager.
    """
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    if not any(name in known for name in CJK_FONTS):
        for path in font_manager.findSystemFonts():
            if any(hint in Path(path).name.lower() for hint in _CJK_FILE_HINTS):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue  # an unreadable font file: try the next one
        known = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in known), None)


def font_rc(lang: str) -> dict[str, Any]:
    """matplotlib settings for figures in ``lang``: a CJK fallback font for Chinese.

    Empty for English, and for Chinese where no CJK font is installed.
    """
    if check_language(lang) != "zh":
        return {}
    font = cjk_font()
    return {"font.family": [LATIN_FONT, font]} if font else {}


def missing_font_note(lang: str) -> str | None:
    """A note naming the package to install if ``lang`` needs a font the system lacks."""
    if check_language(lang) == "zh" and cjk_font() is None:
        return tr("font.missing", lang, package=CJK_FONT_PACKAGE, fonts=", ".join(CJK_FONTS[:6]))
    return None
