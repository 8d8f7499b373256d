"""Reads on assets and grants, with their joins applied so callers cannot fall into N+1."""

from __future__ import annotations

from django.db.models import QuerySet

from assets.models import Asset, Grant, PushState, TaskDefinition


def task_vocabulary(asset_kind: str, *, include_deprecated: bool = False) -> set[str]:
    qs = TaskDefinition.objects.filter(asset_kind=asset_kind)
    if not include_deprecated:
        qs = qs.filter(is_deprecated=False)
    return set(qs.values_list("name", flat=True))


def grants_with_principals() -> QuerySet[Grant]:
    return Grant.objects.select_related(
        "asset",
        "asset__owner_business",
        "business",
        "person__business",
        "system_user__business",
        "asset_group",
    )


def live_grants() -> QuerySet[Grant]:
    return grants_with_principals().exclude(push_state="removed")


def is_last_admin_grant(grant: Grant, full_control_tasks: frozenset[str]) -> bool:
    """True when removing this grant leaves nobody the portal knows of managing the asset."""
    if not set(grant.applied_tasks or grant.tasks) & full_control_tasks:
        return False
    others = (
        Grant.objects.filter(asset_id=grant.asset_id)
        .exclude(pk=grant.pk)
        .exclude(push_state__in=[PushState.REMOVED, PushState.PENDING_REMOVAL])
    )
    return not any(set(g.applied_tasks or g.tasks) & full_control_tasks for g in others)


def assets_of_business(business_id: int) -> QuerySet[Asset]:
    return Asset.objects.filter(
        accesses__business_id=business_id, removed_at__isnull=True
    ).distinct()
