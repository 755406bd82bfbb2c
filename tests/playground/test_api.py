"""The playground's server, started in-process on port 0: its API, and hostile requests.

Every refused request must get a 4xx with a message, and the server must keep serving.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import time

import numpy as np
import pytest

from fcnn.nn import ACTIVATIONS
from fcnn.nn import functional as F
from fcnn.playground.session import WINDOW
from fcnn.registry import Entry, Option

from .conftest import Client


def read_events(client: Client, session: str, wanted: dict[str, int],
                timeout: float = 20.0) -> list[tuple[str, dict]]:
    """Read the session's event stream until ``wanted`` counts of each event have come."""
    connection = http.client.HTTPConnection("127.0.0.1", client.port, timeout=timeout)
    connection.request("GET", f"/api/sessions/{session}/events?token={client.token}",
                       headers={"Host": f"127.0.0.1:{client.port}"})
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/event-stream"
    events: list[tuple[str, dict]] = []
    counts = dict.fromkeys(wanted, 0)
    name = None
    deadline = time.monotonic() + timeout
    while any(counts[k] < wanted[k] for k in wanted) and time.monotonic() < deadline:
        line = response.fp.readline().decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[len("data: "):])))
            counts[name] = counts.get(name, 0) + 1
    connection.close()
    return events


def assert_still_serving(client: Client) -> None:
    reply = client.get("/api/schema")
    assert reply.status == 200 and "registries" in reply.json()


# ----------------------------------------------------------------------------
# What the page reads
# ----------------------------------------------------------------------------


def test_the_page_and_its_assets_are_served_with_a_strict_policy(client):
    page = client.get(f"/?token={client.token}", token=False)
    assert page.status == 200 and b"playground.js" in page.body
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"
    for name in ("playground.js", "playground.css", "i18n.js"):
        asset = client.get(f"/static/{name}", token=False)
        assert asset.status == 200 and len(asset.body) > 1000
    assert client.get("/static/playground.js").headers["Content-Type"].startswith("text/javascript")


def test_schema_menus_come_from_the_registries(client):
    schema = client.get("/api/schema").json()
    assert [e["name"] for e in schema["registries"]["activation"]] == ACTIVATIONS.names()
    leaky = next(e for e in schema["registries"]["activation"] if e["name"] == "leaky_relu")
    assert leaky["options"][0]["name"] == "negative_slope" and leaky["options"][0]["high"] == 1
    sgd = next(e for e in schema["registries"]["optimizer"] if e["name"] == "sgd")
    assert {o["name"] for o in sgd["options"]} == {"lr", "momentum", "nesterov", "weight_decay"}
    assert {"cross_entropy", "hinge", "squared_error"} <= \
        {e["name"] for e in schema["registries"]["loss"]}
    assert "dataset" not in schema["train"] and "validation_split" not in schema["train"]
    assert schema["defaults"]["hidden"] == [4, 2] and schema["defaults"]["lr"] == 0.03
    assert schema["limits"]["max_sessions"] == 3 and schema["limits"]["max_layers"] >= 6


def softsign(x, *, granularity: str = "coarse"):
    """A new activation composed of existing ops: x / (1 + |x|), |x| = relu(x) + relu(-x)."""
    magnitude = F.relu(x, granularity=granularity) + F.relu(-x, granularity=granularity)
    return x / (magnitude + 1.0)


def test_a_new_activation_appears_in_the_page_and_trains(client):
    entry = Entry("softsign", softsign, help="x / (1 + |x|)", meta={"title": "Softsign"})
    with ACTIVATIONS.temporarily(entry):
        schema = client.get("/api/schema").json()
        found = next(e for e in schema["registries"]["activation"] if e["name"] == "softsign")
        assert found == {"name": "softsign", "help": "x / (1 + |x|)", "title": "Softsign",
                         "options": []}
        assert "softsign" in schema["train"]["activation"]["choices"]
        session = client.session(shape="xor", hidden=[4, 3], activation=["softsign", "tanh"],
                                 n_samples=60)
        assert client.action(session, "step", epochs=2).status == 200
        events = read_events(client, session, {"setup": 1, "frame": 1})
        setup = dict(events)["setup"]
        assert setup["layout"]["activations"] == ["softsign", "tanh"]
        assert dict(events)["frame"]["epoch"] == 2
        step = client.action(session, "backprop", point=[1.0, -2.0], layer=1, neuron=0).json()
        assert step["expression"] == "softsign(w0*x0 + w1*x1 + b)"
    assert "softsign" not in [e["name"] for e in client.get("/api/schema").json()
                              ["registries"]["activation"]]


def test_a_new_optimizer_option_appears_in_the_page(client):
    from fcnn.optim import OPTIMIZERS, SGD

    entry = Entry("sgd_plus", SGD, options=(
        Option("lr", float, 0.1, low=0, low_open=True, help="the learning rate"),
        Option("momentum", float, 0.5, low=0, high=1, high_open=True, help="v = m v + g"),
        Option("dampening_free", bool, True, help="a new option, shown by the page")))
    with OPTIMIZERS.temporarily(entry):
        schema = client.get("/api/schema").json()
        found = next(e for e in schema["registries"]["optimizer"] if e["name"] == "sgd_plus")
        assert [o["name"] for o in found["options"]] == ["lr", "momentum", "dampening_free"]
        assert schema["train"]["dampening_free"]["type"] == "bool"


# ----------------------------------------------------------------------------
# A session's life
# ----------------------------------------------------------------------------


def test_the_stream_sends_the_setup_then_frames_paced_by_acknowledgements(client):
    session = client.session(shape="spiral", classes=3, hidden=[6, 5], n_samples=120,
                             features=["x1", "x2", "sin_x1"])
    events = read_events(client, session, {"setup": 1, "frame": 1})
    setup = dict(events)["setup"]
    assert setup["layout"]["hidden"] == [6, 5] and setup["layout"]["classes"] == 3
    assert [f["name"] for f in setup["layout"]["features"]] == ["x1", "x2", "sin_x1"]
    grid = setup["layout"]["grid"]
    assert len(base64.b64decode(setup["feature_maps"])) == 3 * grid * grid
    points = np.frombuffer(base64.b64decode(setup["points"]["train"]), np.float32).reshape(-1, 3)
    assert len(points) == setup["counts"]["train"] == 60 and set(points[:, 2]) == {0, 1, 2}
    frame = dict(events)["frame"]
    assert frame["epoch"] == 0 and frame["version"] == setup["version"]
    maps = base64.b64decode(frame["maps"])
    assert len(maps) == (6 + 5 + 3) * grid * grid           # every neuron, the outputs too
    assert len(base64.b64decode(frame["output"])) == setup["layout"]["out_grid"] ** 2 * 3
    params = np.frombuffer(base64.b64decode(frame["params"]), np.float32)
    assert len(params) == (3 * 6 + 6) + (6 * 5 + 5) + (5 * 3 + 3)
    assert np.array(frame["confusion"]).sum() == 60

    assert client.action(session, "play").status == 200
    # without acknowledgements the session trains at most WINDOW updates ahead
    deadline = time.monotonic() + 10
    while not client.action(session, "history").json()["history"]:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.3)
    assert len(client.action(session, "history").json()["history"]) <= WINDOW
    for frame_id in range(1, 40):
        client.action(session, "ack", frame=frame_id)
        time.sleep(0.005)
    deadline = time.monotonic() + 10
    while len(client.action(session, "history").json()["history"]) < 10:
        client.action(session, "ack", frame=10**6)
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert client.action(session, "pause").status == 200
    history = client.action(session, "history").json()["history"]
    assert [row[0] for row in history] == list(range(1, len(history) + 1))


def test_settings_changes_are_checked_and_a_bad_one_changes_nothing(client):
    session = client.session(shape="circle", hidden=[3])
    bad = client.action(session, "configure", setup={"hidden": [3], "lr": -1})
    assert bad.status == 400 and "lr" in bad.json()["error"]
    bad = client.action(session, "configure", setup={"optimizer": "adam", "momentum": 0.5})
    assert bad.status == 400 and "momentum" in bad.json()["error"]
    bad = client.action(session, "configure", setup={"validation_split": 0.2})
    assert bad.status == 400 and "playground sets it itself" in bad.json()["error"]
    bad = client.action(session, "configure", setup={"csv": "/etc/passwd", "shape": "custom"})
    assert bad.status == 400 and "upload" in bad.json()["error"]
    events = read_events(client, session, {"setup": 1})
    assert dict(events)["setup"]["layout"]["hidden"] == [3]
    good = client.action(session, "configure", setup={"hidden": [5, 5], "optimizer": "adam",
                                                      "loss": "hinge", "margin": 2.0})
    assert good.status == 200
    setup = dict(read_events(client, session, {"setup": 1}))["setup"]
    assert setup["layout"]["hidden"] == [5, 5]
    assert setup["resolved"]["lr"] == 0.001 and setup["resolved"]["margin"] == 2.0


def test_explain_backprop_edit_points_and_exports(client, runs_dir):
    session = client.session(shape="gauss", hidden=[4], n_samples=80, test_fraction=0.25)
    client.action(session, "step", epochs=3)
    explained = client.action(session, "explain", point=[2.0, 2.0], label=1).json()
    assert explained["label"] == 1 and len(explained["scores"]) == 2
    assert explained["losses"]["cross_entropy"] == pytest.approx(
        -np.log(explained["softmax"][1]), rel=1e-5)
    step = client.action(session, "backprop", point=[2.0, 2.0], label=1, view="neuron",
                         layer=1, neuron=2).json()
    assert step["command"].startswith('fcnn graph "tanh(w0*x0 + w1*x1 + b)"')
    network = client.action(session, "backprop", point=[2.0, 2.0], label=1,
                            view="network", granularity="coarse").json()
    assert network["nodes"][-1]["text"] == "cross_entropy" and network["steps"]

    assert client.action(session, "edit", layer=1, row=0, column=1, value=0.5).status == 200
    assert client.action(session, "edit", layer=9, row=0, column=1, value=0.5).status == 400
    assert client.action(session, "edit", layer=1, row=0, column=None,
                         value=float("1e999")).status == 400

    assert client.action(session, "points", add=[[1.0, 1.0, 1], [-1.0, 2.0, 0]]).status == 200
    setup = dict(read_events(client, session, {"setup": 1}))["setup"]
    assert setup["resolved"]["shape"] == "custom" and len(setup["given"]["points"]) == 82
    assert client.action(session, "points", add=[[1.0, 1.0, 7]]).status == 400
    assert client.action(session, "points", erase=[1.0, 1.0, 0.01]).status == 200

    toml = client.get(f"/api/sessions/{session}/download/setup.toml?token={client.token}",
                      token=False)
    assert toml.status == 200 and b'dataset = "playground"' in toml.body
    assert "attachment" in toml.headers["Content-Disposition"]
    csv = client.get(f"/api/sessions/{session}/download/data.csv", token=True)
    assert csv.body.startswith(b"x1,x2,label\n") and csv.body.count(b"\n") == 82
    client.action(session, "step", epochs=1)
    written = client.action(session, "export", kind="run").json()
    assert (runs_dir / written["folder"].split("/")[-1] / "model.safetensors").is_file()
    runs = client.get("/api/runs").json()["runs"]
    assert runs and runs[0]["dataset"] == "playground"
    opened = client.post("/api/sessions", {"run": runs[0]["name"]})
    assert opened.status == 200
    assert client.post("/api/sessions", {"run": "../../etc"}).status == 404


def test_onnx_download(client):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    session = client.session(shape="xor", hidden=[3], features=["x1", "x2", "x1_x2"])
    reply = client.get(f"/api/sessions/{session}/download/model.onnx")
    assert reply.status == 200
    runtime = ort.InferenceSession(reply.body, providers=["CPUExecutionProvider"])
    scores = runtime.run(None, {"input": np.ones((2, 3), np.float32)})[0]
    assert scores.shape == (2, 2)


def test_csv_upload_is_parsed_and_bounded(client):
    reply = client.request("POST", "/api/csv", raw=b"x1,x2,label\n1,2,0\n-3,0.5,2\n")
    assert reply.status == 200
    assert reply.json() == {"points": [[1.0, 2.0, 0.0], [-3.0, 0.5, 2.0]], "classes": 3}
    for body, words in ((b"1,2\n", "3 fields"), (b"1,2,x\n3,4,0\n", "line 1"),
                        (b"1,2,0\n9,9,0\n", "outside"), (b"1,2,9\n", "labels"),
                        (b"\xff\xfe\x00", "UTF-8"), (b"", "no x1,x2,label rows")):
        reply = client.request("POST", "/api/csv", raw=body)
        assert reply.status == 400, body
        assert words in reply.json()["error"], (body, reply.json())


def test_previews_of_every_shape(client):
    previews = client.get("/api/previews?classes=4&noise=0.1").json()
    assert set(previews) == {"circle", "xor", "gauss", "spiral", "moons"}
    assert {row[2] for row in previews["spiral"]} == {0, 1, 2, 3}
    assert client.get("/api/previews?classes=9").status == 400


# ----------------------------------------------------------------------------
# Hostile and malformed requests: 4xx, and the server keeps serving
# ----------------------------------------------------------------------------


def test_no_token_or_a_wrong_one_is_refused(client):
    for reply in (client.get("/api/schema", token=False),
                  client.get("/api/schema", token=False, headers={"X-Fcnn-Token": "guess"}),
                  client.get("/api/schema?token=" + client.token, token=False),  # API: header
                  client.get("/", token=False),
                  client.get("/?token=x" + client.token, token=False)):
        assert reply.status == 403 and "token" in reply.json()["error"]
    assert_still_serving(client)


def test_dns_rebinding_and_cross_site_requests_are_refused(client):
    for headers in ({"Host": f"evil.example:{client.port}"}, {"Host": "127.0.0.1:1"},
                    {"Host": "localhost"}, {"Host": ""}, {"Host": "[::1:bad"},
                    {"Origin": "http://evil.example"},
                    {"Origin": f"http://127.0.0.1:{client.port + 1}"},
                    {"Origin": f"https://127.0.0.1:{client.port}"},
                    {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
        reply = client.post("/api/sessions", {"setup": {}}, headers=headers)
        assert reply.status in (400, 403), (headers, reply.status)
    ok = client.get("/api/schema", headers={"Host": f"localhost:{client.port}",
                                            "Origin": f"http://localhost:{client.port}"})
    assert ok.status == 200


def test_no_file_outside_the_asset_folder(client):
    for path in ("/static/../server.py", "/static/%2e%2e/server.py", "/static/..%2fserver.py",
                 "/static/", "/static/index.html", "/static//etc/passwd", "/../../etc/passwd",
                 "/static/assets/playground.js", "/static/playground.js/../session.py",
                 "/static/" + "a" * 5000):
        reply = client.get(path, token=False)
        assert reply.status in (403, 404), path
        assert b"import" not in reply.body and b"root:" not in reply.body
    assert_still_serving(client)


def test_malformed_bodies_get_a_4xx_with_a_message(client):
    session = client.session()
    path = f"/api/sessions/{session}/configure"
    cases = [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "JSON object"),
        (b'"text"', 400, "JSON object"),
        (b"\xff\xfe{}", 400, "not valid JSON"),
        ((b"[" * 100_000) + (b"]" * 100_000), 400, "not valid JSON"),
        (b'{"setup": [1]}', 400, "setup"),
        (b'{"setup": {"hidden": "64"}}', 400, "hidden"),
        (b'{"setup": {"hidden": [1000000]}}', 413, "limit"),
        (b'{"setup": {"hidden": [64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64]}}', 413,
         "limit"),
        (b'{"setup": {"n_samples": 10000000}}', 400, "n_samples"),
        (b'{"setup": {"points": [[1, 2]], "shape": "custom"}}', 400, "points"),
        (b'{"setup": {"nonsense": 1}}', 400, "unknown setting"),
        (b'{"setup": {"lr": NaN}}', 400, "lr"),
    ]
    for body, status, words in cases:
        reply = client.request("POST", path, raw=body,
                               headers={"Content-Type": "application/json"})
        assert reply.status == status, (body[:40], reply.body[:200])
        assert words in reply.json()["error"], (body[:40], reply.json())
    for action, body in (("step", {"epochs": 10**9}), ("step", {"epochs": "1"}),
                         ("explain", {"point": [1]}), ("explain", {"point": "x"}),
                         ("explain", {"point": [1, 2], "label": 5}),
                         ("backprop", {"point": [1, 2], "view": "other"}),
                         ("backprop", {"point": [1, 2], "layer": 7}),
                         ("backprop", {"point": [1, 2], "granularity": "medium"}),
                         ("points", {"erase": "all"}), ("export", {"kind": "zip"}),
                         ("nothing", {})):
        reply = client.action(session, action, **body)
        assert 400 <= reply.status < 500, (action, body, reply.body)
        assert reply.json()["error"]
    assert_still_serving(client)


def test_oversized_and_odd_requests(client):
    huge = client.request("POST", "/api/sessions", raw=b"{}",
                          headers={"Content-Length": str(10**12)})
    assert huge.status == 413 and "limit" in huge.json()["error"]
    assert client.request("POST", "/api/sessions", raw=b"{}",
                          headers={"Content-Length": "-5"}).status == 400
    assert client.request("POST", "/api/sessions", raw=b"{}",
                          headers={"Content-Length": "ten"}).status == 400
    chunked = client.request("POST", "/api/sessions", raw=b"2\r\n{}\r\n0\r\n\r\n",
                             headers={"Transfer-Encoding": "chunked", "Content-Length": "0"})
    assert chunked.status == 411
    assert client.request("PUT", "/api/schema").status == 405
    assert client.request("DELETE", "/api/schema").status == 405
    assert client.get("/api/sessions/nope/events?token=" + client.token,
                      token=False).status == 404
    assert client.action("nope", "step").status == 404
    assert client.get("/api/nothing").status == 404
    # a request line and headers that are garbage, on a raw socket (http.server's own
    # answers: it cannot know the HTTP version of a garbage line, so no status line)
    with socket.create_connection(("127.0.0.1", client.port), timeout=10) as raw:
        raw.sendall(b"\x00\x01GARBAGE \xff\r\n\r\n")
        assert b"400" in raw.recv(2000)
    with socket.create_connection(("127.0.0.1", client.port), timeout=10) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"a" * 70000 + b"\r\n\r\n")
        assert raw.recv(2000).startswith(b"HTTP/1.1 431")
    assert_still_serving(client)


def test_sessions_are_bounded(client):
    sessions = [client.session(hidden=[2]) for _ in range(3)]  # the fixture's limit
    connections = []
    for session in sessions:  # an open stream keeps a session from being closed for room
        connection = http.client.HTTPConnection("127.0.0.1", client.port, timeout=10)
        connection.request("GET", f"/api/sessions/{session}/events?token={client.token}",
                           headers={"Host": f"127.0.0.1:{client.port}"})
        response = connection.getresponse()
        response.fp.readline()
        connections.append(connection)
    refused = client.post("/api/sessions", {"setup": {}})
    assert refused.status == 429 and "limit is 3" in refused.json()["error"]
    connections[0].close()
    deadline = time.monotonic() + 5
    while client.post("/api/sessions", {"setup": {}}).status != 200:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert client.action(sessions[0], "step").status == 404  # it made room
    for connection in connections[1:]:
        connection.close()
    assert_still_serving(client)


def test_a_host_that_is_not_loopback_is_allowed_only_by_name(server):
    assert server.allowed_hosts >= {"127.0.0.1", "localhost", "::1"}
    assert "evil.example" not in server.allowed_hosts
