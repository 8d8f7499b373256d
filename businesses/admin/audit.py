"""The audit trail: every change, whoever made it, read-only."""

from __future__ import annotations

from django.contrib import admin

from businesses.admin_base import ReadOnlyAdmin, client_filter
from businesses.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    # The rows of the staff member's businesses. The assets app narrows them further
    # (``assets/admin_audit.py``): the agency's rows record its people's grants in every client.
    scope_path = "business"
    list_display = ("at", "actor_label", "source", "action", "business", "summary")
    list_filter = (client_filter("business"), "source", "action")
    list_select_related = ("business",)
    search_fields = ("summary", "actor_label", "business__name", "target_id")
    date_hierarchy = "at"
    show_full_result_count = False
