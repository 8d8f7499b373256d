"""Thin tasks: load by id, call the service, decide what happens next by the outcome."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from businesses.actors import Actor
from businesses.models import SyncRun

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def business_sync_task(self, business_id: int, run_id: int | None = None) -> str:
    from businesses.sync import business_sync

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


@shared_task(acks_late=True)
def dispatch_due_syncs(limit: int = 500) -> int:
    from businesses.sync import sync_dispatch_due

    return sync_dispatch_due(actor=Actor.task("scheduler"), limit=limit)


@shared_task(acks_late=True)
def queue_sweep_task() -> int:
    """Send again what the task queue never got (every minute on the beat)."""
    from businesses.sweeper import queue_sweep

    return queue_sweep().sent


@shared_task(acks_late=True)
def token_health_task() -> int:
    from businesses.token_health import token_health_check_all

    return token_health_check_all(actor=Actor.task("token health"))


@shared_task(bind=True, acks_late=True, max_retries=5)
def person_remove_task(self, person_id: int, actor_user_id: int | None = None) -> None:
    from django.contrib.auth import get_user_model

    from businesses.models import BusinessUser
    from businesses.offboarding import person_remove_from_meta
    from graph import TransientError

    person = BusinessUser.objects.select_related("business").filter(pk=person_id).first()
    if person is None:
        return
    user = get_user_model().objects.filter(pk=actor_user_id).first() if actor_user_id else None
    try:
        person_remove_from_meta(person=person, actor=Actor.task("offboard", user=user))
    except TransientError as err:
        if not self.request.is_eager and self.request.retries < self.max_retries:
            raise self.retry(countdown=60) from err
        raise


@shared_task(acks_late=True)
def eligibility_snapshot_task() -> list[str]:
    """Log each app's standing against the eligibility rule, so a lapse shows in the logs."""
    from businesses.eligibility import app_eligibility
    from businesses.models import DeveloperApp

    lines = []
    for app in DeveloperApp.objects.all():
        lines.append(f"{app}: {app_eligibility(app=app)}")
        logger.info("Eligibility %s", lines[-1])
    return lines


@shared_task(acks_late=True)
def graph_calls_prune_task() -> int:
    from django.conf import settings

    from businesses.services import graph_calls_prune

    return graph_calls_prune(keep_days=settings.GRAPH_CALL_RETENTION_DAYS)
