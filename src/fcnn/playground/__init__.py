"""``fcnn playground``: the lecture's networks training live in the browser, on the real engine.

TensorFlow Playground's page (data shapes, features, layers of neurons with their heat
maps, weights as links, the output's decision map, the loss chart) with what it lacks:
2 to 5 classes, the lecture's losses as a switch, your own points, SGD/momentum/Adam,
dropout, batch norm, Leaky ReLU with its k, one activation per layer, any width and
depth, "explain this number" (one point's forward pass and its losses, as in the
lecture's starfish table), "backprop one step" (the chain rule, node by node, with the
numbers of ``fcnn graph``), "remove the activations" (the network collapses to W'x + b'),
accuracy, a confusion matrix, a stop condition, exports (a TOML that ``fcnn train``
trains to the same weights, a run folder, ONNX), seeded replay from the URL, and an
English and a Chinese interface.

Every number on the page is computed here, by fcnn, on the server: the page only draws.
The menus and option controls are built from fcnn's registries (activations, losses,
optimizers, schedules, initialisers), so a new entry appears in the page by itself.

* :func:`serve` starts a server in a background thread; ``fcnn playground`` runs one.
* :func:`show` embeds the page in a Jupyter notebook.
* :class:`~fcnn.playground.session.Session` is one page's state, usable without a server.
"""

from __future__ import annotations

import html
from typing import Any

from fcnn.playground.server import PlaygroundServer, serve
from fcnn.playground.session import Session
from fcnn.playground.setup import Setup

__all__ = ["Embed", "PlaygroundServer", "Session", "Setup", "serve", "show"]

_notebook_server: PlaygroundServer | None = None


class Embed:
    """The playground page in a frame: Jupyter shows it through ``_repr_html_``.

    Attributes:
        url: the page's address (with its token).
    """

    def __init__(self, url: str, width: str | int = "100%", height: int = 860) -> None:
        self.url, self.width, self.height = url, width, height

    def _repr_html_(self) -> str:
        return (f'<iframe src="{html.escape(self.url)}" width="{html.escape(str(self.width))}" '
                f'height="{int(self.height)}" style="border:1px solid #ddd" '
                f'title="fcnn playground"></iframe>')

    def __repr__(self) -> str:
        return f"fcnn playground: {self.url}"


def show(lang: str = "en", width: str | int = "100%", height: int = 860, **setup: Any) -> Embed:
    """Embed the playground in a Jupyter notebook (one server per kernel, on 127.0.0.1).

    Args:
        lang: ``"en"`` or ``"zh"``.
        width, height: the frame's size.
        **setup: settings to start from, as in the page's URL (``shape="spiral"``,
            ``hidden=[8, 8]``...).

    Returns:
        An object that a notebook shows as the page (its ``url`` works in a browser too).

    Example:
        >>> embed = show(shape="spiral", hidden=[6, 6])
        >>> embed.url.split("?")[0].startswith("http://127.0.0.1:"), "shape=spiral" in embed.url
        (True, True)
    """
    global _notebook_server
    if lang not in ("en", "zh"):
        raise ValueError(f"lang: expected 'en' or 'zh', got {lang!r}.")
    Setup.from_values(setup)  # a bad setting is reported here, not in the frame
    if _notebook_server is None:
        _notebook_server = serve(embed=True)
    url = _notebook_server.url(lang=lang)
    if setup:
        url += "#" + setup_fragment(setup)
    return Embed(url, width, height)


def setup_fragment(setup: dict[str, Any]) -> str:
    """Settings as the page's URL fragment: ``shape=spiral&hidden=8,8``.

    Example:
        >>> setup_fragment({"shape": "spiral", "hidden": [8, 8], "batchnorm": True})
        'shape=spiral&hidden=8,8&batchnorm=true'
    """
    from urllib.parse import quote

    def text(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (list, tuple)):
            if value and isinstance(value[0], (list, tuple)):  # points
                return ";".join(",".join(text(v) for v in row) for row in value)
            return ",".join(text(v) for v in value)
        return str(value)

    return "&".join(f"{key}={quote(text(value), safe=',;.-_')}" for key, value in setup.items())
