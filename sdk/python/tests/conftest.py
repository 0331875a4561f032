"""Shared fixtures: environment isolation, the patch, and a fake OpenKruise endpoint.

The fake speaks just enough of the private protocol for the SDKs to get
through create, a file upload, a command and a code cell. It records every
request path so tests can prove where the unmodified SDK sent its traffic.
"""

from __future__ import annotations

import base64
import json
import re
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, List, Optional, Tuple

import pytest

from kruise_agents.patch_e2b import unpatch_e2b

API_KEY = "e2b_" + "0123456789abcdef" * 2
SANDBOX_ID = "i1m5kq0x7c2w9e4r8t3a"  # the shape of a real ID: 20 random [a-z0-9]
ACCESS_TOKEN = "envd-token-1"


@dataclass
class Recorded:
    method: str
    path: str  # including the query string
    headers: dict  # lower-case names


@dataclass
class FakeServer:
    host: str
    port: int
    requests: List[Recorded] = field(default_factory=list)

    @property
    def domain(self) -> str:
        return f"{self.host}:{self.port}"

    def calls(self) -> List[Tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests]


def _envelope(message: dict, flags: int = 0) -> bytes:
    body = json.dumps(message).encode()
    return struct.pack(">BI", flags, len(body)) + body


def _handler(server: FakeServer) -> type:
    sandbox_prefix = f"/kruise/{SANDBOX_ID}/"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep pytest output clean
            pass

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        self.rfile.readline()
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, body: bytes = b"", content_type: str = "application/json") -> None:
            self.send_response(status)
            if body:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            body = self._body()
            server.requests.append(Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
            path = self.path.split("?", 1)[0]

            if self.command == "POST" and re.fullmatch(r"/kruise/api(/v2)?/sandboxes", path):
                request = json.loads(body or b"{}")
                sandbox = {
                    "sandboxID": SANDBOX_ID,
                    "templateID": request.get("templateID", "base"),
                    "clientID": "client",
                    "envdVersion": "0.5.7",
                    "envdAccessToken": ACCESS_TOKEN,
                    "domain": server.domain,
                }
                return self._send(201, json.dumps(sandbox).encode())
            if self.command == "DELETE" and path == f"/kruise/api/sandboxes/{SANDBOX_ID}":
                return self._send(204)
            if not path.startswith(sandbox_prefix):
                return self._send(404, b'{"code":404,"message":"not found"}')

            rest = path[len(sandbox_prefix):]
            if self.headers.get("X-Access-Token") not in (ACCESS_TOKEN, None):
                return self._send(401, b'{"code":401,"message":"bad token"}')
            if rest == "49983/files" and self.command == "POST":
                entry = [{"name": "a.txt", "type": "file", "path": "/tmp/a.txt"}]
                return self._send(200, json.dumps(entry).encode())
            if rest == "49983/process.Process/Start":
                stream = (
                    _envelope({"event": {"start": {"pid": 7}}})
                    + _envelope({"event": {"data": {"stdout": base64.b64encode(b"hi\n").decode()}}})
                    + _envelope({"event": {"end": {"exitCode": 0, "exited": True, "status": "exit status 0"}}})
                    + _envelope({}, flags=0x02)
                )
                return self._send(200, stream, "application/connect+json")
            if rest == "49999/execute":
                lines = [
                    {"type": "number_of_executions", "execution_count": 1},
                    {"type": "result", "is_main_result": True, "text": "2"},
                    {"type": "end_of_execution"},
                ]
                text = "".join(json.dumps(line) + "\n" for line in lines)
                return self._send(200, text.encode(), "application/x-ndjson")
            return self._send(502, b'{"code":502,"message":"The sandbox was not found"}')

        do_GET = do_POST = do_DELETE = do_PUT = _handle

    return Handler


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No ambient E2B settings leak into a test, and no test leaves the SDK patched."""
    for name in ("E2B_API_URL", "E2B_SANDBOX_URL", "E2B_DEBUG", "E2B_ACCESS_TOKEN", "E2B_VALIDATE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("E2B_API_KEY", API_KEY)
    monkeypatch.setenv("E2B_DOMAIN", "agents.example.com")
    yield
    unpatch_e2b()


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    """A fake sandbox-manager on 127.0.0.1 with E2B_DOMAIN pointing at it."""
    state = FakeServer("127.0.0.1", 0)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setenv("E2B_DOMAIN", state.domain)
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def paths(server: FakeServer, method: Optional[str] = None) -> List[str]:
    """Recorded paths without query strings, optionally for one method."""
    return [r.path.split("?", 1)[0] for r in server.requests if method in (None, r.method)]
