from __future__ import annotations

from celery import shared_task


@shared_task(name="approvals.tasks.change_requests_expire_task", acks_late=True)
def change_requests_expire_task() -> int:
    from approvals.services import change_requests_expire

    return change_requests_expire()
