"""Asking for syncs: one business's now (staff, onboarding), or every business that is due
(the beat). The run itself happens in a worker (``business_sync_task`` → ``business_sync``)."""

from __future__ import annotations

from django.db import transaction

from businesses.actors import Actor
from businesses.models import Business
from businesses.queueing import enqueue
from sync.models import SyncRun
from sync.run_task import business_sync_task
from sync.selectors import businesses_due_for_sync


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


def sync_dispatch_due(*, actor: Actor, limit: int = 500) -> int:
    """Queue a sync for every business that is due (the beat's per-minute tick)."""
    count = 0
    for business in businesses_due_for_sync(limit=limit):
        business_sync_request(business=business, trigger=SyncRun.Trigger.SCHEDULE, actor=actor)
        count += 1
    return count
