"""Thin tasks: load by id, call the push service, retry only what can recover."""

from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, acks_late=True, max_retries=5)
def grant_push_task(self, grant_id: int) -> None:
    from assets.push import grant_push_by_id

    grant_push_by_id(grant_id=grant_id, task=self)
