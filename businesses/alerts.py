"""Alerts for staff (issue 13 §1), as the kernel sees them: the events, and two hooks.

1. ``facts_changed``: a workflow that has just written a fact staff may be alerted to (a sync
   run finished, a push or an onboarding failed, a token found invalid) says so for the
   business concerned. Once its transaction commits, the notifications app looks at that
   business's rows at once (notifications/prompt.py) instead of waiting for its periodic pass.
2. ``alert_raise``: a refusal rolls its transaction back and leaves no row to detect, so the
   app that refuses raises the event itself.

The notifications app registers both hooks at start-up (its AppConfig.ready), so no app below
it imports it; with nothing registered, nothing happens. Neither hook ever fails its caller:
the workflow's own outcome matters more than the alert about it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import models, transaction

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
FactsListener = Callable[[int], object]
_raiser: Raiser | None = None
_facts_listener: FactsListener | None = None


def register(raiser: Raiser) -> None:
    global _raiser
    _raiser = raiser


def register_facts_listener(listener: FactsListener) -> None:
    global _facts_listener
    _facts_listener = listener


def facts_changed(*, business_id: int | None) -> None:
    """Tell the listener, once the current transaction commits, that facts of this business
    changed (at once outside a transaction; never if it rolls back: no fact was written). The
    listener only queues work; whatever it raises is logged, never raised to the workflow."""
    listener = _facts_listener
    if listener is None or business_id is None:
        return

    def tell() -> None:
        try:
            listener(business_id)
        except Exception:
            logger.exception("alert check not started: business_id=%s", business_id)

    transaction.on_commit(tell)


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
