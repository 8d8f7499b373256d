"""The beat's task: queue the live-accounts reading of every connected client. The task reading
one client lives in ``liveaccounts.refresh_task`` (the dispatch sends it); it is imported here
so the worker's task discovery registers it with the others."""

from __future__ import annotations

from celery import shared_task

from liveaccounts.refresh_task import account_activity_refresh_task
from liveaccounts.services import live_accounts_dispatch

__all__ = ["account_activity_refresh_task", "live_accounts_dispatch_task"]


@shared_task(name="liveaccounts.tasks.live_accounts_dispatch_task", acks_late=True)
def live_accounts_dispatch_task() -> int:
    return live_accounts_dispatch()
