"""HTTP helpers for the sandbox tests."""

from __future__ import annotations

from typing import Any

import requests

from sandbox.entities import appsecret_proof


class Graph:
    """Calls the sandbox over real HTTP with a default token (the agency's admin SU)."""

    def __init__(self, server: Any, token: str) -> None:
        self.server = server
        self.token = token
        self.session = requests.Session()

    def url(self, path: str) -> str:
        return self.server.url(path)

    def _params(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        out = {k: v for k, v in params.items() if v is not None}
        if "access_token" not in out and token is not False:
            out["access_token"] = token or self.token
        return out

    def get(self, path: str, token: str | None = None, **params: Any) -> requests.Response:
        return self.session.get(self.url(path), params=self._params(params, token), timeout=10)

    def post(self, path: str, token: str | None = None, **data: Any) -> requests.Response:
        return self.session.post(self.url(path), data=self._params(data, token), timeout=10)

    def delete(self, path: str, token: str | None = None, **params: Any) -> requests.Response:
        return self.session.delete(self.url(path), params=self._params(params, token), timeout=10)


def error_of(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    assert "error" in body, body
    return body["error"]


def proof(token: str, secret: str) -> str:
    return appsecret_proof(token, secret)
