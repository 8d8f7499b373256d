"""``SandboxServer``: the sandbox on a real socket, in a background thread.

wsgiref + ThreadingMixIn with daemon threads: each connection gets its own thread, so many
client threads/processes can call at once (the world's lock serialises state changes).
"""

from __future__ import annotations

import socketserver
import threading
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .app import GraphApp, RequestLog
from .faults import FaultPlan
from .scenarios import demo
from .world import World


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # bursts from parallel clients must not be refused


class _QuietHandler(WSGIRequestHandler):
    # HTTP/1.0 (wsgiref's default): one request per connection, closed after the answer, so
    # clients never reuse a socket the server already dropped.

    def log_message(self, format: str, *args: Any) -> None:
        return  # the app keeps its own request log


class SandboxServer:
    """Run a sandbox on ``host:port`` (port 0 = any free port) until ``stop()``.

    Usable as a context manager: ``with SandboxServer() as sb: requests.get(sb.base_url...)``.
    """

    def __init__(
        self,
        world: World | None = None,
        faults: FaultPlan | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if world is None:
            world = demo()
        self.world = world
        self.faults = faults if faults is not None else FaultPlan()
        self.requests = RequestLog()
        self.app = GraphApp(self.world, self.faults, self.requests)
        self._server = make_server(
            host, port, self.app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self.host = host
        self.port = self._server.server_address[1]
        self.base_url = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None

    @property
    def credentials(self) -> dict[str, Any]:
        return self.world.credentials

    def url(self, path: str, version: str = "v25.0") -> str:
        return f"{self.base_url}/{version}/{path.lstrip('/')}"

    def start(self) -> SandboxServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"sandbox-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (the management command uses this)."""
        self._server.serve_forever(poll_interval=0.2)

    def close(self) -> None:
        """Release the socket after ``serve_forever`` returned (foreground use)."""
        self._server.server_close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
