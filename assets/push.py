"""Pushing the portal's grants and partner shares to Meta, then reading them back.

Each push is idempotent: Meta's assigned_users POST replaces a user's task list
(facebook_business/adobjects/adaccount.py ``create_assigned_user``: params ``user``, ``tasks``,
``business``), so sending the full desired set twice changes nothing; the final state is
written only if the row still wants what was pushed (a change made meanwhile queues its own
push). Because the POST replaces, a grant in ADD mode reads the holder's tasks first and sends
the union: nothing the holder has in Meta is taken away unless the staff member chose REPLACE."""

from __future__ import annotations

import logging
import time

from django.db import transaction
from django.utils import timezone

from assets.models import (
    PER_PERSON_REMOVAL_KINDS,
    PIXEL_REMOVAL_EXPLANATION,
    AssetAccess,
    Grant,
    GrantMode,
    PushState,
)
from businesses import alerts
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.graph_access import NotConnectedError, business_client
from graph import GraphError, ThrottledError, TransientError
from graph import operations as ops

logger = logging.getLogger(__name__)


class RetryLater(Exception):
    """A transient failure: the task should try again later."""

    def __init__(self, message: str, countdown: float) -> None:
        super().__init__(message)
        self.countdown = countdown


def _fail(model, pk: int, expected_state: str, message: str, **extra) -> None:
    failed = model.objects.filter(pk=pk, push_state=expected_state).update(
        push_state=PushState.FAILED, push_error=message[:2000], updated_at=timezone.now(), **extra
    )
    if failed:
        # Grants and shares both name a business (the holder's, the partner's).
        business_id = model.objects.filter(pk=pk).values_list("business_id", flat=True).first()
        alerts.facts_changed(business_id=business_id)


def grant_push(*, grant: Grant, actor: Actor) -> Grant:
    """Apply one grant (or its removal) in Meta and verify it by reading it back.

    1. Nothing to do unless the grant is pending (a re-run of a done push is a no-op).
    2. In ADD mode, read what the holder holds on the asset now and add it to the wanted
       set (the POST replaces the whole list). Then POST the full set (or DELETE the user)
       with the business's token.
    3. Read the asset's assigned users back: a superset of the wanted tasks is success (Meta
       adds implied tasks); absence is success for a removal.
    4. Record the outcome — applied, or failed with Meta's reason in words — and audit it."""
    grant = Grant.objects.select_related("asset", "business", "person", "system_user").get(
        pk=grant.pk
    )
    state = grant.push_state
    if state not in (PushState.PENDING, PushState.PENDING_REMOVAL):
        return grant
    principal = grant.principal
    asked = list(grant.tasks)
    wanted = list(asked)
    asset_id, business_id = grant.asset.meta_id, grant.business.meta_id
    if state == PushState.PENDING_REMOVAL and grant.asset.kind not in PER_PERSON_REMOVAL_KINDS:
        # Meta has no DELETE for this kind's assigned_users: asking would only be refused.
        _fail(Grant, grant.pk, state, PIXEL_REMOVAL_EXPLANATION)
        _audit_outcome(grant, actor, f"Not removed: {PIXEL_REMOVAL_EXPLANATION}")
        grant.refresh_from_db()
        return grant
    try:
        with business_client(grant.business) as (client, _ledger):
            if state == PushState.PENDING:
                if grant.push_mode == GrantMode.ADD:
                    wanted = _union_with_held(client, grant, principal.meta_id, asked)
                ops.assign_user(client, asset_id, principal.meta_id, wanted, business_id)
            else:
                ops.remove_user(client, asset_id, principal.meta_id, business_id)
            read = ops.read_assigned_users(client, business_id, [asset_id])[asset_id]
    except (TransientError, ThrottledError) as err:
        raise RetryLater(err.describe(), getattr(err, "retry_after", 30.0)) from None
    except GraphError as err:
        _fail(Grant, grant.pk, state, err.describe(), push_attempts=grant.push_attempts + 1)
        _audit_outcome(grant, actor, f"Meta refused: {err.describe()}")
        grant.refresh_from_db()
        return grant
    except NotConnectedError as err:
        _fail(Grant, grant.pk, state, str(err))
        grant.refresh_from_db()
        return grant
    if isinstance(read, GraphError):
        raise RetryLater(f"Applied, but reading it back failed: {read.describe()}", 30.0)
    held = next((u for u in read if u.id == principal.meta_id), None)
    now = timezone.now()
    failed = False  # Meta's read-back disagrees with what was asked
    with transaction.atomic():
        if state == PushState.PENDING:
            applied = sorted(held.tasks) if held else []
            if held and set(wanted) <= set(applied):
                done = Grant.objects.filter(pk=grant.pk, push_state=state, tasks=asked).update(
                    push_state=PushState.IN_SYNC,
                    tasks=wanted,
                    applied_tasks=applied,
                    push_error="",
                    last_pushed_at=now,
                    verified_at=now,
                    push_attempts=grant.push_attempts + 1,
                    updated_at=now,
                )
                summary = f"Applied {', '.join(wanted)} on {grant.asset} for {principal} (Meta reports {', '.join(applied)})."
            else:
                message = (
                    f"Meta accepted the change but reports {', '.join(applied) or 'no tasks'} "
                    f"instead of {', '.join(wanted)}."
                )
                failed = True
                done = Grant.objects.filter(pk=grant.pk, push_state=state).update(
                    push_state=PushState.FAILED,
                    push_error=message,
                    applied_tasks=applied,
                    last_pushed_at=now,
                    push_attempts=grant.push_attempts + 1,
                    updated_at=now,
                )
                summary = message
        else:
            if held is None:
                done = Grant.objects.filter(pk=grant.pk, push_state=state).update(
                    push_state=PushState.REMOVED,
                    applied_tasks=[],
                    removed_at=now,
                    push_error="",
                    last_pushed_at=now,
                    verified_at=now,
                    updated_at=now,
                )
                summary = f"Removed {principal}'s access to {grant.asset} in Meta."
            else:
                message = f"Meta still reports {', '.join(held.tasks)} after the removal."
                failed = True
                done = Grant.objects.filter(pk=grant.pk, push_state=state).update(
                    push_state=PushState.FAILED, push_error=message, updated_at=now
                )
                summary = message
        if done:
            _audit_outcome(grant, actor, summary)
            if failed:
                alerts.facts_changed(business_id=grant.business_id)
    grant.refresh_from_db()
    return grant


def _union_with_held(client, grant: Grant, user_meta_id: str, asked: list[str]) -> list[str]:
    """What Meta says the holder has on the asset right now, plus what this grant adds: the
    tasks it wants that Meta had not reported when the portal last looked (``applied_tasks``).
    Tasks the portal saw earlier and Meta has dropped since are not sent back: a grant adds
    what was asked for, it never widens access beyond that."""
    read = ops.read_assigned_users(client, grant.business.meta_id, [grant.asset.meta_id])
    current = read[grant.asset.meta_id]
    if isinstance(current, GraphError):
        raise current
    held = next((u for u in current if u.id == user_meta_id), None)
    adding = [t for t in asked if t not in set(grant.applied_tasks or [])]
    return list(dict.fromkeys([*(held.tasks if held else []), *adding]))


def _audit_outcome(grant: Grant, actor: Actor, summary: str) -> None:
    audit_record(
        actor=actor, action="grant.push", business=grant.business, target=grant, summary=summary
    )


def log_push(kind: str, *, business_id: int | None, row_id: int, outcome: str, started: float):
    """One structured (key=value) line per push attempt; no token can be in it."""
    logger.info(
        "event=push kind=%s business_id=%s id=%s outcome=%s duration_s=%.2f",
        kind,
        business_id,
        row_id,
        outcome,
        time.monotonic() - started,
    )


def grant_push_by_id(*, grant_id: int, task=None) -> None:
    actor = Actor.task("push grant")
    grant = Grant.objects.filter(pk=grant_id).first()
    if grant is None:
        return
    started = time.monotonic()
    try:
        pushed = grant_push(grant=grant, actor=actor)
        log_push(
            "grant",
            business_id=grant.business_id,
            row_id=grant.pk,
            outcome=pushed.push_state,
            started=started,
        )
    except RetryLater as later:
        log_push(
            "grant",
            business_id=grant.business_id,
            row_id=grant.pk,
            outcome="retry",
            started=started,
        )
        if (
            task is not None
            and not task.request.is_eager
            and task.request.retries < task.max_retries
        ):
            raise task.retry(countdown=later.countdown) from None
        _fail(
            Grant,
            grant.pk,
            grant.push_state,
            f"{later} The push gave up after retrying; retry it from the admin.",
        )


def give_up_share(*, access: AssetAccess, reason: str) -> None:
    """The share's retries are spent: mark it failed (it was left pending before)."""
    _fail(
        AssetAccess,
        access.pk,
        access.push_state,
        f"{reason} The push gave up after retrying; share it again from the admin.",
    )


def share_push(*, access: AssetAccess, actor: Actor) -> AssetAccess:
    """Share an owned asset with a partner business (or stop sharing), then read it back."""
    access = AssetAccess.objects.select_related("asset", "business", "asset__owner_business").get(
        pk=access.pk
    )
    state = access.push_state
    owner = access.asset.owner_business
    if state not in (PushState.PENDING, PushState.PENDING_REMOVAL) or owner is None:
        return access
    asset_id, partner_id, tasks = (
        access.asset.meta_id,
        access.business.meta_id,
        list(access.permitted_tasks),
    )
    try:
        with business_client(owner) as (client, _ledger):
            if state == PushState.PENDING:
                needs_approval = ops.share_with_agency(client, asset_id, partner_id, tasks)
            else:
                ops.revoke_agency(client, asset_id, partner_id)
                needs_approval = False
            read = ops.read_asset_agencies(client, [asset_id])[asset_id]
    except (TransientError, ThrottledError) as err:
        raise RetryLater(err.describe(), getattr(err, "retry_after", 30.0)) from None
    except (GraphError, NotConnectedError) as err:
        message = err.describe() if isinstance(err, GraphError) else str(err)
        _fail(AssetAccess, access.pk, state, message)
        access.refresh_from_db()
        return access
    if isinstance(read, GraphError):
        raise RetryLater(read.describe(), 30.0)
    share = next((s for s in read if s.business_id == partner_id), None)
    now = timezone.now()
    with transaction.atomic():
        if (
            state == PushState.PENDING
            and share is not None
            and set(tasks) <= set(share.permitted_tasks)
        ):
            pending = AssetAccess.AccessStatus.PENDING
            status = (
                pending
                if needs_approval or (share.access_status or "").upper() == pending
                else AssetAccess.AccessStatus.CONFIRMED
            )
            AssetAccess.objects.filter(pk=access.pk, push_state=state).update(
                push_state=PushState.IN_SYNC, access_status=status, push_error="", updated_at=now
            )
            summary = f"Shared {access.asset} with {access.business.name}: {', '.join(tasks)}" + (
                " (waiting for an admin's approval in Meta)" if status == pending else ""
            )
        elif state == PushState.PENDING_REMOVAL and share is None:
            AssetAccess.objects.filter(pk=access.pk, push_state=state).update(
                push_state=PushState.REMOVED, removed_at=now, push_error="", updated_at=now
            )
            summary = f"Stopped sharing {access.asset} with {access.business.name}."
        else:
            summary = "Meta's read-back does not show the change."
            _fail(AssetAccess, access.pk, state, summary)
        audit_record(
            actor=actor, action="share.push", business=owner, target=access, summary=summary
        )
    access.refresh_from_db()
    return access
