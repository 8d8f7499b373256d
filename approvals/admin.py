from __future__ import annotations

from django.contrib import admin

from approvals.models import ApprovalPolicy, ChangeRequest


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    """Read-only: requests are decided on the Approvals page, through the audited services."""

    list_display = ("requested_at", "business", "change", "state", "requested_by", "decided_by")
    list_filter = ("state", "change")
    list_select_related = ("business", "requested_by", "decided_by")
    search_fields = ("summary", "business__name")

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


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(admin.ModelAdmin):
    list_display = ("agency", "enabled", "expires_after_hours")
    readonly_fields = ("agency", "enabled", "expires_after_hours")

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
