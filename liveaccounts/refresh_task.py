"""The task that reads one client's live ad accounts.

It sits apart from ``liveaccounts.tasks`` because the dispatch (``liveaccounts.services``) sends
it, while the beat's task in ``liveaccounts.tasks`` calls the dispatch: each imports the one
below. Its name is explicit and kept, so messages already queued keep resolving."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from businesses.models import Business
from liveaccounts.refresh import account_activity_refresh


@shared_task(name="liveaccounts.tasks.account_activity_refresh_task", acks_late=True)
def account_activity_refresh_task(business_id: int) -> dict[str, Any]:
    business = Business.objects.filter(pk=business_id).first()
    if business is None:
        return {}
    return vars(account_activity_refresh(business=business))
