"""One HTTP exchange with Meta, as bytes on the wire: where a path (or a `paging.next` link)
goes, how an answer becomes a value or a GraphError, and how a transport failure is named.

Pure functions: the retries, the pacing and the call ledger around them are transport.py's.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import requests.exceptions as rexc
import urllib3.exceptions

from .errors import (
    BadRequestError,
    GraphError,
    GraphTimeoutError,
    MalformedResponseError,
    TransientError,
    error_from_envelope,
    error_from_status,
)

AUTH_PARAMS = frozenset({"access_token", "appsecret_proof"})
_VERSION_RE = re.compile(r"^/v\d+(?:\.\d+)?(?=/|$)")


def resolve(path: str, api_root: str) -> tuple[str, dict[str, str]]:
    """Return (path relative to the version root, extra query params).

    A `paging.next` URL is reduced to its path and its non-secret parameters, then sent to
    our own api_root and signed again: tokens inside the link are never trusted or re-sent,
    and the link's host is never contacted.
    """
    if path.startswith(("http://", "https://")):
        parts = urlsplit(path)
        rel, query = parts.path, parts.query
        root = urlsplit(api_root).path.rstrip("/")
        if root and (rel == root or rel.startswith(root + "/")):
            rel = rel[len(root) :]
        else:
            rel = _VERSION_RE.sub("", rel)
    else:
        rel, _, query = path.partition("?")
        rel = _VERSION_RE.sub("", "/" + rel.lstrip("/"))
    extra = {k: v for k, v in parse_qsl(query, keep_blank_values=True) if k not in AUTH_PARAMS}
    return "/" + rel.lstrip("/"), extra


def decode(response: requests.Response, expect: type, default_retry_after: float | None) -> Any:
    """The answer's JSON value, or the GraphError it carries (usage headers are the
    caller's to read)."""
    status = response.status_code
    raw = response.content or b""
    kind = response.headers.get("Content-Type", "?").split(";")[0]
    if 300 <= status < 400:
        raise BadRequestError(f"Meta answered a redirect (HTTP {status})", http_status=status)
    if not raw.strip():
        if status >= 400 and status < 500 and status != 429:
            raise error_from_status(status, headers=response.headers)
        raise MalformedResponseError(
            "Meta sent an empty answer", http_status=status, safe_to_resend=status == 503
        )
    try:
        value = json.loads(raw)
    except ValueError:
        if status >= 400 and status < 500:
            raise error_from_status(
                status,
                headers=response.headers,
                default_retry_after=default_retry_after,
            ) from None
        raise MalformedResponseError(
            f"Meta's answer was not JSON ({kind}, {len(raw)} bytes)",
            http_status=status,
            safe_to_resend=status == 503,
        ) from None
    if isinstance(value, dict) and "error" in value:
        raise error_from_envelope(
            value,
            http_status=status,
            headers=response.headers,
            default_retry_after=default_retry_after,
        )
    if status >= 400:
        raise error_from_status(
            status,
            headers=response.headers,
            default_retry_after=default_retry_after,
        )
    if value is True and expect is dict:
        value = {"success": True}
    if value is False or (isinstance(value, dict) and is_false(value.get("success"))):
        raise BadRequestError("Meta answered success=false", http_status=status)
    if not isinstance(value, expect):
        raise MalformedResponseError(
            f"Meta's answer was a JSON {type(value).__name__}, not {expect.__name__}",
            http_status=status,
        )
    return value


def transport_error(exc: requests.RequestException) -> GraphError:
    """Translate a requests exception without keeping its message (it holds the URL)."""
    name = type(exc).__name__
    if isinstance(exc, requests.ConnectTimeout):
        return GraphTimeoutError("Timed out connecting to Meta", safe_to_resend=True)
    if isinstance(exc, requests.Timeout):
        return GraphTimeoutError("Meta did not answer in time (read timeout)")
    if isinstance(exc, (rexc.ChunkedEncodingError, rexc.ContentDecodingError)):
        return MalformedResponseError(f"Meta's answer was cut off or garbled ({name})")
    if isinstance(
        exc,
        (
            rexc.InvalidURL,
            rexc.MissingSchema,
            rexc.InvalidSchema,
            rexc.InvalidHeader,
        ),
    ):
        return BadRequestError(f"The Graph request could not be built ({name}): check the URL")
    if isinstance(exc, requests.ConnectionError) and never_connected(exc):
        return TransientError("Could not connect to Meta", safe_to_resend=True)
    return TransientError(f"The connection to Meta failed ({name})")


def never_connected(exc: BaseException) -> bool:
    """True when the failure happened while connecting, so nothing was sent."""
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (urllib3.exceptions.ConnectTimeoutError, ConnectionRefusedError)):
            return True  # NewConnectionError and NameResolutionError subclass ConnectTimeoutError
        stack.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
        stack.extend([getattr(current, "reason", None), current.__cause__, current.__context__])
    return False


def is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.lower() == "false")


def log_path(path: str) -> str:
    """A path safe for logs: no query string."""
    return urlsplit(path).path if path.startswith("http") else path.split("?", 1)[0]
