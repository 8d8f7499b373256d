"""Reads on assets and grants, with their joins applied so callers cannot fall into N+1."""

from __future__ import annotations

import time

from django.db.models import QuerySet

from assets.models import Asset, Grant, TaskDefinition


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


def forget_task_labels(**_kwargs) -> None:
    global _LABELS
    _LABELS = None


def task_label(kind: str, task: str) -> str:
    """The name Meta's Business Settings shows for a task; the code itself if unknown."""
    return task_label_map().get(kind, {}).get(task, task)


def task_labels(kind: str, tasks) -> list[str]:
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
    return grants_with_principals().exclude(push_state="removed")


def assets_of_business(business_id: int) -> QuerySet[Asset]:
    return Asset.objects.filter(
        accesses__business_id=business_id, removed_at__isnull=True
    ).distinct()
