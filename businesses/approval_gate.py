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


Policy = Callable[..., Held | None]
_policy: Policy | None = None


def register(policy: Policy) -> None:
    global _policy
    _policy = policy


def hold_if_required(
    *, change: str, business: Business, actor: Actor, summary: str, payload: dict[str, Any]
) -> Held | None:
    """A Held (the change must not be made now) or None (go ahead)."""
    if _policy is None:
        return None
    return _policy(change=change, business=business, actor=actor, summary=summary, payload=payload)
