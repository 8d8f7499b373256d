from __future__ import annotations

from celery import shared_task


@shared_task(name="liveaccounts.tasks.live_accounts_dispatch_task", acks_late=True)
def live_accounts_dispatch_task() -> int:
    from liveaccounts.services import live_accounts_dispatch

    return live_accounts_dispatch()


@shared_task(name="liveaccounts.tasks.account_activity_refresh_task", acks_late=True)
def account_activity_refresh_task(business_id: int) -> dict:
    from businesses.models import Business
    from liveaccounts.services import account_activity_refresh

    business = Business.objects.filter(pk=business_id).first()
    if business is None:
        return {}
    return vars(account_activity_refresh(business=business))
