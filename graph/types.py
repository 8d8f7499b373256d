"""Typed Graph objects: payloads are parsed into these at the boundary (STYLE 10).

Services never see Meta's raw dicts. Unknown or extra fields are ignored or kept in `extra`; a
missing optional field becomes None rather than an error, because Meta omits fields the token
cannot see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")

AssetKind = Literal[
    "ad_account",
    "page",
    "pixel",
    "catalog",
    "app",
    "offline_event_set",
    "custom_conversion",
    "instagram_account",
]
ASSET_KINDS: tuple[str, ...] = AssetKind.__args__  # type: ignore[attr-defined]
Relation = Literal["owned", "client"]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing; `is_last` tells the caller the listing completed."""

    items: list[T]
    number: int
    is_last: bool


@dataclass(frozen=True, slots=True)
class BusinessNode:
    id: str
    name: str
    verification_status: str | None = None
    two_factor_type: str | None = None
    timezone_id: int | None = None
    vertical: str | None = None
    created_time: datetime | None = None
    link: str | None = None


@dataclass(frozen=True, slots=True)
class AssetNode:
    id: str
    kind: str
    name: str
    owner_business_id: str | None = None
    owner_business_name: str | None = None
    # What the listing edge added (client_ad_accounts, client_pages, client_pixels); the edge
    # itself says owner or client: no asset node has access_type / access_status.
    permitted_tasks: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PendingAssetNode:
    request_id: str
    kind: str
    asset_id: str | None
    asset_name: str | None
    relation: str  # 'owned' | 'client'


@dataclass(frozen=True, slots=True)
class BusinessUserNode:
    id: str
    name: str
    email: str | None
    role: str | None


@dataclass(frozen=True, slots=True)
class PendingUserNode:
    id: str
    email: str | None
    role: str | None
    status: str | None
    expiration_time: datetime | None


@dataclass(frozen=True, slots=True)
class SystemUserNode:
    id: str
    name: str
    role: str | None
    created_time: datetime | None


@dataclass(frozen=True, slots=True)
class RelatedBusinessNode:
    id: str
    name: str
    access_status: str | None = None


@dataclass(frozen=True, slots=True)
class AssetGroupNode:
    id: str
    name: str
    owner_business_id: str | None


@dataclass(frozen=True, slots=True)
class AssignedUserNode:
    id: str
    name: str
    user_type: str | None
    tasks: tuple[str, ...]
    permitted_tasks: tuple[str, ...]
    # Asset groups report tasks per asset kind (adaccount_tasks, page_tasks, ...).
    tasks_by_kind: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AgencyShareNode:
    business_id: str
    name: str
    access_status: str | None
    permitted_tasks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GranularScope:
    scope: str
    target_ids: tuple[str, ...] = ()  # empty: the permission applies to everything


@dataclass(frozen=True, slots=True)
class TokenInfo:
    app_id: str | None
    type: str | None
    application: str | None
    is_valid: bool
    issued_at: datetime | None
    expires_at: datetime | None  # None = never expires (Meta sends 0)
    data_access_expires_at: datetime | None
    scopes: tuple[str, ...]
    granular_scopes: tuple[GranularScope, ...]
    user_id: str | None
    profile_id: str | None
    error_code: int | None
    error_message: str | None


@dataclass(frozen=True, slots=True)
class ExchangedToken:
    access_token: str = field(repr=False)
    token_type: str | None
    expires_in: int | None  # seconds; None when Meta did not say (never-expiring tokens)


# --- parsing helpers, shared by client.py and operations.py -------------------------------


def text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def str_tuple(value: Any) -> tuple[str, ...]:
    """Tasks arrive as a JSON list, and occasionally as a comma-separated string."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value if v is not None)
    return ()


def parse_time(value: Any) -> datetime | None:
    """Graph datetimes: ISO strings ("2024-01-02T03:04:05+0000") or unix seconds; UTC-aware."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        seconds = float(value)
        return datetime.fromtimestamp(seconds, tz=UTC) if seconds > 0 else None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def parse_token_info(data: dict[str, Any]) -> TokenInfo:
    error = data.get("error") if isinstance(data.get("error"), dict) else {}
    granular = []
    for row in data.get("granular_scopes") or []:
        if isinstance(row, dict) and row.get("scope"):
            granular.append(GranularScope(str(row["scope"]), str_tuple(row.get("target_ids"))))
    return TokenInfo(
        app_id=text(data.get("app_id")),
        type=text(data.get("type")),
        application=text(data.get("application")),
        is_valid=data.get("is_valid") is True,
        issued_at=parse_time(data.get("issued_at")),
        expires_at=parse_time(data.get("expires_at")),
        data_access_expires_at=parse_time(data.get("data_access_expires_at")),
        scopes=str_tuple(data.get("scopes")),
        granular_scopes=tuple(granular),
        user_id=text(data.get("user_id")),
        profile_id=text(data.get("profile_id")),
        error_code=as_int(error.get("code")),
        error_message=text(error.get("message")),
    )
