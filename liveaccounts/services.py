"""Queueing the live-accounts reading: one refresh task per connected client (the reading
itself is ``liveaccounts.refresh``)."""

from __future__ import annotations

from businesses.models import Business
from liveaccounts.refresh_task import account_activity_refresh_task


def live_accounts_dispatch() -> int:
    """Queue one refresh per connected client (after commit: no transaction is open here)."""
    ids = list(
        Business.objects.filter(is_agency=False, tokens__is_active=True, tokens__is_valid=True)
        .values_list("pk", flat=True)
        .distinct()
    )
    for business_id in ids:
        account_activity_refresh_task.delay(business_id)
    return len(ids)
