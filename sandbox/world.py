"""The sandbox's in-memory picture of Meta: businesses, assets, people, system users, tokens.

One re-entrant lock guards everything (``world.lock``); the WSGI app holds it for the whole of
each request so a request sees and changes a consistent world. Test code may call the methods
here directly (they take the lock themselves) to inspect or alter state between HTTP calls.

Ids and tokens come from one seeded RNG, so a scenario built twice with the same seed yields the
same ids, secrets and tokens (``run_sandbox --print-credentials`` relies on that).

Access rule (a documented simplification of Meta's, DOMAIN §1.1/§9):
- a token may act on a business if its principal is a business user or system user of that
  business, or of its parent business (Meta: "apps can only target businesses, or child
  businesses of those businesses, that have claimed them");
- it may *read the node* of a business that is a partner (agency/client/OBO) of one of its
  principal's businesses;
- it may act on an asset if one of its principal's businesses owns it or has CONFIRMED AGENCY
  access to it.
Business-level administration (creating system users, inviting/removing people) also needs an
ADMIN role (business user or admin system user).
"""

from __future__ import annotations

import hashlib
import hmac
import random
import string
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import tasks as task_rules
from .usage import UsageTracker

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


class World:
    """All sandbox state. Every public method takes ``self.lock``."""

    def __init__(self, seed: int = 0, config: WorldConfig | None = None) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.config = config or WorldConfig()
        self._rng = random.Random(seed)
        self._time_offset = 0.0
        # A fixed "creation epoch" keeps created_time deterministic across runs.
        self._epoch = 1_767_225_600.0  # 2026-01-01T00:00:00Z
        self.businesses: dict[str, Business] = {}
        self.assets: dict[str, Asset] = {}
        self.people: dict[str, Person] = {}
        self.business_users: dict[str, BusinessUser] = {}
        self.invitations: dict[str, Invitation] = {}
        self.system_users: dict[str, SystemUser] = {}
        self.asset_groups: dict[str, AssetGroup] = {}
        self.tokens: dict[str, Token] = {}
        self.login_codes: dict[str, LoginCode] = {}
        # (agency business id, client business id) -> relationship status
        self.partners: dict[tuple[str, str], str] = {}
        # (partner business id, client business id): On Behalf Of relationships
        self.managed: set[tuple[str, str]] = set()
        self.credentials: dict[str, Any] = {}
        # "principal:page:app" -> page token handed out by /me/accounts
        self.page_tokens: dict[str, str] = {}
        self.usage = UsageTracker(self.now)
        # Indexes (issue 12) so a listing page or a custom-conversion read does not scan the
        # whole world. They hold *candidates*: every asset a business ever owned or was shared,
        # every conversion ever created on an ad account. Readers re-check the real condition,
        # so routes and tests may still change ``owner_id``/``access``/``del assets[...]``
        # directly; only a new owner must be announced with ``index_asset``.
        self._asset_order: dict[str, int] = {}
        self._assets_of: dict[tuple[str, str], dict[str, None]] = {}
        self._unsorted: set[tuple[str, str]] = set()
        self._conversions_of: dict[str, dict[str, None]] = {}
        self._members_of_person: dict[str, dict[str, None]] = {}

    # --- clock, ids, tokens ------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self._time_offset

    def advance_time(self, seconds: float) -> None:
        """Move the sandbox clock (token expiry, usage windows) forward."""
        with self.lock:
            self._time_offset += seconds

    def _created(self) -> float:
        # Deterministic creation times spread over the year before the epoch.
        return self._epoch - self._rng.randint(0, 365 * 24 * 3600)

    def new_id(self) -> str:
        with self.lock:
            while True:
                digits = self._rng.choice((15, 16, 17))
                candidate = str(self._rng.randint(10 ** (digits - 1), 10**digits - 1))
                if self.get(candidate) is None and self.get("act_" + candidate) is None:
                    return candidate

    def _new_token_string(self) -> str:
        body = "".join(self._rng.choice(_TOKEN_ALPHABET) for _ in range(160))
        return "EAA" + body

    def new_secret(self) -> str:
        with self.lock:
            return "".join(self._rng.choice("0123456789abcdef") for _ in range(32))

    # --- lookup --------------------------------------------------------------------------------

    def get(self, obj_id: str) -> Any | None:
        with self.lock:
            for store in (
                self.businesses,
                self.assets,
                self.business_users,
                self.system_users,
                self.asset_groups,
                self.invitations,
                self.people,
            ):
                if obj_id in store:
                    return store[obj_id]
            return None

    def kind_of(self, obj: Any) -> str:
        if isinstance(obj, Asset):
            return obj.kind
        return {
            Business: "business",
            BusinessUser: "business_user",
            SystemUser: "system_user",
            AssetGroup: "asset_group",
            Invitation: "invitation",
            Person: "person",
        }[type(obj)]

    def business(self, business_id: str) -> Business:
        return self.businesses[business_id]

    def asset(self, asset_id: str) -> Asset:
        return self.assets[asset_id]

    def token(self, token: str) -> Token | None:
        with self.lock:
            return self.tokens.get(token)

    # --- building the world (scenarios and tests) ----------------------------------------------

    def add_business(self, name: str, **attrs: Any) -> Business:
        with self.lock:
            biz = Business(id=self.new_id(), name=name, created_time=self._created(), **attrs)
            self.businesses[biz.id] = biz
            return biz

    def add_app(
        self,
        owner_id: str,
        name: str,
        access_level: str = "standard",
        secret: str | None = None,
        require_app_secret: bool = False,
    ) -> Asset:
        with self.lock:
            app = self.add_asset("app", owner_id, name, category="Business", link="")
            app.secret = secret or self.new_secret()
            app.access_level = access_level
            app.require_app_secret = require_app_secret
            app.fields["link"] = f"https://www.facebook.com/games/?app_id={app.id}"
            return app

    def add_app_role(self, app_id: str, person_id: str, role: str) -> None:
        """Give a person a role on an app (the app dashboard's Roles, DOMAIN §8.2)."""
        if role not in APP_ROLES:
            raise ValueError(f"unknown app role {role!r}")
        with self.lock:
            self.assets[app_id].roles[person_id] = role

    def add_asset(self, kind: str, owner_id: str, name: str, **fields: Any) -> Asset:
        if kind not in ASSET_KINDS:
            raise ValueError(f"unknown asset kind {kind!r}")
        with self.lock:
            raw = self.new_id()
            asset_id = "act_" + raw if kind == "ad_account" else raw
            asset = Asset(
                id=asset_id, kind=kind, name=name, owner_id=owner_id, created_time=self._created()
            )
            asset.fields.update(self._default_fields(kind, raw))
            asset.fields.update(fields)
            self.assets[asset.id] = asset
            self._asset_order[asset.id] = len(self._asset_order)
            self.index_asset(asset)
            if kind == "instagram_account":
                # The grantable InstagramBusinessAsset stands for an Instagram account (IGUser).
                username = asset.fields.pop("username", None) or f"ig_{raw[-6:]}"
                ig_user = self.add_asset("ig_user", owner_id, name, username=username)
                asset.fields["ig_user_id"] = ig_user.id
                asset.fields["ig_username"] = username
            return asset

    def index_asset(self, asset: Asset, business_id: str | None = None) -> None:
        """Record that ``business_id`` (default: the asset's owner) may list the asset.

        Call after changing ``owner_id`` directly (an ownership claim); ``share_asset`` and
        ``add_asset`` call it themselves.
        """
        with self.lock:
            key = (business_id or asset.owner_id, asset.kind)
            ids = self._assets_of.setdefault(key, {})
            if asset.id in ids:
                return
            order = self._asset_order.get(asset.id, len(self._asset_order))
            if ids and order < self._asset_order.get(next(reversed(ids)), -1):
                self._unsorted.add(key)
            ids[asset.id] = None
            account_id = asset.fields.get("ad_account_id")
            if asset.kind == "custom_conversion" and account_id:
                self._conversions_of.setdefault(str(account_id), {})[asset.id] = None

    def _candidates(self, business_id: str, kind: str) -> list[Asset]:
        """Assets of ``kind`` the business ever owned or was shared, in creation order."""
        key = (business_id, kind)
        ids = self._assets_of.get(key)
        if not ids:
            return []
        if key in self._unsorted:
            order = self._asset_order
            ids = dict.fromkeys(sorted(ids, key=lambda i: order.get(i, len(order))))
            self._assets_of[key] = ids
            self._unsorted.discard(key)
        assets = self.assets
        return [a for i in ids if (a := assets.get(i)) is not None and a.kind == kind]

    def custom_conversions_of(self, account_id: str) -> list[Asset]:
        """Custom conversions created on an ad account, in creation order (indexed)."""
        with self.lock:
            assets = self.assets
            return [
                a
                for i in self._conversions_of.get(account_id, {})
                if (a := assets.get(i)) is not None
                and a.kind == "custom_conversion"
                and a.fields.get("ad_account_id") == account_id
            ]

    def _default_fields(self, kind: str, raw_id: str) -> dict[str, Any]:
        if kind == "ad_account":
            return {
                "account_id": raw_id,
                "account_status": 1,
                "currency": "USD",
                "timezone_id": 1,
                "timezone_name": "America/Los_Angeles",
            }
        if kind == "page":
            return {"category": "Brand", "verification_status": "not_verified"}
        if kind == "pixel":
            return {"is_unavailable": False, "last_fired_time": meta_time(self._epoch)}
        if kind == "catalog":
            return {"vertical": "commerce", "product_count": self._rng.randint(0, 5000)}
        if kind == "custom_conversion":
            return {"custom_event_type": "PURCHASE", "is_archived": False}
        if kind == "ig_user":
            return {"username": f"ig_{raw_id[-6:]}"}
        return {}

    def share_asset(
        self,
        asset_id: str,
        business_id: str,
        permitted_tasks: list[str] | None = None,
        status: str = "CONFIRMED",
        access_type: str = "AGENCY",
    ) -> Access:
        """Give a business AGENCY access (or a PENDING ownership claim with access_type=OWNER)."""
        with self.lock:
            asset = self.assets[asset_id]
            kind = asset.kind
            requested = task_rules.expand(kind, permitted_tasks or [])
            now = self.now()
            access = Access(
                business_id=business_id,
                access_type=access_type,
                status=status,
                permitted_tasks=requested,
                requested_time=now,
                updated_time=now,
                request_id=self.new_id(),
            )
            asset.access[business_id] = access
            self.index_asset(asset, business_id)
            return access

    def approve_access(self, asset_id: str, business_id: str) -> None:
        """What an asset admin does in Meta's UI: confirm a PENDING agency access."""
        with self.lock:
            access = self.assets[asset_id].access[business_id]
            access.status = "CONFIRMED"
            access.updated_time = self.now()

    def add_person(self, name: str, email: str | None = None) -> Person:
        with self.lock:
            person = Person(
                id=self.new_id(), name=name, email=email or _email_for(name, "example.com")
            )
            self.people[person.id] = person
            return person

    def add_business_user(
        self,
        business_id: str,
        name: str | None = None,
        role: str = "EMPLOYEE",
        email: str | None = None,
        person_id: str | None = None,
    ) -> BusinessUser:
        """Add a person (new unless ``person_id``) to a business; ids are business-scoped."""
        with self.lock:
            person = self.people[person_id] if person_id else self.add_person(name or "", email)
            bu = BusinessUser(
                id=self.new_id(),
                business_id=business_id,
                person_id=person.id,
                role=role,
                email=email or person.email,
                name=person.name,
                created_time=self._created(),
            )
            self.business_users[bu.id] = bu
            self._members_of_person.setdefault(person.id, {})[bu.id] = None
            return bu

    def _memberships(self, person_id: str) -> list[BusinessUser]:
        """The person's business users (indexed; re-checked against ``business_users``)."""
        users = self.business_users
        return [
            u
            for i in self._members_of_person.get(person_id, {})
            if (u := users.get(i)) is not None and u.person_id == person_id
        ]

    def invite(self, business_id: str, email: str, role: str = "EMPLOYEE") -> Invitation:
        with self.lock:
            now = self.now()
            inv = Invitation(
                id=self.new_id(),
                business_id=business_id,
                email=email,
                role=role,
                created_time=now,
                expiration_time=now + self.config.invite_ttl_seconds,
            )
            self.invitations[inv.id] = inv
            return inv

    def accept_invitation(self, invitation_id: str, name: str | None = None) -> BusinessUser:
        """What the invitee does in Meta's UI: the invite turns into a business user."""
        with self.lock:
            inv = self.invitations.pop(invitation_id)
            display = name or inv.email.split("@")[0].replace(".", " ").title()
            return self.add_business_user(inv.business_id, display, inv.role, inv.email)

    def add_system_user(
        self,
        business_id: str,
        name: str,
        role: str = "EMPLOYEE",
        app_id: str | None = None,
        obo_partner_id: str | None = None,
    ) -> SystemUser:
        """Create a system user without Meta's caps (scenario building); HTTP enforces caps."""
        with self.lock:
            su = SystemUser(
                id=self.new_id(),
                business_id=business_id,
                name=name,
                role=role,
                created_time=self._created(),
                apps=[app_id] if app_id else [],
                obo_partner_id=obo_partner_id,
            )
            self.system_users[su.id] = su
            return su

    def issue_token(
        self,
        principal_id: str,
        app_id: str,
        scopes: list[str] | None = None,
        type: str | None = None,
        expires_in: float | None = None,
    ) -> Token:
        """Mint a token. ``expires_in=None`` means never (``expires_at`` 0)."""
        with self.lock:
            if type is None:
                type = "SYSTEM_USER" if principal_id in self.system_users else "USER"
            now = int(self.now())
            tok = Token(
                token=self._new_token_string(),
                principal_id=principal_id,
                type=type,
                app_id=app_id,
                scopes=list(scopes if scopes is not None else DEFAULT_USER_SCOPES),
                issued_at=now,
                expires_at=int(now + expires_in) if expires_in is not None else 0,
                data_access_expires_at=(
                    int(now + 90 * 24 * 3600) if type == "USER" else 0
                ),  # DOMAIN §5.2: data access lapses after 90 days for users
            )
            self.tokens[tok.token] = tok
            return tok

    def revoke_token(self, token: str) -> None:
        with self.lock:
            self.tokens[token].valid = False

    def expire_token(self, token: str) -> None:
        """Make a token already expired (for 190/463 tests)."""
        with self.lock:
            self.tokens[token].expires_at = int(self.now()) - 60

    def mint_login_code(
        self,
        person_id: str,
        app_id: str,
        redirect_uri: str = "",
        scopes: list[str] | None = None,
    ) -> str:
        """A Facebook Login ``code`` for ``GET /oauth/access_token?code=`` exchange tests."""
        with self.lock:
            code = "AQ" + "".join(self._rng.choice(_TOKEN_ALPHABET) for _ in range(60))
            self.login_codes[code] = LoginCode(
                code, person_id, app_id, redirect_uri, list(scopes or DEFAULT_USER_SCOPES)
            )
            return code

    def add_partner(self, agency_id: str, client_id: str, status: str = "CONFIRMED") -> None:
        with self.lock:
            self.partners[(agency_id, client_id)] = status

    def add_asset_group(
        self, owner_id: str, name: str, asset_ids: list[str] | None = None
    ) -> AssetGroup:
        with self.lock:
            group = AssetGroup(
                id=self.new_id(), name=name, owner_id=owner_id, asset_ids=list(asset_ids or [])
            )
            self.asset_groups[group.id] = group
            return group

    def assign(self, asset_id: str, user_id: str, tasks: list[str]) -> list[str]:
        """Replace a user's tasks on an asset (stores Meta's expanded superset)."""
        with self.lock:
            asset = self.assets[asset_id]
            expanded = task_rules.expand(asset.kind, tasks)
            asset.assigned[user_id] = expanded
            return expanded

    def assign_group(
        self, group_id: str, user_id: str, tasks_by_param: dict[str, list[str]]
    ) -> None:
        with self.lock:
            group = self.asset_groups[group_id]
            stored = {}
            for param, tasks in tasks_by_param.items():
                kind = task_rules.GROUP_TASK_PARAMS[param]
                stored[param] = task_rules.expand(kind, tasks)
            group.users[user_id] = stored

    def withdraw_edge(self, node_kind: str, edge_name: str) -> None:
        """Make Meta stop serving an edge (or a field) on a node kind, as a new Graph version
        does; e.g. ``withdraw_edge("business", "owned_pixels")``."""
        with self.lock:
            self.config.withdrawn_edges.setdefault(node_kind, set()).add(edge_name)

    def is_withdrawn(self, node_kind: str, edge_name: str) -> bool:
        with self.lock:
            return edge_name in self.config.withdrawn_edges.get(node_kind, set())

    def set_two_factor_enforced(self, business_id: str, enforced: bool = True) -> None:
        with self.lock:
            self.businesses[business_id].two_factor_enforced = enforced

    def set_app_level(self, app_id: str, level: str) -> None:
        with self.lock:
            self.assets[app_id].access_level = level

    def set_require_app_secret(self, app_id: str, required: bool = True) -> None:
        with self.lock:
            self.assets[app_id].require_app_secret = required

    # --- queries used by the routes and by tests -------------------------------------------

    def owned_assets(self, business_id: str, kind: str) -> list[Asset]:
        with self.lock:
            return [a for a in self._candidates(business_id, kind) if a.owner_id == business_id]

    def shared_assets(
        self, business_id: str, kind: str, status: str = "CONFIRMED", access_type: str = "AGENCY"
    ) -> list[Asset]:
        with self.lock:
            return [
                a
                for a in self._candidates(business_id, kind)
                if business_id in a.access
                and a.access[business_id].status == status
                and a.access[business_id].access_type == access_type
            ]

    def users_of(self, business_id: str) -> list[BusinessUser]:
        with self.lock:
            return [u for u in self.business_users.values() if u.business_id == business_id]

    def system_users_of(self, business_id: str) -> list[SystemUser]:
        with self.lock:
            return [s for s in self.system_users.values() if s.business_id == business_id]

    def member_business(self, user_id: str) -> str | None:
        """Business of a business user / system user id (assignable principals)."""
        with self.lock:
            if user_id in self.business_users:
                return self.business_users[user_id].business_id
            if user_id in self.system_users:
                return self.system_users[user_id].business_id
            return None

    def principal_businesses(self, principal_id: str) -> set[str]:
        with self.lock:
            if principal_id in self.system_users:
                return {self.system_users[principal_id].business_id}
            if principal_id in self.people:
                return {u.business_id for u in self._memberships(principal_id)}
            if principal_id in self.assets:  # page tokens act for the page's owner
                return {self.assets[principal_id].owner_id}
            return set()

    def principal_member_id(self, principal_id: str, business_id: str) -> str | None:
        """The business-scoped id the principal has in a business (for assigned_* checks)."""
        with self.lock:
            if principal_id in self.system_users:
                su = self.system_users[principal_id]
                return su.id if su.business_id == business_id else None
            for u in self._memberships(principal_id):
                if u.business_id == business_id:
                    return u.id
            return None

    def is_admin(self, principal_id: str, business_id: str) -> bool:
        with self.lock:
            if principal_id in self.system_users:
                su = self.system_users[principal_id]
                return su.business_id == business_id and su.role == "ADMIN"
            return any(
                u.business_id == business_id and u.role == "ADMIN"
                for u in self._memberships(principal_id)
            )

    def can_act_on_business(self, principal_id: str, business_id: str) -> bool:
        with self.lock:
            mine = self.principal_businesses(principal_id)
            if business_id in mine:
                return True
            biz = self.businesses.get(business_id)
            return bool(biz and biz.parent_id and biz.parent_id in mine)

    def partners_of(self, business_id: str) -> set[str]:
        with self.lock:
            related = {c for (a, c) in self.partners if a == business_id}
            related |= {a for (a, c) in self.partners if c == business_id}
            related |= {c for (p, c) in self.managed if p == business_id}
            related |= {p for (p, c) in self.managed if c == business_id}
            return related

    def can_read_business(self, principal_id: str, business_id: str) -> bool:
        with self.lock:
            if self.can_act_on_business(principal_id, business_id):
                return True
            return any(
                business_id in self.partners_of(b) for b in self.principal_businesses(principal_id)
            )

    def businesses_with_access(self, asset: Asset) -> set[str]:
        """Owner plus businesses with CONFIRMED AGENCY access."""
        if asset.kind == "custom_conversion" and asset.fields.get("ad_account_id") in self.assets:
            return self.businesses_with_access(self.assets[asset.fields["ad_account_id"]])
        result = {asset.owner_id}
        result |= {
            b
            for b, acc in asset.access.items()
            if acc.access_type == "AGENCY" and acc.status == "CONFIRMED"
        }
        return result

    def can_act_on_asset(self, principal_id: str, asset: Asset) -> bool:
        with self.lock:
            return bool(
                self.principal_businesses(principal_id) & self.businesses_with_access(asset)
            )

    def su_caps(self, business_id: str, app_id: str | None) -> tuple[int, int] | None:
        """(system users, admin system users) allowed, or None when no app is in the business."""
        with self.lock:
            owned = [a for a in self.owned_assets(business_id, "app")]
            if not owned:
                return None
            token_app = self.assets.get(app_id or "")
            if token_app is not None and token_app.owner_id == business_id:
                level = token_app.access_level or "standard"
            else:
                level = (
                    "advanced" if any(a.access_level == "advanced" for a in owned) else ("standard")
                )
            return self.config.su_caps.get(level, self.config.su_caps["standard"])

    def tier_for(self, app_id: str | None) -> str:
        """Value of ``ads_api_access_tier`` for an app (Meta's legacy header names)."""
        app = self.assets.get(app_id or "")
        if app is not None and app.access_level == "advanced":
            return "standard_access"
        return "development_access"

    def count(self, kind: str | None = None) -> int:
        with self.lock:
            if kind is None:
                # An IGUser comes with its InstagramBusinessAsset: one Instagram asset.
                return sum(1 for a in self.assets.values() if a.kind != "ig_user")
            return sum(1 for a in self.assets.values() if a.kind == kind)


def _email_for(name: str, domain: str) -> str:
    local = ".".join(part.lower() for part in name.split()) or "user"
    return f"{local}@{domain}"
