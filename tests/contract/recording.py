"""A recording transport for the Graph client: every HTTP request it would send to Meta is
captured (method, path, params; batch items unpacked) and answered with a minimal plausible
body, so each operation runs its real code path without a server."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from graph import GraphClient, GraphConfig

API_VERSION = "v25.0"
TOKEN = "EAAcontractTestToken0123456789"
APP_SECRET = "0123456789abcdef0123456789abcdef"


@dataclass(frozen=True)
class Captured:
    method: str
    path: str  # without the version, e.g. "/1001/owned_pages"; "/" for the root
    params: dict[str, str]
    in_batch: bool = False

    @property
    def parts(self) -> list[str]:
        return [p for p in self.path.split("/") if p]

    def describe(self) -> str:
        where = " (batch item)" if self.in_batch else ""
        return f"{self.method} {self.path}{where}"


def _answer(method: str, parts: list[str], params: dict[str, str]) -> Any:
    if parts == ["debug_token"]:
        return {"data": {"app_id": "7001", "type": "USER", "is_valid": True, "scopes": []}}
    if parts[:1] == ["oauth"]:
        if parts == ["oauth", "revoke"]:
            return {"success": "true"}
        return {"access_token": "EAAnewToken", "token_type": "bearer", "expires_in": 5184000}
    if method == "GET" and len(parts) == 1:
        return {"id": parts[0], "name": "Contract test node"}
    if method == "GET":
        return {"data": []}
    if method == "DELETE":
        return {"success": True}
    return {"success": True, "id": "9001", "name": "Created", "access_token": "EAAnewToken"}


class RecordingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.captured: list[Captured] = []

    def request(self, method, url, params=None, data=None, **kwargs):  # type: ignore[override]
        path = urlsplit(url).path.removeprefix(f"/{API_VERSION}") or "/"
        sent = {str(k): str(v) for k, v in {**(params or {}), **(data or {})}.items()}
        method = method.upper()
        parts = [p for p in path.split("/") if p]
        if method == "POST" and not parts and "batch" in sent:
            body: Any = [self._batch_item(item) for item in json.loads(sent["batch"])]
            self.captured.append(Captured(method, "/", sent))
        else:
            self.captured.append(Captured(method, path, sent))
            body = _answer(method, parts, sent)
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(body).encode()
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        response.url = url
        return response

    def _batch_item(self, item: dict[str, Any]) -> dict[str, Any]:
        relative = str(item.get("relative_url", ""))
        path, _, query = relative.partition("?")
        params = dict(parse_qsl(query, keep_blank_values=True))
        params.update(parse_qsl(str(item.get("body") or ""), keep_blank_values=True))
        method = str(item.get("method", "GET")).upper()
        path = "/" + path.lstrip("/").removeprefix(f"{API_VERSION}/")
        captured = Captured(method, path, params, in_batch=True)
        self.captured.append(captured)
        return {"code": 200, "body": json.dumps(_answer(method, captured.parts, params))}


def recording_client() -> tuple[GraphClient, RecordingSession]:
    session = RecordingSession()
    config = GraphConfig(base_url="https://graph.facebook.com", version=API_VERSION, max_retries=0)
    client = GraphClient(
        config, TOKEN, app_secret=APP_SECRET, session=session, sleep=lambda _s: None
    )
    return client, session
