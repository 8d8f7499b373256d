"""Thin tasks: load by id, call the service, decide what happens next by the outcome.

Task names are explicit and keep the names they had before the apps were re-layered, so
periodic tasks stored in the beat schedule and messages already queued keep resolving."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from businesses.actors import Actor
from businesses.eligibility import app_eligibility
from businesses.models import DeveloperApp
from businesses.services import graph_calls_prune
from businesses.token_health import token_health_check_all

logger = logging.getLogger(__name__)


@shared_task(name="businesses.tasks.token_health_task", acks_late=True)
def token_health_task() -> int:
    return token_health_check_all(actor=Actor.task("token health"))


@shared_task(name="businesses.tasks.eligibility_snapshot_task", acks_late=True)
def eligibility_snapshot_task() -> list[str]:
    """Log each app's standing against the eligibility rule, so a lapse shows in the logs."""
    lines = []
    for app in DeveloperApp.objects.all():
        lines.append(f"{app}: {app_eligibility(app=app)}")
        logger.info("Eligibility %s", lines[-1])
    return lines


@shared_task(name="businesses.tasks.graph_calls_prune_task", acks_late=True)
def graph_calls_prune_task() -> int:
    return graph_calls_prune(keep_days=settings.GRAPH_CALL_RETENTION_DAYS)
