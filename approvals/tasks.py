from __future__ import annotations

from celery import shared_task

from approvals.services import change_requests_expire


@shared_task(name="approvals.tasks.change_requests_expire_task", acks_late=True)
def change_requests_expire_task() -> int:
    return change_requests_expire()
