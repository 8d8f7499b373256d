from __future__ import annotations

from django.core.exceptions import ValidationError

from assets.models import TaskPreset


def preset_tasks(kind: str, preset: str) -> list[str]:
    row = TaskPreset.objects.filter(asset_kind=kind, slug=preset).first()
    if row is None:
        raise ValidationError({"items": f"There is no preset {preset!r} for {kind}."})
    return list(row.tasks)
