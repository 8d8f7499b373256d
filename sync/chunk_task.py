"""The task that reads one chunk of a big run (``sync.chunks``) in whichever worker takes it.

Apart from ``sync.tasks`` for the same reason as ``sync.run_task``: the run (which sends it)
and the sweeper import it. ``acks_late`` with ``reject_on_worker_lost``: a worker killed
mid-chunk leaves the message on the queue, and the chunk is redelivered."""

from __future__ import annotations

from celery import Task, shared_task

from sync.chunk_holder import holder_here
from sync.chunks import sync_chunk_run
from sync.models import SyncChunk, SyncRun
from sync.resume import sync_after_pause


@shared_task(
    name="sync.tasks.sync_chunk_task",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
)
def sync_chunk_task(self: Task, chunk_id: int) -> str:
    outcome = sync_chunk_run(chunk_id, worker=holder_here())
    # Only the chunk that was throttled (the run's other chunks then find it ended) looks.
    if outcome != SyncChunk.State.FAILED or self.request.is_eager:
        return outcome
    paused = (
        SyncRun.objects.filter(chunks__pk=chunk_id, status=SyncRun.Status.PAUSED)
        .values_list("business_id", "paused_until")
        .first()
    )
    if paused and paused[1]:
        # Throttled, as a single-task run is: its business's next sync is queued for when Meta
        # says, without holding a worker meanwhile.
        sync_after_pause(paused[0], paused[1])
    return outcome
