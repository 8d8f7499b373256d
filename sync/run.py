"""One sync run, start to finish, in this process (see the ``sync`` package docstring for what a sync does).

The run claims its business (``run_claim``), runs the sections (``sections_run``) with the
business's Graph client, and records the outcome (``sync.outcome.run_settle``). A big client's
run reads its listings here and hands its per-asset reads to chunk tasks (``sync.chunks``);
the last chunk to finish records the outcome."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from businesses.actors import Actor
from businesses.graph_access import NotConnectedError, business_client
from businesses.models import Business
from businesses.queueing import enqueue
from graph import GraphError
from sync.budget import calls_record
from sync.chunk_holder import holder_here
from sync.chunk_task import sync_chunk_task
from sync.chunks import chunks_hand_off, sync_chunk_run
from sync.claim import run_claim
from sync.context import SyncContext
from sync.models import SyncChunk, SyncRun
from sync.outcome import run_settle
from sync.sections import sections_run


def business_sync(
    *,
    business_id: int,
    run_id: int | None = None,
    trigger: str = SyncRun.Trigger.MANUAL,
    actor: Actor | None = None,
    sleep: Callable[[float], None] | None = None,
    full: bool = False,
    inline_chunks: bool = False,
) -> SyncRun:
    """Run one sync of a business in this process (see the module docstring). ``full`` (or the
    run's ``full_read``) re-reads every asset's per-asset edges, not only those due.
    ``inline_chunks``: a big client's chunks run here too, one after another (the operator
    command), instead of going to the workers."""
    business = Business.objects.select_related("app").get(pk=business_id)
    if run_id is None:
        run = SyncRun.objects.create(
            business=business,
            trigger=trigger,
            requested_by_id=actor.user_id if actor else None,
        )
    else:
        run = SyncRun.objects.get(pk=run_id)
    if run.status in SyncRun.FINISHED:
        return run  # a duplicate delivery of a finished run: nothing to do twice
    if run.status == SyncRun.Status.RUNNING and run.chunks.exists():
        # A redelivery after the run handed its per-asset reads to chunks: send them again
        # (a chunk done or taken does nothing twice), never read the listings twice.
        _chunks_send(run, sleep=sleep, inline=inline_chunks)
        run.refresh_from_db()
        return run
    now = timezone.now()
    if business.sync_paused_until and business.sync_paused_until > now:
        run.status = SyncRun.Status.PAUSED
        run.paused_until = business.sync_paused_until
        run.finished_at = now
        run.save(update_fields=["status", "paused_until", "finished_at"])
        return run
    if not run_claim(business.pk, run):
        run.status = SyncRun.Status.SKIPPED
        run.finished_at = now
        run.save(update_fields=["status", "finished_at"])
        return run
    run.status = SyncRun.Status.RUNNING
    run.started_at = run.started_at or now
    run.error = ""
    run.save(update_fields=["status", "started_at", "error"])
    run.full_read = run.full_read or full
    ctx = SyncContext(business, run, full=run.full_read)
    try:
        with business_client(business, sleep=sleep) as (client, ledger):
            ctx.client = client
            try:
                chunked = sections_run(ctx, chunk_above=settings.SYNC_CHUNK_ASSETS)
            finally:
                calls_record(run, ledger, client.usage, business.meta_id)
    except (GraphError, NotConnectedError) as err:
        return run_settle(run, business, failure=err)
    except BaseException as err:
        run_settle(run, business, failure=err)
        raise
    if chunked:
        # A big client: its per-asset reads go to chunk tasks any worker can take; the last
        # one to finish settles the run. The claim stays held meanwhile.
        chunks_hand_off(ctx, chunked)
        _chunks_send(run, sleep=sleep, inline=inline_chunks)
        run.refresh_from_db()
        return run
    return run_settle(run, business, section_errors=ctx.section_errors, warnings=ctx.warnings)


def _chunks_send(
    run: SyncRun, *, sleep: Callable[[float], None] | None, inline: bool = False
) -> None:
    """Send the run's chunks still queued. Without a broker (eager mode: the demo, most tests),
    or ``inline``, they run here, one after another, with this run's ``sleep``."""
    inline = inline or sync_chunk_task.app.conf.task_always_eager
    queued = SyncChunk.objects.filter(run=run, state=SyncChunk.State.QUEUED).order_by("index")
    for chunk in queued:
        if inline:
            sync_chunk_run(chunk.pk, worker=holder_here(), sleep=sleep)
        else:
            enqueue(sync_chunk_task, chunk.pk, row=chunk)
