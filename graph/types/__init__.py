"""Typed Graph objects: payloads are parsed into these at the boundary (STYLE 10).

Services never see Meta's raw dicts. Unknown or extra fields are ignored or kept in `extra`; a
missing optional field becomes None rather than an error, because Meta omits fields the token
cannot see. One module per family, each type beside the parser that builds it: `base` (pages
and value parsers), `business` (businesses and their people), `assets` (assets and their
grants), `tokens`.
"""

from __future__ import annotations

from .assets import (
    AgencyShareNode,
    AssetGroupNode,
    AssetNode,
    AssignedUserNode,
    GroupTasksNode,
    PendingAssetNode,
    ShareableAssetNode,
    asset_parser,
    parse_agency,
    parse_asset,
    parse_asset_group,
    parse_assigned_user,
    parse_group_tasks,
    pending_asset_parser,
    shareable_asset_parser,
)
from .base import (
    ASSET_KINDS,
    AssetKind,
    Page,
    Relation,
    as_int,
    id_and_name,
    parse_time,
    row_id,
    str_tuple,
    text,
)
from .business import (
    AppRoleNode,
    BusinessNode,
    BusinessUserNode,
    PendingUserNode,
    RelatedBusinessNode,
    SystemUserNode,
    parse_app_role,
    parse_business,
    parse_business_user,
    parse_listed_business,
    parse_pending_user,
    parse_related_business,
    parse_system_user,
)
from .tokens import (
    ExchangedToken,
    GranularScope,
    TokenInfo,
    parse_access_token,
    parse_exchanged_token,
    parse_token_info,
)

__all__ = [
    "ASSET_KINDS",
    "AgencyShareNode",
    "AppRoleNode",
    "AssetGroupNode",
    "AssetKind",
    "AssetNode",
    "AssignedUserNode",
    "BusinessNode",
    "BusinessUserNode",
    "ExchangedToken",
    "GranularScope",
    "GroupTasksNode",
    "Page",
    "PendingAssetNode",
    "PendingUserNode",
    "RelatedBusinessNode",
    "Relation",
    "ShareableAssetNode",
    "SystemUserNode",
    "TokenInfo",
    "as_int",
    "asset_parser",
    "id_and_name",
    "parse_access_token",
    "parse_agency",
    "parse_app_role",
    "parse_asset",
    "parse_asset_group",
    "parse_assigned_user",
    "parse_business",
    "parse_business_user",
    "parse_exchanged_token",
    "parse_group_tasks",
    "parse_listed_business",
    "parse_pending_user",
    "parse_related_business",
    "parse_system_user",
    "parse_time",
    "parse_token_info",
    "pending_asset_parser",
    "row_id",
    "shareable_asset_parser",
    "str_tuple",
    "text",
]
