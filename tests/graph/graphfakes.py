"""A scriptable Graph stand-in on loopback, for failure shapes the sandbox does not produce.

Tests script replies per (method, path) and then read back every request the client made, over
real HTTP on 127.0.0.1. Acceptance tests against the real sandbox live in test_against_sandbox.py.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

VERSION = "v25.0"
USER_TOKEN = "EAAJtestUserToken0123456789abcdefXYZ"
APP_SECRET = "0123456789abcdef0123456789abcdef"


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list/bool -> JSON; str/bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = "application/json; charset=UTF-8"
    # Announce more bytes than sent, then hang up: a body cut off in transit.
    cut_off: bool = False


@dataclass
class Seen:
    method: str
    path: str  # without the version prefix
    version: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]

    @property
    def params(self) -> dict[str, str]:
        return {**self.query, **self.form}


Handler = Callable[[Seen], Reply]


class FakeGraph:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self._routes: dict[tuple[str, str], list[Reply] | Handler] = {}
        self._lock = threading.Lock()
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                fake._serve(self)

            do_GET = do_POST = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.handle_error = lambda *a: None  # type: ignore[method-assign]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def on(self, method: str, path: str, *replies: Reply | Handler) -> None:
        """Script `path` (without version). Replies are used in turn; the last one repeats."""
        if len(replies) == 1 and callable(replies[0]):
            self._routes[(method, path)] = replies[0]  # type: ignore[assignment]
        else:
            self._routes[(method, path)] = list(replies)  # type: ignore[arg-type]

    def seen(self, path: str | None = None, method: str | None = None) -> list[Seen]:
        return [
            r
            for r in self.requests
            if (path is None or r.path == path) and (method is None or r.method == method)
        ]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        segments = parts.path.split("/", 2)
        version = segments[1] if len(segments) > 1 else ""
        path = "/" + (segments[2] if len(segments) > 2 else "")
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length).decode() if length else ""
        seen = Seen(
            method=h.command,
            path=path,
            version=version,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            form=dict(parse_qsl(raw, keep_blank_values=True)),
            headers={k: v for k, v in h.headers.items()},
        )
        with self._lock:
            self.requests.append(seen)
            route = self._routes.get((h.command, path))
            if route is None:
                reply = Reply(404, {"error": {"message": f"Unknown path {path}", "code": 2500}})
            elif callable(route):
                reply = route(seen)
            else:
                reply = route.pop(0) if len(route) > 1 else route[0]
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.body
        if isinstance(body, (dict, list, bool)) or body is None:
            data = b"" if body is None else json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body
        try:
            h.send_response(reply.status)
            h.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                h.send_header(name, value)
            h.send_header("Content-Length", str(len(data) + (50 if reply.cut_off else 0)))
            if reply.cut_off:
                h.send_header("Connection", "close")
                h.close_connection = True
            h.end_headers()
            h.wfile.write(data)
            h.wfile.flush()
        except OSError:
            pass  # the client gave up (timeout tests)


def ok(body: Any, **headers: str) -> Reply:
    return Reply(200, body, headers=dict(headers))


def graph_error(
    code: int,
    message: str = "boom",
    *,
    status: int = 400,
    subcode: int | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Reply:
    err: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AtraceXYZ",
        **extra,
    }
    if subcode is not None:
        err["error_subcode"] = subcode
    return Reply(status, {"error": err}, headers=headers or {})


@dataclass
class Sleeps:
    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def free_port() -> int:
    """A port nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
