"""The task that sends one delivery, retried with back-off.

It sits apart from ``notifications.tasks`` because raising an event (``notifications.services``)
sends it, while the beat's tasks in ``notifications.tasks`` call those services: each imports
the one below. Its name is explicit and kept, so messages already queued keep resolving."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from notifications.delivery import delivery_send
from notifications.models import Delivery
from notifications.transports import TransientDeliveryError


@shared_task(
    name="notifications.tasks.delivery_send_task", bind=True, acks_late=True, max_retries=None
)
def delivery_send_task(self: Task, delivery_id: int) -> str:
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
