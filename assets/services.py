"""Writes on grants and partner shares. Pushing to Meta happens after commit (assets.push)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assets.models import (
    GRANTABLE_KINDS,
    PER_PERSON_REMOVAL_KINDS,
    PIXEL_REMOVAL_EXPLANATION,
    SHAREABLE_KINDS,
    Asset,
    AssetAccess,
    Grant,
    GrantMode,
    PushState,
    SystemUserHolder,
    TaskPreset,
)
from assets.selectors import GrantChange, grant_changes, held_tasks, task_vocabulary
from assets.tasks import grant_push_task, share_push_task
from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.models import Business, BusinessUser
from businesses.queueing import enqueue


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
    *, asset: Asset, person: BusinessUser | None = None, system_user: SystemUserHolder | None = None
) -> bool:
    """Whether the principal already holds a direct grant on the asset (the constraint's rule)."""
    qs = Grant.objects.filter(asset=asset, asset_group__isnull=True).exclude(
        push_state=PushState.REMOVED
    )
    if person is not None:
        return qs.filter(person=person).exists()
    return qs.filter(system_user_id=system_user.pk if system_user is not None else None).exists()


def _one_holder(
    person: BusinessUser | None, system_user: SystemUserHolder | None
) -> BusinessUser | SystemUserHolder:
    if person is not None and system_user is None:
        return person
    if system_user is not None and person is None:
        return system_user
    raise ValidationError("A grant is held by exactly one person or one system user.")


def _enqueue_push(grant_id: int) -> None:
    enqueue(grant_push_task, grant_id, row=Grant(pk=grant_id))


def grant_create(
    *,
    asset: Asset,
    tasks: Iterable[str],
    actor: Actor,
    person: BusinessUser | None = None,
    system_user: SystemUserHolder | None = None,
    business: Business | None = None,
    push: bool = True,
    mode: str = GrantMode.ADD,
) -> Grant:
    """Record a grant the portal wants Meta to apply; the push follows the commit.

    By default (ADD) the push keeps whatever the holder already holds on the asset in Meta,
    even tasks the portal has not seen yet; REPLACE sets exactly ``tasks``."""
    names = validate_tasks(asset.kind, tasks)
    principal = _one_holder(person, system_user)
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
                system_user_id=system_user.pk if system_user is not None else None,
                tasks=names,
                push_state=PushState.PENDING,
                push_mode=GrantMode(mode),
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
    *,
    grant: Grant,
    tasks: Iterable[str],
    actor: Actor,
    push: bool = True,
    mode: str = GrantMode.ADD,
) -> Grant:
    """Change what a grant holds. ADD (the default) never takes a task away: the grant keeps
    what it wants and holds, plus ``tasks``. REPLACE sets exactly ``tasks``: only for a staff
    member who chose that explicitly, after seeing what will be lost."""
    names = validate_tasks(grant.asset.kind, tasks)
    mode = GrantMode(mode)
    if mode == GrantMode.ADD:
        names = normalise_tasks([*grant.tasks, *held_tasks(grant), *names])
    with transaction.atomic():
        before = list(grant.tasks)
        grant.tasks = names
        grant.push_state = PushState.PENDING
        grant.push_mode = mode
        grant.push_error = ""
        grant.save(update_fields=["tasks", "push_state", "push_mode", "push_error", "updated_at"])
        lost = [t for t in before if t not in names]
        audit_record(
            actor=actor,
            action="grant.update",
            business=grant.business,
            target=grant,
            summary=f"Changed tasks of {grant.principal} on {grant.asset} to {', '.join(names)}"
            + (f" (replacing; removes {', '.join(lost)})." if lost else "."),
            changes={"tasks": [before, names], "mode": mode.value},
        )
        if push:
            transaction.on_commit(lambda: _enqueue_push(grant.pk))
    return grant


def grant_removal_refusal(grant: Grant) -> str | None:
    """Why this grant cannot be removed on its own in Meta, or None when it can."""
    if grant.asset.kind not in PER_PERSON_REMOVAL_KINDS:
        return PIXEL_REMOVAL_EXPLANATION
    return None


def grant_request_removal(*, grant: Grant, actor: Actor, push: bool = True) -> Grant:
    """Ask for a grant to be removed in Meta. Refused (ValidationError, nothing recorded) for a
    kind whose assigned_users has no DELETE (pixels): see PIXEL_REMOVAL_EXPLANATION."""
    refusal = grant_removal_refusal(grant)
    if refusal is not None:
        raise ValidationError(refusal)
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
    enqueue(share_push_task, access_id, row=AssetAccess(pk=access_id))


def share_create(
    *,
    asset: Asset,
    partner: Business,
    permitted_tasks: Iterable[str],
    actor: Actor,
    push: bool = True,
) -> AssetAccess:
    """Share an asset the portal's business owns with a partner business (agency access)."""
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
            defaults={
                "access_type": AssetAccess.AccessType.AGENCY,
                "access_status": AssetAccess.AccessStatus.PENDING,
            },
        )
        if access.access_type == AssetAccess.AccessType.OWNER:
            raise ValidationError({"partner": f"{partner.name} owns this asset."})
        if access.removed_at is None and not _created:
            # Meta's agencies POST replaces the permitted tasks: keep what the partner has.
            names = normalise_tasks([*access.permitted_tasks, *names])
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


def share_request_removal(*, access: AssetAccess, actor: Actor, push: bool = True) -> AssetAccess:
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


def preset_tasks(*, preset_slug: str, asset_kind: str) -> list[str]:
    preset = TaskPreset.objects.filter(slug=preset_slug, asset_kind=asset_kind).first()
    if preset is None:
        raise ValidationError(
            {"preset": f"The preset {preset_slug!r} has no task set for {asset_kind} assets."}
        )
    return list(preset.tasks)


def _check_holder_reaches(assets: list[Asset], holder_business_id: int) -> None:
    """Meta assigns a holder only on assets its business has access to (owner or partner)."""
    reachable = set(
        AssetAccess.objects.filter(
            asset__in=assets,
            business_id=holder_business_id,
            removed_at__isnull=True,
            access_status=AssetAccess.AccessStatus.CONFIRMED,
        ).values_list("asset_id", flat=True)
    )
    missing = [asset for asset in assets if asset.pk not in reachable]
    if missing:
        names = ", ".join(str(asset) for asset in missing[:5])
        raise ValidationError(
            {
                "assets": f"The holder's business has no confirmed access to {names}"
                f"{' and more' if len(missing) > 5 else ''}: share it with that business first."
            }
        )


def grants_preview_preset(
    *,
    assets: Iterable[Asset],
    preset_slug: str,
    mode: str = GrantMode.ADD,
    person: BusinessUser | None = None,
    system_user: SystemUserHolder | None = None,
) -> list[GrantChange]:
    """What ``grants_apply_preset`` would do, per asset: held now → after, added and lost.
    Checks everything the apply checks, so a preview that succeeds can be applied."""
    assets = list(assets)
    if not assets:
        raise ValidationError({"assets": "Choose at least one asset."})
    wanted = {
        asset.pk: preset_tasks(preset_slug=preset_slug, asset_kind=asset.kind) for asset in assets
    }
    for asset in assets:
        validate_tasks(asset.kind, wanted[asset.pk], field="assets")
    principal = _one_holder(person, system_user)
    _check_holder_reaches(assets, principal.business_id)
    return grant_changes(
        assets=assets, wanted=wanted, mode=mode, person=person, system_user=system_user
    )


def grants_apply_preset(
    *,
    assets: Iterable[Asset],
    preset_slug: str,
    actor: Actor,
    person: BusinessUser | None = None,
    system_user: SystemUserHolder | None = None,
    mode: str = GrantMode.ADD,
) -> list[Grant]:
    """Give one person (or system user) a preset on several assets at once (journey 4).

    1. Plan it (``grants_preview_preset``): a preset for each asset's kind, a kind Meta grants
       on, the holder's business reaching the asset; per asset the tasks after the change.
    2. ADD (the default) keeps every task the holder has: the grant wants the union, and the
       push unions again with what Meta reports at that moment. REPLACE sets the preset's
       tasks exactly (the caller has shown what is lost and had it confirmed).
    3. In one transaction, create each grant or set its tasks; pushes follow the commit."""
    mode = GrantMode(mode)
    changes = grants_preview_preset(
        assets=assets, preset_slug=preset_slug, mode=mode, person=person, system_user=system_user
    )
    with transaction.atomic():
        grants = []
        for change in changes:
            grant = change.grant
            if grant is None:
                grants.append(
                    grant_create(
                        asset=change.asset,
                        tasks=change.after,
                        actor=actor,
                        person=person,
                        system_user=system_user,
                        mode=mode,
                    )
                )
            elif change.changes_anything or grant.push_state == PushState.FAILED:
                grants.append(
                    grant_set_tasks(grant=grant, tasks=change.after, actor=actor, mode=mode)
                )
            else:
                grants.append(grant)
    return grants
