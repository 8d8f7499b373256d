"""How each kind of object looks on the wire: its row of fields, default and known fields.

A row holds every field the sandbox models; ``fields=`` then selects from it. Fields Meta has
but the sandbox does not model are "known" (selecting them is not an error, they are omitted,
as Meta omits fields without a value); anything else is Meta's "nonexisting field" error.
"""

from __future__ import annotations

from typing import Any

from .entities import (
    Asset,
    AssetGroup,
    Business,
    BusinessUser,
    Invitation,
    Person,
    SystemUser,
    meta_time,
)
from .world import World

# Fields returned when the call names none. GUESS where Meta's defaults are not documented:
# Marketing API objects return only ``id`` ("fields other than id must be requested
# explicitly", DOMAIN §7.2); Business/Page/User nodes also return ``name``.
DEFAULT_FIELDS: dict[str, list[str]] = {
    "business": ["id", "name"],
    "ad_account": ["id"],
    "page": ["id", "name"],
    "pixel": ["id"],
    "catalog": ["id"],
    "app": ["id", "name"],
    "custom_conversion": ["id"],
    "instagram_account": ["id"],
    "ig_user": ["id"],
    "business_user": ["id", "name"],
    "system_user": ["id", "name"],
    "person": ["id", "name"],
    "invitation": ["id"],
    "asset_group": ["id", "name"],
    "assigned_user": ["id", "name", "tasks"],
    "asset_request": ["id"],
    "app_role": ["app_id", "user", "role"],
    # Marketing API objects: id only by default; insights rows have no id.
    "ad": ["id"],
    "ads_insights": ["date_start", "date_stop"],
}

# Documented fields the sandbox does not model (DOMAIN §1.1, §1.3, §3).
# No asset node has access_type / access_status (SDK adobjects/*.py `class Field`); an edge
# adds permitted_tasks, tasks, access_status to the rows it lists, never to the node.
KNOWN_FIELDS: dict[str, set[str]] = {
    "business": {"created_by", "updated_by", "primary_page", "profile_picture_uri",
                 "vertical_id", "payment_account_id", "extended_updated_time",
                 "block_offline_analytics", "user_access_expire_time",
                 "whatsapp_business_manager_messaging_limit"},
    "ad_account": {"disable_reason", "owner", "amount_spent", "spend_cap", "balance",
                   "funding_source", "user_tasks", "capabilities", "end_advertiser",
                   "media_agency", "partner", "is_personal", "user_access_expire_time"},
    "page": {"link", "username", "is_published", "is_owned", "instagram_business_account",
             "connected_instagram_account", "has_transitioned_to_new_page_experience",
             "fan_count", "followers_count", "access_token"},
    "pixel": {"code", "creator", "owner_ad_account", "is_crm", "is_consolidated_container",
              "data_use_setting", "enable_automatic_matching", "automatic_matching_fields",
              "first_party_cookie_status"},
    "catalog": {"feed_count", "is_catalog_segment", "is_local_catalog", "da_display_settings"},
    "app": {"namespace", "app_type", "company", "app_domains", "privacy_policy_url",
            "supported_platforms", "restrictions"},
    "custom_conversion": {"pixel", "rule", "event_source_type", "default_conversion_value",
                          "is_unavailable", "first_fired_time", "last_fired_time",
                          "retention_days", "data_sources", "description"},
    "instagram_account": set(),
    "ig_user": {"profile_picture_url", "name", "biography", "followers_count", "ig_id"},
    "business_user": {"title", "finance_permission", "ip_permission", "pending_email",
                      "two_fac_status", "business_role_request", "marked_for_removal",
                      "tasks", "invited_user_type"},
    "system_user": {"created_by", "finance_permission", "ip_permission"},
    "person": {"first_name", "last_name", "client_business_id"},
    "invitation": {"created_by", "updated_by", "updated_time", "expiry_time", "finance_role",
                   "ip_role", "invited_user_type"},
    "asset_group": set(),
    "assigned_user": set(),
    "asset_request": set(),
    "app_role": set(),
}  # fmt: skip


def ref(obj: Business | Asset | None) -> dict[str, str] | None:
    if obj is None:
        return None
    return {"id": obj.id, "name": obj.name}


def business_row(world: World, biz: Business) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": biz.id,
        "name": biz.name,
        "verification_status": biz.verification_status,
        "two_factor_type": biz.two_factor_type,
        "timezone_id": biz.timezone_id,
        "vertical": biz.vertical,
        "created_time": meta_time(biz.created_time),
        "updated_time": meta_time(biz.created_time),
        "link": biz.link,
        "is_hidden": False,
    }
    if biz.primary_page_id and biz.primary_page_id in world.assets:
        row["primary_page"] = ref(world.assets[biz.primary_page_id])
    return row


def asset_row(world: World, asset: Asset, viewer_id: str | None = None) -> dict[str, Any]:
    """The node's own fields. ``viewer_id`` (the business seeing it) is kept for callers; what
    an edge adds for that business (permitted_tasks, tasks) the edge adds itself."""
    owner = world.businesses.get(asset.owner_id)
    if asset.kind in ("instagram_account", "ig_user"):
        # InstagramBusinessAsset: id, ig_user_id, ig_username; IGUser: id, username, ...
        return {"id": asset.id, **asset.fields, "__obj__": asset}
    row: dict[str, Any] = {"id": asset.id, "name": asset.name}
    if asset.kind != "custom_conversion":
        row["owner_business"] = ref(owner)
        row["business"] = ref(owner)
    created = meta_time(asset.created_time)
    if asset.kind == "pixel":
        row["creation_time"] = created
    else:
        row["created_time"] = created
    fields = dict(asset.fields)
    if asset.kind == "custom_conversion":
        ad_account = world.assets.get(fields.pop("ad_account_id", ""))
        pixel = world.assets.get(fields.pop("pixel_id", ""))
        if ad_account is not None:
            row["account_id"] = ad_account.fields.get("account_id")
        if pixel is not None:
            row["pixel"] = {"id": pixel.id}
        row["business"] = ref(owner)
    row.update(fields)
    row["__obj__"] = asset
    return row


def business_user_row(world: World, bu: BusinessUser) -> dict[str, Any]:
    first, _, last = bu.name.partition(" ")
    return {
        "id": bu.id,
        "name": bu.name,
        "email": bu.email,
        "role": bu.role,
        "first_name": first,
        "last_name": last,
        "business": ref(world.businesses.get(bu.business_id)),
        "__obj__": bu,
    }


def system_user_row(world: World, su: SystemUser) -> dict[str, Any]:
    return {
        "id": su.id,
        "name": su.name,
        "role": su.role,
        "created_time": meta_time(su.created_time),
        # GUESS: the canonical id differs from the app-scoped one in Meta; one id here.
        "system_user_id": su.id,
        "__obj__": su,
    }


def person_row(world: World, person: Person) -> dict[str, Any]:
    first, _, last = person.name.partition(" ")
    return {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "first_name": first,
        "last_name": last,
    }


def invitation_row(world: World, inv: Invitation) -> dict[str, Any]:
    return {
        "id": inv.id,
        "email": inv.email,
        "role": inv.role,
        "status": inv.status,
        "created_time": meta_time(inv.created_time),
        "expiration_time": meta_time(inv.expiration_time),
        "invite_link": f"https://business.facebook.com/invitation/?token=sandbox{inv.id}",
        "owner": ref(world.businesses.get(inv.business_id)),
        "tasks": list(inv.tasks),
    }


def group_row(world: World, group: AssetGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "name": group.name,
        "owner_business": ref(world.businesses.get(group.owner_id)),
        "__obj__": group,
    }


def assignee_row(world: World, user_id: str) -> dict[str, Any]:
    """AssignedUser basics for a business user or system user id."""
    if user_id in world.system_users:
        su = world.system_users[user_id]
        return {
            "id": su.id,
            "name": su.name,
            "user_type": "SYSTEM_USER",
            "business": ref(world.businesses.get(su.business_id)),
        }
    bu = world.business_users[user_id]
    return {
        "id": bu.id,
        "name": bu.name,
        "user_type": "BUSINESS_USER",
        "business": ref(world.businesses.get(bu.business_id)),
    }
