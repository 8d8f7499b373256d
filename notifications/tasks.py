"""Thin tasks: detection on a schedule and the daily digest. The task sending one delivery lives
in ``notifications.delivery_task`` (the services send it); it is imported here so the worker's
task discovery registers it with the others."""

from __future__ import annotations

from celery import shared_task

from notifications.delivery_task import delivery_send_task
from notifications.detect import events_detect
from notifications.services import digest_send_due

__all__ = ["delivery_send_task", "digest_send_task", "events_detect_task"]


@shared_task(name="notifications.tasks.events_detect_task", acks_late=True)
def events_detect_task() -> int:
    return events_detect()


@shared_task(name="notifications.tasks.digest_send_task", acks_late=True)
def digest_send_task() -> int:
    return digest_send_due()
