"""A big client's chunks on real Celery workers (prefork, and the threads pool) on the real
Redis, against the sandbox: a chunk whose worker is killed is redelivered, and one run's chunks
are read by more than one worker process, or by threads at once. Workers split every client
into chunks of 3 assets."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest
from django.db import close_old_connections
from django.utils import timezone

from businesses.models import Business
from sync.models import SyncChunk, SyncRun

from . import test_worker, truth
from .test_worker import VISIBILITY_TIMEOUT, request_sync, status_of, wait_until

# The workers' fixture (started on demand, each stopped after the test), shared with test_worker.
start_worker = test_worker.start_worker

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHUNKED = {"SYNC_CHUNK_ASSETS": "3"}


def running_chunk(run: SyncRun, *, for_seconds: float = 0.0) -> int | None:
    """A chunk of the run taken at least ``for_seconds`` ago and still running."""
    close_old_connections()
    since = timezone.now() - timedelta(seconds=for_seconds)
    return (
        SyncChunk.objects.filter(run=run, state=SyncChunk.State.RUNNING, started_at__lte=since)
        .values_list("pk", flat=True)
        .first()
    )


def test_a_chunk_whose_worker_is_killed_is_redelivered_and_the_run_equals_meta(
    cast, sb, start_worker
):
    # Every batch (the per-asset reads) takes 2 s: a chunk still running 0.2 s after it was
    # taken is inside one (a chunk with nothing to read is done in milliseconds).
    sb.faults.add("slow", method="POST", times=None, delay=2.0)
    first = start_worker(concurrency=1, env=CHUNKED)
    run = request_sync(cast.acme)
    wait_until(lambda: running_chunk(run, for_seconds=0.2) is not None, what="a chunk mid-read")

    first.kill()  # mid-chunk: its task was never acknowledged
    held = running_chunk(run)
    sb.faults.clear()
    assert held is not None and status_of(run) == SyncRun.Status.RUNNING
    start_worker(env=CHUNKED)

    wait_until(
        lambda: status_of(run) == SyncRun.Status.SUCCEEDED,
        what="the run, its killed chunk redelivered",
        timeout=VISIBILITY_TIMEOUT + 45,
    )
    chunk = SyncChunk.objects.get(pk=held)
    assert chunk.state == SyncChunk.State.DONE and chunk.attempts == 2
    assert SyncChunk.objects.filter(run=run).exclude(state=SyncChunk.State.DONE).count() == 0
    acme = Business.objects.get(pk=cast.acme.pk)
    assert acme.sync_state == Business.SyncState.IDLE and acme.last_synced_at is not None
    assert truth.differences(truth.portal([acme]), truth.meta(sb.world, [acme])) == {}


def test_two_worker_processes_both_read_chunks_of_one_run(cast, sb, start_worker):
    sb.faults.add("slow", method="POST", times=None, delay=0.3)
    start_worker(concurrency=2, env=CHUNKED)

    run = request_sync(cast.acme)

    wait_until(lambda: status_of(run) == SyncRun.Status.SUCCEEDED, what="the chunked run")
    workers = set(SyncChunk.objects.filter(run=run).values_list("worker", flat=True))
    assert len(workers) >= 2, workers
    acme = Business.objects.get(pk=cast.acme.pk)
    assert truth.differences(truth.portal([acme]), truth.meta(sb.world, [acme])) == {}


def test_a_thread_pool_worker_reads_one_runs_chunks_at_once_and_equals_meta(cast, sb, start_worker):
    """Chunks wait on Meta far more than they compute: one process with a pool of threads takes
    several at once, each thread with its own database connection."""
    sb.faults.add("slow", method="POST", times=None, delay=0.3)
    start_worker(pool="threads", concurrency=4, env=CHUNKED)

    run = request_sync(cast.acme)

    wait_until(lambda: status_of(run) == SyncRun.Status.SUCCEEDED, what="the chunked run")
    chunks = SyncChunk.objects.filter(run=run)
    assert chunks.count() > 1 and not chunks.exclude(state=SyncChunk.State.DONE).exists()
    started = sorted(chunks.values_list("started_at", "finished_at"))
    overlapping = any(later[0] < earlier[1] for earlier, later in pairwise(started))
    assert overlapping, "no two chunks were read at the same time"
    acme = Business.objects.get(pk=cast.acme.pk)
    assert truth.differences(truth.portal([acme]), truth.meta(sb.world, [acme])) == {}
