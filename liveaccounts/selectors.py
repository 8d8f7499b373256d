"""Which accounts are live, for the home page, the security review and offboarding."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q

from assets.models import Asset, AssetKind, Grant, PushState
from businesses.approval_gate import FULL_CONTROL_TASKS
from liveaccounts.models import AccountActivity


def live_asset_ids(asset_ids: Iterable[int]) -> set[int]:
    return set(
        AccountActivity.objects.filter(asset_id__in=list(asset_ids), is_live=True).values_list(
            "asset_id", flat=True
        )
    )


@dataclass
class LiveSummary:
    live: int
    total: int
    read: int


def live_summary(business_ids: Iterable[int]) -> dict[int, LiveSummary]:
    rows = (
        Asset.objects.filter(
            owner_business_id__in=list(business_ids),
            kind=AssetKind.AD_ACCOUNT,
            removed_at__isnull=True,
        )
        .values("owner_business_id")
        .annotate(
            total=Count("id"),
            live=Count("id", filter=Q(activity__is_live=True)),
            read=Count("id", filter=Q(activity__read_at__isnull=False)),
        )
    )
    return {
        r["owner_business_id"]: LiveSummary(live=r["live"], total=r["total"], read=r["read"])
        for r in rows
    }


def live_accounts_left_unmanaged(grants: Iterable[Grant], person_ids: Iterable[int]) -> list[Asset]:
    """Live ad accounts that nobody could manage once these people's grants are gone."""
    grants = [g for g in grants if set(g.applied_tasks or g.tasks) & FULL_CONTROL_TASKS]
    live = live_asset_ids(g.asset_id for g in grants)
    out = []
    for grant in grants:
        if grant.asset_id not in live:
            continue
        others = (
            Grant.objects.filter(asset_id=grant.asset_id)
            .exclude(person_id__in=list(person_ids))
            .exclude(push_state__in=[PushState.REMOVED, PushState.PENDING_REMOVAL])
        )
        if not any(set(o.applied_tasks or o.tasks) & FULL_CONTROL_TASKS for o in others):
            out.append(grant.asset)
    return list({a.pk: a for a in out}.values())
