"""Thin tasks: detection on a schedule, one delivery per task (retried with back-off), the
daily digest."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from notifications.models import Delivery
from notifications.transports import TransientDeliveryError


@shared_task(name="notifications.tasks.events_detect_task", acks_late=True)
def events_detect_task() -> int:
    from notifications.detect import events_detect

    return events_detect()


@shared_task(
    name="notifications.tasks.delivery_send_task", bind=True, acks_late=True, max_retries=None
)
def delivery_send_task(self, delivery_id: int) -> str:
    from notifications.services import delivery_send

    delivery = Delivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return "gone"
    # Run in-process (the demo, no broker) there is no one to come back later: one attempt.
    final = self.request.is_eager or self.request.retries >= settings.NOTIFY_MAX_RETRIES
    try:
        delivery = delivery_send(delivery=delivery, final_attempt=final)
    except TransientDeliveryError as err:
        countdown = min(3600, settings.NOTIFY_RETRY_BASE_SECONDS * 2**self.request.retries)
        raise self.retry(countdown=countdown) from err
    return delivery.state


@shared_task(name="notifications.tasks.digest_send_task", acks_late=True)
def digest_send_task() -> int:
    from notifications.services import digest_send_due

    return digest_send_due()
