"""A client admin's own view, for onboarding: the Business Managers a person belongs to and
the assets each one owns (and so can share with a partner).

Read with the token of the person who logged in (Facebook Login), not the agency's: a new
client's Business Manager and its assets are visible only to its own people.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..client import GraphClient
from ..types import BusinessNode, ShareableAssetNode, parse_listed_business, shareable_asset_parser
from ._paging import items, parsed_pages

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


def iter_my_businesses(client: GraphClient) -> Iterator[BusinessNode]:
    """The Business Managers the token's person belongs to."""
    return items(parsed_pages(client, "/me/businesses", MY_BUSINESS_FIELDS, parse_listed_business))


def iter_shareable_assets(
    client: GraphClient, business_id: str, kind: str
) -> Iterator[ShareableAssetNode]:
    """Assets of one kind that the business owns (and so can share with a partner)."""
    edge, fields = SHAREABLE_EDGES[kind]
    return items(
        parsed_pages(client, f"/{business_id}/{edge}", fields, shareable_asset_parser(kind))
    )
