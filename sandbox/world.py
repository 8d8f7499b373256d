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

import random
import threading
import time
from typing import Any

from . import tasks as task_rules
from .entities import (
    _TOKEN_ALPHABET,
    APP_ROLES,
    ASSET_KINDS,
    Access,
    Asset,
    AssetGroup,
    Business,
    BusinessUser,
    Invitation,
    LoginCode,
    Person,
    SystemUser,
    Token,
    WorldConfig,
    meta_time,
)
from .usage import UsageTracker
from .world_access import AccessRules
from .world_people import PeopleAndTokens


class World(PeopleAndTokens, AccessRules):
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
