"""Which edges the portal reads and which fields it asks of each (docs/graph-contract.md).

Shared by the listings read one by one (listings.py) and the combined first-page read
(expansion.py). Every field named here is a field of the node type the edge lists in Meta's
SDK (`facebook_business/adobjects/*.py`), or one the edge adds per Meta's reference: Meta
refuses the whole request over one nonexisting field.
"""

from __future__ import annotations

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


def asset_edge(kind: str, relation: str) -> str | None:
    """The business edge listing `kind` assets for `relation`, or None if there is none."""
    return ASSET_EDGES.get((kind, relation))


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


def pending_fields(key: str) -> str:
    """The `fields` of a pending-asset listing whose rows name the asset under `key`."""
    return f"id,{key}{{id,name}}"


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
# SDK businessassetgroup.py Field: id, name, owner_business.
ASSET_GROUP_FIELDS = "id,name,owner_business"

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
# Business has no access_status field (SDK adobjects/business.py `class Field`).
RELATED_BUSINESS_FIELDS = "id,name"
# Reference "Application Roles" (the SDK's roles edge has no target node type).
APP_ROLE_FIELDS = "app_id,user,role"

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
# ... and of the requests a pending-asset listing lists, per asset kind.
PENDING_NODE_TYPES: dict[str, str] = {
    "ad_account": "BusinessAdAccountRequest",
    "page": "BusinessPageRequest",
    "app": "BusinessApplicationRequest",
}
