"""Reads of the notifications app, scoped to the staff member."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from businesses import scoping
from businesses.models import Business
from notifications.models import Delivery, NotificationSetting

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def notification_setting_for(user: User) -> NotificationSetting | None:
    return (
        NotificationSetting.objects.filter(user=user)
        .prefetch_related("clients", "watched_clients")
        .first()
    )


def managed_clients(user: User) -> QuerySet[Business]:
    return scoping.scope(Business.objects.filter(is_agency=False), user, "").order_by("name")


def recent_deliveries(user: User, limit: int = 30) -> QuerySet[Delivery]:
    """The person's own deliveries (never another's), newest first, failures included."""
    return (
        Delivery.objects.filter(user=user)
        .exclude(state=Delivery.State.BUNDLED)
        .select_related("event__business")
        .prefetch_related("items__event__business")
        .order_by("-created_at")[:limit]
    )


def failed_delivery_count(user: User) -> int:
    return Delivery.objects.filter(user=user, state=Delivery.State.FAILED).count()
