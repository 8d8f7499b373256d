"""How a sync run ends, whichever task ends it: the single task of a run (``sync.run``) or the
chunk that completes a big one (``sync.chunks``).

Throttling pauses the business until Meta's regain time, a dead token marks the connection
invalid, any other failure schedules a retry with back-off; otherwise the run succeeded (with
warnings for what Meta no longer serves), or failed with its sections' errors. The claim is
released, and every outcome other than an unchanged success leaves an audit row."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from businesses import alerts
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.graph_access import NotConnectedError
from businesses.models import AccessToken, Business
from graph import GraphError, ThrottledError, TokenInvalidError
from sync.claim import run_claim_release, run_claim_release_failed
from sync.models import SyncRun

logger = logging.getLogger(__name__)

UNEXPECTED_ERROR = "The sync stopped on an unexpected error; see the worker log."


def _next_try_note(retry_at: datetime) -> str:
    return f" Next try at {timezone.localtime(retry_at):%H:%M} UTC."


def run_settle(
    run: SyncRun,
    business: Business,
    *,
    failure: BaseException | None = None,
    section_errors: Sequence[str] = (),
    warnings: Sequence[str] = (),
) -> SyncRun:
    """Record the run's outcome (see the module docstring) and release the business's claim.
    ``failure``: what stopped the whole run, if anything; an unexpected one (not a Graph error)
    is recorded without an audit row, and the caller re-raises it."""
    if isinstance(failure, ThrottledError):
        paused_until = timezone.now() + timedelta(seconds=max(60.0, failure.retry_after))
        run.status = SyncRun.Status.PAUSED
        run.paused_until = paused_until
        run.error = failure.describe()
        run_claim_release(business.pk, sync_paused_until=paused_until)
    elif isinstance(failure, TokenInvalidError):
        AccessToken.objects.filter(
            business=business, purpose=AccessToken.Purpose.CONNECTION, is_active=True
        ).update(is_valid=False, invalid_reason=failure.describe(), last_verified_at=timezone.now())
        run.status = SyncRun.Status.FAILED
        run.error = failure.describe()
        run_claim_release(business.pk)
    elif isinstance(failure, GraphError | NotConnectedError):
        run.status = SyncRun.Status.FAILED
        run.error = failure.describe() if isinstance(failure, GraphError) else str(failure)
        run.error += _next_try_note(run_claim_release_failed(business.pk))
    elif failure is not None:
        # Unknown failure (or the worker's soft time limit): release and record.
        run.status = SyncRun.Status.FAILED
        run.error = UNEXPECTED_ERROR + _next_try_note(run_claim_release_failed(business.pk))
        run.finished_at = timezone.now()
        run.save()
        alerts.facts_changed(business_id=business.pk)  # a second failure in a row alerts
        run_log_outcome(run, business)
        return run
    else:
        run.warnings = "\n".join(warnings)[:5000]
        if section_errors:
            run.status = SyncRun.Status.FAILED
            run.error = " ".join(section_errors)[:4900]
            run.error += _next_try_note(run_claim_release_failed(business.pk))
        else:
            run.status = (
                SyncRun.Status.SUCCEEDED_WITH_WARNINGS if warnings else SyncRun.Status.SUCCEEDED
            )
            run.error = ""
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
    run_log_outcome(run, business)
    return run


def run_log_outcome(run: SyncRun, business: Business) -> None:
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
