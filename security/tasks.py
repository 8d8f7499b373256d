from __future__ import annotations

from celery import shared_task

from security.services import security_digest_raise


@shared_task(name="security.tasks.security_digest_task", acks_late=True)
def security_digest_task() -> int:
    return security_digest_raise()
