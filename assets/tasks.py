"""Thin tasks: load by id, call the push service, retry only what can recover."""

from __future__ import annotations

import time

from celery import shared_task

from assets.models import AssetAccess
from assets.push import RetryLater, give_up_share, grant_push_by_id, log_push, share_push
from businesses.actors import Actor


@shared_task(name="assets.tasks.grant_push_task", bind=True, acks_late=True, max_retries=5)
def grant_push_task(self, grant_id: int) -> None:
    grant_push_by_id(grant_id=grant_id, task=self)


@shared_task(name="assets.tasks.share_push_task", bind=True, acks_late=True, max_retries=5)
def share_push_task(self, access_id: int) -> None:
    access = AssetAccess.objects.filter(pk=access_id).first()
    if access is None:
        return
    started = time.monotonic()
    try:
        pushed = share_push(access=access, actor=Actor.task("push share"))
        log_push(
            "share",
            business_id=access.business_id,
            row_id=access.pk,
            outcome=pushed.push_state,
            started=started,
        )
    except RetryLater as later:
        log_push(
            "share",
            business_id=access.business_id,
            row_id=access.pk,
            outcome="retry",
            started=started,
        )
        if not self.request.is_eager and self.request.retries < self.max_retries:
            raise self.retry(countdown=later.countdown) from None
        give_up_share(access=access, reason=str(later))
