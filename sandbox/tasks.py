"""Task vocabularies per asset kind, their validation and Meta's implied-task expansion.

Vocabularies come from the official SDK enums (DOMAIN §2.2). They are plain data so a test or the
world config can grow them (Meta's Page vocabulary is in flux, DOMAIN decision 6).
"""

from __future__ import annotations

from collections.abc import Iterable

from . import errors

PAGE_TASKS = [
    "MANAGE", "CREATE_CONTENT", "MODERATE", "MESSAGING", "ADVERTISE", "ANALYZE",
    "MODERATE_COMMUNITY", "MANAGE_JOBS", "MANAGE_LEADS", "PAGES_MESSAGING",
    "PAGES_MESSAGING_SUBSCRIPTIONS", "READ_PAGE_MAILBOXES", "VIEW_MONETIZATION_INSIGHTS",
    "CASHIER_ROLE", "GLOBAL_STRUCTURE_MANAGEMENT", "PROFILE_PLUS_FULL_CONTROL",
    "PROFILE_PLUS_MANAGE", "PROFILE_PLUS_FACEBOOK_ACCESS", "PROFILE_PLUS_CREATE_CONTENT",
    "PROFILE_PLUS_MODERATE", "PROFILE_PLUS_MODERATE_DELEGATE_COMMUNITY", "PROFILE_PLUS_MESSAGING",
    "PROFILE_PLUS_ADVERTISE", "PROFILE_PLUS_ANALYZE", "PROFILE_PLUS_REVENUE",
    "PROFILE_PLUS_MANAGE_LEADS", "PROFILE_PLUS_GLOBAL_STRUCTURE_MANAGEMENT",
    "PROFILE_PLUS_CREATIVE_MANAGEMENT", "PROFILE_PLUS_CREATOR_MANAGEMENT",
]  # fmt: skip

# Asset kind -> tasks accepted on assigned_users / agencies (SDK <Class>.Tasks enums).
DEFAULT_VOCABULARY: dict[str, list[str]] = {
    "ad_account": ["MANAGE", "ADVERTISE", "ANALYZE", "DRAFT", "AA_ANALYZE"],
    "page": PAGE_TASKS,
    "pixel": ["AA_ANALYZE", "ADVERTISE", "ANALYZE", "EDIT", "UPLOAD"],
    "catalog": ["MANAGE", "ADVERTISE", "MANAGE_AR", "AA_ANALYZE"],
    "instagram_account": ["ADVERTISE", "ANALYZE", "COMMUNITY_ACTIVITY", "CONTENT", "MESSAGES"],
    "offline_event_set": ["AA_ANALYZE", "ADVERTISE", "MANAGE", "UPLOAD", "VIEW"],
}

# Implied tasks Meta adds on its own (DOMAIN §2.1-2.2: admin = MANAGE+ADVERTISE+ANALYZE,
# advertiser = ADVERTISE+ANALYZE; page legacy roles MANAGER/CONTENT_CREATOR/MODERATOR/ADVERTISER).
# The exact server-side expansion is UNCONFIRMED; a superset check is what clients must do.
IMPLIED: dict[str, dict[str, list[str]]] = {
    "ad_account": {"MANAGE": ["ADVERTISE", "ANALYZE"], "ADVERTISE": ["ANALYZE"]},
    "page": {
        "MANAGE": ["CREATE_CONTENT", "MODERATE", "MESSAGING", "ADVERTISE", "ANALYZE"],
        "CREATE_CONTENT": ["MODERATE", "ADVERTISE", "ANALYZE"],
        "MODERATE": ["ADVERTISE", "ANALYZE"],
        "ADVERTISE": ["ANALYZE"],
    },
}

# Asset-group assigned_users params -> asset kind whose vocabulary validates them: exactly the
# SDK's BusinessAssetGroup.create_assigned_user params (no catalog or Instagram ones).
GROUP_TASK_PARAMS: dict[str, str] = {
    "adaccount_tasks": "ad_account",
    "page_tasks": "page",
    "pixel_tasks": "pixel",
    "offline_conversion_data_set_tasks": "offline_event_set",
}


def expand(kind: str, tasks: Iterable[str]) -> list[str]:
    """The stored (expanded) task list, in the vocabulary's order so reads are stable."""
    result: set[str] = set()
    pending = list(tasks)
    while pending:
        task = pending.pop()
        if task in result:
            continue
        result.add(task)
        pending.extend(IMPLIED.get(kind, {}).get(task, []))
    order = DEFAULT_VOCABULARY.get(kind, [])
    return sorted(result, key=lambda t: (order.index(t) if t in order else len(order), t))


def validate(kind: str, tasks: list[str], vocabulary: dict[str, list[str]]) -> list[str]:
    """Reject unknown tasks/empty lists with Meta's 100/1752129; return the expanded set."""
    allowed = vocabulary.get(kind)
    if allowed is None:
        raise errors.param_error(f"Tasks are not supported on this object type ({kind})")
    if not tasks or any(t not in allowed for t in tasks):
        raise errors.task_combination()
    return expand(kind, tasks)
