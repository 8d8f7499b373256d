"""The run claim: exactly one sync runs per business.

A run claims its business with a compare-and-swap on ``sync_state`` and a lease
(SYNC_LEASE_SECONDS, extended while the run makes progress), so a crashed worker's claim
expires by itself. Releasing it after a failure schedules the next try with back-off."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from businesses.models import Business
from sync.models import SyncChunk, SyncRun


def run_claim(business_id: int, run: SyncRun) -> bool:
    """Compare-and-swap the business from idle (or an expired lease) to running for ``run``."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.SYNC_LEASE_SECONDS)
    # A big run's chunks may wait in a long queue past the lease: their run still holds the
    # business (the sweeper re-sends them, and one that keeps dying fails the run).
    chunks_pending = SyncChunk.objects.filter(
        run__business_id=OuterRef("pk"),
        run__status=SyncRun.Status.RUNNING,
        state__in=(SyncChunk.State.QUEUED, SyncChunk.State.RUNNING),
    )
    free = Q(sync_state=Business.SyncState.IDLE) | (
        Q(sync_lease_until__lt=now) & ~Exists(chunks_pending)
    )
    claimed = Business.objects.filter(free, pk=business_id).update(
        sync_state=Business.SyncState.RUNNING, sync_lease_until=lease
    )
    if claimed == 1:
        return True
    # A redelivered task (its worker died) already holds the claim through its run.
    if run.status == SyncRun.Status.RUNNING:
        newest_running = (
            SyncRun.objects.filter(business_id=business_id, status=SyncRun.Status.RUNNING)
            .order_by("-started_at")
            .values_list("pk", flat=True)
            .first()
        )
        if newest_running == run.pk:
            Business.objects.filter(pk=business_id).update(sync_lease_until=lease)
            return True
    return False


def run_claim_extend(business_id: int) -> None:
    """A long healthy sync keeps its claim: the lease restarts at each bit of progress."""
    Business.objects.filter(pk=business_id).update(
        sync_lease_until=timezone.now() + timedelta(seconds=settings.SYNC_LEASE_SECONDS)
    )


def run_claim_release(business_id: int, **fields: Any) -> None:
    """Give the business back to idle, writing ``fields`` (the outcome) with it."""
    Business.objects.filter(pk=business_id).update(
        sync_state=Business.SyncState.IDLE, sync_lease_until=None, **fields
    )


def sync_retry_delay(failures_in_a_row: int) -> timedelta:
    """The back-off after the n-th failed sync in a row (SYNC_RETRY_MINUTES, last one repeats)."""
    steps = settings.SYNC_RETRY_MINUTES
    return timedelta(minutes=steps[min(max(failures_in_a_row, 1), len(steps)) - 1])


def run_claim_release_failed(business_id: int) -> datetime:
    """Release after a failed run and schedule the next try; last_synced_at stays put, so the
    business is not left a whole interval behind. Returns the time of the next try."""
    failures = (
        Business.objects.filter(pk=business_id)
        .values_list("sync_failures_in_a_row", flat=True)
        .first()
        or 0
    ) + 1
    retry_at = timezone.now() + sync_retry_delay(failures)
    run_claim_release(business_id, sync_retry_at=retry_at, sync_failures_in_a_row=failures)
    return retry_at
