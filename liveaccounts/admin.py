from __future__ import annotations

from django.contrib import admin

from assets.admin_base import AssetScopedAdminMixin
from businesses.admin_base import ReadOnlyAdmin, client_filter
from liveaccounts.models import AccountActivity


@admin.register(AccountActivity)
class AccountActivityAdmin(AssetScopedAdminMixin, ReadOnlyAdmin):
    scope_assets_path = "asset"
    list_display = ("asset", "is_live", "active_ads", "spend_7d", "currency", "read_at", "error")
    list_filter = (client_filter("asset__owner_business"), "is_live")
    list_select_related = ("asset",)
    search_fields = ("asset__name", "asset__meta_id")
