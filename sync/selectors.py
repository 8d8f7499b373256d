"""Which businesses are due for a sync (the beat's per-minute question)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from businesses.models import AccessToken, Business
from sync.budget import with_budget_readings
from sync.models import SyncRun


def businesses_due_for_sync(*, limit: int = 500) -> QuerySet[Business]:
    """Connected, idle, unpaused businesses whose own interval has passed, stalest first (never
    synced, then the oldest sync), leaving out those with a sync already queued in the last half
    hour; each with its quota readings (``sync.budget.with_budget_readings``). A business paused
    by Meta's throttling is not due until the pause ends."""
    now = timezone.now()
    connected = AccessToken.objects.filter(
        purpose=AccessToken.Purpose.CONNECTION, is_active=True, is_valid=True
    ).values("business_id")
    recently_queued = SyncRun.objects.filter(
        status=SyncRun.Status.QUEUED, created_at__gte=now - timedelta(minutes=30)
    ).values("business_id")
    return with_budget_readings(
        Business.objects.filter(pk__in=connected, sync_state=Business.SyncState.IDLE)
        .filter(Q(sync_paused_until__isnull=True) | Q(sync_paused_until__lte=now))
        .filter(
            # After a failure the retry time rules (back-off); otherwise the interval does.
            Q(sync_retry_at__lte=now)
            | Q(sync_retry_at__isnull=True, last_synced_at__isnull=True)
            | Q(
                sync_retry_at__isnull=True,
                last_synced_at__lte=now - F("sync_interval_minutes") * timedelta(minutes=1),
            )
        )
        .exclude(pk__in=recently_queued)
        .order_by(F("last_synced_at").asc(nulls_first=True), "pk"),
        now,
    )[:limit]
