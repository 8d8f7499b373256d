"""Thin tasks: load by id, call the service."""

from __future__ import annotations

import time

from celery import shared_task

from assets.push import log_push
from businesses.actors import Actor
from graph import TransientError
from systemusers.errors import SystemUserCapError
from systemusers.models import SystemUser
from systemusers.push import SystemUserPushError, system_user_create_in_meta, system_user_release


@shared_task(
    name="systemusers.tasks.system_user_create_in_meta_task",
    bind=True,
    acks_late=True,
    max_retries=5,
)
def system_user_create_in_meta_task(self, system_user_id: int) -> None:
    actor = Actor.task("create system user")
    started = time.monotonic()
    try:
        created = system_user_create_in_meta(system_user_id=system_user_id, actor=actor)
    except (SystemUserCapError, SystemUserPushError):
        # A refusal is final and already recorded (audit trail; the row is gone or released):
        # retrying would be refused again, and raising would fail the caller's request.
        return
    except TransientError as err:
        if not self.request.is_eager and self.request.retries < self.max_retries:
            raise self.retry(countdown=60) from None
        # Retries spent: free the slot; the failure reason says what Meta did.
        reserved = SystemUser.objects.select_related("business").get(pk=system_user_id)
        created = system_user_release(
            system_user=reserved, reason=f"{err.describe()} Gave up after retrying.", actor=actor
        )
    log_push(
        "system_user",
        business_id=created.business_id,
        row_id=created.pk,
        outcome=created.status,
        started=started,
    )
