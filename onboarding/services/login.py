"""The client admin's Facebook Login: the link's ``state`` (issued, checked and spent in one
place: it works once and expires), the dialog URL, the callback that turns the code into a
long-lived token, and where that token is kept (encrypted, on the onboarding)."""

from __future__ import annotations

import contextlib
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.connect import business_lookup
from businesses.graph_access import graph_client
from businesses.models import AccessToken
from businesses.services import token_store
from graph import GraphError
from graph import operations as ops
from graph.types import BusinessNode
from onboarding.models import Onboarding, OnboardingStep
from onboarding.selectors import onboarding_app
from onboarding.services.queue import run_enqueue

Step = OnboardingStep.Status

# --- the Facebook Login link: one place issues, checks and spends its `state` ----------------

LOGIN_LINK_TTL = timedelta(days=7)
LOGIN_LINK_INVALID = (
    "This link has already been used or has expired: ask your agency contact for a new one."
)


def login_state_new() -> tuple[str, datetime]:
    """A fresh Login `state` and when it expires."""
    return secrets.token_urlsafe(32), timezone.now() + LOGIN_LINK_TTL


def login_state_current(onboarding: Onboarding) -> str:
    """The onboarding's Login `state`: the one on file while it is unused and unexpired, else
    a new one (a spent or expired link never works again; the page shows the new link)."""
    now = timezone.now()
    if (
        onboarding.oauth_state
        and onboarding.oauth_state_used_at is None
        and onboarding.oauth_state_expires_at is not None
        and onboarding.oauth_state_expires_at > now
    ):
        return onboarding.oauth_state
    state, expires = login_state_new()
    Onboarding.objects.filter(pk=onboarding.pk).update(
        oauth_state=state, oauth_state_expires_at=expires, oauth_state_used_at=None
    )
    onboarding.oauth_state, onboarding.oauth_state_expires_at = state, expires
    onboarding.oauth_state_used_at = None
    return state


def login_state_find(state: str) -> Onboarding:
    """The onboarding a Login callback's `state` belongs to, if it is still usable."""
    state = (state or "").strip()
    if not state or len(state) > 64:
        raise ValidationError({"state": LOGIN_LINK_INVALID})
    onboarding = (
        Onboarding.objects.select_related("agency__app", "client_business")
        .filter(
            oauth_state=state,
            oauth_state_used_at__isnull=True,
            oauth_state_expires_at__gt=timezone.now(),
        )
        .exclude(status=Onboarding.Status.DONE)
        .first()
    )
    if onboarding is None:
        raise ValidationError({"state": LOGIN_LINK_INVALID})
    return onboarding


def login_state_spend(onboarding: Onboarding, state: str) -> None:
    """Spend the `state` (compare-and-swap): of two callbacks with the same link, one wins."""
    spent = Onboarding.objects.filter(
        pk=onboarding.pk, oauth_state=state, oauth_state_used_at__isnull=True
    ).update(oauth_state_used_at=timezone.now())
    if spent != 1:
        raise ValidationError({"state": LOGIN_LINK_INVALID})
    onboarding.oauth_state_used_at = timezone.now()


def login_dialog_url(*, onboarding: Onboarding, redirect_uri: str) -> str:
    """The Facebook Login dialog link the client admin opens (Meta's "Manually Build a Login
    Flow": client_id, redirect_uri, scope, state); single-use and expiring."""
    query = urlencode(
        {
            "client_id": onboarding_app(onboarding).meta_id,
            "redirect_uri": redirect_uri,
            "scope": "ads_management,ads_read,business_management",
            "state": login_state_current(onboarding),
        }
    )
    return f"{settings.META_OAUTH_DIALOG_URL}/{settings.META_GRAPH_VERSION}/dialog/oauth?{query}"


def business_facts(node: BusinessNode, checked_with: str) -> dict[str, str]:
    return {
        "name": node.name or "",
        "two_factor_type": node.two_factor_type or "",
        "verification_status": node.verification_status or "",
        "checked_with": checked_with,
    }


def login_token_store(
    *,
    onboarding: Onboarding,
    token: str,
    actor: Actor,
    expires_at: datetime | None = None,
    scopes: list[str] | None = None,
) -> AccessToken:
    record = token_store(
        token=token,
        kind=AccessToken.Kind.USER,
        purpose=AccessToken.Purpose.LOGIN,
        business=onboarding.client_business,
        app=onboarding.agency.app,
        expires_at=expires_at,
        scopes=scopes,
        actor=actor,
    )
    if onboarding.login_token_id:
        # The earlier token of this onboarding is replaced, not left active.
        AccessToken.objects.filter(pk=onboarding.login_token_id).update(is_active=False)
    onboarding.login_token = record
    onboarding.save(update_fields=["login_token", "updated_at"])
    return record


def onboarding_record_login(*, state: str, code: str, redirect_uri: str) -> Onboarding:
    """The Facebook Login callback: check the link's `state` (single-use, expiring), exchange
    the code for a token (and that for a long-lived one), spend the `state`, store the token
    encrypted on the onboarding, and continue the run if it is waiting (On Behalf Of).

    The client's admin is not a portal user: ``state`` alone ties the callback to the
    onboarding, so it is random, unguessable, compared exactly, and works once."""
    onboarding = login_state_find(state)
    state = onboarding.oauth_state
    code = (code or "").strip()
    if not code or len(code) > 2048:
        raise ValidationError({"code": "Facebook Login did not send a code back."})
    app = onboarding_app(onboarding)
    if not app.has_secret:
        raise ValidationError({"code": "The agency's app has no secret on file."})
    try:
        with graph_client(token="", app=app) as (graph, _):
            short = ops.exchange_code(
                graph,
                code=code,
                app_id=app.meta_id,
                app_secret=app.reveal_secret(),
                redirect_uri=redirect_uri,
            )
            # Login tokens last hours; the long-lived exchange gives about 60 days.
            long = ops.exchange_token(
                graph, short.access_token, app_id=app.meta_id, app_secret=app.reveal_secret()
            )
    except GraphError as err:
        raise ValidationError({"code": err.describe()}) from None
    facts = onboarding.meta_facts
    if onboarding.client_meta_id and not (facts or {}).get("checked_with"):
        # The client's admin sees their Business Manager: what Meta says about it (its
        # two-factor rule) is now known for the pre-flight.
        with contextlib.suppress(ValidationError):
            facts = business_facts(
                business_lookup(
                    agency=None,
                    business_meta_id=onboarding.client_meta_id,
                    token=long.access_token,
                    app=app,
                ),
                "client_login",
            )
    expires_at = timezone.now() + timedelta(seconds=long.expires_in) if long.expires_in else None
    actor = Actor.system("Facebook Login callback")
    with transaction.atomic():
        # A replayed link (or two tabs racing) loses here and stores nothing.
        login_state_spend(onboarding, state)
        Onboarding.objects.filter(pk=onboarding.pk).update(meta_facts=facts)
        onboarding.meta_facts = facts
        login_token_store(
            onboarding=onboarding, token=long.access_token, actor=actor, expires_at=expires_at
        )
        audit_record(
            actor=actor,
            action="onboarding.login",
            business=onboarding.client_business,
            target=onboarding,
            summary=f"The client's admin logged in for the onboarding of {onboarding.name}.",
        )
        if onboarding.method == Onboarding.Method.ON_BEHALF_OF:
            waiting = Onboarding.objects.filter(
                pk=onboarding.pk,
                status__in=[Onboarding.Status.WAITING, Onboarding.Status.FAILED],
            ).update(status=Onboarding.Status.SUBMITTED, finished_at=None)
            if waiting:
                onboarding.steps.filter(status=Step.FAILED).update(status=Step.PENDING)
                transaction.on_commit(lambda: run_enqueue(onboarding.pk))
    return onboarding
