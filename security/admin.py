from __future__ import annotations

from django.contrib import admin

from businesses.admin_base import SuperuserReadOnlyAdmin
from security.models import FindingDismissal


@admin.register(FindingDismissal)
class FindingDismissalAdmin(SuperuserReadOnlyAdmin):
    """Dismissing and restoring go through the review page's audited services."""

    list_display = ("dismissed_at", "business", "key", "dismissed_by", "reason")
    list_select_related = ("business", "dismissed_by")
    search_fields = ("business__name", "key", "reason")
    readonly_fields = ("business", "key", "reason", "dismissed_by", "dismissed_at")
