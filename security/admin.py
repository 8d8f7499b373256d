from __future__ import annotations

from django.contrib import admin

from security.models import FindingDismissal


@admin.register(FindingDismissal)
class FindingDismissalAdmin(admin.ModelAdmin):
    """Read-only here: dismissing and restoring go through the review page's audited services."""

    list_display = ("dismissed_at", "business", "key", "dismissed_by", "reason")
    list_select_related = ("business", "dismissed_by")
    search_fields = ("business__name", "key", "reason")
    readonly_fields = ("business", "key", "reason", "dismissed_by", "dismissed_at")

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
