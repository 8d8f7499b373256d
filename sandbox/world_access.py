"""Who may do what in the world: the queries the routes and the tests ask (the access rule is in
``sandbox/world.py``'s docstring). A mixin of ``World``."""

from __future__ import annotations

from .entities import (
    Asset,
    BusinessUser,
    SystemUser,
)


class AccessRules:
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
