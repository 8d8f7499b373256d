"""Receivers the notification tests start themselves: a real SMTP server (aiosmtpd) and an
HTTP receiver (http.server), each on a free loopback port, stopped after the test."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from businesses.actors import Actor
from businesses.models import AccessToken
from businesses.services import token_store
from notifications.models import NotificationSetting
from notifications.services import notification_setting_save
from tests.sync.conftest import migration_data, own_redis  # noqa: F401 (broker outage fixtures)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SmtpServer:
    port: int
    messages: list = field(default_factory=list)


class _Collect:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_DATA(self, server, session, envelope):
        self.server.messages.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp_server(settings):
    server = SmtpServer(port=free_port())
    controller = Controller(_Collect(server), hostname="127.0.0.1", port=server.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield server
    finally:
        controller.stop()


@dataclass
class Receiver:
    url: str
    requests: list = field(default_factory=list)
    # Status codes to answer, in order; then 200.
    statuses: list = field(default_factory=list)


@pytest.fixture
def http_receiver():
    port = free_port()
    receiver = Receiver(url=f"http://127.0.0.1:{port}/hook")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.requests.append({"headers": dict(self.headers), "body": body})
            status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        httpd.shutdown()
        httpd.server_close()


def alerts_for(user, *events, watched=()):
    """``user`` asks for ``events`` by email, as they happen (drift from ``watched`` clients)."""
    return notification_setting_save(
        user=user,
        actor=Actor.staff(user),
        events=list(events),
        clients=(),
        watched_clients=list(watched),
        mode=NotificationSetting.Mode.IMMEDIATE,
        email_enabled=True,
        email=f"{user.username}@agency.example",
        webhook_enabled=False,
        webhook_url="",
        webhook_format=NotificationSetting.WebhookFormat.JSON,
        webhook_secret="",
    )


def emails(smtp_server: SmtpServer) -> list[str]:
    return [m.content.decode() for m in smtp_server.messages]


def with_connection_token(business) -> None:
    """Give ``business`` a (fake) system-user connection token, as connecting it would."""
    token_store(
        token="EAAB" + "c" * 40,
        kind=AccessToken.Kind.SYSTEM_USER,
        business=business,
        scopes=["business_management"],
        actor=Actor.system(),
    )
