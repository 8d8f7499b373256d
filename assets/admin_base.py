"""What the asset admins share: rows scoped by whether the staff member may see the asset."""

from __future__ import annotations

from django.db.models import QuerySet

from assets.scoping import scope_assets
from businesses.admin_base import ScopedAdminMixin


class AssetScopedAdminMixin(ScopedAdminMixin):
    """Scope rows by their asset's visibility (``assets/scoping.py``) rather than by a business:
    ``scope_assets_path`` reaches the asset from the row (``""`` = the row is an Asset)."""

    scope_assets_path: str = ""

    def scope_queryset(self, qs: QuerySet, user) -> QuerySet:
        return scope_assets(qs, user, self.scope_assets_path)
