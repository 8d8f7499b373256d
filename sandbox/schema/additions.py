"""What the SDK's generated classes cannot say, kept by hand; every entry names its source.

- ``EDGE_FIELDS``: fields an edge adds to each node it lists. Meta's reference pages say so in
  "The following fields will be added to each node that is returned"; the SDK's classes only
  know a node's own fields (``AdAccount`` has no ``permitted_tasks``, yet every row of
  ``client_ad_accounts`` carries one).
- ``EDGES``: edges Meta documents on a node type whose SDK class lacks them.
- ``EDGE_PARAMS``: parameters Meta's own documentation sends to an edge whose SDK request
  does not list them.

Nothing here may make a node type accept more than Meta's reference says it does.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class EdgeFields:
    node: str
    edges: tuple[str, ...]
    fields: tuple[str, ...]
    source: str  # the Meta reference page title(s)


@dataclass(frozen=True, slots=True)
class EdgeParams:
    node: str
    edge: str
    method: str
    params: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class ExtraEdge:
    node: str
    edge: str
    method: str
    target: str | None
    source: str
    params: dict[str, str] = field(default_factory=dict)


_ASSIGNED_USERS = ("permitted_tasks", "tasks")
_AGENCIES = ("access_requested_time", "access_status", "access_updated_time", "permitted_tasks")
_USER_ASSETS = ("permitted_tasks", "tasks")
_GROUP_TASKS = (
    "adaccount_tasks",
    "offline_conversion_data_set_tasks",
    "page_tasks",
    "pixel_tasks",
)

EDGE_FIELDS: tuple[EdgeFields, ...] = (
    # An asset's people: AssignedUser plus the person's tasks on that asset.
    EdgeFields("AdAccount", ("assigned_users",), _ASSIGNED_USERS, "Ad Account, Assigned Users"),
    EdgeFields("Page", ("assigned_users",), _ASSIGNED_USERS, "Page Assigned Users"),
    EdgeFields("AdsPixel", ("assigned_users",), _ASSIGNED_USERS, "Ads Pixel Assigned Users"),
    EdgeFields(
        "ProductCatalog", ("assigned_users",), _ASSIGNED_USERS, "Product Catalog Assigned Users"
    ),
    EdgeFields(
        "InstagramBusinessAsset",
        ("assigned_users",),
        _ASSIGNED_USERS,
        "Instagram Business Asset Assigned Users",
    ),
    # An asset's partner businesses: Business plus the state and tasks of the share.
    EdgeFields("AdAccount", ("agencies",), _AGENCIES, "Ad Account Agencies"),
    EdgeFields("Page", ("agencies",), _AGENCIES, "Page Agencies"),
    EdgeFields("AdsPixel", ("agencies",), _AGENCIES, "Ads Pixel Agencies"),
    EdgeFields("ProductCatalog", ("agencies",), _AGENCIES, "Product Catalog Agencies"),
    EdgeFields(
        "InstagramBusinessAsset", ("agencies",), _AGENCIES, "Instagram Business Asset Agencies"
    ),
    # A business's client assets: the tasks the client granted (owned_* edges add nothing).
    EdgeFields(
        "Business",
        ("client_ad_accounts", "client_pages", "client_pixels"),
        ("permitted_tasks",),
        "Business Client Ad Accounts; Business Client Pages; Business Client Pixels",
    ),
    # The token's pages, each with the person's tasks (and the page token, a Page field).
    EdgeFields("User", ("accounts",), ("tasks",), "User Accounts"),
    # A person's assets and asset groups: their tasks on each.
    EdgeFields(
        "SystemUser",
        ("assigned_ad_accounts", "assigned_pages", "assigned_product_catalogs"),
        _USER_ASSETS,
        "System User Assigned Ad Accounts; System User Assigned Pages; "
        "System User Assigned Product Catalogs",
    ),
    EdgeFields(
        "BusinessUser",
        ("assigned_ad_accounts", "assigned_pages", "assigned_product_catalogs"),
        _USER_ASSETS,
        "Business User Assigned Ad Accounts; Business User Assigned Pages; "
        "Business User Assigned Product Catalogs",
    ),
    EdgeFields(
        "SystemUser",
        ("assigned_business_asset_groups",),
        _GROUP_TASKS,
        "System User Assigned Business Asset Groups",
    ),
    EdgeFields(
        "BusinessUser",
        ("assigned_business_asset_groups",),
        _GROUP_TASKS,
        "Business User Assigned Business Asset Groups",
    ),
)

# The system-user endpoints of the Business Management guide. The SDK generates them on
# ``User`` (adobjects/user.py ``create_access_token`` -> ``/access_tokens``,
# ``create_application`` -> ``/applications``), with the same params, and a system user's id
# answers them.
EDGES: tuple[ExtraEdge, ...] = (
    ExtraEdge(
        "SystemUser",
        "access_tokens",
        "POST",
        "User",
        "System Users, Generate an Access Token; SDK adobjects/user.py create_access_token",
        {
            "business_app": "string",
            "scope": "list<string>",
            "set_token_expires_in_60_days": "bool",
        },
    ),
    ExtraEdge(
        "SystemUser",
        "access_tokens",
        "DELETE",
        None,
        "System Users, Invalidate Access Tokens; SDK adobjects/user.py delete_access_tokens",
    ),
    ExtraEdge(
        "SystemUser",
        "applications",
        "POST",
        "User",
        "System Users, Install Apps; SDK adobjects/user.py create_application",
        {"business_app": "int"},
    ),
)

EDGE_PARAMS: tuple[EdgeParams, ...] = (
    # The SDK's AdAccount.create_assigned_user lists only user and tasks; Meta's guide sends
    # the business too when assigning a system user to an ad account.
    EdgeParams(
        "AdAccount",
        "assigned_users",
        "POST",
        ("business",),
        "Marketing API guide 'System User Permissions' (POST act_{id}/assigned_users with "
        "user, tasks, business)",
    ),
)
