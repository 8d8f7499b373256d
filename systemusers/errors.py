from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse
from django.utils import timezone

from businesses.alerts import EventKind, alert_raise
from businesses.models import AccessLevel, Business
from systemusers.caps import cap_for, level_label
from systemusers.models import SystemUser

RETIRED_NOTE = ", still counts: Meta cannot delete system users"


class SystemUserCapError(Exception):
    """Creating one more system user would exceed the cap of the business's access level."""

    def __init__(
        self,
        *,
        business_name: str,
        business_meta_id: str,
        role: str,
        access_level: str,
        cap: int,
        holders: Sequence[tuple[str, str]],
        refused_by_meta: bool = False,
    ) -> None:
        self.business_meta_id = business_meta_id
        self.role = role
        self.access_level = access_level
        self.cap = cap
        self.holders = list(holders)
        self.refused_by_meta = refused_by_meta
        kind = "admin system user" if role == SystemUser.Role.ADMIN else "system user"
        if refused_by_meta:
            super().__init__(
                self._meta_refusal(business_name, business_meta_id, kind, role, access_level, cap)
            )
            return
        held = (
            "; ".join(
                f"'{name}' ({status}{RETIRED_NOTE if status == SystemUser.Status.RETIRED else ''})"
                for name, status in self.holders
            )
            or "slots reserved by creations in progress"
        )
        taken = (
            f"the only {kind} slot is taken" if cap == 1 else f"all {cap} {kind} slots are taken"
        )
        employee_cap = cap_for(access_level, SystemUser.Role.EMPLOYEE)
        admin_cap = cap_for(access_level, SystemUser.Role.ADMIN)
        if access_level == AccessLevel.STANDARD:
            advanced_employee_cap = cap_for(AccessLevel.ADVANCED, SystemUser.Role.EMPLOYEE)
            advanced_admin_cap = cap_for(AccessLevel.ADVANCED, SystemUser.Role.ADMIN)
            change = (
                "To create more, get Full access (formerly Advanced) in the Marketing API Access "
                f"Tier for the app through App Review: it allows {advanced_employee_cap} system "
                f"users and {advanced_admin_cap} admin system user."
            )
        else:
            change = (
                "This is Meta's largest allowance; reuse an existing system user "
                "(assign it the assets) instead."
            )
        super().__init__(
            f"Cannot create another {kind} in {business_name} ({business_meta_id}): the "
            f"{level_label(access_level)} access level allows {employee_cap} "
            f"system user{'s' if employee_cap != 1 else ''} and {admin_cap} admin system user"
            f"{'s' if admin_cap != 1 else ''}, and {taken}: {held}. {change}"
        )

    def _meta_refusal(
        self,
        business_name: str,
        business_meta_id: str,
        kind: str,
        role: str,
        access_level: str,
        portal_cap: int,
    ) -> str:
        """Meta refused although the portal's count had room: Meta counts what it holds (the
        holders here are Meta's list), and Meta decides the app's real access level."""
        count = len(self.holders)
        named = "; ".join(f"'{name}'" for name, _status in self.holders) or "none it lists"
        smallest = cap_for(AccessLevel.STANDARD, role)
        level_note = (
            f"The portal has the app at {level_label(access_level)} access, "
            f"which allows {portal_cap} {kind}{'s' if portal_cap != 1 else ''}, but Meta decides "
            "the real level: its refusal means it applies a smaller cap"
            + (
                f" — most likely the app is still at {level_label(AccessLevel.STANDARD)} access in Meta, "
                f"which allows {smallest}. Set the app's access level here to what the "
                "App Dashboard shows."
                if access_level != AccessLevel.STANDARD
                else "."
            )
        )
        return (
            f"Meta refused to create another {kind} in {business_name} ({business_meta_id}): "
            f"it counts {count} {kind}{'s' if count != 1 else ''} there ({named}). "
            f"{level_note} Nothing was created. Retire an unused one (it still counts: Meta "
            "cannot delete system users) or reuse an existing one."
        )


def cap_reached_alert(refusal: SystemUserCapError) -> None:
    """Alert "cap reached" for a refusal, the portal's or Meta's: once a day per business and
    role however often staff try again. Called where the refusal has rolled its transaction
    back (the reservation it refused leaves no row a detector could find)."""
    business = Business.objects.filter(meta_id=refusal.business_meta_id).first()
    if business is None:
        return  # a client created in the refused transaction: it no longer exists
    alert_raise(
        kind=EventKind.CAP_REACHED,
        business=business,
        dedup_key=f"cap_reached:refused:{business.pk}:{refusal.role}:{timezone.now():%Y-%m-%d}",
        summary=str(refusal),
        link=reverse("admin:systemusers_systemuser_changelist") + f"?client={business.pk}",
    )
