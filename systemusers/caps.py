"""System-user caps per access level (DOMAIN.md decisions 3 and 4), read from settings."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings

from businesses.models import AccessLevel, Business
from systemusers.models import MAX_ADMIN_SLOTS, MAX_EMPLOYEE_SLOTS, SystemUser


def access_level_of(business: Business) -> str:
    """The level of the app the portal uses for this business; standard when none is known,
    since that is Meta's default and the stricter of the two."""
    app = business.app
    return app.access_level if app is not None else AccessLevel.STANDARD


def cap_for(access_level: str, role: str) -> int:
    return settings.META_SYSTEM_USER_CAPS[access_level][role]


def slot_allocate(holders: Collection[SystemUser], *, access_level: str, role: str) -> int | None:
    """The slot a new system user of ``role`` takes, given the rows holding that role's slots:
    the lowest one free (Meta's maximum for the role bounds the numbers), or None when the
    holders already fill the role's cap at this access level."""
    if len(holders) >= cap_for(access_level, role):
        return None
    max_slot = MAX_ADMIN_SLOTS if role == SystemUser.Role.ADMIN else MAX_EMPLOYEE_SLOTS
    taken = {su.slot for su in holders if su.slot is not None}
    return next((slot for slot in range(1, max_slot + 1) if slot not in taken), None)


def level_label(access_level: str) -> str:
    return AccessLevel(access_level).label


@dataclass(frozen=True)
class CapMeter:
    access_level: str
    employee_used: int
    employee_allowed: int
    admin_used: int
    admin_allowed: int
    retired_counted: int

    @property
    def level_label(self) -> str:
        return level_label(self.access_level)

    @property
    def employee_full(self) -> bool:
        return self.employee_used >= self.employee_allowed

    @property
    def admin_full(self) -> bool:
        return self.admin_used >= self.admin_allowed

    @property
    def over_cap(self) -> bool:
        return self.employee_used > self.employee_allowed or self.admin_used > self.admin_allowed

    def __str__(self) -> str:
        return (
            f"system users {self.employee_used} of {self.employee_allowed}, "
            f"admin {self.admin_used} of {self.admin_allowed} — {self.level_label} access"
        )


def meter_from_rows(business: Business, rows: list[SystemUser]) -> CapMeter:
    """Build the meter from already-loaded system users (no query: list pages prefetch them)."""
    level = access_level_of(business)
    holding = [su for su in rows if su.status in SystemUser.HOLDS_SLOT and su.removed_at is None]
    return CapMeter(
        access_level=level,
        employee_used=sum(su.role == SystemUser.Role.EMPLOYEE for su in holding),
        employee_allowed=cap_for(level, SystemUser.Role.EMPLOYEE),
        admin_used=sum(su.role == SystemUser.Role.ADMIN for su in holding),
        admin_allowed=cap_for(level, SystemUser.Role.ADMIN),
        retired_counted=sum(su.status == SystemUser.Status.RETIRED for su in holding),
    )


def cap_meter(business: Business) -> CapMeter:
    return meter_from_rows(business, list(business.system_users.all()))
