"""Alerts for staff (issue 13 §1), as the kernel sees them: the events, and a hook for the few
facts no row records. Most events are detected from rows the workflows already write
(notifications/detect.py); a refusal, though, rolls its transaction back and leaves nothing to
detect, so the app that refuses raises the event itself through ``alert_raise``. The
notifications app registers the raiser at start-up (its AppConfig.ready), so no app below it
imports it; with no raiser registered, nothing is raised. Raising never fails the caller."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import models

from businesses.models import Business

logger = logging.getLogger(__name__)


class EventKind(models.TextChoices):
    TOKEN_EXPIRING = "token_expiring", "A token expires soon"
    TOKEN_INVALID = "token_invalid", "A token is no longer valid"
    SYNC_FAILED_TWICE = "sync_failed_twice", "A sync failed twice in a row"
    ACCESS_LOST = "access_lost", "Access lost (asset no longer shared, partnership ended)"
    PUSH_FAILED = "push_failed", "A change could not be pushed to Meta"
    ONBOARDING_FAILED = "onboarding_failed", "An onboarding failed"
    CAP_REACHED = "cap_reached", "System-user cap reached"
    DRIFT = "drift", "Change made in Meta outside the portal (watched clients)"
    SECURITY_REVIEW = "security_review", "Weekly security review"
    TEST = "test", "Test alert"


Raiser = Callable[..., object]
_raiser: Raiser | None = None


def register(raiser: Raiser) -> None:
    global _raiser
    _raiser = raiser


def alert_raise(
    *, kind: str, dedup_key: str, summary: str, business: Business | None = None, link: str = ""
) -> None:
    """Raise an event once (its dedup_key names the fact). Call it outside the transaction a
    refusal rolled back, or the event goes with it. An alert that cannot be recorded is logged,
    never raised: the refusal the caller is reporting matters more."""
    if _raiser is None:
        return
    try:
        _raiser(kind=kind, dedup_key=dedup_key, summary=summary, business=business, link=link)
    except Exception:
        logger.exception("alert not recorded: %s", dedup_key)
