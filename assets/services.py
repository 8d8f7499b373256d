"""Writes on grants and partner shares. Pushing to Meta happens after commit (assets.push)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assets.models import GRANTABLE_KINDS, Asset, Grant, PushState
from assets.selectors import task_vocabulary
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.models import Business, BusinessUser


def normalise_tasks(tasks: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for task in tasks:
        name = (task or "").strip().upper()
        if name and name not in seen:
            seen.append(name)
    return seen


def validate_tasks(asset_kind: str, tasks: Iterable[str], *, field: str = "tasks") -> list[str]:
    """Check tasks against the kind's vocabulary (data, DOMAIN.md decision 6)."""
    names = normalise_tasks(tasks)
    if asset_kind not in GRANTABLE_KINDS:
        raise ValidationError(
            {field: f"Meta has no per-person tasks on this kind of asset ({asset_kind})."}
        )
    if not names:
        raise ValidationError({field: "Choose at least one task."})
    allowed = task_vocabulary(asset_kind)
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise ValidationError(
            {
                field: f"Not a task Meta accepts on this kind of asset: {', '.join(unknown)}. "
                f"Valid: {', '.join(sorted(allowed))}."
            }
        )
    return names


def live_grant_exists(
    *, asset: Asset, person: BusinessUser | None = None, system_user=None
) -> bool:
    """Whether the principal already holds a direct grant on the asset (the constraint's rule)."""
    qs = Grant.objects.filter(asset=asset, asset_group__isnull=True).exclude(
        push_state=PushState.REMOVED
    )
    if person is not None:
        return qs.filter(person=person).exists()
    return qs.filter(system_user=system_user).exists()


def _enqueue_push(grant_id: int) -> None:
    from assets.tasks import grant_push_task

    grant_push_task.delay(grant_id)


def grant_create(
    *,
    asset: Asset,
    tasks: Iterable[str],
    actor: Actor,
    person: BusinessUser | None = None,
    system_user=None,
    business: Business | None = None,
    push: bool = True,
) -> Grant:
    """Record a grant the portal wants Meta to apply; the push follows the commit."""
    names = validate_tasks(asset.kind, tasks)
    if (person is None) == (system_user is None):
        raise ValidationError("A grant is held by exactly one person or one system user.")
    principal = person or system_user
    if principal.meta_id is None:
        raise ValidationError(
            {"person" if person else "system_user": f"{principal} has no Meta id yet."}
        )
    business = business or principal.business
    if principal.business_id != business.pk:
        raise ValidationError("The grant's business must be the business of its holder.")
    try:
        with transaction.atomic():
            grant = Grant.objects.create(
                asset=asset,
                business=business,
                person=person,
                system_user=system_user,
                tasks=names,
                push_state=PushState.PENDING,
            )
            audit_record(
                actor=actor,
                action="grant.create",
                business=business,
                target=grant,
                summary=f"Granted {', '.join(names)} on {asset} to {principal}.",
                changes={"tasks": names},
            )
            if push:
                transaction.on_commit(lambda: _enqueue_push(grant.pk))
    except IntegrityError:
        raise ValidationError(
            f"{principal} already has a grant on {asset}: change its tasks instead."
        ) from None
    return grant


def grant_set_tasks(
    *, grant: Grant, tasks: Iterable[str], actor: Actor, push: bool = True
) -> Grant:
    names = validate_tasks(grant.asset.kind, tasks)
    with transaction.atomic():
        before = list(grant.tasks)
        grant.tasks = names
        grant.push_state = PushState.PENDING
        grant.push_error = ""
        grant.save(update_fields=["tasks", "push_state", "push_error", "updated_at"])
        audit_record(
            actor=actor,
            action="grant.update",
            business=grant.business,
            target=grant,
            summary=f"Changed tasks of {grant.principal} on {grant.asset} to {', '.join(names)}.",
            changes={"tasks": [before, names]},
        )
        if push:
            transaction.on_commit(lambda: _enqueue_push(grant.pk))
    return grant


def grant_request_removal(*, grant: Grant, actor: Actor, push: bool = True) -> Grant:
    with transaction.atomic():
        grant.push_state = PushState.PENDING_REMOVAL
        grant.push_error = ""
        grant.save(update_fields=["push_state", "push_error", "updated_at"])
        audit_record(
            actor=actor,
            action="grant.revoke",
            business=grant.business,
            target=grant,
            summary=f"Asked to remove {grant.principal}'s access to {grant.asset}.",
        )
        if push:
            transaction.on_commit(lambda: _enqueue_push(grant.pk))
    return grant


def _enqueue_share_push(access_id: int) -> None:
    from assets.tasks import share_push_task

    share_push_task.delay(access_id)


def share_create(
    *,
    asset: Asset,
    partner: Business,
    permitted_tasks: Iterable[str],
    actor: Actor,
    push: bool = True,
):
    """Share an asset the portal's business owns with a partner business (agency access)."""
    from assets.models import SHAREABLE_KINDS, AssetAccess

    if asset.kind not in SHAREABLE_KINDS:
        raise ValidationError({"asset": "Meta cannot share this kind of asset with a partner."})
    if asset.owner_business_id is None:
        raise ValidationError(
            {"asset": "Only the owner can share an asset; its owner is not in the portal."}
        )
    if partner.pk == asset.owner_business_id:
        raise ValidationError({"partner": "A business cannot be its own partner."})
    names = validate_tasks(asset.kind, permitted_tasks, field="permitted_tasks")
    with transaction.atomic():
        access, _created = AssetAccess.objects.select_for_update().get_or_create(
            asset=asset,
            business=partner,
            defaults={"access_type": AssetAccess.AccessType.AGENCY, "access_status": "PENDING"},
        )
        if access.access_type == AssetAccess.AccessType.OWNER:
            raise ValidationError({"partner": f"{partner.name} owns this asset."})
        access.permitted_tasks = names
        access.push_state = PushState.PENDING
        access.push_error = ""
        access.removed_at = None
        access.save()
        audit_record(
            actor=actor,
            action="share.create",
            business=asset.owner_business,
            target=access,
            summary=f"Share {asset} with {partner.name}: {', '.join(names)}.",
        )
        if push:
            transaction.on_commit(lambda: _enqueue_share_push(access.pk))
    return access


def share_request_removal(*, access, actor: Actor, push: bool = True):
    with transaction.atomic():
        access.push_state = PushState.PENDING_REMOVAL
        access.push_error = ""
        access.save(update_fields=["push_state", "push_error", "updated_at"])
        audit_record(
            actor=actor,
            action="share.revoke",
            business=access.asset.owner_business,
            target=access,
            summary=f"Stop sharing {access.asset} with {access.business.name}.",
        )
        if push:
            transaction.on_commit(lambda: _enqueue_share_push(access.pk))
    return access
