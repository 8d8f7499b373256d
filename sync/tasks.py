"""Thin tasks: load by id, call the service, decide what happens next by the outcome.

Task names are explicit and keep the names they had before the apps were re-layered, so
periodic tasks stored in the beat schedule and messages already queued keep resolving."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from businesses.actors import Actor
from sync.models import SyncRun

logger = logging.getLogger(__name__)


@shared_task(
    name="businesses.tasks.business_sync_task",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
)
def business_sync_task(self, business_id: int, run_id: int | None = None) -> str:
    from sync.engine import business_sync

    run = business_sync(
        business_id=business_id,
        run_id=run_id,
        trigger=SyncRun.Trigger.SCHEDULE,
        actor=Actor.task("sync"),
    )
    if run.status == SyncRun.Status.PAUSED and run.paused_until and not self.request.is_eager:
        # Throttled: come back when Meta says, without holding a worker meanwhile. (Run eagerly,
        # without a broker, a re-queue would run at once, find the pause and recurse.)
        delay = max(1.0, (run.paused_until - timezone.now()).total_seconds())
        business_sync_task.apply_async((business_id, None), countdown=delay)
    return run.status


@shared_task(name="businesses.tasks.dispatch_due_syncs", acks_late=True)
def dispatch_due_syncs(limit: int = 500) -> int:
    from sync.engine import sync_dispatch_due

    return sync_dispatch_due(actor=Actor.task("scheduler"), limit=limit)


@shared_task(name="businesses.tasks.queue_sweep_task", acks_late=True)
def queue_sweep_task() -> int:
    """Send again what the task queue never got (every minute on the beat)."""
    from sync.sweeper import queue_sweep

    return queue_sweep().sent
