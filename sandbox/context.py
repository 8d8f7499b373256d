"""One Graph call as the routes see it: method, path, merged params, token, principal.

Built from a WSGI environ or from a batch item, so batch items run through exactly the same
routing and rules as top-level calls.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from . import errors
from .fields import FieldSpec, parse

if TYPE_CHECKING:
    from .entities import Token
    from .world import World

VERSION_RE = re.compile(r"^v\d+\.\d+$")
# Params whose values are secrets: never logged, never echoed except in paging URLs (like Meta).
SECRET_PARAMS = {"access_token", "appsecret_proof", "client_secret", "fb_exchange_token",
                 "input_token", "revoke_token", "code"}  # fmt: skip


def split_path(raw_path: str) -> tuple[str | None, list[str]]:
    """``/v25.0/123/owned_pages`` -> ("v25.0", ["123", "owned_pages"]).

    Unversioned calls are served too: Meta routes them to the oldest available version
    (DOMAIN §8.3), which the sandbox does not model, so they behave like versioned ones.
    """
    parts = [p for p in raw_path.split("/") if p]
    version = None
    if parts and VERSION_RE.match(parts[0]):
        version = parts.pop(0)
    return version, parts


def parse_list(value: Any) -> list[str]:
    """List params arrive as JSON lists, Meta-doc style ``['A','B']`` or ``A,B``."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    text = str(value).strip()
    if not text:
        return []
    if text.startswith("["):
        for candidate in (text, text.replace("'", '"')):
            try:
                loaded = json.loads(candidate)
            except ValueError:
                continue
            if isinstance(loaded, list):
                return [str(v).strip() for v in loaded]
        raise errors.param_error(f"Invalid list parameter: {text[:60]}")
    return [part.strip() for part in text.split(",") if part.strip()]


def redact(params: dict[str, str]) -> dict[str, str]:
    return {k: ("<redacted>" if k in SECRET_PARAMS else v) for k, v in params.items()}


@dataclass
class Ctx:
    world: World
    method: str
    version: str | None
    parts: list[str]
    params: dict[str, str]
    base_url: str
    token: Token | None = None
    in_batch: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    # Business whose BUC window this call counts against (set by the router).
    usage_business_id: str | None = None

    @property
    def path(self) -> str:
        return "/" + "/".join(self.parts)

    @property
    def principal_id(self) -> str:
        assert self.token is not None
        return self.token.principal_id

    @property
    def app_id(self) -> str | None:
        return self.token.app_id if self.token else None

    # --- params -------------------------------------------------------------------------------

    def param(self, name: str, required: bool = False) -> str | None:
        value = self.params.get(name)
        if (value is None or value == "") and required:
            raise errors.param_error(f"The parameter {name} is required")
        return value

    def req(self, name: str) -> str:
        value = self.param(name, required=True)
        assert value is not None
        return value

    def list_param(self, name: str, required: bool = False) -> list[str]:
        if required:
            self.req(name)
        return parse_list(self.params.get(name))

    def bool_param(self, name: str) -> bool:
        return str(self.params.get(name, "")).lower() in ("1", "true", "yes", "on")

    def fields(self) -> list[FieldSpec] | None:
        return parse(self.params.get("fields"))

    # --- URLs ---------------------------------------------------------------------------------

    def url(self, path: str, params: dict[str, str]) -> str:
        prefix = f"/{self.version}" if self.version else ""
        return f"{self.base_url}{prefix}{path}?{urlencode(params)}"

    def auth_params(self) -> dict[str, str]:
        """The credentials to carry into paging URLs (Meta echoes the token in ``next``)."""
        return {k: self.params[k] for k in ("access_token", "appsecret_proof") if k in self.params}


def parse_body(body: bytes, content_type: str) -> dict[str, str]:
    if not body:
        return {}
    text = body.decode("utf-8", errors="replace")
    if content_type.startswith("application/json"):
        try:
            loaded = json.loads(text)
        except ValueError as exc:
            raise errors.param_error("Invalid JSON body") from exc
        if not isinstance(loaded, dict):
            raise errors.param_error("Invalid JSON body")
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in loaded.items()}
    return dict(parse_qsl(text, keep_blank_values=True))


def merged_params(query: str, body: dict[str, str]) -> dict[str, str]:
    params = dict(parse_qsl(query, keep_blank_values=True))
    params.update(body)  # body wins, like Meta's form-over-query precedence (GUESS)
    return params


def effective_method(method: str, params: dict[str, str]) -> str:
    """Meta honours a ``method=`` override param (used by clients that can only GET/POST)."""
    override = params.pop("method", None)
    if override and override.upper() in ("GET", "POST", "DELETE"):
        return override.upper()
    return method.upper()
