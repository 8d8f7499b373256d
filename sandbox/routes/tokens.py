"""``/me``, ``/debug_token``, ``/oauth/access_token``, ``/oauth/revoke`` (DOMAIN §5)."""

from __future__ import annotations

import hmac
from typing import Any

from .. import errors
from ..auth import authenticate
from ..context import Ctx
from ..entities import Asset, Person, SystemUser, Token
from ..errors import GraphError
from ..nodes import asset_row, business_row
from ..registry import edge, top_level

LONG_LIVED = 60 * 24 * 3600
# GUESS: Meta's short-lived user tokens last "hours (~1-2 h)" (DOMAIN §5.2).
SHORT_LIVED = 2 * 3600


def _app_with_secret(ctx: Ctx) -> Asset:
    world = ctx.world
    app = world.assets.get(ctx.req("client_id"))
    if app is None or app.kind != "app":
        raise errors.param_error("Invalid client_id")
    secret = ctx.req("client_secret")
    if not hmac.compare_digest(app.secret or "", secret):
        # Meta answers a bad secret with code 1 "Error validating client secret." (GUESS code)
        raise GraphError(1, "Error validating client secret.")
    return app


def _token_response(token: Token) -> dict[str, Any]:
    body: dict[str, Any] = {"access_token": token.token, "token_type": "bearer"}
    if token.expires_at:
        body["expires_in"] = max(0, token.expires_at - token.issued_at)
    return body


@top_level("oauth/access_token", "GET", "POST", auth=False)
def oauth_access_token(ctx: Ctx) -> dict[str, Any]:
    world = ctx.world
    app = _app_with_secret(ctx)
    grant = ctx.param("grant_type")
    if grant == "client_credentials":
        return {"access_token": f"{app.id}|{app.secret}", "token_type": "bearer"}
    if grant == "fb_exchange_token":
        current = world.tokens.get(ctx.req("fb_exchange_token"))
        if current is None or not current.valid or current.app_id != app.id:
            raise errors.bad_token()
        if current.expires_at and current.expires_at <= world.now():
            # An expired token cannot be refreshed (DOMAIN §3.5 / decision 10).
            raise errors.expired_token("the past", "now")
        if current.type == "SYSTEM_USER" and not ctx.bool_param("set_token_expires_in_60_days"):
            expires = None if not current.expires_at else LONG_LIVED
        else:
            expires = LONG_LIVED
        issued = world.issue_token(
            current.principal_id, app.id, current.scopes, current.type, expires_in=expires
        )
        return _token_response(issued)
    code = ctx.param("code")
    if code:
        login = world.login_codes.get(code)
        if login is None or login.app_id != app.id:
            raise errors.param_error("Invalid verification code format.")
        if login.used:
            raise GraphError(100, "This authorization code has been used.", subcode=36009)
        if login.redirect_uri and ctx.param("redirect_uri") != login.redirect_uri:
            raise GraphError(
                100,
                "Error validating verification code. Please make sure your redirect_uri is "
                "identical to the one you used in the OAuth dialog request",
                subcode=36008,
            )
        login.used = True
        issued = world.issue_token(
            login.person_id, app.id, login.scopes, "USER", expires_in=SHORT_LIVED
        )
        return _token_response(issued)
    raise errors.param_error("Missing grant_type, fb_exchange_token or code")


@top_level("oauth/revoke", "GET", "POST", auth=False)
def oauth_revoke(ctx: Ctx) -> dict[str, Any]:
    world = ctx.world
    app = _app_with_secret(ctx)
    authenticate(ctx)
    target = world.tokens.get(ctx.req("revoke_token"))
    if target is None:
        raise errors.bad_token()
    caller = ctx.token
    assert caller is not None
    # client_id, both tokens' apps and the secret must all match (DOMAIN §3.5).
    if target.app_id != app.id or caller.app_id != app.id:
        raise errors.permission_error("the tokens do not belong to this app")
    target.valid = False
    return {"success": "true"}


@top_level("debug_token", "GET", auth=False)
def debug_token(ctx: Ctx) -> dict[str, Any]:
    world = ctx.world
    caller = authenticate(ctx)
    raw = ctx.req("input_token")
    target = world.tokens.get(raw)
    if target is None and "|" in raw:
        app_id, _, secret = raw.partition("|")
        app = world.assets.get(app_id)
        if app is not None and app.secret == secret:
            return {
                "data": {
                    "app_id": app.id,
                    "type": "APP",
                    "application": app.name,
                    "is_valid": True,
                    "scopes": [],
                }
            }
    if target is None:
        return {
            "data": {
                "error": {"code": 190, "message": "Invalid OAuth access token."},
                "is_valid": False,
                "scopes": [],
            }
        }
    if target.app_id != caller.app_id:
        raise errors.param_error(
            "(#100) You must provide an app access token, or a user "
            "access token that is an owner or developer of the app"
        )
    app = world.assets.get(target.app_id)
    now = world.now()
    data: dict[str, Any] = {
        "app_id": target.app_id,
        "type": target.type,
        "application": app.name if app else "",
        "data_access_expires_at": target.data_access_expires_at,
        "expires_at": target.expires_at,
        "is_valid": True,
        "issued_at": target.issued_at,
        "scopes": list(target.scopes),
        "granular_scopes": _granular(ctx, target),
        "user_id": target.principal_id,
    }
    if target.type == "PAGE":
        data["profile_id"] = target.principal_id
    if not target.valid:
        data["is_valid"] = False
        data["error"] = {
            "code": 190,
            "subcode": 467,
            "message": "The session has been invalidated.",
        }
    elif target.expires_at and target.expires_at <= now:
        data["is_valid"] = False
        data["error"] = {
            "code": 190,
            "subcode": 463,
            "message": "Error validating access token: Session has expired.",
        }
    return {"data": data}


def _granular(ctx: Ctx, token: Token) -> list[dict[str, Any]]:
    """Per-scope targets: business_management -> businesses, ads_* -> assigned ad accounts."""
    world = ctx.world
    businesses = sorted(world.principal_businesses(token.principal_id))
    member_ids = {world.principal_member_id(token.principal_id, b) for b in businesses}
    ad_accounts = sorted(
        a.fields.get("account_id", a.id)
        for a in world.assets.values()
        if a.kind == "ad_account" and member_ids & set(a.assigned)
    )
    result = []
    for scope in token.scopes:
        entry: dict[str, Any] = {"scope": scope}
        if scope == "business_management" and businesses:
            entry["target_ids"] = businesses
        elif scope in ("ads_management", "ads_read") and ad_accounts:
            entry["target_ids"] = ad_accounts
        result.append(entry)
    return result


# --- /me edges -------------------------------------------------------------------------------


@edge(("person", "system_user"), "accounts", item="page", custom_access=True)
def my_pages(ctx: Ctx, me: Person | SystemUser) -> list[dict[str, Any]]:
    """Pages the principal has tasks on, each with a page token (DOMAIN §4 step 6)."""
    world = ctx.world
    assert ctx.token is not None
    member_ids = {
        world.principal_member_id(me.id, b) for b in world.principal_businesses(me.id)
    } - {None}
    rows = []
    for asset in world.assets.values():
        if asset.kind != "page":
            continue
        tasks = sorted({t for m in member_ids for t in asset.assigned.get(m or "", [])})
        if not tasks:
            continue
        # One stable page token per (principal, page, app), like a long-lived page token.
        key = f"{me.id}:{asset.id}:{ctx.token.app_id}"
        if key not in world.page_tokens:
            page_token = world.issue_token(asset.id, ctx.token.app_id, ctx.token.scopes, "PAGE")
            world.page_tokens[key] = page_token.token
        row = asset_row(world, asset, asset.owner_id)
        row.update(tasks=tasks, access_token=world.page_tokens[key])
        rows.append(row)
    return rows


@edge(("person", "system_user"), "businesses", item="business", custom_access=True)
def my_businesses(ctx: Ctx, me: Person | SystemUser) -> list[dict[str, Any]]:
    world = ctx.world
    return [
        {**business_row(world, world.businesses[b]), "__obj__": world.businesses[b]}
        for b in sorted(world.principal_businesses(me.id))
        if b in world.businesses
    ]
