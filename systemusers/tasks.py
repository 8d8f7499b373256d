"""Thin tasks: load by id, call the service."""

from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, acks_late=True, max_retries=5)
def system_user_create_in_meta_task(self, system_user_id: int) -> None:
    from businesses.actors import Actor
    from systemusers.errors import SystemUserCapError
    from systemusers.push import SystemUserPushError, system_user_create_in_meta

    try:
        system_user_create_in_meta(
            system_user_id=system_user_id, actor=Actor.task("create system user")
        )
    except (SystemUserCapError, SystemUserPushError):
        # A refusal is final and already recorded (audit trail; the row is gone or released):
        # retrying would be refused again, and raising would fail the caller's request.
        return
