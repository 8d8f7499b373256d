"""Thin tasks: detection on a schedule and the daily digest. The task sending one delivery lives
in ``notifications.delivery_task`` (the services send it), the one checking a single business
in ``notifications.prompt`` (the kernel's facts_changed hook queues it); both are imported here
so the worker's task discovery registers them with the others."""

from __future__ import annotations

from celery import shared_task

from notifications.delivery_task import delivery_send_task
from notifications.detect import events_detect
from notifications.prompt import business_events_detect_task
from notifications.services import deliveries_sweep, digest_send_due

__all__ = [
    "business_events_detect_task",
    "delivery_send_task",
    "digest_send_task",
    "events_detect_task",
]


@shared_task(name="notifications.tasks.events_detect_task", acks_late=True)
def events_detect_task() -> int:
    """The safety net (see notifications/detect.py): first what an outage left unsent, then
    every business's facts."""
    deliveries_sweep()
    return events_detect()


@shared_task(name="notifications.tasks.digest_send_task", acks_late=True)
def digest_send_task() -> int:
    return digest_send_due()
