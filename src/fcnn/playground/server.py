"""The playground's web server: the page, a JSON API and a stream of frames per session.

Built on the standard library's ``http.server`` (as TensorBoard and Netron ship their
own servers): no dependency, no build step. Safe by construction:

* it listens on 127.0.0.1 unless told otherwise (``host``), and then warns;
* every API request carries a random token (``X-Fcnn-Token`` header, or ``token`` in
  the query for the page, the event stream and downloads), compared in constant time;
* every request's ``Host`` must name this server (loopback names, or the host it was
  started for) and a cross-site ``Origin`` is refused, so another web page cannot
  drive it, not even through DNS rebinding;
* static files are served from a table of the asset folder's files made at start-up:
  no request path is ever joined to a folder;
* request bodies, uploads, network sizes, data sets and the number of sessions are
  bounded (:data:`MAX_BODY`, ``fcnn.playground.setup.limits``, ``max_sessions``);
* a malformed request gets a 4xx answer with a message, and the server keeps serving
  every other tab.

API (JSON in and out, paths under ``/api/``)::

    GET  schema                       registries, options, defaults and limits
    GET  previews?classes=&noise=     a few points of every shape (for the data buttons)
    GET  runs                         run folders under the runs folder it can open
    POST csv                          parse an uploaded CSV (x1,x2,label) into points
    POST sessions                     {"setup": {...}} or {"run": NAME} -> {"id": ...}
    GET  sessions/ID/events           the session's messages (Server-Sent Events)
    POST sessions/ID/ACTION           configure, reset, play, pause, step, ack, edit,
                                      points, explain, backprop, history, export
    GET  sessions/ID/download/KIND    setup.toml, data.csv or model.onnx
    DELETE sessions/ID                close the session
"""

from __future__ import annotations

import hmac
import http.server
import ipaddress
import json
import secrets
import select
import socket
import sys
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from fcnn import __version__
from fcnn.data import playground as playdata
from fcnn.errors import BudgetError, FcnnError
from fcnn.nn import ACTIVATIONS, INITIALIZERS, LOSSES
from fcnn.optim import OPTIMIZERS, SCHEDULES
from fcnn.playground.session import Session, encode_json
from fcnn.playground.setup import PLAY_OPTIONS, Setup, describe_option, limits, train_keys
from fcnn.registry import Registry
from fcnn.run.config import schema

#: Largest request body accepted (a setup with 5000 points, a CSV upload of 1 MB).
MAX_BODY = 2_000_000
#: Sessions open at once (one per tab); the oldest idle one makes room for a new one.
MAX_SESSIONS = 8
#: A session with no open stream and no request for this long is closed.
IDLE_SECONDS = 600
#: Seconds between keep-alive comments on an idle event stream.
HEARTBEAT = 15.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")

_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
          ".json": "application/json"}
_DOWNLOADS = {"setup.toml": "application/toml", "data.csv": "text/csv",
              "model.onnx": "application/octet-stream"}


class RequestError(Exception):
    """A request the server refuses: an HTTP status and a message for the page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def load_assets() -> dict[str, tuple[bytes, str]]:
    """The files of the asset folder (not its sub-folders), read once: name -> (bytes, type)."""
    folder = resources.files("fcnn.playground") / "assets"
    assets = {}
    for item in folder.iterdir():
        suffix = Path(item.name).suffix
        if item.is_file() and suffix in _TYPES:
            assets[item.name] = (item.read_bytes(), _TYPES[suffix])
    return assets


def _describe_registry(registry: Registry) -> list[dict[str, Any]]:
    return [{"name": entry.name, "help": entry.help, "title": entry.meta.get("title"),
             "options": [describe_option(option) for option in entry.options]}
            for entry in registry.entries()]


def page_schema() -> dict[str, Any]:
    """What the page builds its menus and controls from, read from the registries now.

    An activation, loss, optimizer or schedule registered later appears in the page
    without an edit of the page.
    """
    options = schema()
    data_options = [describe_option(o) for o in playdata.OPTIONS if o.name not in
                    ("csv", "points")]
    return {
        "version": __version__,
        "registries": {"activation": _describe_registry(ACTIVATIONS),
                       "loss": _describe_registry(LOSSES),
                       "optimizer": _describe_registry(OPTIMIZERS),
                       "schedule": _describe_registry(SCHEDULES),
                       "init": _describe_registry(INITIALIZERS)},
        "train": {key: describe_option(options[key]) for key in train_keys()},
        "data": data_options,
        "play": [describe_option(o) for o in PLAY_OPTIONS],
        "defaults": Setup.from_values({}).resolved(),
        "features": [{"name": name, "title": title}
                     for name, (title, _) in playdata.FEATURES.items()],
        "shapes": list(playdata.SHAPES),
        "limits": {**limits(), "max_sessions": None, "max_body": MAX_BODY},
    }


@dataclass
class Sessions:
    """The open sessions, at most ``limit`` of them."""

    limit: int
    factory: Callable[..., Session] = Session

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.open: dict[str, Session] = {}

    def add(self, make: Callable[[str], Session]) -> Session:
        """A new session from ``make(id)``; closes idle ones to make room, else refuses."""
        with self.lock:
            self._reap()
            if len(self.open) >= self.limit:
                idle = [s for s in self.open.values() if s.streams == 0]
                if not idle:
                    raise RequestError(429, f"too many playground sessions open (the limit is "
                                            f"{self.limit}, one per tab): close a playground "
                                            f"tab and reload this one.")
                oldest = min(idle, key=lambda s: s.last_used)
                self._close(oldest.id)
        session = make(secrets.token_urlsafe(12))
        with self.lock:
            self.open[session.id] = session
        return session

    def get(self, session_id: str) -> Session:
        with self.lock:
            session = self.open.get(session_id)
        if session is None:
            raise RequestError(404, f"no session {session_id[:40]!r} (it was closed after "
                                    f"{IDLE_SECONDS // 60} idle minutes, or the server "
                                    f"restarted): reload the page.")
        return session

    def close(self, session_id: str) -> None:
        with self.lock:
            self._close(session_id)

    def close_all(self) -> None:
        with self.lock:
            for session_id in list(self.open):
                self._close(session_id)

    def _close(self, session_id: str) -> None:
        session = self.open.pop(session_id, None)
        if session is not None:
            session.close()

    def _reap(self) -> None:
        now = time.monotonic()
        for session in list(self.open.values()):
            if session.streams == 0 and now - session.last_used > IDLE_SECONDS:
                self._close(session.id)


class PlaygroundServer(http.server.ThreadingHTTPServer):
    """The playground's HTTP server (see the module docstring).

    Args:
        host: the address to listen on (127.0.0.1: this machine only).
        port: the port (0: a free one).
        runs_dir: where run folders are written and looked for.
        max_sessions: sessions open at once.
        embed: allow the page inside a frame (``fcnn.playground.show`` in Jupyter).
        token: the access token (default: a new random one).
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 runs_dir: str | Path = "runs", max_sessions: int = MAX_SESSIONS,
                 embed: bool = False, token: str | None = None) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.address_family = family
        super().__init__((host, port), Handler)
        self.host = host
        self.token = token or secrets.token_urlsafe(24)
        self.runs_dir = Path(runs_dir)
        self.sessions = Sessions(max_sessions)
        self.embed = embed
        self.assets = load_assets()
        self.allowed_hosts = self._allowed_hosts(host)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def _allowed_hosts(self, host: str) -> set[str]:
        names = set(LOOPBACK) | {host.lower()}
        if host in ("0.0.0.0", "::", ""):
            names.add(socket.gethostname().lower())
            try:
                names.update(info[4][0] for info in socket.getaddrinfo(socket.gethostname(),
                                                                       None))
            except OSError:
                pass
        return names

    def url(self, lang: str | None = None, session: str | None = None) -> str:
        """The page's address with the token (what ``fcnn playground`` prints and opens)."""
        host = self.host if self.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        shown = f"[{host}]" if ":" in host else host
        query = {"token": self.token}
        if lang:
            query["lang"] = lang
        if session:
            query["session"] = session
        return f"http://{shown}:{self.port}/?{urllib.parse.urlencode(query)}"

    def check_host(self, header: str | None) -> None:
        """Refuse a Host header that does not name this server (DNS rebinding)."""
        if not header:
            raise RequestError(400, "the request has no Host header.")
        name, port = _split_host(header)
        if name is None or name.lower() not in self.allowed_hosts or port != self.port:
            raise RequestError(403, f"this server answers to {', '.join(sorted(LOOPBACK))} on "
                                    f"port {self.port}, not to {header[:80]!r}.")

    def check_origin(self, origin: str | None, fetch_site: str | None) -> None:
        """Refuse requests sent by another web site's page."""
        if fetch_site == "cross-site":
            raise RequestError(403, "cross-site requests are refused.")
        if origin is None:
            return
        parsed = urllib.parse.urlsplit(origin)
        try:
            port = parsed.port
        except ValueError:
            port = None
        if parsed.scheme != "http" or (parsed.hostname or "").lower() not in \
                self.allowed_hosts or port != self.port:
            raise RequestError(403, f"requests from {origin[:80]!r} are refused; open the "
                                    f"playground at the address fcnn printed.")

    def check_token(self, given: str | None) -> None:
        if not given or not hmac.compare_digest(given.encode(), self.token.encode()):
            raise RequestError(403, "missing or wrong token: open the playground at the "
                                    "address `fcnn playground` printed (it ends in ?token=...).")

    def server_close(self) -> None:
        self.sessions.close_all()
        super().server_close()


def _split_host(header: str) -> tuple[str | None, int | None]:
    """``"127.0.0.1:8000"`` -> ("127.0.0.1", 8000); ``"[::1]:80"`` -> ("::1", 80)."""
    parsed = urllib.parse.urlsplit(f"//{header.strip()}")
    try:
        port = parsed.port
    except ValueError:
        return None, None
    name = parsed.hostname
    if name is None or port is None:
        return None, None
    if ":" in name:
        try:
            name = str(ipaddress.ip_address(name))
        except ValueError:
            return None, None
    return name, port


class Handler(http.server.BaseHTTPRequestHandler):
    """One request (or one event stream) of the playground server."""

    server: PlaygroundServer
    protocol_version = "HTTP/1.1"
    timeout = 60  # seconds a kept-alive connection may stay silent
    server_version = f"fcnn-playground/{__version__}"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        # no Nagle delay: a frame's last partial segment would otherwise wait ~40 ms for the
        # browser's delayed acknowledgement, capping the stream at ~25 frames per second
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # ----- entry points -------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")

    def do_PUT(self) -> None:  # noqa: N802
        self._serve("PUT")

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve("HEAD")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet: the terminal shows the address and errors only

    def _serve(self, method: str) -> None:
        try:
            self.server.check_host(self.headers.get("Host"))
            url = urllib.parse.urlsplit(self.path)
            # another site may open (or, for a notebook, frame) the page; it may not call the API
            api = url.path.startswith("/api/")
            self.server.check_origin(self.headers.get("Origin"),
                                     self.headers.get("Sec-Fetch-Site") if api else None)
            self.query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
            self._route(method, url.path)
        except RequestError as error:
            self._error(error.status, str(error))
        except BudgetError as error:
            self._error(413, str(error))
        except (FcnnError, ValueError, TypeError, KeyError) as error:
            self._error(400, str(error))
        except ImportError as error:
            self._error(501, str(error))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as error:  # a bug: say so, keep serving the other requests
            traceback.print_exc(file=sys.stderr)
            self._error(500, f"internal error ({type(error).__name__}); see the terminal "
                             f"running fcnn playground.")

    def _route(self, method: str, path: str) -> None:
        if path in ("/", "/index.html"):
            self._allow(method, "GET", "HEAD")
            self._require_token(query_ok=True)
            body, kind = self.server.assets["index.html"]
            self._send(200, body, kind)
            return
        if path.startswith("/static/"):
            self._allow(method, "GET", "HEAD")
            asset = self.server.assets.get(path[len("/static/"):])
            if asset is None or path[len("/static/"):] == "index.html":
                raise RequestError(404, "no such file.")
            self._send(200, *asset)
            return
        if path == "/favicon.ico":
            self._send(204, b"", "text/plain")
            return
        if not path.startswith("/api/"):
            raise RequestError(404, f"nothing at {path[:80]!r}.")
        parts = path[len("/api/"):].split("/")
        if parts[0] == "sessions" and len(parts) >= 3 and parts[2] in ("events", "download"):
            self._require_token(query_ok=True)  # EventSource and links cannot set headers
        else:
            self._require_token(query_ok=False)
        self._api(method, parts)

    def _api(self, method: str, parts: list[str]) -> None:
        if parts == ["schema"]:
            self._allow(method, "GET")
            document = page_schema()
            document["limits"]["max_sessions"] = self.server.sessions.limit
            self._json(document)
        elif parts == ["previews"]:
            self._allow(method, "GET")
            self._json(self._previews())
        elif parts == ["runs"]:
            self._allow(method, "GET")
            self._json({"runs": self._runs(), "folder": str(self.server.runs_dir)})
        elif parts == ["csv"]:
            self._allow(method, "POST")
            rows = playdata.read_points_csv(self._body(), where="uploaded CSV")
            labels = rows[:, 2]
            classes = int(labels.max()) + 1 if len(labels) else 2
            if classes > playdata.MAX_CLASSES or labels.min() < 0:
                raise RequestError(400, f"uploaded CSV: labels must be integers 0.."
                                        f"{playdata.MAX_CLASSES - 1}, found {labels.min():g}.."
                                        f"{labels.max():g}.")
            playdata.check_points(rows.tolist(), max(classes, 2), "uploaded CSV: ")
            self._json({"points": rows.tolist(), "classes": max(classes, 2)})
        elif parts == ["sessions"]:
            self._allow(method, "POST")
            self._create(self._json_body())
        elif len(parts) == 2 and parts[0] == "sessions":
            self._allow(method, "DELETE")
            self.server.sessions.get(parts[1])
            self.server.sessions.close(parts[1])
            self._json({"closed": parts[1]})
        elif len(parts) == 3 and parts[0] == "sessions" and parts[2] == "events":
            self._allow(method, "GET")
            self._stream(self.server.sessions.get(parts[1]))
        elif len(parts) == 4 and parts[0] == "sessions" and parts[2] == "download":
            self._allow(method, "GET")
            self._download(self.server.sessions.get(parts[1]), parts[3])
        elif len(parts) == 3 and parts[0] == "sessions":
            self._allow(method, "POST")
            session = self.server.sessions.get(parts[1])
            self._json(self._action(session, parts[2], self._json_body()))
        else:
            raise RequestError(404, f"no API /api/{'/'.join(parts)[:80]}.")

    # ----- sessions ------------------------------------------------------------------
    def _create(self, body: dict[str, Any]) -> None:
        run = body.get("run")
        if run is not None:
            folder = self._run_folder(run)
            session = self.server.sessions.add(lambda sid: Session.from_run(folder, sid))
        else:
            setup = body.get("setup", {})
            if not isinstance(setup, dict):
                raise RequestError(400, "setup: expected a table of settings.")
            session = self.server.sessions.add(lambda sid: Session(setup, sid))
        self._json({"id": session.id})

    def _action(self, session: Session, action: str, body: dict[str, Any]) -> dict[str, Any]:
        if action == "ack":  # many per second: it must not cut a multi-epoch update short
            with session.cond:
                session.ack(body.get("frame"))
                session.cond.notify_all()
            return {"ok": True}
        with session.locked():
            if action == "configure":
                session.configure(_field(body, "setup", dict))
            elif action == "reset":
                session.reset()
            elif action in ("play", "pause"):
                session.play(action == "play")
            elif action == "step":
                epochs = body.get("epochs", 1)
                if isinstance(epochs, bool) or not isinstance(epochs, int) or \
                        not 1 <= epochs <= 1000:
                    raise RequestError(400, f"epochs: expected an integer in 1..1000, got "
                                            f"{epochs!r}.")
                session.step(epochs)
            elif action == "edit":
                session.edit(body.get("layer"), body.get("row"), body.get("column"),
                             body.get("value"))
            elif action == "points":
                session.edit_points(body.get("add"), body.get("erase"),
                                    bool(body.get("clear", False)))
            elif action == "explain":
                return session.explain(body.get("point"), body.get("label"))
            elif action == "backprop":
                return session.backprop(body.get("point"), body.get("label"),
                                        body.get("view", "neuron"),
                                        body.get("granularity", "fine"),
                                        body.get("layer", 1), body.get("neuron", 0))
            elif action == "history":
                return {"history": session.history()}
            elif action == "export":
                kind = body.get("kind")
                if kind != "run":
                    raise RequestError(400, f"kind: expected 'run' (setup.toml, data.csv and "
                                            f"model.onnx are downloads), got {kind!r}.")
                folder = session.export_run(self.server.runs_dir)
                return {"folder": str(folder), "epoch": session.state.epoch}
            else:
                raise RequestError(404, f"no action {action[:40]!r}.")
            return {"ok": True, "version": session.version, "frame": session.frame_id}

    def _stream(self, session: Session) -> None:
        """Send the session's setup and frames as Server-Sent Events until the page leaves."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Accel-Buffering", "no")
        self._security_headers()
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        with session.cond:
            session.streams += 1
            session.streams_opened += 1
            generation = session.streams_opened
        sent_version = sent_frame = -1
        try:
            while True:
                with session.cond:
                    deadline = time.monotonic() + HEARTBEAT
                    while (not session.closed and session.version == sent_version and
                           session.frame_id == sent_frame and
                           session.streams_opened == generation and
                           time.monotonic() < deadline):
                        session.cond.wait(timeout=0.5)
                        if self._client_gone():
                            return
                    if session.closed or session.streams_opened != generation:
                        return
                    chunks = []
                    if session.version != sent_version:
                        chunks.append(b"event: setup\ndata: " + session.setup_message + b"\n\n")
                        sent_version = session.version
                    if session.frame_id != sent_frame:
                        chunks.append(b"event: frame\ndata: " + session.frame_message + b"\n\n")
                        sent_frame = session.frame_id
                    session.last_used = time.monotonic()
                self.wfile.write(b"".join(chunks) or b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            return
        finally:
            with session.cond:
                session.streams -= 1
                session.cond.notify_all()

    def _client_gone(self) -> bool:
        """The page closed the event stream (its socket reads as end-of-file)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def _download(self, session: Session, name: str) -> None:
        if name not in _DOWNLOADS:
            raise RequestError(404, f"no download {name[:40]!r}; downloads: "
                                    f"{', '.join(_DOWNLOADS)}.")
        with session.locked():
            if name == "setup.toml":
                body = session.export_toml().encode()
            elif name == "data.csv":
                body = session.export_csv().encode()
            else:
                body = session.export_onnx()
        self._send(200, body, _DOWNLOADS[name],
                   {"Content-Disposition": f'attachment; filename="playground-{name}"'})

    # ----- helpers ----------------------------------------------------------------
    def _previews(self) -> dict[str, Any]:
        classes = _query_number(self.query, "classes", int, 2, playdata.MIN_CLASSES,
                                playdata.MAX_CLASSES)
        noise = _query_number(self.query, "noise", float, 0.0, 0.0, 0.5)
        previews = {}
        for shape in playdata.SHAPES:
            data = playdata.generate(0, shape=shape, classes=classes, noise=noise,
                                     n_samples=40 * classes, test_fraction=0.0)
            rows = [[round(float(x), 2), round(float(y), 2), int(c)] for (x, y), c in
                    zip(data.points_train, data.dataset.y_train)]
            previews[shape] = rows
        return previews

    def _runs(self) -> list[dict[str, Any]]:
        """Run folders directly under the runs folder whose networks read 2 inputs."""
        from fcnn.nn.serialization import read_model_json

        found = []
        folder = self.server.runs_dir
        if not folder.is_dir():
            return found
        for child in sorted(folder.iterdir(), key=lambda p: p.name, reverse=True)[:200]:
            if not (child / "model.json").is_file():
                continue
            try:
                document = read_model_json(child)
            except (FcnnError, ValueError, OSError):
                continue
            config = document.get("config") or {}
            extra = document.get("extra") or {}
            if config.get("in_features") is None:
                continue
            dataset = str(extra.get("dataset", ""))
            if dataset == "playground" or config.get("in_features") == 2:
                found.append({"name": child.name, "dataset": dataset,
                              "hidden": config.get("hidden"),
                              "classes": config.get("out_features")})
        return found

    def _run_folder(self, name: Any) -> Path:
        names = {run["name"] for run in self._runs()}
        if not isinstance(name, str) or name not in names:
            raise RequestError(404, f"no run folder {str(name)[:60]!r} trained on 2-D data in "
                                    f"{self.server.runs_dir}; the page lists those it can "
                                    f"open.")
        return self.server.runs_dir / name

    def _require_token(self, query_ok: bool) -> None:
        given = self.headers.get("X-Fcnn-Token")
        if given is None and query_ok:
            given = self.query.get("token")
        self.server.check_token(given)

    def _allow(self, method: str, *allowed: str) -> None:
        if method not in allowed:
            raise RequestError(405, f"{method} is not allowed here; use {' or '.join(allowed)}.")

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise RequestError(411, "send the body with a Content-Length (no chunked "
                                    "transfer encoding).")
        length_text = self.headers.get("Content-Length", "0")
        try:
            length = int(length_text)
        except ValueError:
            self.close_connection = True
            raise RequestError(400, f"Content-Length {length_text[:20]!r} is not a "
                                    f"number.") from None
        if length < 0:
            self.close_connection = True
            raise RequestError(400, "Content-Length is negative.")
        if length > MAX_BODY:
            self.close_connection = True  # the body is not read: the connection ends here
            raise RequestError(413, f"the request body has {length:,} bytes, more than the "
                                    f"limit of {MAX_BODY:,}.")
        return self.rfile.read(length) if length else b""

    def _json_body(self) -> dict[str, Any]:
        raw = self._body()
        if not raw:
            return {}
        try:
            value = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            raise RequestError(400, f"the body is not valid JSON ({type(error).__name__}: "
                                    f"{str(error)[:100]}).") from None
        if not isinstance(value, dict):
            raise RequestError(400, f"the body must be a JSON object, got "
                                    f"{type(value).__name__}.")
        return value

    def _security_headers(self) -> None:
        frames = "'self' http: https: vscode-webview:" if self.server.embed else "'none'"
        self.send_header("Content-Security-Policy",
                         "default-src 'self'; script-src 'self'; style-src 'self'; "
                         f"img-src 'self' data: blob:; connect-src 'self'; frame-ancestors "
                         f"{frames}; base-uri 'none'; form-action 'none'")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")

    def _send(self, status: int, body: bytes, kind: str,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self._security_headers()
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, document: dict[str, Any], status: int = 200) -> None:
        self._send(status, encode_json(document), "application/json")

    def _error(self, status: int, message: str) -> None:
        try:
            self._json({"error": message, "status": status}, status)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True


def _field(body: dict[str, Any], key: str, kind: type) -> Any:
    value = body.get(key)
    if not isinstance(value, kind):
        raise RequestError(400, f"{key}: expected {kind.__name__}, got "
                                f"{type(value).__name__}.")
    return value


def _query_number(query: dict[str, str], key: str, kind: type, default: Any, low: float,
                  high: float) -> Any:
    if key not in query:
        return default
    try:
        value = kind(query[key])
    except ValueError:
        raise RequestError(400, f"{key}: expected a number, got {query[key][:20]!r}.") from None
    if not low <= value <= high:
        raise RequestError(400, f"{key}: expected a number in [{low:g}, {high:g}], got "
                                f"{value!r}.")
    return value


def limit_blas_threads() -> None:
    """One BLAS thread: the playground's matrices are small, and the browser needs a core.

    Uses threadpoolctl when it is installed (the ``bench`` extra); otherwise leaves
    NumPy's BLAS as it is (set ``OPENBLAS_NUM_THREADS=1`` to do the same).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(1)


def serve(host: str = "127.0.0.1", port: int = 0, runs_dir: str | Path = "runs",
          max_sessions: int = MAX_SESSIONS, embed: bool = False) -> PlaygroundServer:
    """Start a playground server in a background thread and return it.

    Example:
        >>> server = serve()
        >>> server.url().startswith("http://127.0.0.1:")
        True
        >>> server.shutdown(); server.server_close()
    """
    server = PlaygroundServer(host, port, runs_dir, max_sessions, embed)
    thread = threading.Thread(target=server.serve_forever, name="fcnn-playground",
                              daemon=True)
    thread.start()
    return server
