"""The give-access page's reads: who can be given access to a client's assets, which assets,
and what each of them holds now."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from assets.models import GRANTABLE_KINDS, Asset, AssetAccess, Grant, PushState
from assets.scoping import scope_assets
from assets.selectors import held_tasks, task_labels
from businesses import scoping
from businesses.models import Business, BusinessUser, PartnerRelationship
from systemusers.models import SystemUser


def holder_businesses(business: Business, user: Any) -> list[Business]:
    """The client and the agencies serving it that the staff member sees: the people and
    system users of these can be assigned to the client's assets (Meta assigns an agency's
    people on assets shared with the agency)."""
    agencies = scoping.scope(
        Business.objects.filter(
            client_relationships__client=business,
            client_relationships__status=PartnerRelationship.Status.ACTIVE,
        ),
        user,
        "",
    ).order_by("name")
    return [business, *[a for a in agencies if a.pk != business.pk]]


def assignable_holders(businesses: list[Business]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Choices grouped per business: active people and system users Meta knows (a Meta id)."""
    ids = [b.pk for b in businesses]
    people = BusinessUser.objects.filter(
        business_id__in=ids, status=BusinessUser.Status.ACTIVE, meta_id__isnull=False
    ).order_by("name", "email")
    system_users = SystemUser.objects.filter(
        business_id__in=ids, status=SystemUser.Status.ACTIVE, meta_id__isnull=False
    ).order_by("name")
    groups = []
    for b in businesses:
        suffix = " (agency)" if b.is_agency else ""
        rows = [
            (f"p{p.pk}", f"{p.name or p.email} — {p.email or 'no email'}, {p.get_role_display()}")
            for p in people
            if p.business_id == b.pk
        ]
        if rows:
            groups.append((f"People of {b.name}{suffix}", rows))
        rows = [
            (f"s{s.pk}", f"{s.name} (system user)") for s in system_users if s.business_id == b.pk
        ]
        if rows:
            groups.append((f"System users of {b.name}{suffix}", rows))
    return groups


def assignable_assets(business: Business, user: Any) -> QuerySet[Asset]:
    """The client's assets Meta grants tasks on: owned by it or shared with it, confirmed."""
    return scope_assets(
        Asset.objects.filter(
            kind__in=GRANTABLE_KINDS,
            removed_at__isnull=True,
            accesses__business=business,
            accesses__removed_at__isnull=True,
            accesses__access_status=AssetAccess.AccessStatus.CONFIRMED,
        ).distinct(),
        user,
    ).order_by("kind", "name")


def holdings(asset_ids: list[int], businesses: list[Business]) -> dict[str, dict[str, list[str]]]:
    """What each holder of these businesses holds directly on each of these assets, as Business
    Settings names the tasks: {holder: {asset: [task labels]}}, the holder keyed as the give
    access form's choices are (``p<id>`` a person, ``s<id>`` a system user)."""
    grants = (
        Grant.objects.filter(
            asset_id__in=asset_ids,
            asset_group__isnull=True,
            business_id__in=[b.pk for b in businesses],
        )
        .exclude(push_state=PushState.REMOVED)
        .select_related("asset")
        .only(
            "asset__kind",
            "person_id",
            "system_user_id",
            "tasks",
            "applied_tasks",
            "push_state",
        )
    )
    data: dict[str, dict[str, list[str]]] = {}
    for g in grants:
        key = f"p{g.person_id}" if g.person_id else f"s{g.system_user_id}"
        held = held_tasks(g)
        if held:
            data.setdefault(key, {})[str(g.asset_id)] = task_labels(g.asset.kind, held)
    return data
