"""People, invitations and system users (DOMAIN §3)."""

from __future__ import annotations

from typing import Any

from .. import access, errors
from ..auth import verify_proof
from ..context import Ctx
from ..entities import Business, BusinessUser, Invitation, Person, SystemUser
from ..nodes import (
    asset_row,
    business_user_row,
    group_row,
    invitation_row,
    person_row,
    system_user_row,
)
from ..registry import edge, node_reader, node_writer
from .common import BUSINESS_ROLES, SUCCESS, validate_role

# Scopes a system user token may carry (DOMAIN §3.5 doc list, abridged to the marketing ones
# plus anything a test adds); unknown scopes answer 3962.
SU_SCOPES = {
    "ads_management", "ads_read", "attribution_read", "business_management",
    "catalog_management", "instagram_basic", "instagram_content_publish",
    "instagram_manage_comments", "instagram_manage_insights", "instagram_manage_messages",
    "leads_retrieval", "page_events", "pages_manage_ads", "pages_manage_cta",
    "pages_manage_engagement", "pages_manage_metadata", "pages_manage_posts",
    "pages_messaging", "pages_read_engagement", "pages_read_user_content", "pages_show_list",
    "publish_video", "read_insights", "read_page_mailboxes", "whatsapp_business_management",
    "whatsapp_business_messaging", "public_profile",
}  # fmt: skip
SIXTY_DAYS = 60 * 24 * 3600


# --- business edges ----------------------------------------------------------------------------


@edge("business", "business_users", item="business_user")
def list_business_users(ctx: Ctx, biz: Business) -> list[dict[str, Any]]:
    return [business_user_row(ctx.world, u) for u in ctx.world.users_of(biz.id)]


@edge("business", "business_users", "POST")
def invite_user(ctx: Ctx, biz: Business) -> dict[str, Any]:
    access.require_admin(ctx, biz.id)
    email = ctx.req("email").strip()
    if "@" not in email:
        raise errors.param_error("Param email must be a valid email address")
    role = validate_role(ctx.param("role") or "EMPLOYEE", BUSINESS_ROLES)
    invitation = ctx.world.invite(biz.id, email, role)
    invitation.tasks = ctx.list_param("tasks")
    return {"id": invitation.id}


@edge("business", "pending_users", item="invitation")
def pending_users(ctx: Ctx, biz: Business) -> list[dict[str, Any]]:
    email = ctx.param("email")
    return [
        invitation_row(ctx.world, inv)
        for inv in ctx.world.invitations.values()
        if inv.business_id == biz.id and (not email or inv.email == email)
    ]


@edge("business", "system_users", item="system_user")
def list_system_users(ctx: Ctx, biz: Business) -> list[dict[str, Any]]:
    return [system_user_row(ctx.world, s) for s in ctx.world.system_users_of(biz.id)]


@edge("business", "system_users", "POST")
def create_system_user(ctx: Ctx, biz: Business) -> dict[str, Any]:
    world = ctx.world
    access.require_admin(ctx, biz.id)
    rename_id = ctx.param("system_user_id")
    if rename_id:
        su = world.system_users.get(rename_id)
        if su is None or su.business_id != biz.id:
            raise errors.param_error("Param system_user_id must be a system user of the business")
        su.name = ctx.req("name")
        return {"id": su.id}
    name = ctx.req("name")
    role = validate_role(ctx.param("role") or "EMPLOYEE", ("ADMIN", "EMPLOYEE"))
    caps = world.su_caps(biz.id, ctx.app_id)
    if caps is None:
        raise errors.app_not_in_business()
    employee_cap, admin_cap = caps
    # Retired system users (tokens revoked) still exist in Meta and still count (decision 4).
    # OBO system users are Meta's own doing for a partner app; they do not count (GUESS).
    existing = [s for s in world.system_users_of(biz.id) if s.obo_partner_id is None]
    if role == "ADMIN" and sum(s.role == "ADMIN" for s in existing) >= admin_cap:
        raise errors.su_limit(admin=True, cap=admin_cap)
    if role == "EMPLOYEE" and sum(s.role == "EMPLOYEE" for s in existing) >= employee_cap:
        raise errors.su_limit(admin=False, cap=employee_cap)
    su = world.add_system_user(biz.id, name, role)
    return {"id": su.id}


@edge("business", "system_user_access_tokens", "POST")
def business_su_token(ctx: Ctx, biz: Business) -> dict[str, Any]:
    su = ctx.world.system_users.get(ctx.req("system_user_id"))
    if su is None or su.business_id != biz.id:
        raise errors.param_error("Param system_user_id must be a system user of the business")
    app_id = su.apps[0] if su.apps else ctx.app_id
    return _mint_su_token(ctx, su, app_id or "")


# --- business user node -----------------------------------------------------------------------


@node_reader("business_user")
def read_business_user(ctx: Ctx, bu: BusinessUser) -> dict[str, Any]:
    return business_user_row(ctx.world, bu)


def _other_admins(ctx: Ctx, bu: BusinessUser) -> int:
    return sum(1 for u in ctx.world.users_of(bu.business_id) if u.role == "ADMIN" and u.id != bu.id)


@node_writer("POST", "business_user")
def update_business_user(ctx: Ctx, bu: BusinessUser) -> dict[str, Any]:
    access.require_admin(ctx, bu.business_id)
    if "role" in ctx.params:
        role = validate_role(ctx.req("role"), BUSINESS_ROLES)
        if bu.role == "ADMIN" and role != "ADMIN" and _other_admins(ctx, bu) == 0:
            raise errors.last_admin()
        bu.role = role
    for name in ("email",):
        if name in ctx.params:
            bu.email = ctx.req(name)
    first = ctx.param("first_name")
    last = ctx.param("last_name")
    if first or last:
        old_first, _, old_last = bu.name.partition(" ")
        bu.name = f"{first or old_first} {last or old_last}".strip()
    return SUCCESS


@node_writer("DELETE", "business_user")
def delete_business_user(ctx: Ctx, bu: BusinessUser) -> dict[str, Any]:
    world = ctx.world
    if world.principal_member_id(ctx.principal_id, bu.business_id) != bu.id:
        access.require_admin(ctx, bu.business_id)
    if bu.role == "ADMIN" and _other_admins(ctx, bu) == 0:
        raise errors.last_admin()
    world.business_users.pop(bu.id)
    for asset in world.assets.values():
        asset.assigned.pop(bu.id, None)
    for group in world.asset_groups.values():
        group.users.pop(bu.id, None)
    return SUCCESS


# --- invitations ---------------------------------------------------------------------------


@node_reader("invitation")
def read_invitation(ctx: Ctx, inv: Invitation) -> dict[str, Any]:
    return invitation_row(ctx.world, inv)


@node_writer("POST", "invitation")
def update_invitation(ctx: Ctx, inv: Invitation) -> dict[str, Any]:
    access.require_admin(ctx, inv.business_id)
    if "role" in ctx.params:
        inv.role = validate_role(ctx.req("role"), BUSINESS_ROLES)
    if "tasks" in ctx.params:
        inv.tasks = ctx.list_param("tasks")
    return SUCCESS


@node_writer("DELETE", "invitation")
def cancel_invitation(ctx: Ctx, inv: Invitation) -> dict[str, Any]:
    access.require_admin(ctx, inv.business_id)
    ctx.world.invitations.pop(inv.id)
    return SUCCESS


# --- system user node -------------------------------------------------------------------------


@node_reader("system_user")
def read_system_user(ctx: Ctx, su: SystemUser) -> dict[str, Any]:
    return system_user_row(ctx.world, su)


@node_reader("person")
def read_person(ctx: Ctx, person: Person) -> dict[str, Any]:
    return person_row(ctx.world, person)


# No DELETE writer for system users: Meta cannot delete them through the API (decision 4), so
# ``DELETE /{su}`` answers the Graph "Unsupported delete request" error.


@edge("system_user", "applications", "POST")
def install_app(ctx: Ctx, su: SystemUser) -> dict[str, Any]:
    world = ctx.world
    app = world.assets.get(ctx.req("business_app"))
    if app is None or app.kind != "app":
        raise errors.param_error("Param business_app must be a valid app id")
    # The system user and the app must belong to the same business (DOMAIN §3.5).
    if app.owner_id != su.business_id and su.business_id not in app.access:
        raise errors.param_error("The app must belong to the system user's business")
    if app.id not in su.apps:
        su.apps.append(app.id)
    return SUCCESS


def _mint_su_token(ctx: Ctx, su: SystemUser, app_id: str) -> dict[str, Any]:
    world = ctx.world
    if app_id not in su.apps:
        raise errors.param_error("The system user must install the app (business_app) first")
    scopes = ctx.list_param("scope") or ["business_management"]
    unknown = [s for s in scopes if s not in SU_SCOPES]
    if unknown:
        raise errors.GraphError(3962, f"(#3962) Invalid permission(s): {', '.join(unknown)}")
    expires = SIXTY_DAYS if ctx.bool_param("set_token_expires_in_60_days") else None
    token = world.issue_token(su.id, app_id, scopes, "SYSTEM_USER", expires_in=expires)
    return {"access_token": token.token}


@edge("system_user", "access_tokens", "POST")
def create_su_token(ctx: Ctx, su: SystemUser) -> dict[str, Any]:
    assert ctx.token is not None
    verify_proof(ctx, ctx.token, required=True)  # always required here (DOMAIN §3.5)
    return _mint_su_token(ctx, su, ctx.req("business_app"))


@edge("system_user", "access_tokens", "DELETE")
def revoke_su_tokens(ctx: Ctx, su: SystemUser) -> dict[str, Any]:
    app_id = ctx.param("business_app")
    for token in ctx.world.tokens.values():
        if token.principal_id == su.id and (not app_id or token.app_id == app_id):
            token.valid = False
    return SUCCESS


# --- what a person / system user is assigned to (DOMAIN §2.3) --------------------------------

ASSIGNED_EDGES = {
    "assigned_ad_accounts": "ad_account",
    "assigned_pages": "page",
    "assigned_product_catalogs": "catalog",
    "assigned_ads_pixels": "pixel",
}


def _register_assigned(edge_name: str, kind: str) -> None:
    @edge(("business_user", "system_user"), edge_name, item=kind)
    def _assigned(ctx: Ctx, user: BusinessUser | SystemUser) -> list[dict[str, Any]]:
        world = ctx.world
        rows = []
        for asset in world.assets.values():
            if asset.kind == kind and user.id in asset.assigned:
                row = asset_row(world, asset, user.business_id)
                row["tasks"] = list(asset.assigned[user.id])
                row["permitted_tasks"] = list(asset.assigned[user.id])
                rows.append(row)
        return rows


for _name, _kind in ASSIGNED_EDGES.items():
    _register_assigned(_name, _kind)


@edge("system_user", "assigned_instagram_accounts", item="ig_user")
def assigned_instagram_accounts(ctx: Ctx, user: SystemUser) -> list[dict[str, Any]]:
    """IGUser nodes (SDK systemuser.py `get_assigned_instagram_accounts` -> IGUser) of the
    InstagramBusinessAssets the system user is assigned to."""
    world = ctx.world
    return [
        asset_row(world, world.assets[asset.fields["ig_user_id"]])
        for asset in world.assets.values()
        if asset.kind == "instagram_account"
        and user.id in asset.assigned
        and asset.fields.get("ig_user_id") in world.assets
    ]


PERSON_GROUP_TASK_FIELDS = (
    "adaccount_tasks",
    "offline_conversion_data_set_tasks",
    "page_tasks",
    "pixel_tasks",
)


@edge(("business_user", "system_user"), "assigned_business_asset_groups", item="asset_group")
def assigned_groups(ctx: Ctx, user: BusinessUser | SystemUser) -> list[dict[str, Any]]:
    world = ctx.world
    contained = ctx.param("contained_asset_id")
    rows = []
    for group in world.asset_groups.values():
        if user.id not in group.users or (contained and contained not in group.asset_ids):
            continue
        row = group_row(world, group)
        # The fields this edge adds to each group (reference "System User Assigned Business
        # Asset Groups"): every one, empty when the person holds no task of that kind.
        held = group.users[user.id]
        row.update({param: list(held.get(param, [])) for param in PERSON_GROUP_TASK_FIELDS})
        rows.append(row)
    return rows
