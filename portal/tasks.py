"""Thin tasks: load by id, call the service, decide what happens next by the outcome.

Task names are explicit and keep the names they had before the apps were re-layered, so
periodic tasks stored in the beat schedule and messages already queued keep resolving."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.contrib.auth import get_user_model

from businesses.actors import Actor
from businesses.models import BusinessUser
from graph import TransientError
from portal.person_removal import person_removal_failed, person_remove_from_meta

logger = logging.getLogger(__name__)


@shared_task(name="businesses.tasks.person_remove_task", bind=True, acks_late=True, max_retries=5)
def person_remove_task(self: Task, person_id: int, actor_user_id: int | None = None) -> None:
    person = BusinessUser.objects.select_related("business").filter(pk=person_id).first()
    if person is None:
        return
    user = get_user_model().objects.filter(pk=actor_user_id).first() if actor_user_id else None
    try:
        person_remove_from_meta(person=person, actor=Actor.task("offboard", user=user))
    except TransientError as err:
        if not self.request.is_eager and self.request.retries < self.max_retries:
            raise self.retry(countdown=60) from err
        # Retries spent: say so on the grants (and so in a push-failure alert), not only in
        # the worker's log.
        person_removal_failed(
            person=person,
            reason=f"{err.describe()} Gave up after retrying; offboard again.",
            actor=Actor.task("offboard", user=user),
        )
