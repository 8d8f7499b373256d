"""Typed operations the sync and push engines call (edges per docs/graph-contract.md).

Each function takes a GraphClient, makes the call(s) and returns parsed objects from types.py,
so services never handle Meta's raw dicts. Listing functions come in pairs: `iter_x` yields
nodes, `iter_x_pages` yields `Page`s whose `is_last` tells a sync the listing completed (only a
complete listing may mark missing rows as removed).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from .batch import BatchRequest, BatchResult
from .client import GraphClient
from .encoding import comma_list
from .errors import GraphError, MalformedResponseError
from .types import (
    AgencyShareNode,
    AssetGroupNode,
    AssetNode,
    AssignedUserNode,
    BusinessNode,
    BusinessUserNode,
    ExchangedToken,
    Page,
    PendingAssetNode,
    PendingUserNode,
    RelatedBusinessNode,
    SystemUserNode,
    TokenInfo,
    as_int,
    parse_time,
    str_tuple,
    text,
)

logger = logging.getLogger(__name__)
N = TypeVar("N")

BUSINESS_FIELDS = (
    "id,name,verification_status,two_factor_type,timezone_id,vertical,created_time,link"
)
_OWNER = "owner_business{id,name}"

# Fields per asset kind: only the node's own fields (SDK adobjects/adaccount.py, page.py,
# adspixel.py, productcatalog.py, application.py, instagrambusinessasset.py,
# customconversion.py `class Field`). No asset node has access_type / access_status: which
# edge listed an asset tells owner from client, and Meta refuses the whole request over one
# nonexisting field.
ASSET_FIELDS: dict[str, str] = {
    "ad_account": f"id,account_id,name,account_status,currency,timezone_name,{_OWNER}",
    "page": f"id,name,category,verification_status,{_OWNER}",
    "pixel": f"id,name,{_OWNER},last_fired_time,is_unavailable",
    "catalog": f"id,name,vertical,product_count,{_OWNER}",
    "app": "id,name,category,link",
    # Legacy: no longer read under v25 (the edge left the SDK in v20); rows already stored stay.
    "offline_event_set": "id,name,description,business{id,name}",
    # InstagramBusinessAsset, the grantable and shareable Instagram node (not IGUser).
    "instagram_account": "id,ig_user_id,ig_username",
    "custom_conversion": "id,name,account_id,custom_event_type,pixel{id},is_archived",
}

# (kind, relation) -> business edge (SDK adobjects/business.py `endpoint=`). Custom
# conversions are listed through ad accounts (iter_custom_conversions) or asset groups.
ASSET_EDGES: dict[tuple[str, str], str] = {
    ("ad_account", "owned"): "owned_ad_accounts",
    ("ad_account", "client"): "client_ad_accounts",
    ("page", "owned"): "owned_pages",
    ("page", "client"): "client_pages",
    ("pixel", "owned"): "owned_pixels",
    ("pixel", "client"): "client_pixels",
    ("catalog", "owned"): "owned_product_catalogs",
    ("catalog", "client"): "client_product_catalogs",
    ("app", "owned"): "owned_apps",
    ("app", "client"): "client_apps",
    ("instagram_account", "owned"): "owned_instagram_assets",
    ("instagram_account", "client"): "client_instagram_assets",
}

# Fields an edge adds to each node it lists (Meta's reference "Business Client Ad Accounts",
# "Business Client Pages", "Business Client Pixels": "The following fields will be added to
# each node that is returned: permitted_tasks"). Owned edges add nothing.
EDGE_ADDED_FIELDS: dict[str, str] = {
    "client_ad_accounts": "permitted_tasks",
    "client_pages": "permitted_tasks",
    "client_pixels": "permitted_tasks",
}


def asset_listing_fields(kind: str, relation: str) -> str:
    """The `fields` a listing of `kind` assets through `relation`'s edge asks for."""
    base = ASSET_FIELDS[kind]
    added = EDGE_ADDED_FIELDS.get(ASSET_EDGES.get((kind, relation), ""))
    return f"{base},{added}" if added else base


def edge_lists_tasks(edge: str) -> bool:
    """Whether an asset listing carries the business's permitted tasks on each asset."""
    return "permitted_tasks" in EDGE_ADDED_FIELDS.get(edge, "")


# (kind, relation) -> (edge, key of the asset inside each request item).
PENDING_EDGES: dict[tuple[str, str], tuple[str, str]] = {
    ("ad_account", "owned"): ("pending_owned_ad_accounts", "ad_account"),
    ("ad_account", "client"): ("pending_client_ad_accounts", "ad_account"),
    ("page", "owned"): ("pending_owned_pages", "page"),
    ("page", "client"): ("pending_client_pages", "page"),
    ("app", "client"): ("pending_client_apps", "application"),
}

# SDK adobjects/businessassetgroup.py: read endpoints, never method names
# (`get_contained_ad_accounts` reads `endpoint='/contained_adaccounts'`).
GROUP_EDGES: dict[str, str] = {
    "ad_account": "contained_adaccounts",
    "page": "contained_pages",
    "pixel": "contained_pixels",
    "catalog": "contained_product_catalogs",
    "app": "contained_applications",
    "custom_conversion": "contained_custom_conversions",
}
GROUP_ASSET_FIELDS = "id,name"

# AssignedUser (SDK adobjects/assigneduser.py: business, id, name, user_type) plus what the
# asset's assigned_users edge adds (reference "Ad Account, Assigned Users": tasks,
# permitted_tasks).
ASSIGNED_USER_FIELDS = "id,name,user_type,tasks,permitted_tasks"
# A group's assigned_users edge lists AssignedUser only (SDK businessassetgroup.py
# get_assigned_users -> AssignedUser): who is on the group, not with which tasks.
GROUP_USER_FIELDS = "id,name,user_type"
# The per-kind tasks are on the person side: GET /{system user | business user}/
# assigned_business_asset_groups lists BusinessAssetGroup (SDK systemuser.py, businessuser.py)
# and adds adaccount_tasks, page_tasks, pixel_tasks, offline_conversion_data_set_tasks to each
# node (reference "System User Assigned Business Asset Groups").
PERSON_GROUP_FIELDS = "id,adaccount_tasks,page_tasks,pixel_tasks"
AGENCY_FIELDS = "id,name,access_status,permitted_tasks"
BUSINESS_USER_FIELDS = "id,name,email,role,first_name,last_name"
PENDING_USER_FIELDS = "id,email,role,status,expiration_time,invite_link"
SYSTEM_USER_FIELDS = "id,name,role,created_time"

_ASSET_CORE = frozenset({"id", "name", "owner_business", "business", "permitted_tasks"})


# --- parsing -----------------------------------------------------------------------------------


def _id(row: Mapping[str, Any]) -> str | None:
    value = row.get("id")
    return str(value) if value not in (None, "") else None


def _ref(value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, Mapping):
        return text(value.get("id")), text(value.get("name"))
    return text(value), None


def parse_asset(row: Mapping[str, Any], kind: str) -> AssetNode | None:
    asset_id = _id(row)
    if asset_id is None:
        return None
    owner_id, owner_name = _ref(row.get("owner_business") or row.get("business"))
    # InstagramBusinessAsset has no name: its Instagram username is what people recognise.
    name = text(row.get("name")) or text(row.get("ig_username"))
    return AssetNode(
        id=asset_id,
        kind=kind,
        name=name or "",
        owner_business_id=owner_id,
        owner_business_name=owner_name,
        permitted_tasks=str_tuple(row.get("permitted_tasks")),
        extra={k: v for k, v in row.items() if k not in _ASSET_CORE},
    )


def parse_business(row: Mapping[str, Any]) -> BusinessNode:
    business_id = _id(row)
    if business_id is None:
        raise MalformedResponseError("the business answer had no id")
    return BusinessNode(
        id=business_id,
        name=text(row.get("name")) or "",
        verification_status=text(row.get("verification_status")),
        two_factor_type=text(row.get("two_factor_type")),
        timezone_id=as_int(row.get("timezone_id")),
        vertical=text(row.get("vertical")),
        created_time=parse_time(row.get("created_time")),
        link=text(row.get("link")),
    )


def parse_assigned_user(row: Mapping[str, Any]) -> AssignedUserNode | None:
    user_id = _id(row)
    if user_id is None:
        return None
    by_kind = {
        key.removesuffix("_tasks"): str_tuple(value)
        for key, value in row.items()
        if key.endswith("_tasks") and key != "permitted_tasks"
    }
    return AssignedUserNode(
        id=user_id,
        name=text(row.get("name")) or "",
        user_type=text(row.get("user_type")),
        tasks=str_tuple(row.get("tasks")),
        permitted_tasks=str_tuple(row.get("permitted_tasks")),
        tasks_by_kind=by_kind,
    )


def parse_agency(row: Mapping[str, Any]) -> AgencyShareNode | None:
    business_id = _id(row)
    if business_id is None:
        return None
    return AgencyShareNode(
        business_id=business_id,
        name=text(row.get("name")) or "",
        access_status=text(row.get("access_status")),
        permitted_tasks=str_tuple(row.get("permitted_tasks")),
    )


def _related(row: Mapping[str, Any]) -> RelatedBusinessNode | None:
    business_id = _id(row)
    if business_id is None:
        return None
    return RelatedBusinessNode(
        id=business_id,
        name=text(row.get("name")) or "",
        access_status=text(row.get("access_status")),
    )


def _business_user(row: Mapping[str, Any]) -> BusinessUserNode | None:
    user_id = _id(row)
    if user_id is None:
        return None
    name = text(row.get("name")) or " ".join(
        p for p in (text(row.get("first_name")), text(row.get("last_name"))) if p
    )
    return BusinessUserNode(
        id=user_id, name=name, email=text(row.get("email")), role=text(row.get("role"))
    )


def _pending_user(row: Mapping[str, Any]) -> PendingUserNode | None:
    request_id = _id(row)
    if request_id is None:
        return None
    return PendingUserNode(
        id=request_id,
        email=text(row.get("email")),
        role=text(row.get("role")),
        status=text(row.get("status")),
        expiration_time=parse_time(row.get("expiration_time") or row.get("expiry_time")),
    )


def _system_user(row: Mapping[str, Any]) -> SystemUserNode | None:
    user_id = _id(row)
    if user_id is None:
        return None
    return SystemUserNode(
        id=user_id,
        name=text(row.get("name")) or "",
        role=text(row.get("role")),
        created_time=parse_time(row.get("created_time")),
    )


def _group(row: Mapping[str, Any]) -> AssetGroupNode | None:
    group_id = _id(row)
    if group_id is None:
        return None
    owner_id, _ = _ref(row.get("owner_business"))
    return AssetGroupNode(id=group_id, name=text(row.get("name")) or "", owner_business_id=owner_id)


# --- generic listing ---------------------------------------------------------------------------


def _pages(
    client: GraphClient,
    path: str,
    fields: str,
    parse: Callable[[Mapping[str, Any]], N | None],
    params: Mapping[str, Any] | None = None,
) -> Iterator[Page[N]]:
    for page in client.iter_pages(path, fields=fields, params=params):
        nodes: list[N] = []
        for row in page.items:
            node = parse(row)
            if node is None:
                # A row without an id cannot be matched to anything; it is not a reason to
                # fail a whole listing.
                logger.warning("Skipping a %s item without an id", path.split("?", 1)[0])
                continue
            nodes.append(node)
        yield Page(items=nodes, number=page.number, is_last=page.is_last)


def _items(pages: Iterator[Page[N]]) -> Iterator[N]:
    for page in pages:
        yield from page.items


# --- business ----------------------------------------------------------------------------------


def get_business(client: GraphClient, business_id: str) -> BusinessNode:
    return parse_business(client.get(f"/{business_id}", {"fields": BUSINESS_FIELDS}))


def get_me(client: GraphClient) -> tuple[str, str]:
    """(id, name) of the token's owner (a person or a system user)."""
    body = client.get("/me", {"fields": "id,name"})
    user_id = _id(body)
    if user_id is None:
        raise MalformedResponseError("/me answered without an id")
    return user_id, text(body.get("name")) or ""


# --- assets ------------------------------------------------------------------------------------


def asset_edge(kind: str, relation: str) -> str | None:
    """The business edge listing `kind` assets for `relation`, or None if there is none."""
    return ASSET_EDGES.get((kind, relation))


def iter_asset_pages(
    client: GraphClient, business_id: str, kind: str, relation: str
) -> Iterator[Page[AssetNode]]:
    edge = asset_edge(kind, relation)
    if edge is None:
        raise ValueError(f"No business edge lists {relation} {kind} assets")
    return _pages(
        client,
        f"/{business_id}/{edge}",
        asset_listing_fields(kind, relation),
        lambda r: parse_asset(r, kind),
    )


def iter_assets(
    client: GraphClient, business_id: str, kind: str, relation: str
) -> Iterator[AssetNode]:
    return _items(iter_asset_pages(client, business_id, kind, relation))


def iter_custom_conversion_pages(
    client: GraphClient, ad_account_id: str
) -> Iterator[Page[AssetNode]]:
    return _pages(
        client,
        f"/{_act(ad_account_id)}/customconversions",
        ASSET_FIELDS["custom_conversion"],
        lambda r: parse_asset(r, "custom_conversion"),
    )


def iter_custom_conversions(client: GraphClient, ad_account_id: str) -> Iterator[AssetNode]:
    return _items(iter_custom_conversion_pages(client, ad_account_id))


def _pending_parser(kind: str, relation: str, key: str) -> Callable[..., PendingAssetNode | None]:
    def parse(row: Mapping[str, Any]) -> PendingAssetNode | None:
        request_id = _id(row)
        if request_id is None:
            return None
        asset_id, asset_name = _ref(row.get(key))
        return PendingAssetNode(request_id, kind, asset_id, asset_name, relation)

    return parse


def iter_pending_asset_pages(
    client: GraphClient, business_id: str, kind: str, relation: str
) -> Iterator[Page[PendingAssetNode]]:
    spec = PENDING_EDGES.get((kind, relation))
    if spec is None:
        raise ValueError(f"No business edge lists pending {relation} {kind} requests")
    edge, key = spec
    return _pages(
        client,
        f"/{business_id}/{edge}",
        f"id,{key}{{id,name}}",
        _pending_parser(kind, relation, key),
    )


def iter_pending_assets(
    client: GraphClient, business_id: str, kind: str, relation: str
) -> Iterator[PendingAssetNode]:
    return _items(iter_pending_asset_pages(client, business_id, kind, relation))


# --- people and relationships ------------------------------------------------------------------


def iter_business_user_pages(
    client: GraphClient, business_id: str
) -> Iterator[Page[BusinessUserNode]]:
    return _pages(client, f"/{business_id}/business_users", BUSINESS_USER_FIELDS, _business_user)


def iter_business_users(client: GraphClient, business_id: str) -> Iterator[BusinessUserNode]:
    return _items(iter_business_user_pages(client, business_id))


def iter_pending_user_pages(
    client: GraphClient, business_id: str
) -> Iterator[Page[PendingUserNode]]:
    return _pages(client, f"/{business_id}/pending_users", PENDING_USER_FIELDS, _pending_user)


def iter_pending_users(client: GraphClient, business_id: str) -> Iterator[PendingUserNode]:
    return _items(iter_pending_user_pages(client, business_id))


def iter_system_user_pages(client: GraphClient, business_id: str) -> Iterator[Page[SystemUserNode]]:
    return _pages(client, f"/{business_id}/system_users", SYSTEM_USER_FIELDS, _system_user)


def iter_system_users(client: GraphClient, business_id: str) -> Iterator[SystemUserNode]:
    return _items(iter_system_user_pages(client, business_id))


def iter_client_pages(client: GraphClient, business_id: str) -> Iterator[Page[RelatedBusinessNode]]:
    # Business has no access_status field (SDK adobjects/business.py `class Field`).
    return _pages(client, f"/{business_id}/clients", "id,name", _related)


def iter_clients(client: GraphClient, business_id: str) -> Iterator[RelatedBusinessNode]:
    return _items(iter_client_pages(client, business_id))


def iter_agency_pages(client: GraphClient, business_id: str) -> Iterator[Page[RelatedBusinessNode]]:
    return _pages(client, f"/{business_id}/agencies", "id,name", _related)


def iter_agencies(client: GraphClient, business_id: str) -> Iterator[RelatedBusinessNode]:
    return _items(iter_agency_pages(client, business_id))


def iter_owned_business_pages(
    client: GraphClient, business_id: str
) -> Iterator[Page[RelatedBusinessNode]]:
    return _pages(client, f"/{business_id}/owned_businesses", "id,name", _related)


def iter_owned_businesses(client: GraphClient, business_id: str) -> Iterator[RelatedBusinessNode]:
    return _items(iter_owned_business_pages(client, business_id))


# --- asset groups ------------------------------------------------------------------------------


def iter_asset_group_pages(client: GraphClient, business_id: str) -> Iterator[Page[AssetGroupNode]]:
    return _pages(client, f"/{business_id}/business_asset_groups", "id,name,owner_business", _group)


def iter_asset_groups(client: GraphClient, business_id: str) -> Iterator[AssetGroupNode]:
    return _items(iter_asset_group_pages(client, business_id))


def iter_group_asset_pages(
    client: GraphClient, group_id: str, kind: str
) -> Iterator[Page[AssetNode]]:
    edge = GROUP_EDGES.get(kind)
    if edge is None:
        raise ValueError(f"Asset groups have no edge for {kind} assets")
    return _pages(client, f"/{group_id}/{edge}", GROUP_ASSET_FIELDS, lambda r: parse_asset(r, kind))


def iter_group_assets(client: GraphClient, group_id: str, kind: str) -> Iterator[AssetNode]:
    return _items(iter_group_asset_pages(client, group_id, kind))


def iter_group_assigned_user_pages(
    client: GraphClient, group_id: str, business_id: str
) -> Iterator[Page[AssignedUserNode]]:
    return _pages(
        client,
        f"/{group_id}/assigned_users",
        GROUP_USER_FIELDS,
        parse_assigned_user,
        {"business": business_id},
    )


def iter_group_assigned_users(
    client: GraphClient, group_id: str, business_id: str
) -> Iterator[AssignedUserNode]:
    return _items(iter_group_assigned_user_pages(client, group_id, business_id))


@dataclass(frozen=True, slots=True)
class GroupTasksNode:
    """One asset group a person or system user is on, with their tasks per asset kind
    (`adaccount`, `page`, `pixel`: the `*_tasks` fields without the suffix)."""

    group_id: str
    tasks_by_kind: dict[str, tuple[str, ...]]


def _group_tasks(row: Mapping[str, Any]) -> GroupTasksNode | None:
    group_id = _id(row)
    if group_id is None:
        return None
    return GroupTasksNode(
        group_id=group_id,
        tasks_by_kind={
            key.removesuffix("_tasks"): str_tuple(value)
            for key, value in row.items()
            if key.endswith("_tasks")
        },
    )


def read_assigned_asset_groups(
    client: GraphClient, user_ids: Iterable[str]
) -> dict[str, list[GroupTasksNode] | GraphError]:
    """The asset groups each business user or system user is on, with their per-kind tasks:
    `GET /{user}/assigned_business_asset_groups` (reference "System User Assigned Business
    Asset Groups", "Business User Assigned Business Asset Groups"), one batch item per user."""
    limit = client.config.page_size
    return _batched_listing(
        client,
        user_ids,
        lambda u: _relative(
            f"{u}/assigned_business_asset_groups", fields=PERSON_GROUP_FIELDS, limit=limit
        ),
        _group_tasks,
    )


# --- per-asset reads through batch -------------------------------------------------------------


def _batched_listing(
    client: GraphClient,
    asset_ids: Iterable[str],
    url: Callable[[str], str],
    parse: Callable[[Mapping[str, Any]], N | None],
) -> dict[str, list[N] | GraphError]:
    """One batch GET per asset (50 per request); each item's own `paging.next` is followed."""
    ids = list(dict.fromkeys(asset_ids))
    results = client.batch([BatchRequest("GET", url(asset_id)) for asset_id in ids])
    out: dict[str, list[N] | GraphError] = {}
    for asset_id, result in zip(ids, results, strict=True):
        out[asset_id] = _collect(client, result, parse)
    return out


def _collect(
    client: GraphClient, result: BatchResult, parse: Callable[[Mapping[str, Any]], N | None]
) -> list[N] | GraphError:
    if result.error is not None:
        return result.error
    body = result.body or {}
    data = body.get("data")
    if not isinstance(data, list):
        return MalformedResponseError("a batch listing had no data list")
    rows = [row for row in data if isinstance(row, Mapping)]
    paging = body.get("paging")
    next_link = paging.get("next") if isinstance(paging, Mapping) else None
    if next_link:
        try:
            rows.extend(client.iter_edge(str(next_link)))
        except GraphError as err:
            # A half-read list must not look complete: the asset's answer is the error.
            return err
    return [node for node in (parse(row) for row in rows) if node is not None]


def _relative(path: str, **params: Any) -> str:
    return f"{path}?{urlencode(params, safe=',')}"


def read_assigned_users(
    client: GraphClient, business_id: str, asset_ids: Iterable[str]
) -> dict[str, list[AssignedUserNode] | GraphError]:
    """Who holds which tasks on each asset, as seen by `business_id` (required by Meta)."""
    limit = client.config.page_size
    return _batched_listing(
        client,
        asset_ids,
        lambda a: _relative(
            f"{a}/assigned_users", business=business_id, fields=ASSIGNED_USER_FIELDS, limit=limit
        ),
        parse_assigned_user,
    )


def read_asset_agencies(
    client: GraphClient, asset_ids: Iterable[str]
) -> dict[str, list[AgencyShareNode] | GraphError]:
    """Which partner businesses each asset is shared with, and with which tasks."""
    limit = client.config.page_size
    return _batched_listing(
        client,
        asset_ids,
        lambda a: _relative(f"{a}/agencies", fields=AGENCY_FIELDS, limit=limit),
        parse_agency,
    )


def read_custom_conversions(
    client: GraphClient, ad_account_ids: Iterable[str]
) -> dict[str, list[AssetNode] | GraphError]:
    """Custom conversions of many ad accounts, one batch item per account (keys as given)."""
    limit = client.config.page_size
    return _batched_listing(
        client,
        ad_account_ids,
        lambda a: _relative(
            f"{_act(a)}/customconversions", fields=ASSET_FIELDS["custom_conversion"], limit=limit
        ),
        lambda r: parse_asset(r, "custom_conversion"),
    )


# --- writes ------------------------------------------------------------------------------------
# `idempotent=True` marks writes that set a state (re-sending an applied one changes nothing),
# so the client may retry them after an unknown outcome; creations are never marked.


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


def create_system_user(client: GraphClient, business_id: str, name: str, role: str) -> str:
    """Create a system user (role ADMIN or EMPLOYEE); raises CapReachedError over the cap."""
    body = client.post(f"/{business_id}/system_users", {"name": name, "role": role})
    return _required_id(body, "system user")


def install_app(client: GraphClient, system_user_id: str, app_id: str) -> None:
    # GUESS: installing an app already installed is harmless, so a retry is safe.
    client.post(f"/{system_user_id}/applications", {"business_app": app_id}, idempotent=True)


def generate_system_user_token(
    client: GraphClient,
    system_user_id: str,
    app_id: str,
    scopes: Sequence[str],
    expiring: bool,
) -> str:
    """Generate a system-user token; Meta requires appsecret_proof here (DOMAIN 3.5)."""
    if not client.has_app_secret:
        raise ValueError("generating a system-user token needs the app secret (appsecret_proof)")
    data: dict[str, Any] = {"business_app": app_id, "scope": comma_list(scopes)}
    if expiring:
        data["set_token_expires_in_60_days"] = True
    return _required_token(client.post(f"/{system_user_id}/access_tokens", data))


def revoke_system_user_tokens(client: GraphClient, system_user_id: str) -> None:
    """Invalidate every token of a system user (they can never be deleted, DOMAIN 4)."""
    client.delete(f"/{system_user_id}/access_tokens")


def invite_business_user(client: GraphClient, business_id: str, email: str, role: str) -> str:
    """Invite a person by email; the id is the invitation (see pending_users)."""
    body = client.post(f"/{business_id}/business_users", {"email": email, "role": role})
    return _required_id(body, "invitation")


def remove_business_user(client: GraphClient, business_user_id: str) -> None:
    """Remove a person from the business; raises LastAdminError for the last admin."""
    client.delete(f"/{business_user_id}")


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


def create_client_system_user_token(
    client: GraphClient, client_business_id: str, app_id: str, scopes: Sequence[str]
) -> str:
    """On Behalf Of step 2, with the partner's admin system-user token (DOMAIN 4)."""
    body = client.post(
        f"/{client_business_id}/access_token", {"app_id": app_id, "scope": comma_list(scopes)}
    )
    return _required_token(body)


# --- tokens ------------------------------------------------------------------------------------


def debug_token(
    client: GraphClient, input_token: str, *, app_id: str, app_secret: str
) -> TokenInfo:
    return client.debug_token(input_token, app_id=app_id, app_secret=app_secret)


def exchange_code(
    client: GraphClient, *, code: str, app_id: str, app_secret: str, redirect_uri: str
) -> ExchangedToken:
    return client.exchange_code(
        code, app_id=app_id, app_secret=app_secret, redirect_uri=redirect_uri
    )


def exchange_token(
    client: GraphClient, token: str, *, app_id: str, app_secret: str, expiring: bool = True
) -> ExchangedToken:
    return client.exchange_token(token, app_id=app_id, app_secret=app_secret, expiring=expiring)


def revoke_token(client: GraphClient, token: str, *, app_id: str, app_secret: str) -> bool:
    return client.revoke_token(token, app_id=app_id, app_secret=app_secret)


def _act(ad_account_id: str) -> str:
    return ad_account_id if ad_account_id.startswith("act_") else f"act_{ad_account_id}"


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _required_id(body: Mapping[str, Any], what: str) -> str:
    value = _id(body)
    if value is None:
        raise MalformedResponseError(f"Meta created the {what} but sent no id")
    return value


def _required_token(body: Mapping[str, Any]) -> str:
    token = text(body.get("access_token"))
    if not token:
        raise MalformedResponseError("Meta's answer had no access_token")
    return token


# --- many business listings in one call (field expansion, DOMAIN 7.2) --------------------------


@dataclass(frozen=True, slots=True)
class Listing:
    """One business edge as the sync reads it: its fields and how to parse its rows, and the
    Graph node type of its rows (to tell which listing a refused field belongs to)."""

    edge: str
    fields: str
    parse: Callable[[Mapping[str, Any]], Any]
    node_type: str = ""


# Graph node type of each asset kind (SDK adobjects class names), as Meta names them in errors.
NODE_TYPES: dict[str, str] = {
    "ad_account": "AdAccount",
    "page": "Page",
    "pixel": "AdsPixel",
    "catalog": "ProductCatalog",
    "app": "Application",
    "instagram_account": "InstagramBusinessAsset",
    "custom_conversion": "CustomConversion",
}

_NONEXISTING = re.compile(
    r"nonexisting field \((?P<name>[A-Za-z0-9_]+)\)(?: on node type \((?P<node>[A-Za-z0-9_]+)\))?"
)


@dataclass(frozen=True, slots=True)
class Refusal:
    """What Meta said it does not serve: a field or edge `name` on `node_type` (when named)."""

    name: str | None
    node_type: str | None


def withdrawn_refusal(err: GraphError) -> Refusal | None:
    """A refusal meaning "Meta does not serve this (any more)": `(#100) Tried accessing
    nonexisting field (X) on node type (Y)`, or `(#100, subcode 33) Unsupported get request`.
    None for any other error (a bad parameter, a permission, a token...)."""
    if err.code != 100:
        return None
    match = _NONEXISTING.search(err.message or "")
    if match:
        return Refusal(match.group("name"), match.group("node"))
    if err.subcode == 33:
        return Refusal(None, None)
    return None


def listings_refused(listings: Iterable[Listing], refusal: Refusal) -> list[Listing]:
    """The listings a refusal of the combined read names: the edge itself, or the listings
    whose rows are of the named node type and ask for the named field."""
    listings = list(listings)
    if refusal.name is None:
        return []
    by_edge = [x for x in listings if x.edge == refusal.name]
    if by_edge:
        return by_edge
    return [
        x
        for x in listings
        if refusal.name in _field_names(x.fields)
        and (refusal.node_type is None or x.node_type == refusal.node_type)
    ]


def _field_names(fields: str) -> set[str]:
    """Every field name in a `fields` value, nested ones included (`owner_business{id,name}`)."""
    return set(re.findall(r"[A-Za-z0-9_]+", re.sub(r"\.[a-z_]+\([^)]*\)", "", fields)))


def business_listings() -> dict[str, Listing]:
    """Every business-level listing a full sync reads, keyed by edge name."""
    listings: dict[str, Listing] = {}
    for (kind, relation), edge in ASSET_EDGES.items():
        listings[edge] = Listing(
            edge,
            asset_listing_fields(kind, relation),
            lambda r, k=kind: parse_asset(r, k),
            NODE_TYPES[kind],
        )
    for (kind, relation), (edge, key) in PENDING_EDGES.items():
        listings[edge] = Listing(
            edge,
            f"id,{key}{{id,name}}",
            _pending_parser(kind, relation, key),
            "BusinessAdAccountRequest"
            if kind == "ad_account"
            else "BusinessPageRequest"
            if kind == "page"
            else "BusinessApplicationRequest",
        )
    listings["business_users"] = Listing(
        "business_users", BUSINESS_USER_FIELDS, _business_user, "BusinessUser"
    )
    listings["pending_users"] = Listing(
        "pending_users", PENDING_USER_FIELDS, _pending_user, "BusinessRoleRequest"
    )
    listings["system_users"] = Listing(
        "system_users", SYSTEM_USER_FIELDS, _system_user, "SystemUser"
    )
    listings["clients"] = Listing("clients", "id,name", _related, "Business")
    listings["agencies"] = Listing("agencies", "id,name", _related, "Business")
    listings["business_asset_groups"] = Listing(
        "business_asset_groups", "id,name,owner_business", _group, "BusinessAssetGroup"
    )
    return listings


FIRST_PAGE_LIMIT = 100


@dataclass(frozen=True, slots=True)
class FirstPage:
    rows: list[dict[str, Any]]
    next_link: str | None


def read_first_pages(
    client: GraphClient, business_id: str, listings: Iterable[Listing]
) -> tuple[BusinessNode, dict[str, FirstPage]]:
    """The business node and the first page of every listing, in ONE request:
    `GET /{id}?fields=...,owned_pages.limit(N){...},business_users.limit(N){...}` (DOMAIN 7.2).

    Nested edges bring their own `paging.next`; callers continue from it with
    `continue_pages`. Meta leaves out an edge with nothing in it, which reads as an empty,
    complete listing. A refusal of the whole request (an edge this token may not read, or
    "reduce the amount of data") is raised: callers then read the listings one by one."""
    # Every listing's first page arrives in this one answer, so its pages are kept small:
    # the answer's size (and a sync's memory) stays bounded whatever the page size. Later
    # pages go back to the full page size (the client's `limit` overrides the link's).
    limit = min(client.config.page_size, FIRST_PAGE_LIMIT)
    listings = list(listings)
    parts = [BUSINESS_FIELDS] + [f"{x.edge}.limit({limit}){{{x.fields}}}" for x in listings]
    body = client.get(f"/{business_id}", {"fields": ",".join(parts)})
    pages: dict[str, FirstPage] = {}
    for listing in listings:
        value = body.get(listing.edge)
        if value is None:
            pages[listing.edge] = FirstPage([], None)
            continue
        data = value.get("data") if isinstance(value, Mapping) else None
        if not isinstance(data, list):
            raise MalformedResponseError(f"the expanded {listing.edge} had no data list")
        paging = value.get("paging")
        next_link = paging.get("next") if isinstance(paging, Mapping) else None
        pages[listing.edge] = FirstPage(
            [row for row in data if isinstance(row, dict)], str(next_link) if next_link else None
        )
    return parse_business(body), pages


def continue_pages(client: GraphClient, listing: Listing, first: FirstPage) -> Iterator[Page[Any]]:
    """Pages of a listing, starting from its prefetched first page."""

    def parsed(rows: Iterable[Mapping[str, Any]]) -> list[Any]:
        return [node for node in (listing.parse(row) for row in rows) if node is not None]

    yield Page(items=parsed(first.rows), number=1, is_last=first.next_link is None)
    if first.next_link is None:
        return
    for page in client.iter_pages(first.next_link):
        yield Page(items=parsed(page.items), number=page.number + 1, is_last=page.is_last)


# --- app roles ---------------------------------------------------------------------------------

APP_ROLE_FIELDS = "app_id,user,role"


@dataclass(frozen=True, slots=True)
class AppRoleNode:
    user_id: str
    role: str


def _app_role(row: Mapping[str, Any]) -> AppRoleNode | None:
    user_id, _name = _ref(row.get("user"))
    role = text(row.get("role"))
    if user_id is None or role is None:
        return None
    return AppRoleNode(user_id=user_id, role=role)


def iter_app_role_pages(client: GraphClient, app_id: str) -> Iterator[Page[AppRoleNode]]:
    """People's roles on an app (administrators, developers, testers, insights users).

    `GET /{app-id}/roles` requires an app access token (`{app_id}|{app_secret}`): the client
    must have been made with one."""
    return _pages(client, f"/{app_id}/roles", APP_ROLE_FIELDS, _app_role)


def remove_client(client: GraphClient, agency_business_id: str, client_business_id: str) -> None:
    """End a partnership from the agency's side: `DELETE /{agency}/clients?business=` (DOMAIN
    1.2). The agency loses its access to the client's shared assets."""
    client.delete(f"/{agency_business_id}/clients", {"business": client_business_id})


# --- a client admin's own view, for onboarding ----------------------------------------------------
# Read with the token of the person who logged in (Facebook Login), not the agency's: a new
# client's Business Manager and its assets are visible only to its own people.

# `GET /me/businesses` [SDK user.py get_businesses -> Business]; the fields are Business.Field
# members [SDK business.py].
MY_BUSINESS_FIELDS = "id,name,verification_status,two_factor_type"

# Owned edges and node fields for the assets a client can share with a partner. Only fields of
# each node in Meta's SDK; no access_type/access_status (not fields of these nodes).
#   owned_ad_accounts [SDK business.py get_owned_ad_accounts; adaccount.py Field id, account_id, name]
#   owned_pages [business.py get_owned_pages; page.py Field id, name]
#   owned_pixels [business.py get_owned_pixels; adspixel.py Field id, name]
#   owned_product_catalogs [business.py get_owned_product_catalogs; productcatalog.py id, name]
#   owned_instagram_assets [business.py get_owned_instagram_assets -> InstagramBusinessAsset;
#     instagrambusinessasset.py Field id, ig_user_id, ig_username]
SHAREABLE_EDGES: dict[str, tuple[str, str]] = {
    "ad_account": ("owned_ad_accounts", "id,account_id,name"),
    "page": ("owned_pages", "id,name"),
    "pixel": ("owned_pixels", "id,name"),
    "catalog": ("owned_product_catalogs", "id,name"),
    "instagram_account": ("owned_instagram_assets", "id,ig_username"),
}


@dataclass(frozen=True, slots=True)
class ShareableAssetNode:
    id: str
    kind: str
    name: str


def _shareable(row: Mapping[str, Any], kind: str) -> ShareableAssetNode | None:
    asset_id = _id(row)
    if asset_id is None:
        return None
    if kind == "ad_account" and not asset_id.startswith("act_"):
        asset_id = f"act_{asset_id}"
    name = text(row.get("name")) or text(row.get("ig_username")) or ""
    if kind == "instagram_account" and name and "name" not in row:
        name = f"@{name}"
    return ShareableAssetNode(id=asset_id, kind=kind, name=name)


def iter_my_businesses(client: GraphClient) -> Iterator[BusinessNode]:
    """The Business Managers the token's person belongs to."""
    return _items(
        _pages(
            client,
            "/me/businesses",
            MY_BUSINESS_FIELDS,
            lambda r: parse_business(r) if _id(r) is not None else None,
        )
    )


def iter_shareable_assets(
    client: GraphClient, business_id: str, kind: str
) -> Iterator[ShareableAssetNode]:
    """Assets of one kind that the business owns (and so can share with a partner)."""
    edge, fields = SHAREABLE_EDGES[kind]
    return _items(_pages(client, f"/{business_id}/{edge}", fields, lambda r: _shareable(r, kind)))
