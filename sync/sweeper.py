"""The queue sweeper: send again what the task queue never got.

Runs every minute on the beat (``queue_sweep_task``); safe to run at any time, any number of
times, from any number of processes:

1. Take a PostgreSQL advisory lock; if another sweep holds it, do nothing.
2. Pick the rows whose task may never have reached a worker: marked ``waiting_for_queue`` (the
   broker refused the enqueue), or still pending QUEUE_SWEEP_STUCK_MINUTES after their last
   change (a lost message, a crash between commit and enqueue): grants and partner shares
   pending a push or a removal, system users reserved but not yet created in Meta, sync runs
   still queued; and chunks of a running sync whose lease expired (queued too long, or their
   worker died mid-chunk): those are queued again with a fresh lease.
3. Send each one's task again through ``enqueue``; clear the mark only when the broker took it.
   Every task is idempotent (a push of a done grant, a creation of a created system user, a
   finished run: each is a no-op), so a duplicate costs a little work and changes nothing.
   At the first refusal the sweep stops: the queue is still down, the next minute tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, models
from django.db.models import Q, QuerySet
from django.utils import timezone

from assets.models import AssetAccess, Grant, PushState
from assets.tasks import grant_push_task, share_push_task
from businesses.queueing import enqueue
from sync.chunk_task import sync_chunk_task
from sync.models import SyncChunk, SyncRun
from sync.run_task import business_sync_task
from systemusers.models import SystemUser
from systemusers.tasks import system_user_create_in_meta_task

logger = logging.getLogger(__name__)

# An arbitrary constant naming the sweeper's advisory lock (pg_try_advisory_lock's key).
SWEEP_LOCK_KEY = 7_410_010
SWEEP_LIMIT = 500  # per kind per sweep; the next minute takes the rest


@dataclass
class SweepResult:
    locked_out: bool = False
    grants: int = 0
    shares: int = 0
    system_users: int = 0
    sync_runs: int = 0
    sync_chunks: int = 0
    still_waiting: int = 0

    @property
    def sent(self) -> int:
        return self.grants + self.shares + self.system_users + self.sync_runs + self.sync_chunks


@contextmanager
def _sweep_lock() -> Iterator[bool]:
    """A session-level advisory lock on PostgreSQL (no transaction is held while enqueuing);
    elsewhere (SQLite, the single-process demo) the sweep runs unlocked."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SWEEP_LOCK_KEY])
        got = bool(cursor.fetchone()[0])
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK_KEY])


def stranded_grants(now: datetime) -> QuerySet[Grant]:
    stuck = now - timedelta(minutes=settings.QUEUE_SWEEP_STUCK_MINUTES)
    return Grant.objects.filter(
        Q(waiting_for_queue=True) | Q(updated_at__lt=stuck),
        push_state__in=(PushState.PENDING, PushState.PENDING_REMOVAL),
    )


def stranded_shares(now: datetime) -> QuerySet[AssetAccess]:
    stuck = now - timedelta(minutes=settings.QUEUE_SWEEP_STUCK_MINUTES)
    return AssetAccess.objects.filter(
        Q(waiting_for_queue=True) | Q(updated_at__lt=stuck),
        push_state__in=(PushState.PENDING, PushState.PENDING_REMOVAL),
    )


def stranded_system_users(now: datetime) -> QuerySet[SystemUser]:
    stuck = now - timedelta(minutes=settings.QUEUE_SWEEP_STUCK_MINUTES)
    return SystemUser.objects.filter(
        Q(waiting_for_queue=True) | Q(updated_at__lt=stuck),
        status=SystemUser.Status.RESERVED,
        origin=SystemUser.Origin.PORTAL,
        meta_id__isnull=True,
    )


def stranded_sync_runs(now: datetime) -> QuerySet[SyncRun]:
    stuck = now - timedelta(minutes=settings.QUEUE_SWEEP_STUCK_MINUTES)
    return SyncRun.objects.filter(
        Q(waiting_for_queue=True)
        | Q(created_at__lt=stuck, sent_again_at__isnull=True)
        | Q(sent_again_at__lt=stuck),
        status=SyncRun.Status.QUEUED,
    )


def stranded_sync_chunks(now: datetime) -> QuerySet[SyncChunk]:
    """Chunks of a running sync whose lease expired: never taken, or their worker died (a
    running chunk's lease is extended while it makes progress)."""
    return SyncChunk.objects.filter(
        Q(waiting_for_queue=True) | Q(lease_until__lt=now),
        state__in=(SyncChunk.State.QUEUED, SyncChunk.State.RUNNING),
        run__status=SyncRun.Status.RUNNING,
    )


def _mark_sent(row: models.Model, now: datetime) -> None:
    """Clear the mark, and restart the stuck clock so a row is not sent again every minute."""
    manager = type(row)._default_manager
    if isinstance(row, SyncChunk):
        # Queued again: the task sent now may take it (a dead worker's attempt is over). Only
        # while it is still stranded: the task just sent may already have taken it.
        lease = now + timedelta(seconds=settings.SYNC_LEASE_SECONDS)
        manager.filter(
            Q(waiting_for_queue=True) | Q(lease_until__lt=now),
            pk=row.pk,
            state__in=(SyncChunk.State.QUEUED, SyncChunk.State.RUNNING),
        ).update(waiting_for_queue=False, state=SyncChunk.State.QUEUED, lease_until=lease)
    elif isinstance(row, SyncRun):
        manager.filter(pk=row.pk).update(waiting_for_queue=False, sent_again_at=now)
    else:
        manager.filter(pk=row.pk).update(waiting_for_queue=False, updated_at=now)


def stranded_count(now: datetime | None = None) -> int:
    """Rows whose task is not known to be on the queue (0 once the sweeper caught up)."""
    now = now or timezone.now()
    return (
        stranded_grants(now).count()
        + stranded_shares(now).count()
        + stranded_system_users(now).count()
        + stranded_sync_runs(now).count()
        + stranded_sync_chunks(now).count()
    )


def queue_sweep(*, now: datetime | None = None) -> SweepResult:
    """Send again every stranded task (see the module docstring)."""
    now = now or timezone.now()
    result = SweepResult()
    with _sweep_lock() as got:
        if not got:
            result.locked_out = True
            return result
        kinds = (
            ("grants", stranded_grants(now), grant_push_task, lambda row: (row.pk,)),
            ("shares", stranded_shares(now), share_push_task, lambda row: (row.pk,)),
            (
                "system_users",
                stranded_system_users(now),
                system_user_create_in_meta_task,
                lambda row: (row.pk,),
            ),
            (
                "sync_runs",
                stranded_sync_runs(now),
                business_sync_task,
                lambda row: (row.business_id, row.pk),
            ),
            ("sync_chunks", stranded_sync_chunks(now), sync_chunk_task, lambda row: (row.pk,)),
        )
        for name, queryset, task, args in kinds:
            for row in queryset.order_by("pk")[:SWEEP_LIMIT]:
                if not enqueue(task, *args(row), row=row):
                    # The queue is still down: the rest waits for the next minute.
                    result.still_waiting = stranded_count(now)
                    break
                _mark_sent(row, now)
                setattr(result, name, getattr(result, name) + 1)
            if result.still_waiting:
                break
    if result.sent or result.still_waiting:
        logger.info(
            "event=queue_sweep grants=%s shares=%s system_users=%s sync_runs=%s sync_chunks=%s "
            "still_waiting=%s",
            result.grants,
            result.shares,
            result.system_users,
            result.sync_runs,
            result.sync_chunks,
            result.still_waiting,
        )
    return result
