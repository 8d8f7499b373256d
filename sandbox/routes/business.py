"""The Business node and its asset / partner edges (DOMAIN §1.2, §2.4, §4)."""

from __future__ import annotations

from typing import Any

from .. import access, errors
from ..context import Ctx
from ..entities import Asset, Business
from ..nodes import business_row, group_row, ref
from ..registry import edge, node_reader, node_writer
from .common import SUCCESS, asset_rows, business_param, require_member

# edge -> asset kind, for owned_* / client_* list edges (SDK adobjects/business.py `endpoint=`
# and `target_class=`): `owned_instagram_accounts` lists IGUser nodes, `owned_instagram_assets`
# and `client_instagram_assets` list InstagramBusinessAsset nodes.
OWNED_EDGES = {
    "owned_ad_accounts": "ad_account",
    "owned_pages": "page",
    "owned_pixels": "pixel",
    "owned_product_catalogs": "catalog",
    "owned_apps": "app",
    "owned_instagram_accounts": "ig_user",
    "owned_instagram_assets": "instagram_account",
}
CLIENT_EDGES = {
    "client_ad_accounts": "ad_account",
    "client_pages": "page",
    "client_pixels": "pixel",
    "client_product_catalogs": "catalog",
    "client_apps": "app",
    "client_instagram_assets": "instagram_account",
}
# Client edges that add the business's `permitted_tasks` to each node (reference "Business
# Client Ad Accounts", "Business Client Pages", "Business Client Pixels").
CLIENT_EDGES_WITH_TASKS = frozenset({"client_ad_accounts", "client_pages", "client_pixels"})
# pending request edges: edge -> (asset kind, access type, key holding the asset in the item)
PENDING_EDGES = {
    "pending_owned_ad_accounts": ("ad_account", "OWNER", "ad_account"),
    "pending_client_ad_accounts": ("ad_account", "AGENCY", "ad_account"),
    "pending_owned_pages": ("page", "OWNER", "page"),
    "pending_client_pages": ("page", "AGENCY", "page"),
    "pending_client_apps": ("app", "AGENCY", "application"),
}


@node_reader("business")
def read_business(ctx: Ctx, biz: Business) -> dict[str, Any]:
    return business_row(ctx.world, biz)


@node_writer("POST", "business")
def update_business(ctx: Ctx, biz: Business) -> dict[str, Any]:
    access.require_admin(ctx, biz.id)
    if "name" in ctx.params:
        name = ctx.req("name").strip()
        if any(b.name == name and b.id != biz.id for b in ctx.world.businesses.values()):
            raise errors.GraphError(3947, "(#3947) You are trying to create a duplicate name")
        biz.name = name
    if "two_factor_type" in ctx.params:
        value = ctx.req("two_factor_type")
        if value not in ("none", "admin_required", "all_required"):
            raise errors.param_error(
                "Param two_factor_type must be one of {none, admin_required, all_required}"
            )
        biz.two_factor_type = value
    if "vertical" in ctx.params:
        biz.vertical = ctx.req("vertical")
    if "timezone_id" in ctx.params:
        biz.timezone_id = int(ctx.req("timezone_id"))
    if "primary_page" in ctx.params:
        biz.primary_page_id = ctx.req("primary_page")
    return {"id": biz.id}


def _register_owned(edge_name: str, kind: str) -> None:
    @edge("business", edge_name, item=kind)
    def _owned(ctx: Ctx, biz: Business) -> list[dict[str, Any]]:
        assets = ctx.world.owned_assets(biz.id, kind)
        if kind == "ad_account" and ctx.bool_param("include_shared_ad_accounts"):
            assets = assets + ctx.world.shared_assets(biz.id, kind)
        return _filter(ctx, asset_rows(ctx, assets, biz.id))


def _register_client(edge_name: str, kind: str) -> None:
    @edge("business", edge_name, item=kind)
    def _client(ctx: Ctx, biz: Business) -> list[dict[str, Any]]:
        assets = ctx.world.shared_assets(biz.id, kind)

        def granted_tasks(asset: Asset) -> dict[str, Any]:
            return {"permitted_tasks": list(asset.access[biz.id].permitted_tasks)}

        extra = granted_tasks if edge_name in CLIENT_EDGES_WITH_TASKS else None
        return _filter(ctx, asset_rows(ctx, assets, biz.id, extra))


def _register_pending(edge_name: str, kind: str, access_type: str, key: str) -> None:
    @edge("business", edge_name, item="asset_request")
    def _pending(ctx: Ctx, biz: Business) -> list[dict[str, Any]]:
        assets = ctx.world.shared_assets(biz.id, kind, status="PENDING", access_type=access_type)
        return [{"id": a.access[biz.id].request_id, key: ref(a)} for a in assets]


for _name, _kind in OWNED_EDGES.items():
    _register_owned(_name, _kind)
for _name, _kind in CLIENT_EDGES.items():
    _register_client(_name, _kind)
for _name, (_kind, _type, _key) in PENDING_EDGES.items():
    _register_pending(_name, _kind, _type, _key)


def _filter(ctx: Ctx, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``search_query`` / ``name_filter`` / ``id_filter`` narrowing offered by some edges."""
    query = (ctx.param("search_query") or ctx.param("name_filter") or "").lower()
    if query:
        rows = [r for r in rows if query in str(r.get("name", "")).lower()]
    id_filter = ctx.param("id_filter")
    if id_filter:
        rows = [r for r in rows if id_filter in str(r.get("id"))]
    return rows


@edge("business", "adspixels", item="pixel")
def adspixels(ctx: Ctx, biz: Business) -> list[dict[str, Any]]:
    world = ctx.world
    assets = world.owned_assets(biz.id, "pixel") + world.shared_assets(biz.id, "pixel")
    return _filter(ctx, asset_rows(ctx, assets, biz.id))


# No offline_conversion_data_sets edge: it left the SDK's Business in v20 (June 2024) and the
# Offline Conversions API was discontinued; offline events go to datasets (pixels).


@edge("business", "adspixels", "POST")
def create_pixel(ctx: Ctx, biz: Business) -> dict[str, Any]:
    pixel = ctx.world.add_asset("pixel", biz.id, ctx.req("name"))
    return {"id": pixel.id}


@edge("business", "owned_product_catalogs", "POST")
def create_catalog(ctx: Ctx, biz: Business) -> dict[str, Any]:
    catalog = ctx.world.add_asset(
        "catalog", biz.id, ctx.req("name"), vertical=ctx.param("vertical") or "commerce"
    )
    return {"id": catalog.id}


@edge("business", "adaccount", "POST")
def create_ad_account(ctx: Ctx, biz: Business) -> dict[str, Any]:
    access.require_admin(ctx, biz.id)
    name = ctx.req("name")
    currency = ctx.req("currency")
    timezone_id = int(ctx.req("timezone_id"))
    for required in ("end_advertiser", "media_agency", "partner"):
        ctx.req(required)
    account = ctx.world.add_asset(
        "ad_account", biz.id, name, currency=currency, timezone_id=timezone_id
    )
    return {
        "id": account.id,
        "account_id": account.fields["account_id"],
        "business_id": biz.id,
        "end_advertiser_id": ctx.param("end_advertiser"),
        "media_agency_id": ctx.param("media_agency"),
        "partner_id": ctx.param("partner"),
    }


def _ad_account_param(ctx: Ctx) -> Asset:
    raw = ctx.req("adaccount_id")
    account_id = raw if raw.startswith("act_") else f"act_{raw}"
    asset = ctx.world.assets.get(account_id)
    if asset is None or asset.kind != "ad_account":
        raise errors.param_error("Param adaccount_id must be a valid ad account id")
    return asset


@edge("business", "owned_ad_accounts", "POST")
def claim_ad_account(ctx: Ctx, biz: Business) -> dict[str, Any]:
    asset = _ad_account_param(ctx)
    if asset.owner_id == biz.id:
        return {"access_status": "CONFIRMED"}
    if ctx.world.is_admin(ctx.principal_id, asset.owner_id):
        # The caller administers the account: the claim completes at once (DOMAIN §1.2).
        asset.access.pop(biz.id, None)
        asset.owner_id = biz.id
        ctx.world.index_asset(asset)
        return {"access_status": "CONFIRMED"}
    ctx.world.share_asset(asset.id, biz.id, [], status="PENDING", access_type="OWNER")
    return {"access_status": "PENDING"}


@edge("business", "ad_accounts", "DELETE")
def remove_ad_account(ctx: Ctx, biz: Business) -> dict[str, Any]:
    asset = _ad_account_param(ctx)
    if asset.owner_id == biz.id:
        # Meta refuses to drop a CONFIRMED OWNER account from its business (DOMAIN §1.2).
        raise errors.param_error("You can't remove an ad account your business owns")
    if biz.id not in asset.access:
        raise errors.param_error("The ad account is not part of this business")
    asset.access.pop(biz.id)
    for user_id in [u for u in asset.assigned if ctx.world.member_business(u) == biz.id]:
        asset.assigned.pop(user_id)
    return SUCCESS


# --- partners ------------------------------------------------------------------------------


def _partner_row(ctx: Ctx, business_id: str, status: str) -> dict[str, Any]:
    row = business_row(ctx.world, ctx.world.businesses[business_id])
    row["access_status"] = status
    row["__obj__"] = ctx.world.businesses[business_id]
    return row


@edge("business", "clients", item="business")
def clients(ctx: Ctx, biz: Business) -> list[dict[str, Any]]:
    world = ctx.world
    found: dict[str, str] = {}
    for (agency, client), status in world.partners.items():
        if agency == biz.id:
            found[client] = status
    for partner, client in world.managed:
        if partner == biz.id:
            found.setdefault(client, "CONFIRMED")
    return [_partner_row(ctx, b, s) for b, s in found.items() if b in world.businesses]


@edge("business", "agencies", item="business")
def agencies(ctx: Ctx, biz: Business) -> list[dict[str, Any]]:
    world = ctx.world
    found: dict[str, str] = {}
    for (agency, client), status in world.partners.items():
        if client == biz.id:
            found[agency] = status
    for partner, client in world.managed:
        if client == biz.id:
            found.setdefault(partner, "CONFIRMED")
    return [_partner_row(ctx, b, s) for b, s in found.items() if b in world.businesses]


def _drop_partnership(ctx: Ctx, agency_id: str, client_id: str) -> None:
    world = ctx.world
    world.partners.pop((agency_id, client_id), None)
    for asset in world.assets.values():
        if asset.owner_id == client_id and agency_id in asset.access:
            asset.access.pop(agency_id)
            for user_id in [u for u in asset.assigned if world.member_business(u) == agency_id]:
                asset.assigned.pop(user_id)


@edge("business", "agencies", "DELETE")
def remove_agency(ctx: Ctx, biz: Business) -> dict[str, Any]:
    agency = business_param(ctx)
    _drop_partnership(ctx, agency.id, biz.id)
    return SUCCESS


@edge("business", "clients", "DELETE")
def remove_client(ctx: Ctx, biz: Business) -> dict[str, Any]:
    client = business_param(ctx)
    _drop_partnership(ctx, biz.id, client.id)
    return SUCCESS


@edge("business", "owned_businesses", item="business")
def owned_businesses(ctx: Ctx, biz: Business) -> list[dict[str, Any]]:
    world = ctx.world
    return [
        {**business_row(world, b), "__obj__": b}
        for b in world.businesses.values()
        if b.parent_id == biz.id
    ]


@edge("business", "owned_businesses", "POST")
def create_child_business(ctx: Ctx, biz: Business) -> dict[str, Any]:
    access.require_admin(ctx, biz.id)
    name = ctx.req("name")
    child = ctx.world.add_business(
        name, vertical=ctx.param("vertical") or "OTHER", parent_id=biz.id
    )
    return {"id": child.id, "name": child.name}


@edge("business", "owned_businesses", "DELETE")
def delete_child_business(ctx: Ctx, biz: Business) -> dict[str, Any]:
    access.require_admin(ctx, biz.id)
    child = ctx.world.businesses.get(ctx.req("client_id"))
    if child is None or child.parent_id != biz.id:
        raise errors.param_error("Param client_id must be a child business of this business")
    ctx.world.businesses.pop(child.id)
    return SUCCESS


@edge("business", "business_asset_groups", item="asset_group")
def asset_groups(ctx: Ctx, biz: Business) -> list[dict[str, Any]]:
    world = ctx.world
    return [group_row(world, g) for g in world.asset_groups.values() if g.owner_id == biz.id]


# --- On Behalf Of (DOMAIN §4) ----------------------------------------------------------------


@edge("business", "managed_businesses", "POST", custom_access=True)
def create_managed(ctx: Ctx, partner: Business) -> dict[str, Any]:
    world = ctx.world
    client_id = ctx.param("existing_client_business_id")
    if client_id:
        client = world.businesses.get(client_id)
        if client is None:
            raise errors.param_error("Param existing_client_business_id must be a business id")
        # Step 1 runs with a *client admin's* user token (DOMAIN §4).
        if not world.is_admin(ctx.principal_id, client.id):
            raise errors.permission_error("the token must belong to an admin of the client")
        access.check_two_factor(ctx, client, "business")
    else:
        require_member(ctx, partner.id)
        name = ctx.req("name")
        client = world.add_business(name, vertical=ctx.param("vertical") or "OTHER")
    world.managed.add((partner.id, client.id))
    return {"id": client.id, "name": client.name}


@edge("business", "managed_businesses", "DELETE", custom_access=True)
def delete_managed(ctx: Ctx, partner: Business) -> dict[str, Any]:
    world = ctx.world
    client_id = ctx.req("existing_client_business_id")
    if not (
        world.is_admin(ctx.principal_id, client_id) or world.is_admin(ctx.principal_id, partner.id)
    ):
        raise errors.permission_error()
    if (partner.id, client_id) not in world.managed:
        raise errors.param_error("There is no On Behalf Of relationship with this business")
    world.managed.discard((partner.id, client_id))
    # Meta deletes the OBO system user with the relationship (DOMAIN §4 "Remove").
    for su in [
        s
        for s in world.system_users.values()
        if s.business_id == client_id and s.obo_partner_id == partner.id
    ]:
        world.system_users.pop(su.id)
        for tok in world.tokens.values():
            if tok.principal_id == su.id:
                tok.valid = False
        for asset in world.assets.values():
            asset.assigned.pop(su.id, None)
    return SUCCESS


@edge("business", "access_token", "POST", custom_access=True)
def obo_access_token(ctx: Ctx, client: Business) -> dict[str, Any]:
    """OBO step 2: partner admin system user token -> client-side system user token."""
    world = ctx.world
    app_id = ctx.req("app_id")
    scopes = ctx.list_param("scope", required=True)
    app = world.assets.get(app_id)
    if app is None or app.kind != "app":
        raise errors.param_error("Param app_id must be a valid app id")
    caller = world.system_users.get(ctx.principal_id)
    if caller is None or caller.role != "ADMIN" or caller.business_id != app.owner_id:
        raise errors.permission_error("an admin system user of the app's business is required")
    partner_id = caller.business_id
    if (partner_id, client.id) not in world.managed:
        raise errors.permission_error("no On Behalf Of relationship with this business")
    token = ctx.token
    assert token is not None
    missing = [s for s in ["business_management", *scopes] if s not in token.scopes]
    if missing:
        raise errors.GraphError(
            3962, f"(#3962) The permission(s) {', '.join(missing)} are not valid for this token"
        )
    name = ctx.param("system_user_name") or f"{client.name} SYSTEM USER"
    su = next(
        (
            s
            for s in world.system_users.values()
            if s.business_id == client.id and s.obo_partner_id == partner_id
        ),
        None,
    )
    if su is None:
        su = world.add_system_user(
            client.id, name, "EMPLOYEE", app_id=app.id, obo_partner_id=partner_id
        )
    if app.id not in su.apps:
        su.apps.append(app.id)
    # The client now sees the partner's app as a shared asset (DOMAIN §4).
    if client.id not in app.access:
        world.share_asset(app.id, client.id, [], status="CONFIRMED")
    issued = world.issue_token(su.id, app.id, scopes, "SYSTEM_USER")
    return {"access_token": issued.token}
