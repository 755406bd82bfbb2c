"""Checks that a written figure is a real, decodable image."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from PIL import Image


def assert_png(path: Path) -> tuple[int, int]:
    """The file is a non-empty PNG that Pillow decodes; returns its size in pixels."""
    assert path.is_file() and path.stat().st_size > 1000, path
    with Image.open(path) as image:
        assert image.format == "PNG"
        image.load()
        assert image.width > 100 and image.height > 100
        return image.size


def assert_svg(path: Path) -> None:
    """The file is well-formed SVG XML."""
    assert path.is_file() and path.stat().st_size > 1000, path
    root = ElementTree.parse(path).getroot()
    assert root.tag.endswith("svg")


def assert_figure_files(stem: Path) -> None:
    """Both ``stem.png`` and ``stem.svg`` exist and decode."""
    assert_png(stem.with_suffix(".png"))
    assert_svg(stem.with_suffix(".svg"))
