"""Thin tasks: load by id, call the service."""

from __future__ import annotations

import time

from celery import shared_task


@shared_task(bind=True, acks_late=True, max_retries=5)
def system_user_create_in_meta_task(self, system_user_id: int) -> None:
    from assets.push import log_push
    from businesses.actors import Actor
    from systemusers.push import system_user_create_in_meta

    started = time.monotonic()
    created = system_user_create_in_meta(
        system_user_id=system_user_id, actor=Actor.task("create system user")
    )
    log_push(
        "system_user",
        business_id=created.business_id,
        row_id=created.pk,
        outcome=created.status,
        started=started,
    )
