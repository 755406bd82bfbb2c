"""End to end in a real browser: Chromium driven by Playwright for Python.

Skipped when Playwright or Chromium is missing (``pip install 'fcnn[browser]'`` and, on
Debian, ``apt-get install -y chromium``). Screenshots go to ``$FCNN_SCREENSHOTS`` (or a
temporary folder); look at them after a change of the page.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from fcnn.cli import main
from fcnn.playground.server import serve
from fcnn.run import load_run

from .graph_table import table_rows

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("FCNN_CHROMIUM", "/usr/bin/chromium")
if not shutil.which(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set "
                f"FCNN_CHROMIUM)", allow_module_level=True)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("FCNN_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = serve(port=0, runs_dir=tmp_path_factory.mktemp("runs"))
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--headless", "--no-sandbox",
                                                   "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    # the page's own policy forbids eval; Playwright's polling of wait_for_function needs it
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True,
                                  accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    assert not errors, errors


def open_page(page, server, fragment: str = "", lang: str | None = None) -> None:
    page.goto("about:blank")  # a new load, even when only the fragment differs
    page.goto(server.url(lang=lang) + (f"#{fragment}" if fragment else ""))
    wait_frames(page, 1)


def wait_frames(page, count: int, timeout: float = 20000) -> None:
    page.wait_for_function(f"window.fcnnStats.frames >= {count}", timeout=timeout)


def app(page, expression: str):
    return page.evaluate(f"window.fcnnApp.{expression}")


def wait_version_change(page, before: int) -> None:
    page.wait_for_function(f"window.fcnnApp.version > {before} && window.fcnnApp.frame && "
                           f"window.fcnnApp.frame.version === window.fcnnApp.version")


def output_pixels(page) -> np.ndarray:
    url = page.evaluate("document.querySelector('#output-map').toDataURL('image/png')")
    return np.frombuffer(base64.b64decode(url.split(",", 1)[1]), np.uint8)


def session_of(server, page):
    return server.sessions.get(app(page, "session"))


def play_until(page, epoch: int, timeout: float = 60000) -> None:
    page.click("#play")
    page.wait_for_function(f"window.fcnnApp.frame.epoch >= {epoch}", timeout=timeout)
    page.click("#play")
    page.wait_for_function("!window.fcnnApp.frame.playing")


def test_spiral_add_a_layer_play_and_the_loss_falls(page, server, shots):
    open_page(page, server)
    assert page.evaluate("window.fcnnStats.first_frame_ms") < 10000
    version = app(page, "version")
    page.click("[data-shape=spiral]")
    wait_version_change(page, version)
    assert app(page, "resolved.shape") == "spiral"
    version = app(page, "version")
    page.click("#add-layer")
    wait_version_change(page, version)
    assert app(page, "layout.hidden") == [4, 2, 2]
    assert page.locator(".layer-head .count").count() == 3
    before = output_pixels(page)
    page.screenshot(path=str(shots / "spiral-before.png"))
    play_until(page, 60)
    history = app(page, "history")
    assert history[-1][0] >= 60
    assert history[-1][1] < history[0][1]          # the training loss fell
    assert history[-1][2] < history[0][2]          # and the test loss
    after = output_pixels(page)
    assert before.shape != after.shape or np.any(before != after)  # the picture changed
    assert "%" in page.inner_text("#train-accuracy")
    page.screenshot(path=str(shots / "spiral-trained.png"), full_page=True)


def test_backprop_one_step_shows_the_numbers_of_fcnn_graph(page, server, shots, tmp_path,
                                                           capsys):
    open_page(page, server, "shape=xor&hidden=3&activation=sigmoid&n_samples=100")
    play_until(page, 5)
    box = page.locator("#output-map").bounding_box()
    page.click("[data-tab=backprop]")
    page.wait_for_selector("#bp-graph")
    page.mouse.click(box["x"] + 240, box["y"] + 80)      # a point of the plane
    page.wait_for_function("window.fcnnApp.backprop.doc && "
                           "window.fcnnApp.backprop.doc.point[0] > 2")
    page.locator(".node[data-column='1'][data-index='1']").click()  # neuron 1 of layer 1
    page.wait_for_function("window.fcnnApp.backprop.doc.neuron === 1")
    page.click("#bp-step")
    page.click("#bp-step")
    assert "2/" in page.inner_text("#bp-explanation")
    page.screenshot(path=str(shots / "backprop-step.png"), full_page=True)
    page.click("#bp-all")
    command = page.inner_text("#bp-command")
    expression = re.search(r'fcnn graph "([^"]+)"', command).group(1)
    assert expression == "sigmoid(w0*x0 + w1*x1 + b)"        # the lecture's neuron
    values = re.search(r"--set (\S+)", command).group(1)
    assert main(["graph", expression, "--set", values, "--steps", "--digits", "4",
                 "--out", str(tmp_path / "graph.png")]) == 0
    expected = table_rows(capsys.readouterr().out)
    shown = [[cell.inner_text() for cell in row.locator("td").all()]
             for row in page.locator("#bp-steps tr").all()[1:]]
    assert len(shown) == len(expected) == 12      # *, *, +, +, neg, exp, +1, 1/x
    for row, cli in zip(shown, expected):
        assert row[1:] == cli, (row, cli)                   # node, input, local, up, down
    # the chain rule into the network: dL/dw = da/dw x dL/da, equal to the network's own
    chain = [[cell.inner_text() for cell in row.locator("td").all()]
             for row in page.locator("#bp-chain tr").all()[1:]]
    for _local, _, product, network in chain:
        assert abs(float(product) - float(network)) <= 2e-4
    page.select_option("#bp-view", "network")
    page.wait_for_function("window.fcnnApp.backprop.doc.view === 'network'")
    assert page.locator("#bp-graph .gnode").count() > 10


def test_export_the_toml_and_train_it_with_fcnn_train(page, server, tmp_path, capsys):
    open_page(page, server, "shape=gauss&classes=3&hidden=5,4&optimizer=adam&lr=0.01"
                            "&dropout=0.1&n_samples=90")
    play_until(page, 4)
    session = session_of(server, page)
    epoch = app(page, "frame.epoch")
    assert session.state.epoch == epoch
    page.click("[data-tab=export]")
    page.wait_for_function("document.querySelector('#toml-preview').textContent"
                           ".includes('dataset = \"playground\"')")
    with page.expect_download() as download:
        page.click("#download-toml")
    path = tmp_path / "setup.toml"
    download.value.save_as(path)
    assert f"epochs = {epoch}" in path.read_text()
    out = tmp_path / "run"
    assert main(["train", "--config", str(path), "--out", str(out), "--no-progress",
                 "--no-figures"]) == 0
    capsys.readouterr()
    trained = load_run(out).model.state_dict()
    for key, value in session.state.model.state_dict().items():
        np.testing.assert_array_equal(value, trained[key], err_msg=key)
    page.click("#write-run")
    page.wait_for_function("document.querySelector('#run-result').textContent.length > 0")
    assert "playground-" in page.inner_text("#run-result")


def test_the_url_round_trips_and_replays_the_same_trajectory(page, server, browser):
    open_page(page, server, "shape=moons&noise=0.2&hidden=6,6&activation=relu,tanh"
                            "&loss=hinge&seed=3&lang=zh&show_test=true&hide=lr")
    assert page.locator("#opt-lr").is_hidden()
    assert page.inner_text("[data-tab=explain]") == "解释这个数"
    version = app(page, "version")
    page.fill("#opt-batch_size", "16")
    page.dispatch_event("#opt-batch_size", "change")
    wait_version_change(page, version)
    url = page.url
    assert "batch_size=16" in url and "activation=relu,tanh" in url and "lang=zh" in url
    page.click("#step")
    page.click("#step")
    page.wait_for_function("window.fcnnApp.frame.epoch === 2")
    params = app(page, "frame.params")

    other = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    second = other.new_page()
    second.goto(url)
    wait_frames(second, 1)
    assert app(second, "resolved") == app(page, "resolved")
    assert app(second, "display.lang") == "zh" and app(second, "display.show_test")
    assert second.locator("#opt-lr").is_hidden()
    second.click("#step")
    second.click("#step")
    second.wait_for_function("window.fcnnApp.frame.epoch === 2")
    assert app(second, "frame.params") == params             # the same trajectory
    other.close()


def test_explain_a_point_and_add_your_own(page, server, shots):
    open_page(page, server, "shape=circle&classes=3&hidden=6&n_samples=150", lang="zh")
    play_until(page, 10)
    box = page.locator("#output-map").bounding_box()
    page.mouse.click(box["x"] + 160, box["y"] + 160)
    page.wait_for_selector("#panel-explain table.starfish")
    text = page.inner_text("#panel-explain")
    assert "softmax" in text and "−ln q_y" in text and "输出层偏置" in text
    page.screenshot(path=str(shots / "explain-zh.png"), full_page=True)
    page.check("input[name=mode][value=add]")
    version = app(page, "version")
    page.mouse.click(box["x"] + 30, box["y"] + 30)
    wait_version_change(page, version)
    assert app(page, "resolved.shape") == "custom"
    assert len(app(page, "given.points")) == 151


LECTURE = "shape=spiral&activation=relu&optimizer=adam&lr=0.01&epochs_per_update=20&stop_epoch=300"


@pytest.mark.parametrize("slide, networks", [
    ("width", {"3": "hidden=3", "6": "hidden=6", "20": "hidden=20"}),
    ("depth", {"2": "hidden=6", "3": "hidden=6,6", "4": "hidden=6,6,6"}),
])
def test_the_lectures_width_and_depth_slides(slide, networks, page, server, shots):
    """The lecture's slides, live: wider (3, 6, 20 neurons) and deeper (2, 3, 4 layers of 6)
    networks carve finer boundaries, so they fit the spiral better in the same 300 epochs."""
    accuracy = {}
    for name, fragment in networks.items():
        open_page(page, server, f"{LECTURE}&{fragment}")
        page.click("#play")
        page.wait_for_function("window.fcnnApp.frame.stopped === 'stop_epoch'", timeout=120000)
        accuracy[name] = app(page, "frame.train.accuracy")
        page.screenshot(path=str(shots / f"lecture-{slide}-{name}.png"))
    values = list(accuracy.values())
    assert values == sorted(values) and values[-1] - values[0] > 0.2, accuracy


def test_edit_a_weight_hover_collapse_csv_language_and_open_a_run(page, server, shots,
                                                                   tmp_path):
    open_page(page, server, "shape=xor&hidden=4&n_samples=60")
    page.click("#step")
    page.wait_for_function("window.fcnnApp.frame.epoch === 1")
    # click a weight: the first link's middle, then type a new value
    link = app(page, "geometry.links[0]")
    box = page.locator("#links").bounding_box()
    t = 0.5
    page.mouse.click(box["x"] + link["x0"] + t * (link["x1"] - link["x0"]),
                     box["y"] + (link["y0"] + link["y1"]) / 2)
    assert page.is_visible("#editor")
    assert f"W{link['layer']}[{link['row']}, {link['column']}]" in page.inner_text("#editor-title")
    page.fill("#editor-value", "2.5")
    page.click("#editor-ok")
    page.wait_for_function("window.fcnnApp.frame.edited")
    assert app(page, f"params[0].W[{link['row'] * 2 + link['column']}]") == 2.5
    assert "edited" in page.inner_text("#status")
    # hover a neuron: its heat map, enlarged
    page.hover(".node[data-column='1'][data-index='0']")
    assert page.is_visible("#hover-map")
    # remove the activations: one straight boundary, W'x + b' shown; then restore them
    version = app(page, "version")
    page.click("#collapse")
    wait_version_change(page, version)
    assert app(page, "resolved.activation") == "identity"
    assert page.is_visible("#collapsed") and "W'x + b'" in page.inner_text("#collapsed")
    version = app(page, "version")
    page.click("#collapse")
    wait_version_change(page, version)
    assert app(page, "resolved.activation") == "tanh" and not page.is_visible("#collapsed")
    # discretize changes the picture, not the session
    before = output_pixels(page)
    page.check("#discretize")
    assert np.any(output_pixels(page)[:before.size] != before[:output_pixels(page).size]) or \
        len(output_pixels(page)) != len(before)
    # upload your own points
    csv = tmp_path / "mine.csv"
    csv.write_text("x1,x2,label\n1,1,0\n-1,-1,0\n1,-1,1\n-1,1,1\n2,2,2\n")
    version = app(page, "version")
    page.set_input_files("#csv-file", str(csv))
    wait_version_change(page, version)
    assert app(page, "resolved.shape") == "custom" and app(page, "layout.classes") == 3
    # the Chinese interface, switched in the page
    page.select_option("#lang", "zh")
    assert page.inner_text("[data-tab=backprop]") == "反向传播一步"
    assert "lang=zh" in page.url
    page.click("[data-tab=limits]")
    assert "隐藏层数" in page.inner_text("#limits-table")
    # write a run folder, then open it from the page
    page.click("#step")
    page.wait_for_function("window.fcnnApp.frame.epoch === 1")
    page.click("[data-tab=export]")
    page.click("#write-run")
    page.wait_for_function("document.querySelector('#run-result').textContent.length > 0")
    page.click("[data-tab=export]")
    page.wait_for_function("document.querySelector('#run-select option') && "
                           "document.querySelector('#run-select').value")
    old = app(page, "session")
    page.click("#open-run")
    page.wait_for_function(f"window.fcnnApp.session !== '{old}' && window.fcnnApp.frame && "
                           f"window.fcnnApp.frame.version === window.fcnnApp.version")
    assert app(page, "frame.epoch") == 1 and app(page, "layout.classes") == 3
    page.screenshot(path=str(shots / "opened-run-zh.png"), full_page=True)


def test_the_notebook_embedding_works_inside_a_frame(page):
    import http.server
    import threading

    import fcnn.playground as playground

    embed = playground.show(lang="zh", shape="spiral", hidden=[6, 6])
    notebook_html = f"<html><body><h1>notebook</h1>{embed._repr_html_()}</body></html>".encode()

    class Notebook(http.server.BaseHTTPRequestHandler):  # a stand-in for Jupyter's origin
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(notebook_html)

        def log_message(self, *args):
            pass

    notebook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Notebook)
    threading.Thread(target=notebook.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://localhost:{notebook.server_address[1]}/")
        page.wait_for_selector("iframe")
        frame = page.frames[1]
        frame.wait_for_function("window.fcnnStats && window.fcnnStats.frames >= 1",
                                timeout=20000)
        assert frame.evaluate("window.fcnnApp.layout.hidden") == [6, 6]
        assert frame.evaluate("window.fcnnApp.display.lang") == "zh"
    finally:
        page.goto("about:blank")  # the page stops streaming before its servers stop
        notebook.shutdown()
        notebook.server_close()
        server = playground._notebook_server
        playground._notebook_server = None
        server.shutdown()
        server.server_close()
