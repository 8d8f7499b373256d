"""Meta Graph API client: plain Python, imports nothing from Django (STYLE 8-10).

from graph import GraphClient, GraphConfig
client = GraphClient(GraphConfig(base_url=..., version="v25.0"), token, app_secret=...)
for asset in graph.operations.iter_assets(client, business_id, "ad_account", "owned"): ...
"""

from __future__ import annotations

from .batch import BatchRequest, BatchResult
from .client import CallRecord, GraphClient, MetaUnreachableError
from .config import GraphConfig
from .errors import (
    ERROR_CLASSES,
    BadRequestError,
    CapReachedError,
    GraphError,
    GraphTimeoutError,
    LastAdminError,
    MalformedResponseError,
    NotFoundError,
    PermissionMissingError,
    PolicyBlockedError,
    ReduceDataError,
    ThrottledError,
    TokenInvalidError,
    TransientError,
    TwoFactorRequiredError,
)
from .types import Page, TokenInfo
from .usage import Usage, parse_usage

__all__ = [
    "ERROR_CLASSES",
    "BadRequestError",
    "BatchRequest",
    "BatchResult",
    "CallRecord",
    "CapReachedError",
    "GraphClient",
    "GraphConfig",
    "GraphError",
    "GraphTimeoutError",
    "LastAdminError",
    "MalformedResponseError",
    "MetaUnreachableError",
    "NotFoundError",
    "Page",
    "PermissionMissingError",
    "PolicyBlockedError",
    "ReduceDataError",
    "ThrottledError",
    "TokenInfo",
    "TokenInvalidError",
    "TransientError",
    "TwoFactorRequiredError",
    "Usage",
    "parse_usage",
]
