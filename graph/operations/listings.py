"""Business-level reads, one listing at a time: the business itself, its assets, pending
asset requests, people, partners, asset groups, and the roles on an app.

Listing functions come in pairs: `iter_x` yields nodes, `iter_x_pages` yields `Page`s whose
`is_last` tells a sync the listing completed (only a complete listing may mark missing rows
as removed).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..client import GraphClient
from ..types import (
    AppRoleNode,
    AssetGroupNode,
    AssetNode,
    AssignedUserNode,
    BusinessNode,
    BusinessUserNode,
    Page,
    PendingAssetNode,
    PendingUserNode,
    RelatedBusinessNode,
    SystemUserNode,
    asset_parser,
    parse_app_role,
    parse_asset_group,
    parse_assigned_user,
    parse_business,
    parse_business_user,
    parse_pending_user,
    parse_related_business,
    parse_system_user,
    pending_asset_parser,
)
from ._paging import act, items, parsed_pages
from .edges import (
    APP_ROLE_FIELDS,
    ASSET_FIELDS,
    ASSET_GROUP_FIELDS,
    BUSINESS_FIELDS,
    BUSINESS_USER_FIELDS,
    GROUP_ASSET_FIELDS,
    GROUP_EDGES,
    GROUP_USER_FIELDS,
    PENDING_EDGES,
    PENDING_USER_FIELDS,
    RELATED_BUSINESS_FIELDS,
    SYSTEM_USER_FIELDS,
    asset_edge,
    asset_listing_fields,
    pending_fields,
)

# --- the business ------------------------------------------------------------------------------


def get_business(client: GraphClient, business_id: str) -> BusinessNode:
    return parse_business(client.get(f"/{business_id}", {"fields": BUSINESS_FIELDS}))


# --- assets ------------------------------------------------------------------------------------


def iter_asset_pages(
    client: GraphClient, business_id: str, kind: str, relation: str
) -> Iterator[Page[AssetNode]]:
    edge = asset_edge(kind, relation)
    if edge is None:
        raise ValueError(f"No business edge lists {relation} {kind} assets")
    return parsed_pages(
        client, f"/{business_id}/{edge}", asset_listing_fields(kind, relation), asset_parser(kind)
    )


def iter_assets(
    client: GraphClient, business_id: str, kind: str, relation: str
) -> Iterator[AssetNode]:
    return items(iter_asset_pages(client, business_id, kind, relation))


def iter_custom_conversion_pages(
    client: GraphClient, ad_account_id: str
) -> Iterator[Page[AssetNode]]:
    return parsed_pages(
        client,
        f"/{act(ad_account_id)}/customconversions",
        ASSET_FIELDS["custom_conversion"],
        asset_parser("custom_conversion"),
    )


def iter_custom_conversions(client: GraphClient, ad_account_id: str) -> Iterator[AssetNode]:
    return items(iter_custom_conversion_pages(client, ad_account_id))


def iter_pending_asset_pages(
    client: GraphClient, business_id: str, kind: str, relation: str
) -> Iterator[Page[PendingAssetNode]]:
    spec = PENDING_EDGES.get((kind, relation))
    if spec is None:
        raise ValueError(f"No business edge lists pending {relation} {kind} requests")
    edge, key = spec
    return parsed_pages(
        client,
        f"/{business_id}/{edge}",
        pending_fields(key),
        pending_asset_parser(kind, relation, key),
    )


def iter_pending_assets(
    client: GraphClient, business_id: str, kind: str, relation: str
) -> Iterator[PendingAssetNode]:
    return items(iter_pending_asset_pages(client, business_id, kind, relation))


# --- people and relationships ------------------------------------------------------------------


def iter_business_user_pages(
    client: GraphClient, business_id: str
) -> Iterator[Page[BusinessUserNode]]:
    return parsed_pages(
        client, f"/{business_id}/business_users", BUSINESS_USER_FIELDS, parse_business_user
    )


def iter_business_users(client: GraphClient, business_id: str) -> Iterator[BusinessUserNode]:
    return items(iter_business_user_pages(client, business_id))


def iter_pending_user_pages(
    client: GraphClient, business_id: str
) -> Iterator[Page[PendingUserNode]]:
    return parsed_pages(
        client, f"/{business_id}/pending_users", PENDING_USER_FIELDS, parse_pending_user
    )


def iter_pending_users(client: GraphClient, business_id: str) -> Iterator[PendingUserNode]:
    return items(iter_pending_user_pages(client, business_id))


def iter_system_user_pages(client: GraphClient, business_id: str) -> Iterator[Page[SystemUserNode]]:
    return parsed_pages(
        client, f"/{business_id}/system_users", SYSTEM_USER_FIELDS, parse_system_user
    )


def iter_system_users(client: GraphClient, business_id: str) -> Iterator[SystemUserNode]:
    return items(iter_system_user_pages(client, business_id))


def iter_client_pages(client: GraphClient, business_id: str) -> Iterator[Page[RelatedBusinessNode]]:
    return parsed_pages(
        client, f"/{business_id}/clients", RELATED_BUSINESS_FIELDS, parse_related_business
    )


def iter_clients(client: GraphClient, business_id: str) -> Iterator[RelatedBusinessNode]:
    return items(iter_client_pages(client, business_id))


def iter_agency_pages(client: GraphClient, business_id: str) -> Iterator[Page[RelatedBusinessNode]]:
    return parsed_pages(
        client, f"/{business_id}/agencies", RELATED_BUSINESS_FIELDS, parse_related_business
    )


def iter_agencies(client: GraphClient, business_id: str) -> Iterator[RelatedBusinessNode]:
    return items(iter_agency_pages(client, business_id))


def iter_owned_business_pages(
    client: GraphClient, business_id: str
) -> Iterator[Page[RelatedBusinessNode]]:
    return parsed_pages(
        client, f"/{business_id}/owned_businesses", RELATED_BUSINESS_FIELDS, parse_related_business
    )


def iter_owned_businesses(client: GraphClient, business_id: str) -> Iterator[RelatedBusinessNode]:
    return items(iter_owned_business_pages(client, business_id))


# --- asset groups ------------------------------------------------------------------------------


def iter_asset_group_pages(client: GraphClient, business_id: str) -> Iterator[Page[AssetGroupNode]]:
    return parsed_pages(
        client, f"/{business_id}/business_asset_groups", ASSET_GROUP_FIELDS, parse_asset_group
    )


def iter_asset_groups(client: GraphClient, business_id: str) -> Iterator[AssetGroupNode]:
    return items(iter_asset_group_pages(client, business_id))


def iter_group_asset_pages(
    client: GraphClient, group_id: str, kind: str
) -> Iterator[Page[AssetNode]]:
    edge = GROUP_EDGES.get(kind)
    if edge is None:
        raise ValueError(f"Asset groups have no edge for {kind} assets")
    return parsed_pages(client, f"/{group_id}/{edge}", GROUP_ASSET_FIELDS, asset_parser(kind))


def iter_group_assets(client: GraphClient, group_id: str, kind: str) -> Iterator[AssetNode]:
    return items(iter_group_asset_pages(client, group_id, kind))


def iter_group_assigned_user_pages(
    client: GraphClient, group_id: str, business_id: str
) -> Iterator[Page[AssignedUserNode]]:
    return parsed_pages(
        client,
        f"/{group_id}/assigned_users",
        GROUP_USER_FIELDS,
        parse_assigned_user,
        {"business": business_id},
    )


def iter_group_assigned_users(
    client: GraphClient, group_id: str, business_id: str
) -> Iterator[AssignedUserNode]:
    return items(iter_group_assigned_user_pages(client, group_id, business_id))


# --- app roles ---------------------------------------------------------------------------------


def iter_app_role_pages(client: GraphClient, app_id: str) -> Iterator[Page[AppRoleNode]]:
    """People's roles on an app (administrators, developers, testers, insights users).

    `GET /{app-id}/roles` requires an app access token (`{app_id}|{app_secret}`): the client
    must have been made with one."""
    return parsed_pages(client, f"/{app_id}/roles", APP_ROLE_FIELDS, parse_app_role)
