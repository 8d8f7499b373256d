"""The audit trail. Called by services inside their transaction, never by views or admin."""

from __future__ import annotations

from typing import Any

from django.db import models

from businesses.actors import Actor
from businesses.models import AuditEvent, Business


def audit_record(
    *,
    actor: Actor,
    action: str,
    summary: str,
    business: Business | None = None,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor.user,
        actor_label=actor.label,
        source=actor.source,
        action=action,
        business=business,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        summary=summary,
        changes=changes or {},
    )
