"""Token health: ask Meta about every stored token, mark the dead ones, refresh the expiring."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from businesses import alerts
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.graph_access import graph_client
from businesses.models import AccessToken
from businesses.services import token_store
from graph import GraphError, TransientError

logger = logging.getLogger(__name__)


def token_health_check(*, token: AccessToken, actor: Actor) -> AccessToken:
    """debug_token one stored token and record what Meta says (validity, scopes, expiry)."""
    app = token.app or (token.business.app if token.business_id else None)
    if app is None or not app.has_secret:
        return token  # nothing to ask Meta with; the home page shows it as unverified
    try:
        with graph_client(token=token.reveal(), app=app) as (client, _ledger):
            info = client.debug_token(
                token.reveal(), app_id=app.meta_id, app_secret=app.reveal_secret()
            )
    except TransientError:
        raise
    except GraphError as err:
        info = None
        reason = err.describe()
    now = timezone.now()
    with transaction.atomic():
        if info is None:
            token.is_valid = False
            token.invalid_reason = reason
        else:
            was_valid = token.is_valid
            token.is_valid = info.is_valid
            token.invalid_reason = (
                "" if info.is_valid else "Meta says the token is no longer valid."
            )
            token.scopes = list(info.scopes)
            token.granular_scopes = [
                {"scope": g.scope, "target_ids": list(g.target_ids)} for g in info.granular_scopes
            ]
            token.expires_at = info.expires_at
            token.issued_at = info.issued_at or token.issued_at
            if was_valid and not info.is_valid:
                audit_record(
                    actor=actor,
                    action="accesstoken.invalid",
                    business=token.business,
                    target=token,
                    summary=f"Token {token.masked} is no longer valid.",
                )
        token.last_verified_at = now
        token.save()
        # Meta's word on validity and expiry was just written: invalid or expiring, say so now.
        alerts.facts_changed(business_id=token.business_id)
    return token


def tokens_expiring_soon(days: int | None = None):
    days = settings.TOKEN_EXPIRY_WARNING_DAYS if days is None else days
    limit = timezone.now() + timedelta(days=days)
    return AccessToken.objects.filter(
        is_active=True, is_valid=True, expires_at__isnull=False, expires_at__lte=limit
    )


def token_refresh(*, token: AccessToken, actor: Actor) -> AccessToken:
    """Exchange a token that expires soon for a fresh 60-day one (an expired token cannot be
    refreshed, DOMAIN decision 10). The new token becomes the active one; the old one keeps
    working until its own expiry and is kept, inactive, for the record."""
    app = token.app or (token.business.app if token.business_id else None)
    if app is None or not app.has_secret:
        return token
    with graph_client(token=token.reveal(), app=app) as (client, _ledger):
        fresh = client.exchange_token(
            token.reveal(), app_id=app.meta_id, app_secret=app.reveal_secret()
        )
    with transaction.atomic():
        AccessToken.objects.filter(pk=token.pk).update(is_active=False)
        expires_at = (
            timezone.now() + timedelta(seconds=fresh.expires_in) if fresh.expires_in else None
        )
        return token_store(
            token=fresh.access_token,
            kind=token.kind,
            purpose=token.purpose,
            business=token.business,
            app=app,
            system_user_id=token.system_user_id,
            meta_user_id=token.meta_user_id,
            scopes=list(token.scopes),
            granular_scopes=list(token.granular_scopes),
            issued_at=timezone.now(),
            expires_at=expires_at,
            verified_at=timezone.now(),
            actor=actor,
        )


def token_health_check_all(*, actor: Actor) -> int:
    """Check every active token; refresh the valid ones that expire within the warning window."""
    checked = 0
    for token in AccessToken.objects.filter(is_active=True, revoked_at__isnull=True).select_related(
        "app", "business__app"
    ):
        try:
            token = token_health_check(token=token, actor=actor)
            checked += 1
            if token.is_valid and token.expires_within():
                token_refresh(token=token, actor=actor)
        except TransientError:
            logger.warning("Could not check token %s now; next run will.", token.pk)
        except GraphError as err:
            logger.warning("Could not refresh token %s: %s", token.pk, err.describe())
    return checked
