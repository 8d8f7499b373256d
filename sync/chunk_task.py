"""The task that reads one chunk of a big run (``sync.chunks``) in whichever worker takes it.

Apart from ``sync.tasks`` for the same reason as ``sync.run_task``: the run (which sends it)
and the sweeper import it. ``acks_late`` with ``reject_on_worker_lost``: a worker killed
mid-chunk leaves the message on the queue, and the chunk is redelivered."""

from __future__ import annotations

import os

from celery import Task, shared_task

from sync.chunks import sync_chunk_run


@shared_task(
    name="sync.tasks.sync_chunk_task",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
)
def sync_chunk_task(self: Task, chunk_id: int) -> str:
    return sync_chunk_run(chunk_id, worker=f"{self.request.hostname or 'inline'}/{os.getpid()}")
