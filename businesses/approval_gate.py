"""Two-person approval, as the kernel sees it: the entry points of risky changes (admin
actions, staff pages) ask `hold_if_required` before acting. The approvals app registers the
policy at start-up (its AppConfig.ready), so the kernel imports nothing above it; with no
policy registered, or approval turned off for the agency, nothing is held.

A held change is saved as a request; once a second staff member approves it, the approvals
app calls the same kernel service the entry point would have called."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

from businesses.actors import Actor
from businesses.audit import audit_record
from businesses.models import Business


class RiskyChange(models.TextChoices):
    GRANT_FULL_CONTROL = "grant_full_control", "Grant full control"
    ADMIN_SYSTEM_USER = "admin_system_user", "Create an admin system user"
    END_PARTNERSHIP = "end_partnership", "End a partnership"
    OFFBOARD_PERSON = "offboard_person", "Offboard a person"
    REVOKE_LAST_ADMIN = "revoke_last_admin", "Revoke the last admin of an asset"


# Tasks that let the holder manage an asset itself, including who else has access to it
# (assets/vocabulary.py: MANAGE on ad accounts, pages and catalogs, new Pages' full control,
# EDIT on pixels).
FULL_CONTROL_TASKS = frozenset({"MANAGE", "PROFILE_PLUS_FULL_CONTROL", "EDIT"})


@dataclass(frozen=True)
class Held:
    request_id: int
    message: str


class ApprovalRequired(Exception):
    """An operator command met a risky change while approval is on, without the explicit flag."""


Policy = Callable[..., Held | None]
Requirement = Callable[[Business], bool]
_policy: Policy | None = None
_required: Requirement | None = None


def register(policy: Policy, *, required: Requirement | None = None) -> None:
    global _policy, _required
    _policy = policy
    _required = required


def hold_if_required(
    *, change: str, business: Business, actor: Actor, summary: str, payload: dict[str, Any]
) -> Held | None:
    """A Held (the change must not be made now) or None (go ahead)."""
    if _policy is None:
        return None
    return _policy(change=change, business=business, actor=actor, summary=summary, payload=payload)


def approval_required(business: Business) -> bool:
    """Whether the business's agency turned two-person approval on (nothing is saved)."""
    return _required is not None and _required(business)


def refuse_or_record_bypass(
    *, change: str, business: Business, actor: Actor, summary: str, without_approval: bool
) -> None:
    """For operator commands. A shell has no staff identity, so a request it saved could be
    approved by the very person who ran it: with approval on, a command refuses and points to
    the portal, unless the operator passes the explicit flag, which the audit trail records
    (break-glass: the operator can act, but never silently)."""
    if not approval_required(business):
        return
    if not without_approval:
        raise ApprovalRequired(
            f"Two-person approval is on for {business.name}: ask for this change in the portal "
            "(a second staff member approves it there), or run again with --without-approval, "
            "which is recorded in the audit trail."
        )
    audit_record(
        actor=actor,
        action="approval.bypass",
        business=business,
        target=business,
        summary=f"Without two-person approval (--without-approval): {summary}",
        changes={"change": change},
    )
