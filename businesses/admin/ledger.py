"""The Graph call ledger: every call the portal made to Meta, read-only."""

from __future__ import annotations

from django.contrib import admin

from businesses import scoping
from businesses.admin_base import ReadOnlyAdmin, client_filter
from businesses.models import Business, GraphCall


@admin.register(GraphCall)
class GraphCallAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "method",
        "path",
        "status",
        "error_code",
        "duration_ms",
        "app",
        "business_meta_id",
        "app_usage_pct",
        "business_usage_pct",
    )
    list_filter = (
        client_filter("business_meta_id", by="meta_id"),
        "method",
        "status",
        "error_code",
    )
    list_select_related = ("app",)
    search_fields = ("path", "business_meta_id")
    date_hierarchy = "at"
    show_full_result_count = False

    def scope_queryset(self, qs, user):
        # A call made with the agency's connection can name any client's assets in its path,
        # so only calls made with a client's own connection are that client's.
        if user.is_superuser:
            return qs
        visible = scoping.scope(Business.objects.filter(is_agency=False), user, "")
        return qs.filter(business_meta_id__in=visible.values("meta_id"))
