"""Reads on assets and grants, with their joins applied so callers cannot fall into N+1."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from assets.models import Asset, Grant, GrantMode, PushState, SystemUserHolder, TaskDefinition
from businesses.models import BusinessUser


def task_vocabulary(asset_kind: str, *, include_deprecated: bool = False) -> set[str]:
    qs = TaskDefinition.objects.filter(asset_kind=asset_kind)
    if not include_deprecated:
        qs = qs.filter(is_deprecated=False)
    return set(qs.values_list("name", flat=True))


_LABELS: dict[str, dict[str, str]] | None = None
_LABELS_READ_AT = 0.0
LABELS_TTL_SECONDS = 30.0


def task_label_map() -> dict[str, dict[str, str]]:
    """{kind: {task: label}} from the TaskDefinition table (the labels are data). Read once
    and kept briefly, so a page listing many grants costs one query, not one per grant; a
    saved TaskDefinition clears it (assets/apps.py)."""
    global _LABELS, _LABELS_READ_AT
    now = time.monotonic()
    if _LABELS is None or now - _LABELS_READ_AT > LABELS_TTL_SECONDS:
        labels: dict[str, dict[str, str]] = {}
        for kind, name, label in TaskDefinition.objects.values_list("asset_kind", "name", "label"):
            labels.setdefault(kind, {})[name] = label or name
        _LABELS, _LABELS_READ_AT = labels, now
    return _LABELS


def forget_task_labels(**_kwargs: object) -> None:
    global _LABELS
    _LABELS = None


def task_label(kind: str, task: str) -> str:
    """The name Meta's Business Settings shows for a task; the code itself if unknown."""
    return task_label_map().get(kind, {}).get(task, task)


def task_labels(kind: str, tasks: Iterable[str] | None) -> list[str]:
    return [task_label(kind, task) for task in tasks or ()]


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
    return grants_with_principals().exclude(push_state=PushState.REMOVED)


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


def held_tasks(grant: Grant | None) -> list[str]:
    """What the holder holds on the asset now, as far as the portal knows: what Meta last
    reported, or the grant's tasks when Meta confirmed them."""
    if grant is None or grant.push_state == PushState.REMOVED:
        return []
    if grant.applied_tasks:
        return list(grant.applied_tasks)
    return list(grant.tasks) if grant.push_state == PushState.IN_SYNC else []


@dataclass
class GrantChange:
    """One asset of a planned change: what the holder holds now and what they will hold."""

    asset: Asset
    grant: Grant | None
    before: list[str]
    after: list[str]
    pending: list[str] = field(default_factory=list)  # asked for earlier, not yet applied

    @property
    def added(self) -> list[str]:
        return [t for t in self.after if t not in self.before]

    @property
    def lost(self) -> list[str]:
        return [t for t in self.before if t not in self.after]

    @property
    def kept(self) -> list[str]:
        return [t for t in self.after if t in self.before]

    @property
    def changes_anything(self) -> bool:
        wanted = list(self.grant.tasks) if self.grant is not None else []
        return sorted(wanted) != sorted(self.after) or bool(self.added or self.lost)


def direct_grants_of(
    *,
    assets: Iterable[Asset],
    person: BusinessUser | None = None,
    system_user: SystemUserHolder | None = None,
) -> dict[int, Grant]:
    """The holder's live direct grant on each asset, by asset id (one query)."""
    principal = {"person": person} if person is not None else {"system_user": system_user}
    return {
        g.asset_id: g
        for g in Grant.objects.filter(asset__in=list(assets), asset_group__isnull=True, **principal)
        .exclude(push_state=PushState.REMOVED)
        .select_related("asset")
    }


def grant_changes(
    *,
    assets: Iterable[Asset],
    wanted: dict[int, list[str]],
    mode: str,
    person: BusinessUser | None = None,
    system_user: SystemUserHolder | None = None,
) -> list[GrantChange]:
    """Per asset: held now → after. ADD keeps what is held (and what was asked for earlier
    and is still pending) and adds ``wanted``; REPLACE ends at exactly ``wanted``."""
    assets = list(assets)
    existing = direct_grants_of(assets=assets, person=person, system_user=system_user)
    changes = []
    for asset in assets:
        grant = existing.get(asset.pk)
        before = held_tasks(grant)
        pending = [t for t in (grant.tasks if grant else []) if t not in before]
        if mode == GrantMode.REPLACE:
            after = list(dict.fromkeys(wanted[asset.pk]))
        else:
            after = list(dict.fromkeys([*before, *pending, *wanted[asset.pk]]))
        changes.append(
            GrantChange(asset=asset, grant=grant, before=before, after=after, pending=pending)
        )
    return changes
