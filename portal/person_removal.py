"""Removing an offboarded person from a business in Meta (the task after the decision).

It sits apart from ``portal.offboarding`` because the offboarding decision sends
``portal.tasks.person_remove_task`` and that task calls this: each imports the one below."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from assets.models import Grant, PushState
from businesses import alerts
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.graph_access import business_client
from businesses.models import BusinessUser
from graph import GraphError, TransientError
from graph import operations as ops


def person_remove_from_meta(*, person: BusinessUser, actor: Actor) -> BusinessUser:
    """DELETE the business user in Meta (which ends every grant it held there)."""
    if person.status != BusinessUser.Status.ACTIVE:
        return person
    try:
        with business_client(person.business) as (client, _ledger):
            ops.remove_business_user(client, person.meta_id)
    except TransientError:
        raise
    except GraphError as err:
        person_removal_failed(person=person, reason=f"Meta refused: {err.describe()}", actor=actor)
        return person
    now = timezone.now()
    with transaction.atomic():
        BusinessUser.objects.filter(pk=person.pk).update(
            status=BusinessUser.Status.REMOVED, removed_at=now, updated_at=now
        )
        Grant.objects.filter(person=person).exclude(push_state=PushState.REMOVED).update(
            push_state=PushState.REMOVED, removed_at=now, applied_tasks=[], updated_at=now
        )
        audit_record(
            actor=actor,
            action="person.remove",
            business=person.business,
            target=person,
            summary=f"Removed {person.name or person.email} from {person.business.name} in Meta.",
        )
    person.refresh_from_db()
    return person


def person_removal_failed(*, person: BusinessUser, reason: str, actor: Actor) -> None:
    """Meta refused, or the retries are spent: the grants waiting for the removal are marked
    failed (with the time, so the notifications' push-failure detection sees them)."""
    with transaction.atomic():
        Grant.objects.filter(person=person, push_state=PushState.PENDING_REMOVAL).update(
            push_state=PushState.FAILED, push_error=reason[:2000], updated_at=timezone.now()
        )
        alerts.facts_changed(business_id=person.business_id)
        audit_record(
            actor=actor,
            action="person.offboard_failed",
            business=person.business,
            target=person,
            summary=f"Could not remove {person.name or person.email} in Meta: {reason}",
        )
