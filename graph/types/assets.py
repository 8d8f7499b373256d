"""Assets and who may use them: assets, pending asset requests, asset groups, the people
assigned to an asset, the partners it is shared with; each type with the parser that builds it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .base import id_and_name, row_id, str_tuple, text

# What parse_asset reads itself; every other field of the row is kept in `extra`.
_ASSET_CORE = frozenset({"id", "name", "owner_business", "business", "permitted_tasks"})


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
class GroupTasksNode:
    """One asset group a person or system user is on, with their tasks per asset kind
    (`adaccount`, `page`, `pixel`: the `*_tasks` fields without the suffix)."""

    group_id: str
    tasks_by_kind: dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class ShareableAssetNode:
    id: str
    kind: str
    name: str


def parse_asset(row: Mapping[str, Any], kind: str) -> AssetNode | None:
    asset_id = row_id(row)
    if asset_id is None:
        return None
    owner_id, owner_name = id_and_name(row.get("owner_business") or row.get("business"))
    # InstagramBusinessAsset has no name: its Instagram username is what people recognise.
    name = text(row.get("name")) or text(row.get("ig_username"))
    return AssetNode(
        id=asset_id,
        kind=kind,
        name=name or "",
        owner_business_id=owner_id,
        owner_business_name=owner_name,
        permitted_tasks=str_tuple(row.get("permitted_tasks")),
        extra={k: v for k, v in row.items() if k not in _ASSET_CORE},
    )


def asset_parser(kind: str) -> Callable[[Mapping[str, Any]], AssetNode | None]:
    """parse_asset for one kind, as listings take a one-argument parser."""

    def parse(row: Mapping[str, Any]) -> AssetNode | None:
        return parse_asset(row, kind)

    return parse


def pending_asset_parser(
    kind: str, relation: str, key: str
) -> Callable[[Mapping[str, Any]], PendingAssetNode | None]:
    """The parser of a pending-asset listing, whose rows name the asset under `key`."""

    def parse(row: Mapping[str, Any]) -> PendingAssetNode | None:
        request_id = row_id(row)
        if request_id is None:
            return None
        asset_id, asset_name = id_and_name(row.get(key))
        return PendingAssetNode(request_id, kind, asset_id, asset_name, relation)

    return parse


def parse_asset_group(row: Mapping[str, Any]) -> AssetGroupNode | None:
    group_id = row_id(row)
    if group_id is None:
        return None
    owner_id, _ = id_and_name(row.get("owner_business"))
    return AssetGroupNode(id=group_id, name=text(row.get("name")) or "", owner_business_id=owner_id)


def parse_assigned_user(row: Mapping[str, Any]) -> AssignedUserNode | None:
    user_id = row_id(row)
    if user_id is None:
        return None
    by_kind = {
        key.removesuffix("_tasks"): str_tuple(value)
        for key, value in row.items()
        if key.endswith("_tasks") and key != "permitted_tasks"
    }
    return AssignedUserNode(
        id=user_id,
        name=text(row.get("name")) or "",
        user_type=text(row.get("user_type")),
        tasks=str_tuple(row.get("tasks")),
        permitted_tasks=str_tuple(row.get("permitted_tasks")),
        tasks_by_kind=by_kind,
    )


def parse_agency(row: Mapping[str, Any]) -> AgencyShareNode | None:
    business_id = row_id(row)
    if business_id is None:
        return None
    return AgencyShareNode(
        business_id=business_id,
        name=text(row.get("name")) or "",
        access_status=text(row.get("access_status")),
        permitted_tasks=str_tuple(row.get("permitted_tasks")),
    )


def parse_group_tasks(row: Mapping[str, Any]) -> GroupTasksNode | None:
    group_id = row_id(row)
    if group_id is None:
        return None
    return GroupTasksNode(
        group_id=group_id,
        tasks_by_kind={
            key.removesuffix("_tasks"): str_tuple(value)
            for key, value in row.items()
            if key.endswith("_tasks")
        },
    )


def shareable_asset_parser(kind: str) -> Callable[[Mapping[str, Any]], ShareableAssetNode | None]:
    """The parser of an owned-asset listing read for onboarding: ad account ids carry their
    `act_` prefix and an Instagram account is named `@username`, as people see them."""

    def parse(row: Mapping[str, Any]) -> ShareableAssetNode | None:
        asset_id = row_id(row)
        if asset_id is None:
            return None
        if kind == "ad_account" and not asset_id.startswith("act_"):
            asset_id = f"act_{asset_id}"
        name = text(row.get("name")) or text(row.get("ig_username")) or ""
        if kind == "instagram_account" and name and "name" not in row:
            name = f"@{name}"
        return ShareableAssetNode(id=asset_id, kind=kind, name=name)

    return parse
