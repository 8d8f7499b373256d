"""Batch requests (DOMAIN 7.3): up to 50 calls in one POST, answered item by item."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .encoding import encode_params
from .errors import (
    BadRequestError,
    GraphError,
    MalformedResponseError,
    TransientError,
    error_from_envelope,
    error_from_status,
)

MAX_BATCH = 50


@dataclass(frozen=True, slots=True)
class BatchRequest:
    method: str
    relative_url: str  # without the version: "act_1/assigned_users?business=2"
    body: dict[str, Any] | None = None
    # Whether re-sending after an unknown outcome is harmless. None: GET/DELETE yes, POST no.
    idempotent: bool | None = None

    @property
    def is_idempotent(self) -> bool:
        if self.idempotent is not None:
            return self.idempotent
        return self.method.upper() in ("GET", "DELETE")

    @property
    def path(self) -> str:
        """The path as the ledger records it: no query string, no version."""
        return "/" + self.relative_url.split("?", 1)[0].lstrip("/")


@dataclass(frozen=True, slots=True)
class BatchResult:
    request: BatchRequest
    status: int | None
    body: dict[str, Any] | None
    error: GraphError | None

    @property
    def ok(self) -> bool:
        return self.error is None


def encode_batch(requests: Sequence[BatchRequest]) -> str:
    entries = []
    for req in requests:
        method = req.method.upper()
        url = req.relative_url.lstrip("/")
        entry: dict[str, str] = {"method": method}
        if req.body:
            form = urlencode(encode_params(req.body))
            if method in ("GET", "DELETE"):
                url += ("&" if "?" in url else "?") + form
            else:
                entry["body"] = form
        entry["relative_url"] = url
        entries.append(entry)
    return json.dumps(entries, separators=(",", ":"))


def not_processed_error() -> TransientError:
    return TransientError(
        "Meta did not process this request in the batch (null item)", safe_to_resend=True
    )


def parse_item(
    request: BatchRequest, item: Any, *, default_retry_after: float | None
) -> BatchResult | None:
    """One item of the batch answer; None when Meta did not process it (a `null` item)."""
    if item is None:
        return None
    err: GraphError
    if not isinstance(item, Mapping):
        err = MalformedResponseError("a batch item was not an object")
        return BatchResult(request, None, None, err)
    status = _int(item.get("code"))
    headers = _headers(item.get("headers"))
    raw = item.get("body")
    value: Any
    if isinstance(raw, (Mapping, list, bool)):
        value = raw
    elif raw is None or (isinstance(raw, str) and not raw.strip()):
        value = None
    else:
        try:
            value = json.loads(raw)
        except (TypeError, ValueError):
            err = MalformedResponseError("a batch item's body was not JSON", http_status=status)
            return BatchResult(request, status, None, err)
    if value is True:
        value = {"success": True}
    if isinstance(value, Mapping) and "error" in value:
        err = error_from_envelope(
            value, http_status=status, headers=headers, default_retry_after=default_retry_after
        )
        return BatchResult(request, status, dict(value), err)
    if status is None or status >= 400:
        err = error_from_status(
            status or 500, headers=headers, default_retry_after=default_retry_after
        )
        return BatchResult(request, status, value if isinstance(value, dict) else None, err)
    if value is None:
        return BatchResult(request, status, None, MalformedResponseError("empty batch item body"))
    if value is False or (isinstance(value, Mapping) and _is_false(value.get("success"))):
        err = BadRequestError("Meta answered success=false", http_status=status)
        return BatchResult(request, status, value if isinstance(value, dict) else None, err)
    if not isinstance(value, Mapping):
        err = MalformedResponseError("a batch item was not a JSON object", http_status=status)
        return BatchResult(request, status, None, err)
    return BatchResult(request, status, dict(value), None)


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.lower() == "false")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _headers(raw: Any) -> dict[str, str]:
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    out: dict[str, str] = {}
    for row in raw or []:
        if isinstance(row, Mapping) and "name" in row:
            out[str(row["name"])] = str(row.get("value", ""))
    return out
