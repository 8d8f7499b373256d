"""Detection at once, for the one business whose facts just changed (issue 13 §1).

1. A workflow that writes a fact staff may be alerted to calls
   ``businesses.alerts.facts_changed``; once its transaction commits, the kernel calls
   ``facts_changed_handle`` (registered by NotificationsConfig.ready).
2. That queues ``business_events_detect_task`` for the business: the detectors
   (notifications/detect.py) read that business's rows only and raise what is new. Dedup keys
   make a second look — the periodic pass, a retried task — a no-op.
3. When the broker refuses the message, the check runs here and now instead (the workflow has
   committed; this only delays its return by one business's detection queries, and only while
   the queue is down). The alert is recorded at once rather than after the outage, and its
   deliveries wait, marked, for the queue (``notifications.services.deliveries_sweep``).
   A check has no row of its own to mark for a later resend, which is why this does not go
   through ``businesses.queueing.enqueue``; it shares its notion of a broker error.
"""

from __future__ import annotations

import logging

from celery import shared_task

from businesses.queueing import BROKER_ERRORS
from notifications.detect import events_detect

logger = logging.getLogger(__name__)


@shared_task(name="notifications.tasks.business_events_detect_task", acks_late=True)
def business_events_detect_task(business_id: int) -> int:
    return events_detect(business_id=business_id)


def facts_changed_handle(business_id: int) -> None:
    """Look at ``business_id``'s facts soon (a task) or, with the queue down, now."""
    try:
        business_events_detect_task.apply_async(args=[business_id])
    except BROKER_ERRORS as err:
        logger.warning(
            "event=alert_check_inline business_id=%s error=%s", business_id, type(err).__name__
        )
        events_detect(business_id=business_id)
