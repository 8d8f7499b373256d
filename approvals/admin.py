from __future__ import annotations

from django.contrib import admin

from approvals.models import ApprovalPolicy, ChangeRequest
from businesses.admin_base import SuperuserReadOnlyAdmin


@admin.register(ChangeRequest)
class ChangeRequestAdmin(SuperuserReadOnlyAdmin):
    """Requests are decided on the Approvals page, through the audited services."""

    list_display = ("requested_at", "business", "change", "state", "requested_by", "decided_by")
    list_filter = ("state", "change")
    list_select_related = ("business", "requested_by", "decided_by")
    search_fields = ("summary", "business__name")


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(SuperuserReadOnlyAdmin):
    """Turned on or off on the Approvals page (agency admins), audited there."""

    list_display = ("agency", "enabled", "expires_after_hours")
    readonly_fields = ("agency", "enabled", "expires_after_hours")
