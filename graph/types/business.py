"""Businesses and the people in them: Business, its partners, users, invitations, system
users and the roles people hold on an app; each type with the parser that builds it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import MalformedResponseError
from .base import as_int, id_and_name, parse_time, row_id, text


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
class RelatedBusinessNode:
    id: str
    name: str
    access_status: str | None = None


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
class AppRoleNode:
    user_id: str
    role: str


def parse_business(row: Mapping[str, Any]) -> BusinessNode:
    business_id = row_id(row)
    if business_id is None:
        raise MalformedResponseError("the business answer had no id")
    return BusinessNode(
        id=business_id,
        name=text(row.get("name")) or "",
        verification_status=text(row.get("verification_status")),
        two_factor_type=text(row.get("two_factor_type")),
        timezone_id=as_int(row.get("timezone_id")),
        vertical=text(row.get("vertical")),
        created_time=parse_time(row.get("created_time")),
        link=text(row.get("link")),
    )


def parse_listed_business(row: Mapping[str, Any]) -> BusinessNode | None:
    """A business in a listing: a row without an id is skipped, not a failed answer."""
    return parse_business(row) if row_id(row) is not None else None


def parse_related_business(row: Mapping[str, Any]) -> RelatedBusinessNode | None:
    business_id = row_id(row)
    if business_id is None:
        return None
    return RelatedBusinessNode(
        id=business_id,
        name=text(row.get("name")) or "",
        access_status=text(row.get("access_status")),
    )


def parse_business_user(row: Mapping[str, Any]) -> BusinessUserNode | None:
    user_id = row_id(row)
    if user_id is None:
        return None
    name = text(row.get("name")) or " ".join(
        p for p in (text(row.get("first_name")), text(row.get("last_name"))) if p
    )
    return BusinessUserNode(
        id=user_id, name=name, email=text(row.get("email")), role=text(row.get("role"))
    )


def parse_pending_user(row: Mapping[str, Any]) -> PendingUserNode | None:
    request_id = row_id(row)
    if request_id is None:
        return None
    return PendingUserNode(
        id=request_id,
        email=text(row.get("email")),
        role=text(row.get("role")),
        status=text(row.get("status")),
        expiration_time=parse_time(row.get("expiration_time") or row.get("expiry_time")),
    )


def parse_system_user(row: Mapping[str, Any]) -> SystemUserNode | None:
    user_id = row_id(row)
    if user_id is None:
        return None
    return SystemUserNode(
        id=user_id,
        name=text(row.get("name")) or "",
        role=text(row.get("role")),
        created_time=parse_time(row.get("created_time")),
    )


def parse_app_role(row: Mapping[str, Any]) -> AppRoleNode | None:
    user_id, _name = id_and_name(row.get("user"))
    role = text(row.get("role"))
    if user_id is None or role is None:
        return None
    return AppRoleNode(user_id=user_id, role=role)
