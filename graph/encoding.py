"""Request encoding shared by single calls and batch items."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any


def appsecret_proof(app_secret: str, access_token: str) -> str:
    """Hex HMAC-SHA256 of the token keyed with the app secret (DOMAIN 5.3)."""
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


def encode_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Encode values the way the official SDK does (`_top_level_param_json_encode`).

    Lists, dicts and booleans become compact JSON (tasks=["MANAGE","ADVERTISE"], flag=true);
    None values are dropped so optional parameters can be passed unconditionally.
    """
    encoded: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, (Mapping, Sequence, bool)) and not isinstance(value, (str, bytes)):
            encoded[key] = json.dumps(value, sort_keys=True, separators=(",", ":"))
        else:
            encoded[key] = str(value)
    return encoded


def comma_list(values: Sequence[str] | str) -> str:
    """Scopes travel as a comma-separated string (DOMAIN 3.5: `scope` is a comma list)."""
    if isinstance(values, str):
        return values
    return ",".join(values)
