"""What the sandbox's world is made of: the node kinds it serves and one dataclass per thing
(business, asset and its accesses, person, business user, invitation, system user, asset group,
token, login code)."""

from __future__ import annotations

import hashlib
import hmac
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import tasks as task_rules

# Each kind is one Graph node type. Instagram is two: the IGUser (the account itself, listed by
# `owned_instagram_accounts`, no assigned_users or agencies edge) and the InstagramBusinessAsset
# (`id, ig_user_id, ig_username`, listed by `owned_instagram_assets` / `client_instagram_assets`,
# with assigned_users and agencies): SDK adobjects/iguser.py, instagrambusinessasset.py.
# Offline events live in datasets (pixels): Business has no offline_conversion_data_sets edge
# since SDK v20, so the world holds no offline event sets.
ASSET_KINDS = (
    "ad_account",
    "page",
    "pixel",
    "catalog",
    "app",
    "custom_conversion",
    "instagram_account",
    "ig_user",
)

# Graph node type names, used in Meta-style error messages.
NODE_TYPES = {
    "business": "Business",
    "ad_account": "AdAccount",
    "page": "Page",
    "pixel": "AdsPixel",
    "catalog": "ProductCatalog",
    "app": "Application",
    "custom_conversion": "CustomConversion",
    "instagram_account": "InstagramBusinessAsset",
    "ig_user": "IGUser",
    "business_user": "BusinessUser",
    "system_user": "SystemUser",
    "person": "User",
    "invitation": "BusinessRoleRequest",
    "asset_group": "BusinessAssetGroup",
}

_TOKEN_ALPHABET = string.ascii_letters + string.digits


def appsecret_proof(token: str, secret: str) -> str:
    """hex HMAC-SHA256 of the token keyed by the app secret (DOMAIN §5.3)."""
    return hmac.new(secret.encode(), msg=token.encode(), digestmod=hashlib.sha256).hexdigest()


def meta_time(ts: float) -> str:
    """Meta's datetime format, e.g. ``2026-01-15T10:20:30+0000``."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class WorldConfig:
    page_size_default: int = 25
    # Limits above the cap are silently clamped; above ``too_much_data_limit`` Meta answers
    # code 1 "Please reduce the amount of data" (no subcode; 1/99 is Meta's "An unknown error
    # occurred"). Meta documents neither number (DOMAIN §7.1 UNCONFIRMED).
    page_size_cap: int = 500
    too_much_data_limit: int = 1000
    too_much_data_by_edge: dict[str, int] = field(default_factory=dict)
    # Edges or fields Meta no longer serves, per node kind (e.g. {"business": {"owned_pixels"}},
    # {"pixel": {"last_fired_time"}}): asked for, they are answered as Meta answers a field or
    # edge that does not exist (a test's way to make Meta withdraw one between two syncs).
    withdrawn_edges: dict[str, set[str]] = field(default_factory=dict)
    # app access level -> (system users, admin system users)  (DOMAIN decision 3)
    su_caps: dict[str, tuple[int, int]] = field(
        default_factory=lambda: {"standard": (1, 1), "advanced": (10, 1)}
    )
    batch_max: int = 50
    ids_max: int = 50
    task_vocabulary: dict[str, list[str]] = field(
        default_factory=lambda: {k: list(v) for k, v in task_rules.DEFAULT_VOCABULARY.items()}
    )
    invite_ttl_seconds: int = 30 * 24 * 3600  # GUESS: Meta's invite expiry is UNCONFIRMED
    long_lived_seconds: int = 60 * 24 * 3600


@dataclass
class Business:
    id: str
    name: str
    verification_status: str = "not_verified"
    two_factor_type: str = "none"
    vertical: str = "ADVERTISING"
    timezone_id: int = 1
    created_time: float = 0.0
    parent_id: str | None = None
    # Sandbox-only switch: writes on this business (and its assets) answer 415.
    two_factor_enforced: bool = False
    primary_page_id: str | None = None

    @property
    def link(self) -> str:
        return f"https://business.facebook.com/latest/settings?business_id={self.id}"


@dataclass
class Access:
    business_id: str
    access_type: str  # OWNER | AGENCY
    status: str  # CONFIRMED | PENDING
    permitted_tasks: list[str] = field(default_factory=list)
    requested_time: float = 0.0
    updated_time: float = 0.0
    request_id: str = ""


@dataclass
class Asset:
    id: str
    kind: str
    name: str
    owner_id: str
    created_time: float = 0.0
    fields: dict[str, Any] = field(default_factory=dict)
    # business id -> access of a *non-owner* business (AGENCY, or PENDING ownership claims)
    access: dict[str, Access] = field(default_factory=dict)
    # business user / system user id -> expanded task list
    assigned: dict[str, list[str]] = field(default_factory=dict)
    # apps only
    secret: str | None = None
    access_level: str | None = None  # standard | advanced
    require_app_secret: bool = False
    # person id -> role (administrators | developers | testers | insights users), apps only
    roles: dict[str, str] = field(default_factory=dict)


# Graph's legacy app role values (DOMAIN decision 9).
APP_ROLES = ("administrators", "developers", "testers", "insights users")


@dataclass
class Person:
    id: str
    name: str
    email: str


@dataclass
class BusinessUser:
    id: str
    business_id: str
    person_id: str
    role: str
    email: str
    name: str
    created_time: float = 0.0


@dataclass
class Invitation:
    id: str
    business_id: str
    email: str
    role: str
    status: str = "PENDING"  # GUESS: exact status strings are UNCONFIRMED (DOMAIN §3.3)
    created_time: float = 0.0
    expiration_time: float = 0.0
    tasks: list[str] = field(default_factory=list)


@dataclass
class SystemUser:
    id: str
    business_id: str
    name: str
    role: str  # ADMIN | EMPLOYEE
    created_time: float = 0.0
    apps: list[str] = field(default_factory=list)
    obo_partner_id: str | None = None


@dataclass
class AssetGroup:
    id: str
    name: str
    owner_id: str
    asset_ids: list[str] = field(default_factory=list)
    # user id -> {"adaccount_tasks": [...], "page_tasks": [...], ...}
    users: dict[str, dict[str, list[str]]] = field(default_factory=dict)


@dataclass
class Token:
    token: str
    principal_id: str
    type: str  # USER | SYSTEM_USER | PAGE | APP
    app_id: str
    scopes: list[str]
    issued_at: int
    expires_at: int = 0  # 0 = never
    valid: bool = True
    data_access_expires_at: int = 0


@dataclass
class LoginCode:
    code: str
    person_id: str
    app_id: str
    redirect_uri: str
    scopes: list[str]
    used: bool = False


DEFAULT_USER_SCOPES = ["ads_management", "ads_read", "business_management", "public_profile"]


def _email_for(name: str, domain: str) -> str:
    local = ".".join(part.lower() for part in name.split()) or "user"
    return f"{local}@{domain}"
