"""Offboarding someone who left: every business role and asset grant they hold, everywhere."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from assets.models import Grant, PushState
from assets.scoping import scope_assets
from assets.services import grant_request_removal
from businesses import scoping
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.models import BusinessUser
from businesses.queueing import BROKER_ERRORS, note_enqueue_failure
from portal.tasks import person_remove_task

logger = logging.getLogger(__name__)


@dataclass
class OffboardingItem:
    person: BusinessUser
    grants: list[Grant] = field(default_factory=list)
    # Live grants on assets of clients this staff member does not manage: counted, never named,
    # never touched (removing the person from the business in Meta would end them too).
    hidden_grants: int = 0

    @property
    def removes_person(self) -> bool:
        return not self.hidden_grants


def _people(email: str, user) -> list[BusinessUser]:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": f"{email!r} is not an email address."}) from None
    qs = BusinessUser.objects.filter(
        email__iexact=email, status=BusinessUser.Status.ACTIVE
    ).select_related("business")
    return list(scoping.scope(qs, user, "business"))


def offboard_preview(*, email: str, user) -> list[OffboardingItem]:
    """Every role and grant the person holds in the businesses this staff member sees."""
    people = _people(email, user)
    live = Grant.objects.filter(person__in=people).exclude(push_state=PushState.REMOVED)
    grants = (
        scope_assets(live, user, "asset")
        .select_related("asset", "business")
        .order_by("business__name", "asset__name")
    )
    by_person: dict[int, OffboardingItem] = {p.pk: OffboardingItem(person=p) for p in people}
    for grant in grants:
        by_person[grant.person_id].grants.append(grant)
    hidden = (
        live.exclude(pk__in=scope_assets(live, user, "asset").values("pk"))
        .values("person_id")
        .annotate(n=Count("pk"))
    )
    for row in hidden:
        by_person[row["person_id"]].hidden_grants = row["n"]
    return list(by_person.values())


def offboard_person(*, email: str, actor: Actor, user) -> int:
    """Record the decision (who, when), then remove the person from each business in Meta after
    commit; returns how many business memberships are being removed.

    A person who also holds grants in clients this staff member does not manage stays in the
    business: only the grants the staff member sees are revoked, one by one."""
    items = offboard_preview(email=email, user=user)
    if not items:
        raise ValidationError({"email": f"Nobody with {email} is in a business you manage."})
    _offboard(items, actor)
    return len(items)


def person_offboard(*, person: BusinessUser, actor: Actor) -> None:
    """Offboard one person from one business (a change a second staff member approved)."""
    grants = Grant.objects.filter(person=person).exclude(push_state=PushState.REMOVED)
    _offboard([OffboardingItem(person=person, grants=list(grants.select_related("asset")))], actor)


def _offboard(items: list[OffboardingItem], actor: Actor) -> None:
    with transaction.atomic():
        for item in [i for i in items if not i.removes_person]:
            for grant in item.grants:
                grant_request_removal(grant=grant, actor=actor)
        items = [i for i in items if i.removes_person]
        for item in items:
            Grant.objects.filter(pk__in=[g.pk for g in item.grants]).update(
                push_state=PushState.PENDING_REMOVAL, push_error="", updated_at=timezone.now()
            )
            audit_record(
                actor=actor,
                action="person.offboard",
                business=item.person.business,
                target=item.person,
                summary=(
                    f"Offboarding {item.person.name or item.person.email}: role {item.person.role} and "
                    f"{len(item.grants)} grant(s) in {item.person.business.name}."
                ),
                changes={"grants": [g.pk for g in item.grants]},
            )
        person_ids = [item.person.pk for item in items]
        actor_id = actor.user_id

        grant_ids = [g.pk for item in items for g in item.grants]

        def enqueue() -> None:
            try:
                for person_id in person_ids:
                    person_remove_task.delay(person_id, actor_id)
            except BROKER_ERRORS:
                # The queue is down: the grants' removals are swept to Meta when it is back.
                Grant.objects.filter(pk__in=grant_ids).update(waiting_for_queue=True)
                logger.warning("event=enqueue_failed task=person_remove people=%s", person_ids)
                note_enqueue_failure("offboarding")

        transaction.on_commit(enqueue)
