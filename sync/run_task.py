"""The task that runs one sync in a worker.

It sits apart from ``sync.tasks`` because requesting a sync (``sync.services``) and the
sweeper send it, while the beat's tasks in ``sync.tasks`` call those: each imports the one
below. Its name is explicit and kept from before the apps were re-layered, so messages already
queued keep resolving."""

from __future__ import annotations

from celery import Task, shared_task

from businesses.actors import Actor
from sync.models import SyncRun
from sync.resume import sync_after_pause
from sync.run import business_sync


@shared_task(
    name="businesses.tasks.business_sync_task",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
)
def business_sync_task(self: Task, business_id: int, run_id: int | None = None) -> str:
    run = business_sync(
        business_id=business_id,
        run_id=run_id,
        trigger=SyncRun.Trigger.SCHEDULE,
        actor=Actor.task("sync"),
    )
    if run.status == SyncRun.Status.PAUSED and run.paused_until and not self.request.is_eager:
        # Throttled: come back when Meta says, without holding a worker meanwhile. (Run eagerly,
        # without a broker, a re-queue would run at once, find the pause and recurse.)
        sync_after_pause(business_id, run.paused_until)
    return run.status
