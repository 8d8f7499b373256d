"""Many business listings in one call (field expansion, DOMAIN 7.2): the business node and
the first page of every listing in ONE request, each listing continued from its own
`paging.next`; and, when Meta refuses that request, which listings its refusal names."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..client import GraphClient
from ..errors import GraphError, MalformedResponseError
from ..types import (
    BusinessNode,
    Page,
    asset_parser,
    parse_asset_group,
    parse_business,
    parse_business_user,
    parse_pending_user,
    parse_related_business,
    parse_system_user,
    pending_asset_parser,
)
from .edges import (
    ASSET_EDGES,
    ASSET_GROUP_FIELDS,
    BUSINESS_FIELDS,
    BUSINESS_USER_FIELDS,
    NODE_TYPES,
    PENDING_EDGES,
    PENDING_NODE_TYPES,
    PENDING_USER_FIELDS,
    RELATED_BUSINESS_FIELDS,
    SYSTEM_USER_FIELDS,
    asset_listing_fields,
    pending_fields,
)

FIRST_PAGE_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Listing:
    """One business edge as the sync reads it: its fields and how to parse its rows, and the
    Graph node type of its rows (to tell which listing a refused field belongs to)."""

    edge: str
    fields: str
    parse: Callable[[Mapping[str, Any]], Any]
    node_type: str = ""


@dataclass(frozen=True, slots=True)
class FirstPage:
    rows: list[dict[str, Any]]
    next_link: str | None


@dataclass(frozen=True, slots=True)
class Refusal:
    """What Meta said it does not serve: a field or edge `name` on `node_type` (when named)."""

    name: str | None
    node_type: str | None


_NONEXISTING = re.compile(
    r"nonexisting field \((?P<name>[A-Za-z0-9_]+)\)(?: on node type \((?P<node>[A-Za-z0-9_]+)\))?"
)


def business_listings() -> dict[str, Listing]:
    """Every business-level listing a full sync reads, keyed by edge name."""
    listings: dict[str, Listing] = {}
    for (kind, relation), edge in ASSET_EDGES.items():
        listings[edge] = Listing(
            edge, asset_listing_fields(kind, relation), asset_parser(kind), NODE_TYPES[kind]
        )
    for (kind, relation), (edge, key) in PENDING_EDGES.items():
        listings[edge] = Listing(
            edge,
            pending_fields(key),
            pending_asset_parser(kind, relation, key),
            PENDING_NODE_TYPES[kind],
        )
    listings["business_users"] = Listing(
        "business_users", BUSINESS_USER_FIELDS, parse_business_user, "BusinessUser"
    )
    listings["pending_users"] = Listing(
        "pending_users", PENDING_USER_FIELDS, parse_pending_user, "BusinessRoleRequest"
    )
    listings["system_users"] = Listing(
        "system_users", SYSTEM_USER_FIELDS, parse_system_user, "SystemUser"
    )
    for edge in ("clients", "agencies"):
        listings[edge] = Listing(edge, RELATED_BUSINESS_FIELDS, parse_related_business, "Business")
    listings["business_asset_groups"] = Listing(
        "business_asset_groups", ASSET_GROUP_FIELDS, parse_asset_group, "BusinessAssetGroup"
    )
    return listings


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


# --- when Meta refuses the combined read -------------------------------------------------------


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
