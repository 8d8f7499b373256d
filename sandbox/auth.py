"""Token checks shared by every route: presence, validity, expiry, ``appsecret_proof``."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

from . import errors
from .context import Ctx
from .entities import Token, appsecret_proof


def _fmt(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")


def authenticate(ctx: Ctx, *, check_proof: bool = True) -> Token:
    world = ctx.world
    raw = ctx.params.get("access_token")
    if not raw:
        raise errors.missing_token()
    if "|" in raw:  # app access token "{app_id}|{app_secret}"
        app_id, _, secret = raw.partition("|")
        app = world.assets.get(app_id)
        if app is None or app.kind != "app" or not hmac.compare_digest(app.secret or "", secret):
            raise errors.bad_token()
        token = Token(raw, app_id, "APP", app_id, [], 0)
        ctx.token = token
        return token
    token = world.tokens.get(raw)
    if token is None:
        raise errors.bad_token()
    if not token.valid:
        raise errors.revoked_token()
    now = world.now()
    if token.expires_at and token.expires_at <= now:
        raise errors.expired_token(_fmt(token.expires_at), _fmt(now))
    ctx.token = token
    if check_proof:
        verify_proof(ctx, token, required=False)
    return token


def verify_proof(ctx: Ctx, token: Token, *, required: bool) -> None:
    app = ctx.world.assets.get(token.app_id)
    proof = ctx.params.get("appsecret_proof")
    if proof:
        expected = appsecret_proof(token.token, (app.secret if app else "") or "")
        if not hmac.compare_digest(proof.lower(), expected):
            raise errors.bad_proof()
    elif required or (app is not None and app.require_app_secret):
        raise errors.proof_required()
