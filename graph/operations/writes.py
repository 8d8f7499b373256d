"""Writes: grant and remove people's tasks on assets, share assets with partners, create
system users, invite and remove people, end a partnership, make a client On Behalf Of.

`idempotent=True` marks writes that set a state (re-sending an applied one changes nothing),
so the client may retry them after an unknown outcome; creations are never marked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..client import GraphClient
from ..errors import MalformedResponseError
from ..types import RelatedBusinessNode, row_id, text

# --- people's tasks on assets ------------------------------------------------------------------


def assign_user(
    client: GraphClient, asset_id: str, user_id: str, tasks: Sequence[str], business_id: str
) -> None:
    """Set a user's full task list on an asset (Meta replaces the list: send the whole set).

    The SDK's create_assigned_user takes `user` and `tasks` (adobjects/page.py, adspixel.py,
    productcatalog.py, instagrambusinessasset.py, adaccount.py); only for an ad account does
    Meta's guide "System User Permissions" also send `business`."""
    data: dict[str, Any] = {"user": user_id, "tasks": list(tasks)}
    if asset_id.startswith("act_"):
        data["business"] = business_id
    client.post(f"/{asset_id}/assigned_users", data, idempotent=True)


def remove_user(client: GraphClient, asset_id: str, user_id: str, business_id: str) -> None:
    """`DELETE /{asset}/assigned_users` takes `user` only (SDK delete_assigned_users); the
    user id is business-scoped, so it names the business. Pixels have no such DELETE."""
    client.delete(f"/{asset_id}/assigned_users", {"user": user_id})


# --- partners ----------------------------------------------------------------------------------


def share_with_agency(
    client: GraphClient, asset_id: str, agency_business_id: str, permitted_tasks: Sequence[str]
) -> bool:
    """Grant a partner business access; True when another admin must approve it in Meta."""
    body = client.post(
        f"/{asset_id}/agencies",
        {"business": agency_business_id, "permitted_tasks": list(permitted_tasks)},
        # GUESS: re-sending the same share sets the same tasks again (like assigned_users).
        idempotent=True,
    )
    return _flag(body.get("requires_admin_approval"))


def revoke_agency(client: GraphClient, asset_id: str, agency_business_id: str) -> None:
    client.delete(f"/{asset_id}/agencies", {"business": agency_business_id})


def remove_client(client: GraphClient, agency_business_id: str, client_business_id: str) -> None:
    """End a partnership from the agency's side: `DELETE /{agency}/clients?business=` (DOMAIN
    1.2). The agency loses its access to the client's shared assets."""
    client.delete(f"/{agency_business_id}/clients", {"business": client_business_id})


def create_managed_business(
    client: GraphClient, partner_business_id: str, client_business_id: str
) -> RelatedBusinessNode:
    """On Behalf Of step 1, with a client admin's user token (DOMAIN 4)."""
    body = client.post(
        f"/{partner_business_id}/managed_businesses",
        {"existing_client_business_id": client_business_id},
    )
    return RelatedBusinessNode(
        id=_required_id(body, "managed business"), name=text(body.get("name")) or ""
    )


# --- system users and people -------------------------------------------------------------------


def create_system_user(client: GraphClient, business_id: str, name: str, role: str) -> str:
    """Create a system user (role ADMIN or EMPLOYEE); raises CapReachedError over the cap."""
    body = client.post(f"/{business_id}/system_users", {"name": name, "role": role})
    return _required_id(body, "system user")


def install_app(client: GraphClient, system_user_id: str, app_id: str) -> None:
    # GUESS: installing an app already installed is harmless, so a retry is safe.
    client.post(f"/{system_user_id}/applications", {"business_app": app_id}, idempotent=True)


def invite_business_user(client: GraphClient, business_id: str, email: str, role: str) -> str:
    """Invite a person by email; the id is the invitation (see pending_users)."""
    body = client.post(f"/{business_id}/business_users", {"email": email, "role": role})
    return _required_id(body, "invitation")


def remove_business_user(client: GraphClient, business_user_id: str) -> None:
    """Remove a person from the business; raises LastAdminError for the last admin."""
    client.delete(f"/{business_user_id}")


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _required_id(body: Mapping[str, Any], what: str) -> str:
    value = row_id(body)
    if value is None:
        raise MalformedResponseError(f"Meta created the {what} but sent no id")
    return value
