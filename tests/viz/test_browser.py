"""Chromium draws the Chinese lecture page with a CJK font, its tables and its figures.

Needs Playwright for Python (the ``browser`` extra) and a Chromium at /usr/bin/chromium
(Debian: ``apt-get install chromium``); skips without them. Set FCNN_SCREENSHOTS to a
folder to keep the screenshots for a look.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from fcnn.viz.lecture import run_lecture

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CJK_FAMILIES = ("CJK", "WenQuanYi", "Source Han", "Droid Sans Fallback", "YaHei", "PingFang")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).is_file():
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


def platform_fonts(page, selector: str) -> dict[str, int]:
    """The fonts Chromium used to draw the text of ``selector``: family -> glyph count."""
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {font["familyName"]: font["glyphCount"] for font in fonts}


def test_chromium_draws_the_chinese_page(browser, tmp_path):
    out = tmp_path / "lecture-zh"
    run_lecture(out, "zh", sections=("losses", "quiz"), progress=False)
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    page.goto((out / "index.html").as_uri())
    page.wait_for_load_state("load")
    shots = Path(os.environ.get("FCNN_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "lecture-zh.png"), full_page=True)
    assert (shots / "lecture-zh.png").stat().st_size > 10_000

    assert page.title() == "fcnn：可运行的讲义"
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert page.evaluate("document.images.length") == 3
    # tables are HTML tables: every cell of a column starts at the same x
    lefts = page.evaluate("""[...document.querySelectorAll('table')].map(t =>
        [...t.rows].map(r => Math.round(r.cells[1].getBoundingClientRect().left)))""")
    assert lefts and all(len(set(column)) == 1 for column in lefts)
    fonts = platform_fonts(page, "h1")
    cjk = {name: n for name, n in fonts.items() if any(f in name for f in CJK_FAMILIES)}
    if not cjk:
        pytest.skip(f"no CJK font installed for Chromium (fonts used: {fonts}); Debian: "
                    f"apt-get install fonts-noto-cjk")
    assert sum(cjk.values()) >= len("可运行的讲义")  # the Chinese glyphs, not empty boxes
    page.close()
