from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from approvals.models import ChangeRequest
from businesses import scoping

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def change_requests_for(user: User) -> QuerySet[ChangeRequest]:
    return scoping.scope(
        ChangeRequest.objects.select_related("business", "requested_by", "decided_by"),
        user,
        "business",
    )


def pending_for(user: User) -> QuerySet[ChangeRequest]:
    return (
        change_requests_for(user).filter(state=ChangeRequest.State.PENDING).order_by("expires_at")
    )


def decided_for(user: User, limit: int = 30) -> QuerySet[ChangeRequest]:
    return change_requests_for(user).exclude(state=ChangeRequest.State.PENDING)[:limit]
