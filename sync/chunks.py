"""Big clients split across workers (issue 12): a run's per-asset reads as chunk tasks.

A run whose due per-asset set is larger than SYNC_CHUNK_ASSETS reads its listings in its own
task as usual, then stores the due asset pks in chunks of that size (``chunks_hand_off``) and
returns with the run still running and the business's claim held. Each chunk
(``sync_chunk_run``, sent as ``sync_chunk_task``) opens the business's Graph client and runs
the per-asset sections (custom conversions, assigned users, partner shares) for exactly its
assets, stamping them with the run's start. It keeps what it found (counts, calls, errors,
warnings) on its row, and writes its drift with its completion in one transaction, so a
redelivery never records anything twice.

Race-free completion: every chunk ends under a lock on its run's row. The one that finds all
chunks done settles the run exactly as a single-task run is settled (``run_settle``). A
throttle, a dead token or an unreachable Meta in any chunk settles the run at once (paused or
failed); the run's other chunks then do nothing.

Idempotent and redelivered: a chunk is taken with a conditional UPDATE (queued, running with
an expired lease, or running for a process of this machine that is gone: ``sync.chunk_holder``),
so a done chunk delivered again, or one a living worker holds, does nothing, and only the
attempt that holds it may record it. A worker killed mid-chunk leaves it running with a lease
that stops being extended: the broker redelivers the task (``acks_late``,
``reject_on_worker_lost``), which takes it at once when the dead holder ran here, and the
queue sweeper sends it again once the lease expired. While
chunks progress they extend the business's claim, so the run is never taken for abandoned."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q, Sum
from django.utils import timezone

from businesses.graph_access import NotConnectedError, business_client
from businesses.models import Business
from graph import GraphError
from sync.budget import calls_record
from sync.chunk_holder import holder_is_gone
from sync.claim import run_claim_extend
from sync.context import PROGRESS_WRITE_SECONDS, SyncContext
from sync.models import SyncChunk, SyncRun
from sync.outcome import run_settle
from sync.sections import per_asset_sections_run

logger = logging.getLogger(__name__)

# A chunk whose worker died this many times (it may be what kills it) fails its run.
CHUNK_MAX_ATTEMPTS = 3


class ChunkContext(SyncContext):
    """What one chunk's sections share: a run's context reading exactly the chunk's assets.
    Its run object is the chunk's own view of the run (counts from zero, never saved): the
    chunk's findings go to its row, and the run is written only when it is settled."""

    def __init__(self, business: Business, run: SyncRun, chunk: SyncChunk) -> None:
        run.created_count = run.updated_count = run.removed_count = 0
        run.held_back = ""
        super().__init__(business, run, full=False, assets=chunk.asset_ids)
        self.chunk = chunk
        self.withdrawn.update(chunk.withdrawn)

    def progress(self, steps: int) -> None:
        """A chunk's progress extends its own lease and its business's claim (at most every
        PROGRESS_WRITE_SECONDS); the run's progress counts whole chunks."""
        clock = time.monotonic()
        if clock - self._progress_written_at < PROGRESS_WRITE_SECONDS:
            return
        self._progress_written_at = clock
        lease = timezone.now() + timedelta(seconds=settings.SYNC_LEASE_SECONDS)
        SyncChunk.objects.filter(
            pk=self.chunk.pk, state=SyncChunk.State.RUNNING, attempts=self.chunk.attempts
        ).update(lease_until=lease)
        run_claim_extend(self.business.pk)


def chunks_hand_off(ctx: SyncContext, asset_pks: Sequence[int]) -> int:
    """Store the run's listing phase (counts, calls, errors, warnings; status still running)
    and its due assets as chunks, in one transaction. Returns how many chunks."""
    run = ctx.run
    size = settings.SYNC_CHUNK_ASSETS
    queued_until = timezone.now() + timedelta(seconds=settings.SYNC_LEASE_SECONDS)
    withdrawn = sorted(ctx.withdrawn)
    chunks = [
        SyncChunk(
            run=run,
            index=index,
            asset_ids=list(asset_pks[start : start + size]),
            withdrawn=withdrawn,
            lease_until=queued_until,
        )
        for index, start in enumerate(range(0, len(asset_pks), size))
    ]
    # Kept on the run until it is settled: the listing phase's section errors, one a line.
    run.error = "\n".join(ctx.section_errors)
    run.warnings = "\n".join(ctx.warnings)[:5000]
    run.progress_total = run.progress_done + len(chunks)
    with transaction.atomic():
        run.save()
        SyncChunk.objects.bulk_create(chunks)
    run_claim_extend(ctx.business.pk)
    logger.info(
        "event=sync_chunked business_id=%s run_id=%s assets=%s chunks=%s",
        ctx.business.pk,
        run.pk,
        len(asset_pks),
        len(chunks),
    )
    return len(chunks)


def sync_chunk_run(
    chunk_id: int, *, worker: str = "", sleep: Callable[[float], None] | None = None
) -> str:
    """Read one chunk's assets and record them; the last chunk settles the run (see the module
    docstring). Returns what happened: the chunk's state, or why it did nothing."""
    chunk = SyncChunk.objects.select_related("run").filter(pk=chunk_id).first()
    if chunk is None or chunk.run.status != SyncRun.Status.RUNNING:
        return "run ended"  # a chunk of a run already settled: nothing to do
    if not _chunk_take(chunk, worker):
        return "taken"  # done already, or another delivery holds it
    business = Business.objects.select_related("app").get(pk=chunk.run.business_id)
    if chunk.attempts > CHUNK_MAX_ATTEMPTS:
        logger.warning(
            "event=sync_chunk_gave_up business_id=%s run_id=%s chunk=%s attempts=%s",
            business.pk,
            chunk.run_id,
            chunk.index,
            chunk.attempts - 1,
        )
        return _chunk_end(chunk, business, None, failure=RuntimeError("chunk attempts"))
    run_claim_extend(business.pk)
    ctx = ChunkContext(business, chunk.run, chunk)
    try:
        with business_client(business, sleep=sleep) as (client, ledger):
            ctx.client = client
            try:
                per_asset_sections_run(ctx)
            finally:
                calls_record(chunk, ledger, client.usage, business.meta_id)
    except (GraphError, NotConnectedError) as err:
        return _chunk_end(chunk, business, ctx, failure=err)
    except BaseException as err:
        _chunk_end(chunk, business, ctx, failure=err)
        raise
    return _chunk_end(chunk, business, ctx)


def _chunk_take(chunk: SyncChunk, worker: str) -> bool:
    """Take the chunk for this attempt: queued, or running under a lease that expired or held
    by a process of this machine that is gone (its worker died; ``sync.chunk_holder``). A
    conditional UPDATE, so two deliveries never both take it."""
    now = timezone.now()
    takeable = Q(state=SyncChunk.State.QUEUED) | Q(
        state=SyncChunk.State.RUNNING, lease_until__lt=now
    )
    if chunk.state == SyncChunk.State.RUNNING and holder_is_gone(chunk.worker):
        # Only that attempt's hold: if another delivery took it meanwhile, this one does not.
        takeable |= Q(state=SyncChunk.State.RUNNING, worker=chunk.worker, attempts=chunk.attempts)
    taken = (
        SyncChunk.objects.filter(pk=chunk.pk, run__status=SyncRun.Status.RUNNING)
        .filter(takeable)
        .update(
            state=SyncChunk.State.RUNNING,
            attempts=F("attempts") + 1,
            worker=worker[:200],
            started_at=now,
            lease_until=now + timedelta(seconds=settings.SYNC_LEASE_SECONDS),
            waiting_for_queue=False,
        )
    )
    if taken:
        chunk.refresh_from_db(fields=["state", "attempts"])
    return bool(taken)


def _chunk_end(
    chunk: SyncChunk,
    business: Business,
    ctx: ChunkContext | None,
    *,
    failure: BaseException | None = None,
) -> str:
    """Record the chunk (its drift with it) and, if it is the last or it stopped the run,
    settle the run; all under the run row's lock, in one transaction."""
    if ctx is not None:
        chunk.created_count = ctx.run.created_count
        chunk.updated_count = ctx.run.updated_count
        chunk.removed_count = ctx.run.removed_count
        chunk.held_back = ctx.run.held_back
        chunk.errors = "\n".join(ctx.section_errors)
        chunk.warnings = "\n".join(ctx.warnings)
    chunk.state = SyncChunk.State.DONE if failure is None else SyncChunk.State.FAILED
    chunk.finished_at = timezone.now()
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().get(pk=chunk.run_id)
        recorded = SyncChunk.objects.filter(
            pk=chunk.pk, state=SyncChunk.State.RUNNING, attempts=chunk.attempts
        ).update(**{field: getattr(chunk, field) for field in _RECORDED})
        if not recorded:
            return "superseded"  # a later attempt holds the chunk and records it
        if ctx is not None:
            ctx.drift.flush()
        if run.status != SyncRun.Status.RUNNING:
            # The run was settled meanwhile (another chunk was throttled): its calls count.
            SyncRun.objects.filter(pk=run.pk).update(
                graph_calls=F("graph_calls") + chunk.graph_calls
            )
            return chunk.state
        if failure is None:
            run.progress_done += 1
            SyncRun.objects.filter(pk=run.pk).update(progress_done=F("progress_done") + 1)
            if SyncChunk.objects.filter(run=run).exclude(state=SyncChunk.State.DONE).exists():
                return chunk.state
        _run_settle_from_chunks(run, business, failure)
    return chunk.state


# What a chunk records on its row when it ends.
_RECORDED = (
    "state",
    "finished_at",
    "graph_calls",
    "created_count",
    "updated_count",
    "removed_count",
    "max_usage_pct",
    "app_usage_pct",
    "business_usage_pct",
    "errors",
    "warnings",
    "held_back",
)


def _run_settle_from_chunks(
    run: SyncRun, business: Business, failure: BaseException | None
) -> None:
    """The run's totals are its listing phase's plus its chunks'; then the one settlement."""
    chunks = SyncChunk.objects.filter(run=run)
    totals = chunks.aggregate(
        calls=Sum("graph_calls"),
        created=Sum("created_count"),
        updated=Sum("updated_count"),
        removed=Sum("removed_count"),
        usage=Max("max_usage_pct"),
        app=Max("app_usage_pct"),
        business=Max("business_usage_pct"),
    )
    run.graph_calls += totals["calls"] or 0
    run.created_count += totals["created"] or 0
    run.updated_count += totals["updated"] or 0
    run.removed_count += totals["removed"] or 0
    run.max_usage_pct = max(run.max_usage_pct, totals["usage"] or 0)
    run.app_usage_pct = max(run.app_usage_pct, totals["app"] or 0)
    run.business_usage_pct = max(run.business_usage_pct, totals["business"] or 0)
    errors = run.error.splitlines()
    warnings = run.warnings.splitlines()
    for errs, warns, held in chunks.order_by("index").values_list(
        "errors", "warnings", "held_back"
    ):
        errors += errs.splitlines()
        warnings += [line for line in warns.splitlines() if line not in warnings]
        run.held_back += held
    run_settle(run, business, failure=failure, section_errors=errors, warnings=warnings)
