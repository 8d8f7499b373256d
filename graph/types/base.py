"""What every family of Graph types shares: the page of a listing and the value parsers.

Meta omits fields the token cannot see, and sends a few values in more than one shape (tasks
as a list or a comma-separated string, times as ISO strings or unix seconds): these parsers
turn a missing or odd value into None or an empty tuple rather than an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
# Literal's members are only reachable through `__args__`, which typeshed does not declare.
ASSET_KINDS: tuple[str, ...] = AssetKind.__args__  # type: ignore[attr-defined]
Relation = Literal["owned", "client"]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing; `is_last` tells the caller the listing completed."""

    items: list[T]
    number: int
    is_last: bool


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


def row_id(row: Mapping[str, Any]) -> str | None:
    """A row's `id` as text; None when it has none (such a row matches nothing)."""
    value = row.get("id")
    return str(value) if value not in (None, "") else None


def id_and_name(value: Any) -> tuple[str | None, str | None]:
    """A reference to another node: `{id, name}` when expanded, a bare id otherwise."""
    if isinstance(value, Mapping):
        return text(value.get("id")), text(value.get("name"))
    return text(value), None
