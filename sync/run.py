"""One sync run, start to finish, in this process (see the ``sync`` package docstring for what a sync does).

The run claims its business (``run_claim``), runs the sections (``sections_run``) with the
business's Graph client, and records the outcome: throttling pauses the business until Meta's
regain time, a dead token marks the connection invalid, any other failure schedules a retry
with back-off. Every outcome other than an unchanged success leaves an audit row."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from businesses import alerts
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.graph_access import NotConnectedError, business_client
from businesses.models import AccessToken, Business
from graph import GraphError, ThrottledError, TokenInvalidError
from sync.budget import usage_reading
from sync.claim import run_claim, run_claim_release, run_claim_release_failed
from sync.context import SyncContext
from sync.models import SyncRun
from sync.sections import sections_run

logger = logging.getLogger(__name__)


def _next_try_note(retry_at: datetime) -> str:
    return f" Next try at {timezone.localtime(retry_at):%H:%M} UTC."


def business_sync(
    *,
    business_id: int,
    run_id: int | None = None,
    trigger: str = SyncRun.Trigger.MANUAL,
    actor: Actor | None = None,
    sleep: Callable[[float], None] | None = None,
    full: bool = False,
) -> SyncRun:
    """Run one sync of a business in this process (see the module docstring). ``full`` (or the
    run's ``full_read``) re-reads every asset's per-asset edges, not only those due."""
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
                sections_run(ctx)
            finally:
                ledger.flush()
                run.graph_calls = ledger.count
                run.max_usage_pct = min(100, ledger.max_usage_pct)
                # Kept apart for the dispatcher's budgets (sync.budget).
                run.app_usage_pct, run.business_usage_pct = usage_reading(
                    client.usage, business.meta_id
                )
    except ThrottledError as err:
        paused_until = timezone.now() + timedelta(seconds=max(60.0, err.retry_after))
        run.status = SyncRun.Status.PAUSED
        run.paused_until = paused_until
        run.error = err.describe()
        run_claim_release(business.pk, sync_paused_until=paused_until)
    except TokenInvalidError as err:
        AccessToken.objects.filter(
            business=business, purpose=AccessToken.Purpose.CONNECTION, is_active=True
        ).update(is_valid=False, invalid_reason=err.describe(), last_verified_at=timezone.now())
        run.status = SyncRun.Status.FAILED
        run.error = err.describe()
        run_claim_release(business.pk)
    except (GraphError, NotConnectedError) as err:
        run.status = SyncRun.Status.FAILED
        run.error = err.describe() if isinstance(err, GraphError) else str(err)
        run.error += _next_try_note(run_claim_release_failed(business.pk))
    except BaseException:
        # Unknown failure (or the worker's soft time limit): release, record, re-raise.
        run.status = SyncRun.Status.FAILED
        run.error = "The sync stopped on an unexpected error; see the worker log."
        run.error += _next_try_note(run_claim_release_failed(business.pk))
        run.finished_at = timezone.now()
        run.save()
        _log_outcome(run, business)
        raise
    else:
        run.warnings = "\n".join(ctx.warnings)[:5000]
        if ctx.section_errors:
            run.status = SyncRun.Status.FAILED
            run.error = " ".join(ctx.section_errors)[:4900]
            run.error += _next_try_note(run_claim_release_failed(business.pk))
        else:
            run.status = (
                SyncRun.Status.SUCCEEDED_WITH_WARNINGS if ctx.warnings else SyncRun.Status.SUCCEEDED
            )
            run_claim_release(
                business.pk,
                last_synced_at=timezone.now(),
                sync_paused_until=None,
                sync_retry_at=None,
                sync_failures_in_a_row=0,
            )
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save()
        alerts.facts_changed(business_id=business.pk)  # failures, drift, access lost, token
        if (
            run.created_count
            or run.updated_count
            or run.removed_count
            or run.status != SyncRun.Status.SUCCEEDED
        ):
            audit_record(
                actor=Actor.sync(run.pk),
                action="business.sync",
                business=business,
                target=run,
                summary=(
                    f"Sync {run.get_status_display().lower()}: created {run.created_count}, "
                    f"updated {run.updated_count}, removed {run.removed_count}."
                    + (f" {run.error}" if run.error else "")
                    + "".join(f" {line}" for line in run.warning_lines)
                ),
            )
    _log_outcome(run, business)
    return run


def _log_outcome(run: SyncRun, business: Business) -> None:
    """One structured (key=value) line per finished run; the redaction filter guards every
    handler, and nothing here could hold a token anyway."""
    duration = run.duration_seconds
    logger.info(
        "event=sync business_id=%s business_meta_id=%s run_id=%s status=%s created=%s "
        "updated=%s removed=%s graph_calls=%s duration_s=%s",
        business.pk,
        business.meta_id,
        run.pk,
        run.status,
        run.created_count,
        run.updated_count,
        run.removed_count,
        run.graph_calls,
        f"{duration:.2f}" if duration is not None else "-",
    )
