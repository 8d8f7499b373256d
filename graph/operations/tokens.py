"""Tokens: inspect, exchange and revoke them, learn whose they are, and create and revoke
system users' tokens (including a client's, On Behalf Of)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..client import GraphClient
from ..encoding import comma_list
from ..errors import MalformedResponseError
from ..types import ExchangedToken, TokenInfo, parse_access_token, row_id, text


def get_me(client: GraphClient) -> tuple[str, str]:
    """(id, name) of the token's owner (a person or a system user)."""
    body = client.get("/me", {"fields": "id,name"})
    user_id = row_id(body)
    if user_id is None:
        raise MalformedResponseError("/me answered without an id")
    return user_id, text(body.get("name")) or ""


def debug_token(
    client: GraphClient, input_token: str, *, app_id: str, app_secret: str
) -> TokenInfo:
    return client.debug_token(input_token, app_id=app_id, app_secret=app_secret)


def exchange_code(
    client: GraphClient, *, code: str, app_id: str, app_secret: str, redirect_uri: str
) -> ExchangedToken:
    return client.exchange_code(
        code, app_id=app_id, app_secret=app_secret, redirect_uri=redirect_uri
    )


def exchange_token(
    client: GraphClient, token: str, *, app_id: str, app_secret: str, expiring: bool = True
) -> ExchangedToken:
    return client.exchange_token(token, app_id=app_id, app_secret=app_secret, expiring=expiring)


def revoke_token(client: GraphClient, token: str, *, app_id: str, app_secret: str) -> bool:
    return client.revoke_token(token, app_id=app_id, app_secret=app_secret)


# --- system users' tokens ----------------------------------------------------------------------


def generate_system_user_token(
    client: GraphClient,
    system_user_id: str,
    app_id: str,
    scopes: Sequence[str],
    expiring: bool,
) -> str:
    """Generate a system-user token; Meta requires appsecret_proof here (DOMAIN 3.5)."""
    if not client.has_app_secret:
        raise ValueError("generating a system-user token needs the app secret (appsecret_proof)")
    data: dict[str, Any] = {"business_app": app_id, "scope": comma_list(scopes)}
    if expiring:
        data["set_token_expires_in_60_days"] = True
    return parse_access_token(client.post(f"/{system_user_id}/access_tokens", data))


def revoke_system_user_tokens(client: GraphClient, system_user_id: str) -> None:
    """Invalidate every token of a system user (they can never be deleted, DOMAIN 4)."""
    client.delete(f"/{system_user_id}/access_tokens")


def create_client_system_user_token(
    client: GraphClient, client_business_id: str, app_id: str, scopes: Sequence[str]
) -> str:
    """On Behalf Of step 2, with the partner's admin system-user token (DOMAIN 4)."""
    body = client.post(
        f"/{client_business_id}/access_token", {"app_id": app_id, "scope": comma_list(scopes)}
    )
    return parse_access_token(body)
