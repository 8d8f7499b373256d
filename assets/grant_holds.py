"""Which direct grant changes are risky (issue 13 §3), asked by every entry point that sets a
grant's tasks as typed (the admin's grant form): one that gives full control, and one that
takes full control from the last holder who manages the asset. Each waits for a second staff
member through the kernel's gate (``businesses/approval_gate.py``) when the agency turned
approval on; the approvals app then sets the same tasks through the same service."""

from __future__ import annotations

from assets.models import Asset, Grant, GrantMode, SystemUserHolder
from assets.selectors import is_last_admin_grant
from businesses.actors import Actor
from businesses.approval_gate import FULL_CONTROL_TASKS, Held, RiskyChange, hold_if_required
from businesses.models import BusinessUser


def _listed(tasks: list[str]) -> str:
    return ", ".join(tasks)


def hold_grant_create(
    *,
    asset: Asset,
    tasks: list[str],
    actor: Actor,
    person: BusinessUser | None = None,
    system_user: SystemUserHolder | None = None,
) -> Held | None:
    """A new grant with full-control tasks waits; any other goes ahead (None)."""
    if not set(tasks) & FULL_CONTROL_TASKS:
        return None
    holder = person or system_user
    assert holder is not None
    holder_key = "person_id" if person is not None else "system_user_id"
    return hold_if_required(
        change=RiskyChange.GRANT_FULL_CONTROL,
        # The client the full control is over: the asset's owner (as the give-access page).
        business=asset.owner_business or holder.business,
        actor=actor,
        summary=f"Give {holder} {_listed(tasks)} on {asset}",
        payload={holder_key: holder.pk, "asset_id": asset.pk, "tasks": tasks},
    )


def hold_grant_set_tasks(*, grant: Grant, tasks: list[str], actor: Actor) -> Held | None:
    """Replacing a grant's tasks waits when it gains full control, or when it takes full
    control from the last holder managing the asset; any other change goes ahead (None)."""
    gained = (set(tasks) & FULL_CONTROL_TASKS) - set(grant.applied_tasks or grant.tasks)
    if gained:
        return hold_if_required(
            change=RiskyChange.GRANT_FULL_CONTROL,
            business=grant.asset.owner_business or grant.business,
            actor=actor,
            summary=f"Give {grant.principal} {_listed(tasks)} on {grant.asset}",
            payload={"grant_id": grant.pk, "tasks": tasks, "mode": GrantMode.REPLACE.value},
        )
    if not set(tasks) & FULL_CONTROL_TASKS and is_last_admin_grant(grant, FULL_CONTROL_TASKS):
        return hold_if_required(
            change=RiskyChange.REVOKE_LAST_ADMIN,
            business=grant.business,
            actor=actor,
            summary=f"Take full control of {grant.asset} from its last admin, "
            f"{grant.principal} (tasks become {_listed(tasks)})",
            payload={"grant_id": grant.pk, "tasks": tasks, "mode": GrantMode.REPLACE.value},
        )
    return None


def hold_grant_removal(*, grant: Grant, actor: Actor) -> Held | None:
    """Removing the last grant that manages the asset waits; any other removal goes ahead."""
    if not is_last_admin_grant(grant, FULL_CONTROL_TASKS):
        return None
    return hold_if_required(
        change=RiskyChange.REVOKE_LAST_ADMIN,
        business=grant.business,
        actor=actor,
        summary=f"Revoke the last admin of {grant.asset}: {grant.principal}",
        payload={"grant_id": grant.pk},
    )
