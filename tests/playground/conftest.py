"""Fixtures of the playground tests: a server started in-process on a free port."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fcnn.playground.server import PlaygroundServer, serve


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """Raw HTTP against the server: every header and byte is the test's choice."""

    def __init__(self, server: PlaygroundServer) -> None:
        self.server = server
        self.port = server.port
        self.token = server.token

    def request(self, method: str, path: str, body: Any = None, *, token: bool = True,
                headers: dict[str, str] | None = None, raw: bytes | None = None) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": f"127.0.0.1:{self.port}"}
        if token:
            sent["X-Fcnn-Token"] = self.token
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        if data is not None:
            sent["Content-Length"] = str(len(data))
        sent.update(headers or {})
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for key, value in sent.items():
            connection.putheader(key, value)
        connection.endheaders()
        if data:
            connection.send(data)
        response = connection.getresponse()
        reply = Reply(response.status, dict(response.getheaders()), response.read())
        connection.close()
        return reply

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.request("POST", path, body if body is not None else {}, **kwargs)

    def session(self, **setup: Any) -> str:
        reply = self.post("/api/sessions", {"setup": setup})
        assert reply.status == 200, reply.body
        return reply.json()["id"]

    def action(self, session: str, action: str, **body: Any) -> Reply:
        return self.post(f"/api/sessions/{session}/{action}", body)


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    return tmp_path / "runs"


@pytest.fixture
def server(runs_dir: Path) -> Iterator[PlaygroundServer]:
    server = serve(port=0, runs_dir=runs_dir, max_sessions=3)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(server: PlaygroundServer) -> Client:
    return Client(server)
