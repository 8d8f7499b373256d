"""Tokens: what debug_token says of one, and what an exchange or a Login code gives back;
each type with the parser that builds it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..errors import MalformedResponseError
from .base import as_int, parse_time, str_tuple, text


@dataclass(frozen=True, slots=True)
class GranularScope:
    scope: str
    target_ids: tuple[str, ...] = ()  # empty: the permission applies to everything


@dataclass(frozen=True, slots=True)
class TokenInfo:
    app_id: str | None
    type: str | None
    application: str | None
    is_valid: bool
    issued_at: datetime | None
    expires_at: datetime | None  # None = never expires (Meta sends 0)
    data_access_expires_at: datetime | None
    scopes: tuple[str, ...]
    granular_scopes: tuple[GranularScope, ...]
    user_id: str | None
    profile_id: str | None
    error_code: int | None
    error_message: str | None


@dataclass(frozen=True, slots=True)
class ExchangedToken:
    access_token: str = field(repr=False)
    token_type: str | None
    expires_in: int | None  # seconds; None when Meta did not say (never-expiring tokens)


def parse_token_info(data: Mapping[str, Any]) -> TokenInfo:
    """The `data` object of a debug_token answer."""
    raw_error = data.get("error")
    error: Mapping[str, Any] = raw_error if isinstance(raw_error, Mapping) else {}
    granular = []
    for row in data.get("granular_scopes") or []:
        if isinstance(row, dict) and row.get("scope"):
            granular.append(GranularScope(str(row["scope"]), str_tuple(row.get("target_ids"))))
    return TokenInfo(
        app_id=text(data.get("app_id")),
        type=text(data.get("type")),
        application=text(data.get("application")),
        is_valid=data.get("is_valid") is True,
        issued_at=parse_time(data.get("issued_at")),
        expires_at=parse_time(data.get("expires_at")),
        data_access_expires_at=parse_time(data.get("data_access_expires_at")),
        scopes=str_tuple(data.get("scopes")),
        granular_scopes=tuple(granular),
        user_id=text(data.get("user_id")),
        profile_id=text(data.get("profile_id")),
        error_code=as_int(error.get("code")),
        error_message=text(error.get("message")),
    )


def parse_exchanged_token(body: Mapping[str, Any]) -> ExchangedToken:
    """The answer of `GET /oauth/access_token` (a token exchange or a Login code)."""
    token = text(body.get("access_token"))
    if not token:
        raise MalformedResponseError("Meta's token answer had no access_token")
    return ExchangedToken(
        access_token=token,
        token_type=text(body.get("token_type")),
        expires_in=as_int(body.get("expires_in")),
    )


def parse_access_token(body: Mapping[str, Any]) -> str:
    """The token of an answer that creates one (system-user and client tokens)."""
    token = text(body.get("access_token"))
    if not token:
        raise MalformedResponseError("Meta's answer had no access_token")
    return token
