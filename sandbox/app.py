"""The WSGI application: HTTP in, Graph wire format out, faults in between.

``make_wsgi_app(world, faults=None)`` returns a WSGI callable. Every response carries Meta's
usage headers (``X-App-Usage``, ``X-Business-Use-Case-Usage``) and ``facebook-api-version``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from . import access, errors, login_dialog
from .context import (
    Ctx,
    effective_method,
    merged_params,
    parse_body,
    redact,
    split_path,
)
from .errors import GraphError
from .faults import Fault, FaultPlan
from .render import page_number
from .router import Result, dispatch
from .world import World

# The version an unversioned call is answered with (Meta: the app's oldest available one;
# the sandbox does not model per-app versions, so it reports the SDK default, DOMAIN §8.3).
UNVERSIONED_AS = "v25.0"
JSON_TYPE = "application/json; charset=UTF-8"

StartResponse = Callable[..., Any]


class RequestLog:
    """Thread-safe list of served requests (secrets redacted)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[dict[str, Any]] = []

    def append(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._items.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._items)

    def matching(self, method: str | None = None, path_contains: str = "") -> list[dict]:
        return [
            r
            for r in self.snapshot()
            if (method is None or r["method"] == method.upper()) and path_contains in r["path"]
        ]

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self):
        return iter(self.snapshot())

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.snapshot()[index]


class GraphApp:
    def __init__(
        self,
        world: World,
        faults: FaultPlan | None = None,
        request_log: RequestLog | None = None,
    ) -> None:
        self.world = world
        self.faults = faults
        self.requests = request_log if request_log is not None else RequestLog()

    # --- WSGI -------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if login_dialog.is_dialog_path(environ.get("PATH_INFO", "/")):
            return self._login_dialog(environ, start_response)
        try:
            ctx = self._context(environ)
        except GraphError as exc:
            return self._send(start_response, exc.status, _json(exc.body()), [])
        self.requests.append(
            {
                "method": ctx.method,
                "path": environ.get("PATH_INFO", "/"),
                "params": redact(ctx.params),
                "time": time.time(),
            }
        )
        fault = self._pick_fault(ctx)
        if fault is not None:
            early = self._apply_fault_before(ctx, fault)
            if early is not None:
                status, body, headers, *content_type = early
                return self._send(start_response, status, body, headers, ctx, *content_type)
        if self.faults is not None:
            ctx.extra["inner_fault"] = self.faults.pick_inner
        if fault is not None and fault.kind == "truncated_json" and ctx.method != "GET":
            # Never apply a write whose answer is going to be garbage.
            body = json.dumps({"success": True, "id": ctx.parts[0] if ctx.parts else ""})
            return self._send(start_response, 200, body.encode()[: len(body) // 2], [])
        with self.world.lock:
            result = dispatch(ctx)
        body = _json(result.body)
        status = result.status
        if fault is not None and fault.kind == "truncated_json":
            body = body[: max(1, len(body) // 2)]
        elif fault is not None and fault.kind == "applied_then_500":
            status, body = 500, _json(errors.transient_server_error().body())
        return self._send(start_response, status, body, result.headers, ctx)

    def _login_dialog(self, environ: dict[str, Any], start_response: StartResponse):
        """Facebook Login's dialog is a web page, not a Graph call: HTML, no usage headers."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        status, body, headers = login_dialog.handle(
            self.world, environ.get("REQUEST_METHOD", "GET"), environ.get("QUERY_STRING", ""), raw
        )
        return self._send(start_response, status, body, headers, None, login_dialog.HTML_TYPE)

    # --- helpers ----------------------------------------------------------------------------

    def _context(self, environ: dict[str, Any]) -> Ctx:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        body = parse_body(raw, environ.get("CONTENT_TYPE") or "")
        params = merged_params(environ.get("QUERY_STRING", ""), body)
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if "access_token" not in params and auth.split(" ", 1)[0].lower() in ("bearer", "oauth"):
            params["access_token"] = auth.split(" ", 1)[1].strip()
        method = effective_method(environ.get("REQUEST_METHOD", "GET"), params)
        version, parts = split_path(environ.get("PATH_INFO", "/"))
        host = environ.get("HTTP_HOST") or (
            f"{environ.get('SERVER_NAME', '127.0.0.1')}:{environ.get('SERVER_PORT', '80')}"
        )
        base_url = f"{environ.get('wsgi.url_scheme', 'http')}://{host}"
        return Ctx(self.world, method, version, parts, params, base_url)

    def _pick_fault(self, ctx: Ctx) -> Fault | None:
        if self.faults is None:
            return None
        page = page_number(ctx.params, self.world.config.page_size_default)
        is_batch = not ctx.parts and ctx.method == "POST" and "batch" in ctx.params
        return self.faults.pick(ctx.method, ctx.path, page, is_batch)

    def _apply_fault_before(self, ctx: Ctx, fault: Fault) -> tuple | None:
        """Sleep or answer for the fault; None means "go on and dispatch"."""
        kind = fault.kind
        if kind == "slow":
            time.sleep(float(fault.option("delay", 0.2)))
            return None
        if kind == "timeout":
            time.sleep(float(fault.option("hold", 5.0)))
            return 500, _json(errors.transient_server_error().body()), self._usage(ctx)
        if kind == "batch_null":
            try:
                count = len(json.loads(ctx.params.get("batch", "[]")))
            except ValueError:
                count = 0
            assert self.faults is not None
            ctx.extra["batch_null"] = self.faults.null_items(fault, count)
            return None
        if kind in ("truncated_json", "applied_then_500"):
            return None
        if kind == "malformed_json":
            return 200, b'{"data": [{"id": "1", "name": "unterminated}', self._usage(ctx)
        if kind == "html":
            status = int(fault.option("status", 502))
            page = (
                b"<!DOCTYPE html><html><head><title>Error</title></head><body>"
                b"<h1>Sorry, something went wrong.</h1><p>We're working on it.</p></body></html>"
            )
            return status, page, self._usage(ctx), "text/html; charset=utf-8"
        if kind == "empty":
            return int(fault.option("status", 200)), b"", self._usage(ctx)
        if kind == "503":
            # A front-end 503 is plain text (the SDK looks for "Service Unavailable").
            return 503, b"Service Unavailable", self._usage(ctx), "text/plain"
        error = fault.as_error()
        headers = self._usage(ctx, throttle_minutes=error.regain_minutes)
        return error.status, _json(error.body()), headers

    def _usage(self, ctx: Ctx, throttle_minutes: int | None = None) -> list[tuple[str, str]]:
        """Usage headers for a faulted answer (no call is counted)."""
        world = self.world
        with world.lock:
            business_id = None
            obj = world.get(ctx.parts[0]) if ctx.parts else None
            if obj is not None:
                business_id = access.business_of(world, obj, world.kind_of(obj))
            token = world.tokens.get(ctx.params.get("access_token", ""))
            app_id = token.app_id if token else None
            tier = world.tier_for(app_id)
            if throttle_minutes is None or business_id is None:
                return world.usage.headers(business_id, app_id, tier)
            usage = world.usage.business_usage(business_id, tier)
            usage.update(call_count=100, estimated_time_to_regain_access=throttle_minutes)
            return [
                ("X-App-Usage", json.dumps(world.usage.app_usage(app_id))),
                ("X-Business-Use-Case-Usage", json.dumps({business_id: [usage]})),
            ]

    def _send(
        self,
        start_response: StartResponse,
        status: int,
        body: bytes,
        headers: list[tuple[str, str]],
        ctx: Ctx | None = None,
        content_type: str = JSON_TYPE,
    ) -> list[bytes]:
        version = (ctx.version if ctx else None) or UNVERSIONED_AS
        all_headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("facebook-api-version", version),
            ("x-fb-trace-id", errors.fbtrace_id()),
            *headers,
        ]
        start_response(f"{status} {_REASONS.get(status, 'Error')}", all_headers)
        return [body]


_REASONS = {
    200: "OK",
    302: "Found",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _json(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def make_wsgi_app(
    world: World, faults: FaultPlan | None = None, request_log: RequestLog | None = None
) -> GraphApp:
    return GraphApp(world, faults, request_log)


__all__ = ["GraphApp", "RequestLog", "Result", "make_wsgi_app"]
