"""Per-object reads through batch, one item per asset (or person), 50 items per request:
who is assigned to each asset, which partners each asset is shared with, each ad account's
custom conversions, each person's asset groups. A failed item is that object's answer (a
`GraphError`); the other objects are unaffected."""

from __future__ import annotations

from collections.abc import Iterable

from ..client import GraphClient
from ..errors import GraphError
from ..types import (
    AgencyShareNode,
    AssetNode,
    AssignedUserNode,
    GroupTasksNode,
    asset_parser,
    parse_agency,
    parse_assigned_user,
    parse_group_tasks,
)
from ._paging import act, batched_listing, relative_url
from .edges import AGENCY_FIELDS, ASSET_FIELDS, ASSIGNED_USER_FIELDS, PERSON_GROUP_FIELDS


def read_assigned_users(
    client: GraphClient, business_id: str, asset_ids: Iterable[str]
) -> dict[str, list[AssignedUserNode] | GraphError]:
    """Who holds which tasks on each asset, as seen by `business_id` (required by Meta)."""
    limit = client.config.page_size
    return batched_listing(
        client,
        asset_ids,
        lambda a: relative_url(
            f"{a}/assigned_users", business=business_id, fields=ASSIGNED_USER_FIELDS, limit=limit
        ),
        parse_assigned_user,
    )


def read_asset_agencies(
    client: GraphClient, asset_ids: Iterable[str]
) -> dict[str, list[AgencyShareNode] | GraphError]:
    """Which partner businesses each asset is shared with, and with which tasks."""
    limit = client.config.page_size
    return batched_listing(
        client,
        asset_ids,
        lambda a: relative_url(f"{a}/agencies", fields=AGENCY_FIELDS, limit=limit),
        parse_agency,
    )


def read_custom_conversions(
    client: GraphClient, ad_account_ids: Iterable[str]
) -> dict[str, list[AssetNode] | GraphError]:
    """Custom conversions of many ad accounts, one batch item per account (keys as given)."""
    limit = client.config.page_size
    return batched_listing(
        client,
        ad_account_ids,
        lambda a: relative_url(
            f"{act(a)}/customconversions", fields=ASSET_FIELDS["custom_conversion"], limit=limit
        ),
        asset_parser("custom_conversion"),
    )


def read_assigned_asset_groups(
    client: GraphClient, user_ids: Iterable[str]
) -> dict[str, list[GroupTasksNode] | GraphError]:
    """The asset groups each business user or system user is on, with their per-kind tasks:
    `GET /{user}/assigned_business_asset_groups` (reference "System User Assigned Business
    Asset Groups", "Business User Assigned Business Asset Groups"), one batch item per user."""
    limit = client.config.page_size
    return batched_listing(
        client,
        user_ids,
        lambda u: relative_url(
            f"{u}/assigned_business_asset_groups", fields=PERSON_GROUP_FIELDS, limit=limit
        ),
        parse_group_tasks,
    )
