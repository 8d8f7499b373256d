"""Asset nodes, their ``assigned_users`` and ``agencies`` edges, asset groups (DOMAIN §2)."""

from __future__ import annotations

from typing import Any

from .. import errors
from .. import tasks as task_rules
from ..context import Ctx
from ..entities import ASSET_KINDS, Asset, AssetGroup, meta_time
from ..nodes import asset_row, assignee_row, business_row, group_row
from ..registry import edge, node_reader, node_writer
from .common import SUCCESS, asset_rows, business_param, require_member, viewer_business

# Kinds with an assigned_users edge; pixels have GET/POST only (SDK has no DELETE since 2020).
ASSIGNABLE = ("ad_account", "page", "pixel", "catalog", "instagram_account")
SHAREABLE = ("ad_account", "page", "pixel", "catalog", "instagram_account")


@node_reader(*ASSET_KINDS)
def read_asset(ctx: Ctx, asset: Asset) -> dict[str, Any]:
    return asset_row(ctx.world, asset, viewer_business(ctx, asset))


@node_writer("POST", *[k for k in ASSET_KINDS if k != "ig_user"])
def update_asset(ctx: Ctx, asset: Asset) -> dict[str, Any]:
    if "name" in ctx.params:
        asset.name = ctx.req("name")
    return SUCCESS


def _assignment_business(ctx: Ctx, asset: Asset) -> str:
    """``business`` is required and must be one that can see the asset (DOMAIN §2.1)."""
    biz = business_param(ctx)
    require_member(ctx, biz.id)
    if biz.id not in ctx.world.businesses_with_access(asset):
        raise errors.permission_error("the business has no access to this asset")
    return biz.id


@edge(ASSIGNABLE, "assigned_users", item="assigned_user")
def list_assigned(ctx: Ctx, asset: Asset) -> list[dict[str, Any]]:
    business_id = _assignment_business(ctx, asset)
    world = ctx.world
    rows = []
    for user_id, tasks in asset.assigned.items():
        if world.member_business(user_id) != business_id:
            continue
        row = assignee_row(world, user_id)
        row["tasks"] = list(tasks)
        row["permitted_tasks"] = list(tasks)
        rows.append(row)
    return rows


@edge(ASSIGNABLE, "assigned_users", "POST")
def assign_user(ctx: Ctx, asset: Asset) -> dict[str, Any]:
    user_id = ctx.req("user")
    if "business" in ctx.params:
        business_id = _assignment_business(ctx, asset)
    else:
        # `user` is a business-scoped id: it names its business (SDK create_assigned_user
        # takes only user and tasks).
        business_id = ctx.world.member_business(user_id)
        if business_id is None:
            raise errors.param_error("Param user must be a valid user id")
        require_member(ctx, business_id)
        if business_id not in ctx.world.businesses_with_access(asset):
            raise errors.permission_error("the business has no access to this asset")
    requested = ctx.list_param("tasks", required=True)
    expanded = task_rules.validate(asset.kind, requested, ctx.world.config.task_vocabulary)
    if ctx.world.member_business(user_id) != business_id:
        # GUESS at Meta's wording; the code (100) is what clients branch on.
        raise errors.param_error("Param user must be a user of the business")
    if business_id != asset.owner_id:
        # Agencies may sub-assign only what the owner granted them (DOMAIN §2.4 "Relay").
        granted = set(task_rules.expand(asset.kind, asset.access[business_id].permitted_tasks))
        if not set(expanded) <= granted:
            raise errors.permission_error("tasks exceed the access granted to your business")
    # Replaces the user's task list on this asset (DOMAIN §2.1 / decision 6).
    asset.assigned[user_id] = expanded
    return SUCCESS


@edge(tuple(k for k in ASSIGNABLE if k != "pixel"), "assigned_users", "DELETE")
def unassign_user(ctx: Ctx, asset: Asset) -> dict[str, Any]:
    user_id = ctx.req("user")
    if "business" in ctx.params:
        _assignment_business(ctx, asset)
    business_id = ctx.world.member_business(user_id)
    if business_id is None:
        raise errors.param_error("Param user must be a valid user id")
    require_member(ctx, business_id)
    asset.assigned.pop(user_id, None)
    return SUCCESS


# --- agencies on an asset (DOMAIN §2.4) --------------------------------------------------------


@edge(SHAREABLE, "agencies", item="business")
def list_agencies(ctx: Ctx, asset: Asset) -> list[dict[str, Any]]:
    world = ctx.world
    rows = []
    for business_id, acc in asset.access.items():
        if acc.access_type != "AGENCY" or business_id not in world.businesses:
            continue
        row = business_row(world, world.businesses[business_id])
        row.update(
            access_status=acc.status,
            permitted_tasks=list(acc.permitted_tasks),
            access_requested_time=_t(acc.requested_time),
            access_updated_time=_t(acc.updated_time),
        )
        rows.append(row)
    return rows


def _t(ts: float) -> str:
    return meta_time(ts)


@edge(SHAREABLE, "agencies", "POST")
def grant_agency(ctx: Ctx, asset: Asset) -> dict[str, Any]:
    world = ctx.world
    agency = business_param(ctx)
    # Only the OWNER business can grant partner access (DOMAIN §2.4).
    if asset.owner_id not in world.principal_businesses(ctx.principal_id):
        raise errors.permission_error("only the owner business can share this asset")
    permitted = ctx.list_param("permitted_tasks", required=True)
    task_rules.validate(asset.kind, permitted, world.config.task_vocabulary)
    if agency.id == asset.owner_id:
        raise errors.param_error("The business already owns this asset")
    related = world.partners.get((agency.id, asset.owner_id)) == "CONFIRMED"
    status = "CONFIRMED" if related else "PENDING"
    world.share_asset(asset.id, agency.id, permitted, status=status)
    if not related:
        # Without a partner relationship the agency's admins must accept first (DOMAIN §2.4).
        world.partners.setdefault((agency.id, asset.owner_id), "PENDING")
        return {"success": True, "requires_admin_approval": True}
    return SUCCESS


@edge(SHAREABLE, "agencies", "DELETE")
def revoke_agency(ctx: Ctx, asset: Asset) -> dict[str, Any]:
    world = ctx.world
    agency = business_param(ctx)
    if asset.owner_id not in world.principal_businesses(ctx.principal_id):
        raise errors.permission_error("only the owner business can revoke partner access")
    asset.access.pop(agency.id, None)
    for user_id in [u for u in asset.assigned if world.member_business(u) == agency.id]:
        asset.assigned.pop(user_id)
    return SUCCESS


@edge("ad_account", "customconversions", item="custom_conversion")
def custom_conversions(ctx: Ctx, asset: Asset) -> list[dict[str, Any]]:
    found = ctx.world.custom_conversions_of(asset.id)
    return asset_rows(ctx, found, viewer_business(ctx, asset))


# --- asset groups (DOMAIN §2.5) --------------------------------------------------------------

# SDK adobjects/businessassetgroup.py `endpoint=` (one spelling each: `contained_adaccounts`;
# `contained_instagram_accounts` lists IGUser nodes).
CONTAINED = {
    "contained_adaccounts": "ad_account",
    "contained_pages": "page",
    "contained_pixels": "pixel",
    "contained_product_catalogs": "catalog",
    "contained_applications": "app",
    "contained_custom_conversions": "custom_conversion",
    "contained_instagram_accounts": "ig_user",
}


@node_reader("asset_group")
def read_group(ctx: Ctx, group: AssetGroup) -> dict[str, Any]:
    return group_row(ctx.world, group)


@node_writer("POST", "asset_group")
def rename_group(ctx: Ctx, group: AssetGroup) -> dict[str, Any]:
    group.name = ctx.req("name")
    return SUCCESS


def _register_contained(edge_name: str, kind: str) -> None:
    @edge("asset_group", edge_name, item=kind)
    def _list(ctx: Ctx, group: AssetGroup) -> list[dict[str, Any]]:
        world = ctx.world
        assets = [world.assets[a] for a in group.asset_ids if a in world.assets]
        return asset_rows(ctx, [a for a in assets if a.kind == kind], group.owner_id)

    @edge("asset_group", edge_name, "POST")
    def _add(ctx: Ctx, group: AssetGroup) -> dict[str, Any]:
        asset = _group_asset(ctx, group, kind)
        if asset.id not in group.asset_ids:
            group.asset_ids.append(asset.id)
        return SUCCESS

    @edge("asset_group", edge_name, "DELETE")
    def _remove(ctx: Ctx, group: AssetGroup) -> dict[str, Any]:
        asset = _group_asset(ctx, group, kind)
        if asset.id in group.asset_ids:
            group.asset_ids.remove(asset.id)
        return SUCCESS


def _group_asset(ctx: Ctx, group: AssetGroup, kind: str) -> Asset:
    asset = ctx.world.assets.get(ctx.req("asset_id"))
    if asset is None or asset.kind != kind:
        raise errors.param_error(f"Param asset_id must be a valid {kind} id")
    # Groups may hold owned or shared assets of their business (DOMAIN §2.5).
    if group.owner_id not in ctx.world.businesses_with_access(asset):
        raise errors.permission_error("the business has no access to this asset")
    return asset


for _name, _kind in CONTAINED.items():
    _register_contained(_name, _kind)


@edge("asset_group", "assigned_users", item="assigned_user")
def group_users(ctx: Ctx, group: AssetGroup) -> list[dict[str, Any]]:
    """AssignedUser nodes only (`business, id, name, user_type`, SDK assigneduser.py): the
    per-kind tasks are read from the person side, `/{user}/assigned_business_asset_groups`."""
    biz = business_param(ctx)
    require_member(ctx, biz.id)
    return [
        assignee_row(ctx.world, user_id)
        for user_id in group.users
        if ctx.world.member_business(user_id) == biz.id
    ]


@edge("asset_group", "assigned_users", "POST")
def group_assign(ctx: Ctx, group: AssetGroup) -> dict[str, Any]:
    world = ctx.world
    user_id = ctx.req("user")
    if "business" in ctx.params:
        require_member(ctx, business_param(ctx).id)
    if world.member_business(user_id) != group.owner_id:
        raise errors.param_error("Param user must be a user of the business")
    stored: dict[str, list[str]] = {}
    for param, kind in task_rules.GROUP_TASK_PARAMS.items():
        if param in ctx.params:
            stored[param] = task_rules.validate(
                kind, ctx.list_param(param), world.config.task_vocabulary
            )
    if not stored:
        raise errors.param_error(
            "At least one of adaccount_tasks, page_tasks, pixel_tasks is required"
        )
    group.users[user_id] = stored
    return SUCCESS


@edge("asset_group", "assigned_users", "DELETE")
def group_unassign(ctx: Ctx, group: AssetGroup) -> dict[str, Any]:
    group.users.pop(ctx.req("user"), None)
    return SUCCESS


# --- app roles (GET /{app-id}/roles, "an app access token for the app is required") ----------


@edge("app", "roles", item="app_role", custom_access=True)
def list_app_roles(ctx: Ctx, app: Asset) -> list[dict[str, Any]]:
    token = ctx.token
    if token is None or token.type != "APP" or token.app_id != app.id:
        raise errors.permission_error("an app access token for this app is required")
    # GUESS: Meta's reference lists app_id, user and role; `user` is the person's id here.
    return [
        {"id": f"{app.id}_{person_id}", "app_id": app.id, "user": person_id, "role": role}
        for person_id, role in sorted(app.roles.items())
    ]
