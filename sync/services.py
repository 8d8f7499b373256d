"""Asking for syncs: one business's now (staff, onboarding), or every business that is due
(the beat). The run itself happens in a worker (``business_sync_task`` → ``business_sync``).

The beat's tick spends Meta's quota with care (``sync.budget``): the stalest business first, and
only while its business use case usage and its app's usage are under the headroom and its next
sync's estimated calls fit in what is left. A business that must wait is simply not queued: it
stays due and the next tick asks again, so no worker sits waiting for a quota."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from businesses.actors import Actor
from businesses.models import Business
from businesses.queueing import enqueue
from sync.budget import (
    Budget,
    Wait,
    app_budgets,
    business_budget,
    dispatch_verdict,
    in_flight_calls,
    next_sync_calls,
)
from sync.models import SyncRun
from sync.run_task import business_sync_task
from sync.selectors import businesses_due_for_sync

logger = logging.getLogger(__name__)


def business_sync_request(
    *, business: Business, trigger: str, actor: Actor, full: bool = False
) -> SyncRun:
    """Queue a sync of a business; the task starts after this transaction commits. ``full``:
    re-read every asset's users, partner shares and conversions (see ``business_sync``)."""
    run = SyncRun.objects.create(
        business=business,
        trigger=trigger,
        requested_by_id=actor.user_id,
        status=SyncRun.Status.QUEUED,
        full_read=full,
    )
    transaction.on_commit(lambda: enqueue(business_sync_task, business.pk, run.pk, row=run))
    return run


@dataclass
class DispatchTick:
    """What one tick did: syncs queued, and due businesses left waiting, counted by why."""

    dispatched: int = 0
    waiting: Counter[Wait] = field(default_factory=Counter)


def sync_dispatch_due(*, actor: Actor, limit: int = 500) -> DispatchTick:
    """Queue a sync for every due business whose quota budget allows it (the beat's per-minute
    tick), stalest first; see the module docstring."""
    now = timezone.now()
    headroom = settings.SYNC_QUOTA_HEADROOM_PCT
    due = list(businesses_due_for_sync(limit=limit))
    app_ids = {b.app_id for b in due if b.app_id is not None}
    apps = app_budgets(app_ids, now)
    # Syncs already queued or running spend first: the tick after a busy one must not
    # overspend the app for them.
    for app_id, in_flight in in_flight_calls(app_ids, now).items():
        apps.setdefault(app_id, Budget()).spend(in_flight)
    tick = DispatchTick()
    for business in due:
        # Businesses of one app share its budget: each sync queued here spends from it.
        app = apps.setdefault(business.app_id or 0, Budget())
        calls = next_sync_calls(business)
        verdict = dispatch_verdict(
            business_budget(business, now), app, calls, headroom_pct=headroom
        )
        if verdict.wait is not None:
            tick.waiting[verdict.wait] += 1
            logger.info(
                "event=sync_dispatch_wait business_id=%s business_meta_id=%s wait=%s why=%r",
                business.pk,
                business.meta_id,
                verdict.wait,
                verdict.why,
            )
            continue
        app.spend(calls)
        business_sync_request(business=business, trigger=SyncRun.Trigger.SCHEDULE, actor=actor)
        tick.dispatched += 1
    if tick.waiting:
        logger.info(
            "event=sync_dispatch dispatched=%s waiting=%s %s",
            tick.dispatched,
            sum(tick.waiting.values()),
            " ".join(f"{wait}={n}" for wait, n in sorted(tick.waiting.items())),
        )
    return tick
