"""A throttled business's next sync, queued for when Meta said access comes back.

Both the run's own task and a chunk's task end a throttled run; either queues this, so no
worker sits waiting out the pause. Sent by name: the run's task module imports the run, which
sends chunks, whose task module needs this too."""

from __future__ import annotations

from datetime import datetime

from celery import current_app
from django.utils import timezone

BUSINESS_SYNC_TASK = "businesses.tasks.business_sync_task"


def sync_after_pause(business_id: int, paused_until: datetime) -> None:
    delay = max(1.0, (paused_until - timezone.now()).total_seconds())
    current_app.send_task(BUSINESS_SYNC_TASK, args=(business_id, None), countdown=delay)
