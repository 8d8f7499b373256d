from __future__ import annotations

from celery import shared_task


@shared_task(name="security.tasks.security_digest_task", acks_late=True)
def security_digest_task() -> int:
    from security.services import security_digest_raise

    return security_digest_raise()
