"""Reads on assets and grants, with their joins applied so callers cannot fall into N+1."""

from __future__ import annotations

from django.db.models import QuerySet

from assets.models import Asset, Grant, TaskDefinition


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


def assets_of_business(business_id: int) -> QuerySet[Asset]:
    return Asset.objects.filter(
        accesses__business_id=business_id, removed_at__isnull=True
    ).distinct()
