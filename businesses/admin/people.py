"""People: the staff assigned to each business, and each business's people as read from Meta."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model

from businesses.admin_base import AuditedAdmin, client_filter
from businesses.models import BusinessUser, StaffAssignment


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(AuditedAdmin):
    scope_path = "business"
    list_display = ("user", "business", "created_at")
    list_select_related = ("user", "business")
    search_fields = ("user__username", "business__name", "business__meta_id")
    # Staff are a handful: a plain list of them (the user autocomplete needs the user admin,
    # which agency admins do not get).
    autocomplete_fields = ("business",)
    list_filter = (client_filter("business"), "business__is_agency")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = (
                get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(BusinessUser)
class BusinessUserAdmin(AuditedAdmin):
    scope_path = "business"
    list_display = ("name", "email", "role", "status", "business", "meta_id")
    list_filter = (client_filter("business"), "role", "status", "business__is_agency")
    list_select_related = ("business",)
    search_fields = ("name", "email", "meta_id", "business__name", "business__meta_id")
    autocomplete_fields = ("business",)
    show_full_result_count = False
    # People leave through offboarding (removed in Meta), never by deleting the row here.
    plain_delete_action = False
    meta_fields = (
        "business",
        "meta_id",
        "invitation_meta_id",
        "name",
        "email",
        "role",
        "status",
        "invitation_expires_at",
        "removed_at",
    )

    def get_readonly_fields(self, request, obj=None):
        # Everything here is read from Meta by the sync.
        return self.meta_fields if obj is not None else ()
